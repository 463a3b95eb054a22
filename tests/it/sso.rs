//! Sign-in with the agency's own identity provider (issue 29): against a real OpenID provider
//! (tests/it/idp.rs), the whole flow, each refusal by its outcome and audit entry, the provider's
//! second factor honoured or ours asked, key rotation followed, and no way into one agency through
//! another's provider.

use chrono::{Duration, Utc};
use wso_tracker::secrets::Keyring;
use wso_tracker::services::accounts::Actor;
use wso_tracker::services::sso_config::{self, Settings};

use crate::helpers::World;
use crate::idp::{CLIENT_SECRET, Idp, Person, through_provider};

const WSO1: Person = Person {
    login: "jdoe",
    sub: "sub-jdoe",
    email: "wso1@county.example.org",
    mfa: true,
};
const WSO1_NO_MFA: Person = Person {
    login: "jdoe-pwd",
    sub: "sub-jdoe-pwd",
    email: "rookie@county.example.org",
    mfa: false,
};
const STRANGER: Person = Person {
    login: "stranger",
    sub: "sub-stranger",
    email: "stranger@county.example.org",
    mfa: true,
};
/// Has the e-mail of `boss`, the world's first admin and so the installation's operator.
const OPERATOR: Person = Person {
    login: "operator",
    sub: "sub-operator",
    email: "boss@county.example.org",
    mfa: true,
};
const REFUSES: Person = Person {
    login: "refuses",
    sub: "sub-refuses",
    email: "refuses@county.example.org",
    mfa: true,
};

/// The world, its clock at the real time (the provider's tokens carry the real time), and a
/// provider with clients for DEFAULT and DUR-SO; DEFAULT signs in with it (`amr=mfa`).
async fn world(people: &[Person]) -> (World, Idp) {
    let w = World::new().await;
    // The provider's own clock is the machine's: so is ours here.
    #[allow(clippy::disallowed_methods)]
    w.app.clock.set(Utc::now());
    let idp = Idp::start(&w.app, &["wso-default", "wso-durham"], people).await;
    configure(&w, "DEFAULT", "wso-default", &idp.issuer).await;
    (w, idp)
}

async fn configure(w: &World, agency: &str, client_id: &str, issuer: &str) {
    // DEFAULT's people are found by their e-mail domain too.
    let domains: Vec<String> = if agency == "DEFAULT" {
        vec!["county.example.org".into()]
    } else {
        Vec::new()
    };
    let s = Settings {
        issuer,
        client_id,
        secret: Some(CLIENT_SECRET),
        name: Some("County Login"),
        mfa_claim: Some("amr=mfa"),
        domains: &domains,
        installation_mfa_floor: false,
    };
    sso_config::set(
        &w.app.db,
        &Keyring::for_tests(),
        Some(agency),
        s,
        Actor::CLI,
        w.app.clock.now(),
    )
    .await
    .unwrap();
}

/// The reason of the newest `sso_refused` entry.
async fn last_refusal(w: &World) -> String {
    sqlx::query_scalar("SELECT detail->>'reason' FROM audit_log WHERE action = 'sso_refused' ORDER BY id DESC LIMIT 1")
        .fetch_optional(&w.app.db)
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The newest `sso_refused` entry's detail (for a failure's message).
async fn refusal_detail(w: &World) -> String {
    let d: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'sso_refused' ORDER BY id DESC LIMIT 1")
            .fetch_optional(&w.app.db)
            .await
            .unwrap();
    d.map(|d| d.to_string()).unwrap_or_default()
}

async fn count(w: &World, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&w.app.db)
        .await
        .unwrap()
}

async fn open_sessions(w: &World) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM user_sessions WHERE ended_at IS NULL")
        .fetch_one(&w.app.db)
        .await
        .unwrap()
}

/// Opens the callback in `browser`: (status, body).
async fn back(browser: &reqwest::Client, url: &str) -> (u16, String) {
    let r = browser.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Whether `browser` is signed in (its home page is the signed-in one).
async fn signed_in(w: &World, browser: &reqwest::Client) -> bool {
    let r = browser.get(w.app.url("/")).send().await.unwrap();
    r.status() == 200 && r.text().await.unwrap().contains("user-box")
}

#[tokio::test]
async fn a_person_is_linked_by_verified_e_mail_signs_in_at_the_provider_and_lands_on_the_board() {
    let (w, _idp) = world(&[WSO1]).await;
    let browser = w.app.client();
    let callback = through_provider(&w.app, &browser, "DEFAULT", "jdoe").await;
    let (status, page) = back(&browser, &callback).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("url=/\""), "on to the home page: {page}");
    assert!(signed_in(&w, &browser).await, "signed in as wso1");
    assert!(
        w.app.page(&browser, "/").await.contains("wso1"),
        "as the account with that e-mail"
    );
    assert_eq!(count(&w, "sso_linked").await, 1);
    let how: serde_json::Value =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'login' ORDER BY id DESC LIMIT 1")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    assert_eq!(how["via"], "sso");
    assert_eq!(how["provider_mfa"], true);
    // The next sign-in finds the link (no second link).
    let again = w.app.client();
    let callback = through_provider(&w.app, &again, "DEFAULT", "jdoe").await;
    assert_eq!(back(&again, &callback).await.0, 200);
    assert!(signed_in(&w, &again).await);
    assert_eq!(count(&w, "sso_linked").await, 1);
}

#[tokio::test]
async fn the_provider_s_second_factor_is_honoured_and_without_it_our_authenticator_step_follows() {
    let (w, _idp) = world(&[WSO1, WSO1_NO_MFA]).await;
    wso_tracker::services::agency_settings::set_mfa_required(
        &w.app.db,
        Some("DEFAULT"),
        true,
        Actor::CLI,
        w.app.clock.now(),
    )
    .await
    .unwrap();
    // The provider asserted MFA (amr has "mfa"): straight in, though the agency requires it.
    let with = w.app.client();
    let callback = through_provider(&w.app, &with, "DEFAULT", "jdoe").await;
    assert_eq!(back(&with, &callback).await.0, 200);
    assert!(signed_in(&w, &with).await);
    // It did not: our authenticator step (enrolment first, for this account), and only then in.
    let without = w.app.client();
    let callback = through_provider(&w.app, &without, "DEFAULT", "jdoe-pwd").await;
    let (status, page) = back(&without, &callback).await;
    assert_eq!(status, 200);
    assert!(page.contains("url=/account/mfa/setup\""), "{page}");
    assert!(!signed_in(&w, &without).await, "not in before the second factor");
    let setup = without.get(w.app.url("/account/mfa/setup")).send().await.unwrap();
    assert_eq!(setup.status(), 200, "the enrolment page of the pending sign-in");
    // Enrolled with a code of the authenticator: only then in.
    let html = setup.text().await.unwrap();
    let start = html.find(r#"id="totp-secret""#).expect("the secret is shown");
    let rest = &html[start..];
    let secret = rest[rest.find('>').unwrap() + 1..rest.find('<').unwrap()]
        .trim()
        .to_string();
    let code = wso_tracker::auth::totp::code_at(&secret, w.app.clock.now().timestamp()).unwrap();
    let csrf = crate::helpers::csrf_in(&html).unwrap();
    let r = without
        .post(w.app.url("/account/mfa/setup"))
        .form(&[("code", code.as_str()), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains(r#"class="recovery-code""#));
    assert!(signed_in(&w, &without).await, "in after our second factor");
}

#[tokio::test]
async fn every_refusal_is_a_page_a_person_can_act_on_and_an_audit_entry_with_its_reason() {
    let (w, idp) = world(&[WSO1, STRANGER, REFUSES, OPERATOR]).await;
    let sessions = open_sessions(&w).await;

    // A forged state.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    let forged = reqwest::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" { "forged".into() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    let mut forged = forged.clone();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let (status, page) = back(&b, forged.as_str()).await;
    assert_eq!(status, 400);
    assert!(page.contains("already used, is too old, or was started in another browser"));
    assert_eq!(last_refusal(&w).await, "state_mismatch");

    // The right callback opened in another browser (login CSRF): refused, and then used up.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    assert_eq!(back(&w.app.client(), &callback).await.0, 400);
    assert_eq!(last_refusal(&w).await, "state_mismatch");
    assert_eq!(back(&b, &callback).await.0, 400, "taken once, by anyone");

    // Delivered at another agency's callback (a mix-up: one provider's answer passed off as
    // another's), or naming another issuer (RFC 9207): refused, and the sign-in used up.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    let elsewhere = callback.replace("/login/DEFAULT/sso/callback", "/login/DUR-SO/sso/callback");
    assert_eq!(back(&b, &elsewhere).await.0, 400);
    assert_eq!(last_refusal(&w).await, "state_mismatch");
    assert_eq!(back(&b, &callback).await.0, 400, "used up");
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    assert!(callback.contains("iss="), "the provider names itself: {callback}");
    let mut other = reqwest::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = other
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "iss" {
                "https://another.example.org".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    other.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(back(&b, other.as_str()).await.0, 403);
    assert_eq!(last_refusal(&w).await, "token_invalid");

    // A replayed callback (its code and nonce used already).
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    assert_eq!(back(&b, &callback).await.0, 200);
    let replay = w.app.client();
    assert_eq!(back(&replay, &callback).await.0, 400);
    assert_eq!(back(&b, &callback).await.0, 400);
    assert_eq!(last_refusal(&w).await, "state_mismatch");
    let sessions = sessions + 1;
    assert_eq!(open_sessions(&w).await, sessions, "only the first opened a session");

    // The ID token changed on its way: another key, another audience, another issuer, the
    // nonce of an earlier sign-in.
    for kind in ["foreign_key", "aud", "iss", "nonce"] {
        idp.mischief(kind).await;
        let b = w.app.client();
        let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
        let (status, page) = back(&b, &callback).await;
        assert_eq!(status, 403, "{kind}");
        assert!(page.contains("could not be trusted"), "{kind}: {page}");
        assert_eq!(last_refusal(&w).await, "token_invalid", "{kind}");
        assert!(!signed_in(&w, &b).await, "{kind}");
    }

    // An expired token: our clock two hours past the provider's (the token lives an hour).
    let real = w.app.clock.now();
    w.app.clock.set(real + Duration::hours(2));
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    let (status, page) = back(&b, &callback).await;
    assert_eq!(status, 403);
    assert!(page.contains("clock"), "{page}");
    assert_eq!(last_refusal(&w).await, "clock_skew");
    // Issued in the future: our clock ten minutes behind.
    w.app.clock.set(real - Duration::minutes(10));
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    assert_eq!(back(&b, &callback).await.0, 403);
    assert_eq!(last_refusal(&w).await, "clock_skew");
    w.app.clock.set(real);

    // Nobody here: no link and no account with that e-mail.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "stranger").await;
    let (status, page) = back(&b, &callback).await;
    assert_eq!(status, 403);
    assert!(page.contains("Ask your administrator to create or link your account"));
    assert_eq!(last_refusal(&w).await, "not_linked");

    // The operator (the world's first admin) is never linked through a provider, not even by
    // its verified e-mail.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "operator").await;
    assert_eq!(back(&b, &callback).await.0, 403);
    assert_eq!(last_refusal(&w).await, "not_linked");

    // Consent refused at the provider.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "refuses").await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    assert_eq!(back(&b, &callback).await.0, 403);
    assert_eq!(last_refusal(&w).await, "provider_refused");

    // A disabled account stays out, though linked.
    sqlx::query("UPDATE users SET disabled_at = now() WHERE username = 'wso1'")
        .execute(&w.app.db)
        .await
        .unwrap();
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    let (status, page) = back(&b, &callback).await;
    assert_eq!(status, 403);
    assert!(page.contains("cannot sign in now"));
    assert_eq!(last_refusal(&w).await, "account_disabled");

    assert_eq!(open_sessions(&w).await, sessions, "no refusal opened a session");
}

#[tokio::test]
async fn a_new_signing_key_at_the_provider_is_followed_without_a_restart() {
    let (w, idp) = world(&[WSO1]).await;
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    let (status, _) = back(&b, &callback).await;
    assert_eq!(status, 200, "with the first key: {}", refusal_detail(&w).await);
    idp.rotate().await;
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    let (status, page) = back(&b, &callback).await;
    assert_eq!(status, 200, "the new key fetched at its first token: {page}");
    assert!(signed_in(&w, &b).await);
}

#[tokio::test]
async fn nobody_enters_an_agency_through_another_agency_s_provider() {
    let (w, idp) = world(&[
        WSO1,
        Person {
            login: "lookalike",
            sub: "sub-lookalike",
            ..WSO1
        },
    ])
    .await;
    w.app.second_agency(false).await;
    configure(&w, "DUR-SO", "wso-durham", &idp.issuer).await;
    // jdoe is linked to DEFAULT's wso1 through DEFAULT's provider.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    assert_eq!(back(&b, &callback).await.0, 200);
    // Through DUR-SO's provider, the same person is refused: the link is to another agency's account.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DUR-SO", "jdoe").await;
    assert_eq!(back(&b, &callback).await.0, 403);
    assert_eq!(last_refusal(&w).await, "other_agency");
    assert!(!signed_in(&w, &b).await);
    // Nor does a verified e-mail of DEFAULT's account link anyone through DUR-SO's provider.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DUR-SO", "lookalike").await;
    assert_eq!(back(&b, &callback).await.0, 403);
    assert_eq!(last_refusal(&w).await, "not_linked");
    assert_eq!(count(&w, "sso_linked").await, 1);
}

#[tokio::test]
async fn an_unreachable_provider_is_said_in_words_and_audited_never_a_500() {
    let w = World::new().await;
    configure(&w, "DEFAULT", "wso-default", "http://127.0.0.1:9").await;
    let r = w
        .app
        .client()
        .get(w.app.url("/login/DEFAULT/sso"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    assert!(r.text().await.unwrap().contains("did not answer"));
    assert_eq!(last_refusal(&w).await, "provider_unreachable");
    // An agency without a provider has no such path.
    w.app.second_agency(false).await;
    let r = w.app.client().get(w.app.url("/login/DUR-SO/sso")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn the_sign_in_pages_offer_the_provider_and_sign_out_offers_the_provider_s_too() {
    let (w, idp) = world(&[WSO1]).await;
    let page = w.app.page(&w.app.client(), "/login/DEFAULT").await;
    assert!(page.contains("Sign in with County Login") && page.contains("href=\"/login/DEFAULT/sso\""));
    // The installation's page asks for the e-mail and sends it to the agency of its domain.
    let anonymous = w.app.client();
    let page = w.app.page(&anonymous, "/login").await;
    assert!(page.contains("action=\"/login/sso\""), "{page}");
    let csrf = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = anonymous
        .post(w.app.url("/login/sso"))
        .form(&[("email", "J.Doe@County.Example.org"), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login/DEFAULT/sso");
    let r = anonymous
        .post(w.app.url("/login/sso"))
        .form(&[("email", "someone@elsewhere.gov"), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("No agency signs in with elsewhere.gov addresses")
    );

    // Signed in at the provider, signed out here: the provider's end-session is offered.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    assert_eq!(back(&b, &callback).await.0, 200);
    let home = w.app.page(&b, "/").await;
    let csrf = home
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = b
        .post(w.app.url("/logout"))
        .form(&[("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/login/DEFAULT?signed_out=1&sso=1");
    let page = w.app.page(&b, "/login/DEFAULT?signed_out=1&sso=1").await;
    assert!(page.contains("Sign out of County Login too"), "{page}");
    assert!(
        page.contains(&format!("{}/session/end?client_id=wso-default", idp.issuer)),
        "{page}"
    );
    assert!(!signed_in(&w, &b).await);
}

#[tokio::test]
async fn in_the_browser_an_officer_signs_in_at_the_provider_lands_on_the_board_and_signs_out() {
    use fantoccini::Locator;
    let (w, idp) = world(&[WSO1]).await;
    let b = crate::browser::browser().await;
    b.client.goto(&w.app.url("/login/DEFAULT")).await.unwrap();
    b.click("a[href=\"/login/DEFAULT/sso\"]").await;
    // The provider's own sign-in page, in the same browser.
    b.client.wait().for_element(Locator::Css("#login")).await.unwrap();
    assert!(b.client.current_url().await.unwrap().as_str().starts_with(&idp.issuer));
    b.keys("#login", "jdoe").await;
    b.keys("#password", "pw").await;
    b.click("#submit").await;
    // Back here, signed in as wso1, on the dashboard.
    b.wait_text("header .user-box", "wso1").await;
    assert_eq!(b.client.current_url().await.unwrap().path(), "/");
    b.snap("sso-signed-in").await;
    // Signing out here offers signing out at the provider too.
    b.click(".user-box button").await;
    b.wait_text(".sso-sign-out", "Sign out of County Login too").await;
    assert!(!signed_in(&w, &w.app.client()).await);
}
