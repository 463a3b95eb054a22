//! Accounts a CJIS audit would pass: multi-factor sign-in, the lockout and the throttle, the
//! account's whole life, and API tokens that expire and can be revoked.

use chrono::Duration;
use serde_json::json;
use wso_tracker::auth::totp;
use wso_tracker::config::Config;
use wso_tracker::services::accounts::{self, Actor, NewUser};
use wso_tracker::services::identity;

use crate::helpers::{PASSWORD, TestApp, csrf_in, spawn_app, spawn_app_with};

async fn app_with_mfa() -> TestApp {
    let mut config = Config::for_tests();
    config.mfa_required = true;
    spawn_app_with(config).await
}

/// Posts a form with the CSRF token of `page` (the page the form is on).
async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = app.csrf(client, page).await;
    let mut all = fields.to_vec();
    all.push(("csrf_token", &csrf));
    client.post(app.url(path)).form(&all).send().await.unwrap()
}

async fn password_step(app: &TestApp, client: &reqwest::Client, username: &str, password: &str) -> reqwest::Response {
    app.try_login(client, username, password).await
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn text(client: &reqwest::Client, url: String) -> (u16, String) {
    let r = client.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The secret shown on the enrolment page, in `id="totp-secret"`.
fn secret_in(html: &str) -> String {
    let start = html.find(r#"id="totp-secret""#).expect("the secret is shown");
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find('<').unwrap();
    rest[open..close].trim().to_string()
}

fn recovery_codes_in(html: &str) -> Vec<String> {
    html.split(r#"class="recovery-code""#)
        .skip(1)
        .map(|part| {
            let open = part.find('>').unwrap() + 1;
            let close = part.find('<').unwrap();
            part[open..close].trim().to_string()
        })
        .collect()
}

/// Enrols `username` (password step, QR page, first code); returns the secret, the recovery
/// codes and the signed-in client.
async fn enrol(app: &TestApp, username: &str) -> (String, Vec<String>, reqwest::Client) {
    let client = app.client();
    let r = password_step(app, &client, username, PASSWORD).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/account/mfa/setup".into()));
    let (status, html) = text(&client, app.url("/account/mfa/setup")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<svg") && !html.contains("<script"),
        "a QR code drawn as SVG, no script"
    );
    let secret = secret_in(&html);
    let code = totp::code_at(&secret, app.clock.now().timestamp()).unwrap();
    let r = post(
        app,
        &client,
        "/account/mfa/setup",
        "/account/mfa/setup",
        &[("code", &code)],
    )
    .await;
    assert_eq!(r.status(), 200);
    let codes = recovery_codes_in(&r.text().await.unwrap());
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once");
    (secret, codes, client)
}

#[tokio::test]
async fn an_officer_enrols_an_authenticator_and_signs_in_with_its_codes_never_twice() {
    let app = app_with_mfa().await;
    app.user("jdoe", "officer", &[]).await;
    let (secret, codes, client) = enrol(&app, "jdoe").await;
    let (status, html) = text(&client, app.url("/")).await;
    assert!(status == 200 && html.contains("Dashboard"), "signed in after enrolment");
    let (id, clear): (i64, Option<String>) = sqlx::query_as("SELECT id, mfa_secret FROM users WHERE username = 'jdoe'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(clear, None, "stored only encrypted (decision 0033)");
    let keys = wso_tracker::secrets::Keyring::for_tests();
    let stored = wso_tracker::db::mfa::secret(&app.db, &keys, id).await.unwrap();
    assert_eq!(stored.map(|(s, _)| s).as_deref(), Some(secret.as_str()));
    let hashes: i64 = sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE used_at IS NULL")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(hashes, 10);

    // Next sign-in: password, then the code. The code of the enrolment's step is spent.
    let client = app.client();
    let r = password_step(&app, &client, "jdoe", PASSWORD).await;
    assert_eq!(location(&r), "/login/mfa");
    let used = totp::code_at(&secret, app.clock.now().timestamp()).unwrap();
    let r = post(&app, &client, "/login/mfa", "/login/mfa", &[("code", &used)]).await;
    assert_eq!(r.status(), 401, "a code already used is refused (no replay)");
    app.clock.advance(Duration::seconds(30));
    let fresh = totp::code_at(&secret, app.clock.now().timestamp()).unwrap();
    let r = post(&app, &client, "/login/mfa", "/login/mfa", &[("code", &fresh)]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/".into()));

    // A recovery code works once.
    for (attempt, expected) in [(1, 303), (2, 401)] {
        let client = app.client();
        password_step(&app, &client, "jdoe", PASSWORD).await;
        let r = post(&app, &client, "/login/mfa", "/login/mfa", &[("code", &codes[0])]).await;
        assert_eq!(r.status(), expected, "recovery code, attempt {attempt}");
    }
    let actions = app.audit_actions().await;
    for a in ["mfa_enrolled", "mfa_failed", "recovery_code_used", "login"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}

#[tokio::test]
async fn between_password_and_code_no_page_is_reachable() {
    let app = app_with_mfa().await;
    app.user("jdoe", "officer", &[]).await;
    app.user("boss", "admin", &[]).await;
    let (secret, _, _) = enrol(&app, "jdoe").await;
    let client = app.client();
    let r = password_step(&app, &client, "jdoe", PASSWORD).await;
    assert_eq!(location(&r), "/login/mfa");
    for path in [
        "/",
        "/bookings",
        "/account",
        "/alerts",
        "/admin/users",
        "/account/password",
    ] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()), "{path}");
    }
    // A wrong code counts as a failed sign-in.
    let r = post(&app, &client, "/login/mfa", "/login/mfa", &[("code", "000000")]).await;
    assert_eq!(r.status(), 401);
    let failures: i32 = sqlx::query_scalar("SELECT failed_logins FROM users WHERE username = 'jdoe'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(failures, 1);
    app.clock.advance(Duration::seconds(30));
    let code = totp::code_at(&secret, app.clock.now().timestamp()).unwrap();
    let r = post(&app, &client, "/login/mfa", "/login/mfa", &[("code", &code)]).await;
    assert_eq!(location(&r), "/");
    // The API is unaffected: tokens are the machine credential.
    let api = app.api("jdoe").await;
    assert_eq!(api.get("/me").await.0, 200);
}

#[tokio::test]
async fn a_lock_lifts_by_itself_after_the_configured_minutes_and_tells_its_owner() {
    let mut config = Config::for_tests();
    config.lockout_minutes = 20;
    let app = spawn_app_with(config).await;
    app.user("jdoe", "officer", &[]).await;
    for _ in 0..5 {
        assert_eq!(
            password_step(&app, &app.client(), "jdoe", "not the password")
                .await
                .status(),
            401
        );
    }
    assert_eq!(
        password_step(&app, &app.client(), "jdoe", PASSWORD).await.status(),
        401,
        "locked"
    );
    let to: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(o.recipients) FROM outbox o JOIN alerts a ON a.id = o.alert_id WHERE a.kind = 'account_locked'",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(to, vec!["jdoe@county.example.org"], "the owner is e-mailed once");
    app.clock.advance(Duration::minutes(19));
    assert_eq!(
        password_step(&app, &app.client(), "jdoe", PASSWORD).await.status(),
        401,
        "still locked"
    );
    app.clock.advance(Duration::minutes(1));
    assert_eq!(
        password_step(&app, &app.client(), "jdoe", PASSWORD).await.status(),
        303,
        "lifted"
    );
}

#[tokio::test]
async fn failures_beyond_the_throttle_get_429_from_that_address_until_the_minute_passes() {
    let mut config = Config::for_tests();
    config.login_throttle_per_minute = 3;
    let app = spawn_app_with(config).await;
    app.user("jdoe", "officer", &[]).await;
    for name in ["alice", "bob", "carol"] {
        assert_eq!(password_step(&app, &app.client(), name, "guess").await.status(), 401);
    }
    let r = password_step(&app, &app.client(), "jdoe", PASSWORD).await;
    assert_eq!(r.status(), 429, "even a right password is throttled");
    let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert!(app.audit_actions().await.contains(&"login_throttled".to_string()));
    app.clock.advance(Duration::seconds(61));
    assert_eq!(password_step(&app, &app.client(), "jdoe", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn a_service_account_cannot_sign_in_and_cannot_be_locked_by_guessing() {
    let app = spawn_app().await;
    let input = NewUser {
        full_name: None,
        username: "jms".into(),
        role: "officer".into(),
        email: None,
        facilities: vec![],
        agencies: vec![],
        password: String::new(),
        api_only: true,
    };
    accounts::create_user(&app.db, input, Actor::CLI, app.clock.now())
        .await
        .unwrap();
    let token = app.token("jms").await;
    for guess in ["", PASSWORD, "x", "y", "z", "w", "v"] {
        assert_eq!(password_step(&app, &app.client(), "jms", guess).await.status(), 401);
    }
    let locked: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT locked_until FROM users WHERE username = 'jms'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(locked, None, "guessing cannot lock a service account");
    let r = crate::helpers::http()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "its token still works");
}

#[tokio::test]
async fn disabling_ends_sessions_and_tokens_at_once_and_enabling_restores_the_tokens() {
    let app = spawn_app().await;
    let jdoe = app.user("jdoe", "officer", &[]).await;
    app.user("boss", "admin", &[]).await;
    let session = app.login("jdoe").await;
    let api = app.api("jdoe").await;
    let admin = app.login("boss").await;
    let r = post(
        &app,
        &admin,
        "/admin/users",
        &format!("/admin/users/{jdoe}/disable"),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = session.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/login".into()),
        "the session ended"
    );
    assert_eq!(api.get("/me").await.0, 401, "the token is refused");
    assert_eq!(password_step(&app, &app.client(), "jdoe", PASSWORD).await.status(), 401);
    let r = post(
        &app,
        &admin,
        "/admin/users",
        &format!("/admin/users/{jdoe}/enable"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(api.get("/me").await.0, 200);
    let r = session.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303, "an ended session stays ended");
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"account_disabled".into()) && actions.contains(&"account_enabled".into()));
}

#[tokio::test]
async fn accounts_unused_for_the_configured_days_are_disabled_and_admins_told() {
    let app = spawn_app().await;
    app.user("idle", "officer", &[]).await;
    app.user("busy", "officer", &[]).await;
    app.user("boss", "admin", &[]).await;
    let now = app.clock.now();
    assert_eq!(identity::disable_inactive(&app.db, 90, now, "x@y.z").await.unwrap(), 0);
    app.clock.advance(Duration::days(89));
    app.login("busy").await;
    app.login("boss").await;
    app.clock.advance(Duration::days(2));
    let n = identity::disable_inactive(&app.db, 90, app.clock.now(), "x@y.z")
        .await
        .unwrap();
    assert_eq!(n, 1, "only the account unused for 90 days");
    let disabled: Vec<String> = sqlx::query_scalar("SELECT username FROM users WHERE disabled_at IS NOT NULL")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(disabled, vec!["idle"]);
    assert!(
        app.audit_actions()
            .await
            .contains(&"account_disabled_inactive".to_string())
    );
    let admin = app.login("boss").await;
    let (_, html) = text(&admin, app.url("/alerts")).await;
    assert!(
        html.contains("idle: account disabled after a long time unused"),
        "admins see the alert"
    );
    let (_, html) = text(&admin, app.url("/admin/users")).await;
    let state = |name: &str| {
        let row = html
            .split("<tr>")
            .find(|r| r.contains(&format!(">{name}</a>")))
            .unwrap_or_else(|| panic!("no row for {name}"));
        let cell = row.split("data-label=\"State\">").nth(1).expect("a State cell");
        cell[..cell.find("</td>").unwrap()].to_string()
    };
    assert!(
        state("idle").contains(">Disabled<"),
        "the idle account's row: {}",
        state("idle")
    );
    assert!(state("boss").contains(">Active<"), "the admin's row: {}", state("boss"));
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    let here = app.login("jdoe").await;
    let there = app.login("jdoe").await;
    let (_, html) = text(&here, app.url("/account")).await;
    assert_eq!(html.matches("<tr>").count() - 1, 2, "two open sessions listed");
    let new = "a completely new passphrase 42";
    let r = post(
        &app,
        &here,
        "/account/password",
        "/account/password",
        &[("current_password", "wrong"), ("new_password", new)],
    )
    .await;
    assert_eq!(r.status(), 422, "the current password is checked");
    let r = post(
        &app,
        &here,
        "/account/password",
        "/account/password",
        &[("current_password", PASSWORD), ("new_password", new)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        here.get(app.url("/")).send().await.unwrap().status(),
        200,
        "this session goes on"
    );
    assert_eq!(
        there.get(app.url("/")).send().await.unwrap().status(),
        303,
        "the other one ended"
    );
    assert_eq!(password_step(&app, &app.client(), "jdoe", new).await.status(), 303);
    assert!(app.audit_actions().await.contains(&"password_changed".to_string()));
}

#[tokio::test]
async fn after_an_admin_reset_the_user_must_choose_a_new_password_first() {
    let app = spawn_app().await;
    let jdoe = app.user("jdoe", "officer", &[]).await;
    app.user("boss", "admin", &[]).await;
    let old = app.login("jdoe").await;
    let admin = app.login("boss").await;
    let r = post(
        &app,
        &admin,
        "/admin/users",
        &format!("/admin/users/{jdoe}/reset-password"),
        &[("confirm", "yes")],
    )
    .await;
    let html = r.text().await.unwrap();
    let start = html.find(r#"id="secret""#).unwrap();
    let rest = &html[start..];
    let temporary = rest[rest.find('>').unwrap() + 1..rest.find('<').unwrap()].to_string();
    assert_eq!(
        old.get(app.url("/")).send().await.unwrap().status(),
        303,
        "sessions ended"
    );
    let client = app.client();
    let r = password_step(&app, &client, "jdoe", &temporary).await;
    assert_eq!(location(&r), "/account/password");
    let r = client.get(app.url("/bookings")).send().await.unwrap();
    assert_eq!(location(&r), "/account/password", "no other page until it is changed");
    let new = "my own passphrase for the jail 7";
    let r = post(
        &app,
        &client,
        "/account/password",
        "/account/password",
        &[("current_password", &temporary), ("new_password", new)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(client.get(app.url("/bookings")).send().await.unwrap().status(), 200);
    assert!(app.audit_actions().await.contains(&"password_reset".to_string()));
}

#[tokio::test]
async fn tokens_expire_and_can_be_revoked() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    app.user("boss", "admin", &[]).await;
    let now = app.clock.now();
    let (_, short) = identity::create_token(&app.db, "jdoe", Some(1), Actor::CLI, now)
        .await
        .unwrap();
    let (id, other) = identity::create_token(&app.db, "jdoe", None, Actor::CLI, now)
        .await
        .unwrap();
    let me = |token: String| {
        let url = app.url("/api/v1/me");
        async move {
            crate::helpers::http()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(me(short.clone()).await, 200);
    app.clock.advance(Duration::days(1));
    assert_eq!(me(short).await, 401, "expired");
    assert_eq!(me(other.clone()).await, 200);
    let last_used: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT last_used_at FROM api_tokens WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(last_used, Some(app.clock.now()), "last use recorded");
    let admin = app.login("boss").await;
    // Revoking asks first, naming the token and its owner; nothing changes until confirmed.
    let r = post(&app, &admin, "/admin/users", &format!("/admin/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(&format!("Revoke API token {id} of jdoe?"))
    );
    assert_eq!(me(other.clone()).await, 200, "not revoked before the confirmation");
    let r = post(
        &app,
        &admin,
        "/admin/users",
        &format!("/admin/tokens/{id}/revoke"),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(me(other).await, 401, "revoked");
    assert!(
        identity::create_token(&app.db, "jdoe", Some(367), Actor::CLI, now)
            .await
            .is_err()
    );
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"token_created".into()) && actions.contains(&"token_revoked".into()));
}

#[tokio::test]
async fn anonymous_visits_to_the_sign_in_form_store_no_session() {
    let app = spawn_app().await;
    for _ in 0..20 {
        let client = app.client();
        let html = client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(csrf_in(&html).is_some());
    }
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    // Without the cookie, the form's token alone is refused.
    let r = crate::helpers::http()
        .post(app.url("/login"))
        .form(&json!({ "username": "x", "password": "y", "csrf_token": "0".repeat(64) }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_session_ends_after_the_maximum_hours_however_active() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    let client = app.login("jdoe").await;
    // Active every 20 minutes (inside the 30-minute idle limit) for 12 hours.
    for _ in 0..36 {
        app.clock.advance(Duration::minutes(20));
        let r = client.get(app.url("/")).send().await.unwrap();
        assert_eq!(r.status(), 200, "at {}", app.clock.now());
    }
    app.clock.advance(Duration::minutes(1));
    let r = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/login".into()),
        "twelve hours is the most"
    );
    let reasons: Vec<String> = sqlx::query_scalar("SELECT ended_reason FROM user_sessions")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(reasons, vec!["max_age"]);
}

#[tokio::test]
async fn an_admin_reset_of_the_authenticator_makes_the_user_enrol_again() {
    let app = app_with_mfa().await;
    let jdoe = app.user("jdoe", "officer", &[]).await;
    app.user("boss", "admin", &[]).await;
    enrol(&app, "jdoe").await;
    let (_, _, admin) = enrol(&app, "boss").await;
    let r = post(
        &app,
        &admin,
        "/admin/users",
        &format!("/admin/users/{jdoe}/reset-mfa"),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = password_step(&app, &app.client(), "jdoe", PASSWORD).await;
    assert_eq!(location(&r), "/account/mfa/setup", "enrols again");
    assert!(app.audit_actions().await.contains(&"mfa_reset".to_string()));
}

#[tokio::test]
async fn signing_out_the_other_sessions_leaves_this_one() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    let here = app.login("jdoe").await;
    let there = app.login("jdoe").await;
    let r = post(&app, &here, "/account", "/account/sessions/end-others", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(here.get(app.url("/")).send().await.unwrap().status(), 200);
    assert_eq!(there.get(app.url("/")).send().await.unwrap().status(), 303);
    assert!(app.audit_actions().await.contains(&"session_revoked".to_string()));
}

#[tokio::test]
async fn a_disabled_account_answers_like_a_wrong_password_and_the_last_admin_is_never_swept() {
    let app = spawn_app().await;
    let jdoe = app.user("jdoe", "officer", &[]).await;
    app.user("boss", "admin", &[]).await;
    identity::set_disabled(&app.db, jdoe, true, Actor::CLI, app.clock.now())
        .await
        .unwrap();
    let right = password_step(&app, &app.client(), "jdoe", PASSWORD).await;
    let wrong = password_step(&app, &app.client(), "nobody", PASSWORD).await;
    assert_eq!((right.status().as_u16(), wrong.status().as_u16()), (401, 401));
    let strip = |h: String| {
        csrf_in(&h)
            .map_or(h.clone(), |t| h.replace(&t, ""))
            .replace("nobody", "jdoe")
    };
    assert_eq!(strip(right.text().await.unwrap()), strip(wrong.text().await.unwrap()));
    app.clock.advance(Duration::days(100));
    identity::disable_inactive(&app.db, 90, app.clock.now(), "x@y.z")
        .await
        .unwrap();
    let boss_disabled: bool = sqlx::query_scalar("SELECT disabled_at IS NOT NULL FROM users WHERE username = 'boss'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!boss_disabled, "the last enabled administrator stays");
}
