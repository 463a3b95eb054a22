//! Sign-in with the agency's own identity provider (issue 29; decision 0038): OpenID Connect's
//! authorization-code flow with PKCE through the `openidconnect` crate. The provider proves who
//! the person is; whether they get in, as which account, and whether our own authenticator step
//! follows is decided here (`domain::sso`), and every refusal is audited with its reason.

use chrono::{DateTime, Utc};
use openidconnect::core::{CoreAuthenticationFlow, CoreIdTokenClaims};
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, Scope, TokenResponse,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::db::{self, sso::Provider, users::User};
use crate::domain::sso::{self as rules, CLOCK_SKEW, MfaClaim, PENDING_FOR, Refusal};
use crate::error::AppResult;
use crate::secrets::Keyring;
use crate::services::signin::entry;

pub use super::sso_provider::Providers;
use super::sso_provider::{Client, client};

/// The path an agency's provider sends people back to (registered there as the redirect URI,
/// after the installation's public address). One per agency: a callback is refused when the
/// sign-in it continues was started for another agency, so that no provider's answer can be
/// delivered as another's (the OAuth "mix-up" attack).
pub fn callback_path(agency_code: &str) -> String {
    format!("/login/{agency_code}/sso/callback")
}

/// A text from the provider as the audit log keeps it: control characters dropped, at most 300.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(300).collect()
}

/// Where a sign-in starts: the provider's authorization address, and the value of the cookie
/// that ties the callback to this browser.
pub struct Started {
    pub to: url::Url,
    pub browser: String,
}

/// The agency's enabled provider.
pub async fn provider_of(pool: &PgPool, agency_id: i64) -> AppResult<Option<Provider>> {
    Ok(db::sso::of_agency(pool, agency_id).await?.filter(|p| p.enabled))
}

/// Starts a sign-in at the agency's provider: PKCE, `state` and `nonce` made here and kept in
/// the database for the callback (with a hash of the browser's cookie).
pub async fn start(
    pool: &PgPool,
    providers: &Providers,
    keys: &Keyring,
    p: &Provider,
    public_url: &str,
    now: DateTime<Utc>,
) -> AppResult<Result<Started, Refusal>> {
    let metadata = match providers.metadata(p, false).await {
        Ok(m) => m,
        Err(r) => return Ok(Err(r)),
    };
    let client = client(p, keys, metadata, public_url)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (to, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let browser = crate::auth::token::random_hex();
    let pending = db::sso::Pending {
        browser: Sha256::digest(browser.as_bytes()).to_vec(),
        agency_id: p.agency_id,
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        started_at: now,
    };
    db::sso::start(pool, state.secret(), &pending).await?;
    Ok(Ok(Started { to, browser }))
}

/// What the provider sent back to the callback.
pub struct Callback<'a> {
    /// The agency of the callback's path.
    pub agency_code: &'a str,
    pub state: Option<&'a str>,
    /// The issuer the provider named (RFC 9207), when it names one.
    pub iss: Option<&'a str>,
    pub code: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The cookie set when the sign-in started.
    pub browser: Option<&'a str>,
    pub ip: Option<&'a str>,
}

/// A person the provider vouched for, as one of our accounts.
pub struct Entered {
    pub user: User,
    /// The provider asserted its second factor (the agency's `mfa_claim`): ours is not asked.
    pub provider_mfa: bool,
    pub agency_code: String,
}

/// A refusal with what the audit entry says about it.
pub struct Refused {
    pub refusal: Refusal,
    pub agency_code: Option<String>,
}

/// Finishes a sign-in at the callback: the pending sign-in taken once, the code exchanged with
/// its PKCE verifier, the ID token checked (signature against the provider's keys, fetched again
/// once for an unknown key; issuer, audience, nonce, expiry and issue time with
/// [`CLOCK_SKEW`]), then the account found and judged. A refusal is audited (`sso_refused`).
pub async fn finish(
    pool: &PgPool,
    providers: &Providers,
    keys: &Keyring,
    cb: Callback<'_>,
    public_url: &str,
    now: DateTime<Utc>,
) -> AppResult<Result<Entered, Refused>> {
    let mut agency_code = None;
    let outcome = finish_inner(pool, providers, keys, &cb, public_url, now, &mut agency_code).await?;
    match outcome {
        Ok(entered) => Ok(Ok(entered)),
        Err((refusal, detail)) => {
            let mut d = json!({ "reason": refusal.reason(), "agency": agency_code });
            if let Some(detail) = detail {
                d["detail"] = json!(printable(&detail));
            }
            db::audit::record(pool, entry(None, "sso_refused", cb.ip, now, d)).await?;
            Ok(Err(Refused { refusal, agency_code }))
        }
    }
}

type Inner = Result<Entered, (Refusal, Option<String>)>;

#[allow(clippy::too_many_arguments)]
async fn finish_inner(
    pool: &PgPool,
    providers: &Providers,
    keys: &Keyring,
    cb: &Callback<'_>,
    public_url: &str,
    now: DateTime<Utc>,
    agency_code: &mut Option<String>,
) -> AppResult<Inner> {
    let Some(state) = cb.state.filter(|s| !s.is_empty() && s.len() <= 200) else {
        return Ok(Err((Refusal::State, Some("no state".into()))));
    };
    let Some(pending) = db::sso::take(pool, state).await? else {
        return Ok(Err((Refusal::State, Some("unknown or used state".into()))));
    };
    let this_browser = cb.browser.map(|b| Sha256::digest(b.as_bytes()).to_vec());
    if this_browser.as_deref() != Some(pending.browser.as_slice()) {
        return Ok(Err((Refusal::State, Some("started in another browser".into()))));
    }
    if now - pending.started_at > PENDING_FOR {
        return Ok(Err((Refusal::State, Some("too old".into()))));
    }
    let Some(p) = provider_of(pool, pending.agency_id).await? else {
        return Ok(Err((Refusal::ProviderUnreachable, Some("provider disabled".into()))));
    };
    *agency_code = Some(p.agency_code.clone());
    // Answered at another agency's callback, or naming another issuer: not this sign-in's
    // provider's answer (a mix-up).
    if !p.agency_code.eq_ignore_ascii_case(cb.agency_code) {
        return Ok(Err((Refusal::State, Some("another agency's callback".into()))));
    }
    if cb
        .iss
        .is_some_and(|iss| iss.trim_end_matches('/') != p.issuer.trim_end_matches('/'))
    {
        return Ok(Err((Refusal::Token, Some("another issuer in the answer".into()))));
    }
    if let Some(error) = cb.error {
        return Ok(Err((Refusal::ProviderRefused, Some(error.chars().take(100).collect()))));
    }
    let Some(code) = cb.code.filter(|c| !c.is_empty()) else {
        return Ok(Err((Refusal::ProviderRefused, Some("no code".into()))));
    };
    let metadata = match providers.metadata(&p, false).await {
        Ok(m) => m,
        Err(r) => return Ok(Err((r, None))),
    };
    let c = client(&p, keys, metadata, public_url)?;
    let exchange = match c.exchange_code(AuthorizationCode::new(code.into())) {
        Ok(e) => e,
        Err(e) => return Ok(Err((Refusal::ProviderUnreachable, Some(e.to_string())))),
    };
    let token = exchange
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
        .request_async(&providers.http)
        .await;
    let token = match token {
        Ok(t) => t,
        Err(openidconnect::RequestTokenError::ServerResponse(e)) => {
            return Ok(Err((Refusal::ProviderRefused, Some(e.error().to_string()))));
        }
        Err(e) => return Ok(Err((Refusal::ProviderUnreachable, Some(e.to_string())))),
    };
    let Some(id_token) = token.id_token() else {
        return Ok(Err((Refusal::Token, Some("no ID token".into()))));
    };
    let nonce = Nonce::new(pending.nonce.clone());
    let claims = match verify(&c, id_token, &nonce, now) {
        Ok(claims) => claims,
        Err(openidconnect::ClaimsVerificationError::SignatureVerification(
            openidconnect::SignatureVerificationError::NoMatchingKey,
        )) => {
            // A key we do not have: the provider may have rotated its keys. Fetch them again,
            // once, and check again.
            let metadata = match providers.metadata(&p, true).await {
                Ok(m) => m,
                Err(r) => return Ok(Err((r, None))),
            };
            let c = client(&p, keys, metadata, public_url)?;
            match verify(&c, id_token, &nonce, now) {
                Ok(claims) => claims,
                Err(e) => return Ok(Err(judge_claims_error(e))),
            }
        }
        Err(e) => return Ok(Err(judge_claims_error(e))),
    };
    let subject = claims.subject().as_str().to_owned();
    if subject.is_empty() || subject.len() > 255 || subject.chars().any(char::is_control) {
        return Ok(Err((Refusal::Token, Some("unusable subject".into()))));
    }
    let mut email = claims.email().map(|e| e.as_str().to_owned());
    let mut email_verified = claims.email_verified() == Some(true);
    if email.is_none() {
        // Many providers keep the e-mail out of the ID token and answer it at their userinfo
        // endpoint, for the same subject (checked by the crate).
        let info = match c.user_info(token.access_token().clone(), Some(claims.subject().clone())) {
            Ok(req) => req
                .request_async::<openidconnect::EmptyAdditionalClaims, _, openidconnect::core::CoreGenderClaim>(
                    &providers.http,
                )
                .await
                .ok(),
            Err(_) => None,
        };
        if let Some(info) = info {
            email = info.email().map(|e| e.as_str().to_owned());
            email_verified = info.email_verified() == Some(true);
        }
    }
    let amr: Vec<String> = claims
        .auth_method_refs()
        .map(|v| v.iter().map(|m| m.as_str().to_owned()).collect())
        .unwrap_or_default();
    let acr = claims.auth_context_ref().map(|a| a.as_str().to_owned());
    let mfa_claim = p.mfa_claim.as_deref().and_then(|c| MfaClaim::parse(c).ok());
    let provider_mfa = rules::provider_did_mfa(mfa_claim.as_ref(), &amr, acr.as_deref());

    // The account: the one linked to this person, else the one enabled account of the agency
    // with their verified e-mail address (linked now, audited).
    let user_id = match db::sso::linked(pool, &p.issuer, &subject).await? {
        Some(id) => id,
        None => {
            let candidates = match (&email, email_verified) {
                (Some(e), true) if !e.chars().any(char::is_control) => {
                    db::sso::accounts_with_email(pool, p.agency_id, e).await?
                }
                _ => Vec::new(),
            };
            let [id] = candidates[..] else {
                let why = if candidates.is_empty() {
                    "no account"
                } else {
                    "several accounts"
                };
                return Ok(Err((Refusal::NotLinked, Some(why.into()))));
            };
            if !db::sso::link_new(pool, id, &p.issuer, &subject, now).await? {
                return Ok(Err((Refusal::NotLinked, Some("linked elsewhere".into()))));
            }
            let user = db::users::by_id(pool, id).await?;
            let detail = json!({ "agency": p.agency_code, "issuer": p.issuer, "by": "verified_email" });
            db::audit::record(pool, entry(user.as_ref(), "sso_linked", cb.ip, now, detail)).await?;
            id
        }
    };
    let Some(user) = db::users::by_id(pool, user_id).await? else {
        return Ok(Err((Refusal::NotLinked, Some("account gone".into()))));
    };
    let account = rules::Account {
        agency: user.agency_id,
        operator: crate::domain::tenancy::may_operate(user.role, user.operator).is_ok(),
        disabled: user.is_disabled(),
        locked: user.is_locked(now),
        api_only: user.api_only,
    };
    if let Err(r) = rules::may_enter(p.agency_id, &account) {
        return Ok(Err((r, Some(user.username.clone()))));
    }
    Ok(Ok(Entered {
        user,
        provider_mfa,
        agency_code: p.agency_code,
    }))
}

/// The ID token's claims, checked at `now` with [`CLOCK_SKEW`] either way.
fn verify<'t>(
    c: &Client,
    id_token: &'t openidconnect::core::CoreIdToken,
    nonce: &Nonce,
    now: DateTime<Utc>,
) -> Result<&'t CoreIdTokenClaims, openidconnect::ClaimsVerificationError> {
    let verifier = c
        .id_token_verifier()
        .set_time_fn(move || now - CLOCK_SKEW)
        .set_issue_time_verifier_fn(move |iat| {
            if iat > now + CLOCK_SKEW {
                Err(format!("issued at {iat}, after this server's time {now}"))
            } else {
                Ok(())
            }
        });
    id_token.claims(&verifier, nonce)
}

fn judge_claims_error(e: openidconnect::ClaimsVerificationError) -> (Refusal, Option<String>) {
    use openidconnect::ClaimsVerificationError as E;
    let refusal = match e {
        E::Expired(_) => Refusal::ClockSkew,
        _ => Refusal::Token,
    };
    (refusal, Some(e.to_string().chars().take(300).collect()))
}
