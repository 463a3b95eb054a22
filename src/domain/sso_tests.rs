use super::*;

#[test]
fn the_mfa_claim_is_amr_or_acr_with_a_value() {
    assert_eq!(MfaClaim::parse("amr=mfa"), Ok(MfaClaim::Amr("mfa".into())));
    assert_eq!(
        MfaClaim::parse(" acr = http://schemas.openid.net/pape/policies/2007/06/multi-factor "),
        Ok(MfaClaim::Acr(
            "http://schemas.openid.net/pape/policies/2007/06/multi-factor".into()
        ))
    );
    for bad in ["mfa", "amr=", "sub=mfa", "amr=a b", "amr=a=b", ""] {
        assert!(MfaClaim::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(MfaClaim::parse("acr=phr").unwrap().text(), "acr=phr");
}

#[test]
fn the_provider_s_second_factor_counts_only_when_the_configured_claim_says_so() {
    let amr = MfaClaim::Amr("mfa".into());
    let pwd_mfa = ["pwd".to_string(), "mfa".to_string()];
    assert!(provider_did_mfa(Some(&amr), &pwd_mfa, None));
    assert!(!provider_did_mfa(Some(&amr), &["pwd".to_string()], None));
    assert!(!provider_did_mfa(Some(&amr), &[], Some("mfa")), "acr is not amr");
    assert!(
        !provider_did_mfa(None, &pwd_mfa, Some("mfa")),
        "no claim configured: never"
    );
    let acr = MfaClaim::Acr("phr".into());
    assert!(provider_did_mfa(Some(&acr), &[], Some("phr")));
    assert!(!provider_did_mfa(Some(&acr), &[], Some("phrh")));
}

#[test]
fn only_an_enabled_account_of_the_provider_s_agency_enters() {
    let ok = Account {
        agency: Some(1),
        operator: false,
        disabled: false,
        locked: false,
        api_only: false,
    };
    assert_eq!(may_enter(1, &ok), Ok(()));
    assert_eq!(may_enter(2, &ok), Err(Refusal::OtherAgency));
    assert_eq!(may_enter(1, &Account { agency: None, ..ok }), Err(Refusal::OtherAgency));
    assert_eq!(may_enter(1, &Account { operator: true, ..ok }), Err(Refusal::Operator));
    assert_eq!(may_enter(1, &Account { disabled: true, ..ok }), Err(Refusal::Disabled));
    assert_eq!(may_enter(1, &Account { locked: true, ..ok }), Err(Refusal::Locked));
    assert_eq!(
        may_enter(1, &Account { api_only: true, ..ok }),
        Err(Refusal::ServiceAccount)
    );
}

#[test]
fn an_issuer_is_https_or_this_machine() {
    let ok = |u: &str| check_issuer(&url::Url::parse(u).unwrap());
    assert!(ok("https://login.microsoftonline.com/tenant/v2.0").is_ok());
    assert!(ok("http://127.0.0.1:8080").is_ok());
    assert!(ok("http://localhost/realms/county").is_ok());
    assert!(ok("http://[::1]:9000").is_ok());
    assert!(ok("http://idp.county.gov").is_err());
    assert!(ok("ftp://idp.county.gov").is_err());
}

#[test]
fn domains_are_checked_and_found_in_addresses() {
    assert_eq!(check_domain("@Wake.Gov"), Ok("wake.gov".into()));
    assert!(check_domain("localhost").is_err());
    assert!(check_domain("a b.gov").is_err());
    assert_eq!(domain_of("J.Doe@Wake.GOV"), Some("wake.gov".into()));
    assert_eq!(domain_of("nobody"), None);
}

#[test]
fn every_refusal_has_its_own_reason_and_words_a_person_can_act_on() {
    let all = [
        Refusal::State,
        Refusal::ProviderUnreachable,
        Refusal::ProviderRefused,
        Refusal::Token,
        Refusal::ClockSkew,
        Refusal::NotLinked,
        Refusal::OtherAgency,
        Refusal::Disabled,
        Refusal::Locked,
        Refusal::ServiceAccount,
        Refusal::Operator,
    ];
    let reasons: std::collections::HashSet<_> = all.iter().map(|r| r.reason()).collect();
    assert_eq!(reasons.len(), all.len());
    for r in all {
        assert!(r.words().ends_with('.') && r.words().len() > 40, "{r:?}");
    }
}
