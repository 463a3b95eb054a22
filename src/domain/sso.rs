//! Single sign-on's rules (issue 29; decision 0038): what counts as the provider's second
//! factor, who may enter through a provider, and what each refusal tells the person.

use chrono::Duration;

/// How far apart the provider's clock and ours may be when an ID token's times are checked.
pub const CLOCK_SKEW: Duration = Duration::seconds(120);

/// How long a sign-in may stay at the provider before its callback is refused.
pub const PENDING_FOR: Duration = Duration::minutes(10);

/// The ID token claim that says the provider asked for a second factor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MfaClaim {
    /// This value among the token's `amr` (authentication methods) values, e.g. `mfa`.
    Amr(String),
    /// The token's `acr` (authentication context class) is this value.
    Acr(String),
}

impl MfaClaim {
    /// `amr=VALUE` or `acr=VALUE`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("\"{text}\" is not amr=VALUE or acr=VALUE (e.g. amr=mfa)");
        let (claim, value) = text.trim().split_once('=').ok_or_else(bad)?;
        let value = value.trim();
        if value.is_empty() || value.len() > 200 || value.contains(char::is_whitespace) || value.contains('=') {
            return Err(bad());
        }
        match claim.trim() {
            "amr" => Ok(MfaClaim::Amr(value.into())),
            "acr" => Ok(MfaClaim::Acr(value.into())),
            _ => Err(bad()),
        }
    }

    /// As stored and shown: `amr=mfa`.
    pub fn text(&self) -> String {
        match self {
            MfaClaim::Amr(v) => format!("amr={v}"),
            MfaClaim::Acr(v) => format!("acr={v}"),
        }
    }

    /// Whether a token with these `amr` values and `acr` asserts the second factor.
    pub fn asserted(&self, amr: &[String], acr: Option<&str>) -> bool {
        match self {
            MfaClaim::Amr(v) => amr.iter().any(|m| m == v),
            MfaClaim::Acr(v) => acr == Some(v.as_str()),
        }
    }
}

/// Whether the local authenticator step is skipped: only when the agency names the claim and
/// the token carries it. With no claim configured, the provider's word is never taken for it.
pub fn provider_did_mfa(claim: Option<&MfaClaim>, amr: &[String], acr: Option<&str>) -> bool {
    claim.is_some_and(|c| c.asserted(amr, acr))
}

/// Why a sign-in through a provider did not sign anyone in. Each is audited with its
/// [`reason`](Refusal::reason) and shown in [`words`](Refusal::words) a person can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The callback's `state` is unknown, used already, too old, or from another browser.
    State,
    /// The provider did not answer, or answered something that is not OpenID Connect.
    ProviderUnreachable,
    /// The person (or the provider) refused, e.g. consent not given.
    ProviderRefused,
    /// The ID token failed a check: signature, issuer, audience or nonce.
    Token,
    /// The ID token's times disagree with our clock beyond [`CLOCK_SKEW`] (expired, or issued
    /// in the future).
    ClockSkew,
    /// The person has no account here (no link, no account with their verified e-mail).
    NotLinked,
    /// The account linked to the person belongs to another agency than the provider's.
    OtherAgency,
    /// The account is disabled.
    Disabled,
    /// The account is locked (failed sign-ins).
    Locked,
    /// A service account: it never signs in on the web.
    ServiceAccount,
    /// The installation's operator signs in with its own password and authenticator only.
    Operator,
}

impl Refusal {
    /// The word in the audit entry's `reason`.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::State => "state_mismatch",
            Refusal::ProviderUnreachable => "provider_unreachable",
            Refusal::ProviderRefused => "provider_refused",
            Refusal::Token => "token_invalid",
            Refusal::ClockSkew => "clock_skew",
            Refusal::NotLinked => "not_linked",
            Refusal::OtherAgency => "other_agency",
            Refusal::Disabled => "account_disabled",
            Refusal::Locked => "account_locked",
            Refusal::ServiceAccount => "service_account",
            Refusal::Operator => "operator_account",
        }
    }

    /// What the person reads, and what to do.
    pub fn words(self) -> &'static str {
        match self {
            Refusal::State => {
                "This sign-in link was already used, is too old, or was started in another browser. Start again from the sign-in page."
            }
            Refusal::ProviderUnreachable => {
                "Your agency's sign-in service did not answer. Try again in a few minutes; if it keeps failing, sign in with your wso-tracker password or call your administrator."
            }
            Refusal::ProviderRefused => {
                "The sign-in service did not let you through (for example, access was not allowed). Start again, or ask your administrator."
            }
            Refusal::Token => {
                "The answer from your agency's sign-in service could not be trusted, so you were not signed in. Start again; if it happens again, tell your administrator."
            }
            Refusal::ClockSkew => {
                "The sign-in service's clock and this server's disagree, so you were not signed in. Tell your administrator (the servers' clocks need setting)."
            }
            Refusal::NotLinked | Refusal::OtherAgency => {
                "You signed in at your agency's sign-in service, but you have no wso-tracker account linked to it. Ask your administrator to create or link your account."
            }
            Refusal::Disabled | Refusal::Locked | Refusal::ServiceAccount => {
                "Your wso-tracker account cannot sign in now. Ask your administrator."
            }
            Refusal::Operator => {
                "The installation's operator account signs in with its wso-tracker password and authenticator, not through an agency's sign-in service."
            }
        }
    }
}

/// What [`may_enter`] asks of an account.
#[derive(Clone, Copy, Debug)]
pub struct Account {
    pub agency: Option<i64>,
    /// It operates the installation (`tenancy::may_operate`).
    pub operator: bool,
    pub disabled: bool,
    pub locked: bool,
    pub api_only: bool,
}

/// The account a person may enter through the provider of `provider_agency`: one of that
/// agency, enabled, not locked, not a service account, and not the installation's operator
/// (whom no agency's provider may vouch for, even when it is also an agency's first admin).
/// A person of agency A can never enter agency B's account, whatever B's provider says.
pub fn may_enter(provider_agency: i64, account: &Account) -> Result<(), Refusal> {
    let Account {
        agency,
        operator,
        disabled,
        locked,
        api_only,
    } = *account;
    if agency != Some(provider_agency) {
        return Err(Refusal::OtherAgency);
    }
    if operator {
        return Err(Refusal::Operator);
    }
    if api_only {
        return Err(Refusal::ServiceAccount);
    }
    if disabled {
        return Err(Refusal::Disabled);
    }
    if locked {
        return Err(Refusal::Locked);
    }
    Ok(())
}

/// Whether an issuer URL may be used: `https://`, or `http://` to this machine only (a
/// provider for tests or one reached through a local proxy).
pub fn check_issuer(url: &url::Url) -> Result<(), String> {
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "{url} is not an https:// address (plain http is accepted for this machine only)"
        )),
    }
}

/// An e-mail domain as stored: lower case, no `@`, at least one dot.
pub fn check_domain(text: &str) -> Result<String, String> {
    let d = text.trim().trim_start_matches('@').to_ascii_lowercase();
    let ok = d.contains('.')
        && d.len() <= 253
        && !d.starts_with('.')
        && !d.ends_with('.')
        && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(d)
    } else {
        Err(format!("\"{text}\" is not an e-mail domain (e.g. county.gov)"))
    }
}

/// The domain of an e-mail address, lower case.
pub fn domain_of(email: &str) -> Option<String> {
    let (_, d) = email.trim().rsplit_once('@')?;
    check_domain(d).ok()
}

#[cfg(test)]
#[path = "sso_tests.rs"]
mod tests;
