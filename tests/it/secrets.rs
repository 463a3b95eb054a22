//! Secrets at rest (issue 26, decision 0033): TOTP secrets, webhook signing secrets and saved
//! API answers are stored encrypted under a key file outside the database; a rotation while
//! the server runs breaks neither sign-in nor webhook signatures. Also finding 7 (an enrolment
//! cannot be replaced by a second setup page) and finding 13 (an idempotent replay re-checks
//! the caller and carries no secret).

use std::process::Command;

use serde_json::{Value, json};
use wso_tracker::auth::{token, totp};
use wso_tracker::config::Config;
use wso_tracker::secrets::Keyring;
use wso_tracker::services::accounts::Actor;
use wso_tracker::services::webhooks::deliver_due;

use crate::helpers::{PASSWORD, TestApp, World, booking, csrf_in, owner_url_for};
use crate::webhooks::Receiver;

fn mfa_config(keys: Option<std::sync::Arc<Keyring>>) -> Config {
    let mut config = Config::for_tests();
    config.mfa_required = true;
    if let Some(k) = keys {
        config.secrets = k;
    }
    config
}

/// A key file of this test's own, in a fresh directory.
fn own_key_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wso-secrets-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("secret-keys")
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn post_on(app: &TestApp, client: &reqwest::Client, page: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let html = app.page(client, page).await;
    let csrf = csrf_in(&html).unwrap_or_else(|| panic!("no csrf_token on {page}: {html}"));
    let mut all = fields.to_vec();
    all.push(("csrf_token", &csrf));
    client.post(app.url(page)).form(&all).send().await.unwrap()
}

/// The password step of `username` on a new client, which must lead to the setup page; returns
/// the client and the secret its setup page shows.
async fn setup_page(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let client = app.client();
    let r = app.try_login(&client, username, PASSWORD).await;
    assert_eq!(location(&r), "/account/mfa/setup");
    let html = app.page(&client, "/account/mfa/setup").await;
    let start = html.find(r#"id="totp-secret""#).expect("the secret is shown");
    let rest = &html[start..];
    let secret = rest[rest.find('>').unwrap() + 1..rest.find('<').unwrap()]
        .trim()
        .to_string();
    (client, secret)
}

/// Confirms the setup page with a code of `secret`; true if the recovery codes were shown.
async fn confirm(app: &TestApp, client: &reqwest::Client, secret: &str) -> bool {
    let code = totp::code_at(secret, app.clock.now().timestamp()).unwrap();
    let r = post_on(app, client, "/account/mfa/setup", &[("code", &code)]).await;
    r.text().await.unwrap().contains(r#"class="recovery-code""#)
}

/// Both sign-in steps; true if signed in.
async fn sign_in_with_code(app: &TestApp, username: &str, secret: &str) -> bool {
    let client = app.client();
    let r = app.try_login(&client, username, PASSWORD).await;
    assert_eq!(location(&r), "/login/mfa", "{username} is enrolled");
    let code = totp::code_at(secret, app.clock.now().timestamp()).unwrap();
    let r = post_on(app, &client, "/login/mfa", &[("code", &code)]).await;
    r.status() == 303 && location(&r) == "/"
}

async fn post_json(app: &TestApp, token: &str, path: &str, key: &str, body: &Value) -> (u16, bool, String) {
    let r = crate::helpers::http()
        .post(app.url(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let replayed = r.headers().contains_key("idempotent-replayed");
    (r.status().as_u16(), replayed, r.text().await.unwrap())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every row of `table` as the app role reads it (bytea as `\x` hex).
async fn rows(app: &TestApp, table: &str) -> String {
    let all: Vec<String> = sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM {table} t"))
        .fetch_all(&app.db)
        .await
        .unwrap();
    all.join("\n")
}

#[tokio::test]
async fn the_app_role_finds_no_secret_in_clear_and_a_dump_alone_makes_no_code() {
    let w = World::with_config(mfa_config(None)).await;
    let app = &w.app;
    let (client, secret) = setup_page(app, "sgt").await;
    assert!(confirm(app, &client, &secret).await, "enrolled");
    let boss = app.token("boss").await;
    let hook = json!({ "facility": "RCDC", "url": "http://127.0.0.1:9/hook", "events": ["booking.created"] });
    let (status, _, created) = post_json(app, &boss, "/webhooks", "hook-1", &hook).await;
    assert_eq!(status, 201, "{created}");
    let whsec: Value = serde_json::from_str(&created).unwrap();
    let whsec = whsec["secret"].as_str().unwrap().to_string();
    let wso = app.token("wso1").await;
    let (status, _, answer) = post_json(app, &wso, "/bookings", "booking-1", &booking("SEC-1")).await;
    assert_eq!(status, 201, "{answer}");
    assert!(answer.contains("Doe"), "the answer names the person: {answer}");

    let users = rows(app, "users").await;
    let raw_secret = totp_rs::Secret::Encoded(secret.clone()).to_bytes().unwrap();
    assert!(
        !users.contains(&secret) && !users.contains(&hex(&raw_secret)),
        "TOTP secret in clear: {users}"
    );
    let hooks = rows(app, "webhook_endpoints").await;
    let whsec_bytes = wso_tracker::domain::webhook::secret_key(&whsec).unwrap();
    assert!(
        !hooks.contains("whsec_") && !hooks.contains(&hex(&whsec_bytes)),
        "{hooks}"
    );
    assert!(!hooks.contains(&hex(whsec.as_bytes())), "{hooks}");
    let answers = rows(app, "idempotency_keys").await;
    for personal in ["Doe", "John", "1990-04-30", "SEC-1", "whsec_"] {
        assert!(
            !answers.contains(personal) && !answers.contains(&hex(personal.as_bytes())),
            "{personal} in a saved answer: {answers}"
        );
    }

    // What a dump holds of sgt's TOTP secret: a ciphertext and a key id.
    let (sealed, key_id): (Vec<u8>, String) =
        sqlx::query_as("SELECT mfa_secret_sealed, mfa_secret_key FROM users WHERE username = 'sgt'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let now = app.clock.now().timestamp();
    let code = totp::code_at(&secret, now).unwrap();
    // No 20 bytes of it (the secret's length), taken as a secret, give the current code.
    for window in sealed.windows(raw_secret.len()) {
        let guess = totp_rs::Secret::Raw(window.to_vec()).to_encoded().to_string();
        assert_ne!(totp::code_at(&guess, now).unwrap(), code);
    }
    // Another key file (an attacker's, or a lost one replaced) does not open it ...
    let other = Keyring::file(own_key_file("other"));
    wso_tracker::secrets::create_file(other.path()).unwrap();
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'sgt'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let aad = wso_tracker::db::mfa::aad(user_id);
    assert!(other.open(&aad, &key_id, &sealed).is_err());
    // ... only the server's key file does.
    let keys = Keyring::for_tests();
    assert_eq!(keys.open_text(&aad, &key_id, &sealed).unwrap(), secret);
}

#[tokio::test]
async fn a_second_setup_page_cannot_replace_an_enrolment() {
    // Finding 7: someone else who has the password opens the setup page too; the person enrols
    // first; the other's later confirmation must not replace the enrolment.
    let app = crate::helpers::spawn_app_with(mfa_config(None)).await;
    let jdoe = app.user("jdoe", "officer", &[]).await;
    let (person, theirs) = setup_page(&app, "jdoe").await;
    let (intruder, other) = setup_page(&app, "jdoe").await;
    assert_ne!(theirs, other);
    assert!(confirm(&app, &person, &theirs).await, "the person enrols");
    assert!(!confirm(&app, &intruder, &other).await, "a second enrolment is refused");
    let (stored, _) = wso_tracker::db::mfa::secret(&app.db, &Keyring::for_tests(), jdoe)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, theirs, "the person's authenticator stays");
    app.clock.advance(chrono::Duration::seconds(60));
    assert!(sign_in_with_code(&app, "jdoe", &theirs).await);
    let failures: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'mfa_failed' AND detail->>'reason' = 'already_enrolled'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(failures, 1, "the refused enrolment is audited");
}

#[tokio::test]
async fn a_replay_goes_only_to_the_rights_it_was_given_to_and_keeps_no_secret() {
    // Finding 13: an admin registers a webhook with an Idempotency-Key, is demoted to officer,
    // and replays the request.
    let w = World::new().await;
    let app = &w.app;
    let boss = app.token("boss").await;
    let hook = json!({ "facility": "RCDC", "url": "http://127.0.0.1:9/hook", "events": ["booking.created"] });
    let (status, replayed, first) = post_json(app, &boss, "/webhooks", "k-13", &hook).await;
    assert_eq!((status, replayed), (201, false), "{first}");
    assert!(first.contains("whsec_"), "the first answer shows the secret once");

    // The kept answer (opened with the key) has no secret; a replay to the same admin is it.
    let stored = wso_tracker::db::idempotency::get(&app.db, &Keyring::for_tests(), &token::digest(&boss), "k-13")
        .await
        .unwrap()
        .unwrap();
    let kept = String::from_utf8(stored.body.unwrap()).unwrap();
    assert!(!kept.contains("whsec_") && kept.contains("\"id\""), "{kept}");
    let (status, replayed, again) = post_json(app, &boss, "/webhooks", "k-13", &hook).await;
    assert_eq!((status, replayed), (201, true), "{again}");
    assert!(!again.contains("whsec_"), "{again}");

    sqlx::query("UPDATE users SET role = 'officer' WHERE username = 'boss'")
        .execute(&app.admin_db)
        .await
        .unwrap();
    let (status, _, demoted) = post_json(app, &boss, "/webhooks", "k-13", &hook).await;
    assert_eq!(status, 403, "{demoted}");
    assert!(
        !demoted.contains("whsec_") && demoted.contains("idempotency_caller_changed"),
        "{demoted}"
    );
    let endpoints: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_endpoints")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(endpoints, 1, "nothing registered again");
}

fn rotate(app: &TestApp, key_file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args(["secrets", "rotate"])
        .env("DATABASE_URL", &app.database_url)
        .env("DATABASE_OWNER_URL", owner_url_for(&app.database_url))
        .env("WSO_SECRET_KEY_FILE", key_file)
        .env("RUST_LOG", "off")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_while_the_server_runs_keeps_sign_in_and_signatures_working() {
    let path = own_key_file("rotate");
    let first = wso_tracker::secrets::create_file(&path).unwrap();
    let keys = Keyring::file(&path);
    let w = World::with_config(mfa_config(Some(keys.clone()))).await;
    let app = &w.app;
    let (client, secret) = setup_page(app, "sgt").await;
    assert!(confirm(app, &client, &secret).await);
    let rx = Receiver::on(0).await;
    let boss = app.token("boss").await;
    let url = format!("http://127.0.0.1:{}/hook", rx.port);
    let hook = json!({ "facility": "RCDC", "url": url, "events": ["booking.created"] });
    let (status, _, created) = post_json(app, &boss, "/webhooks", "hook-r", &hook).await;
    assert_eq!(status, 201, "{created}");
    let whsec = serde_json::from_str::<Value>(&created).unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();

    // An agency's identity provider, its client secret sealed under the first key.
    let sso = wso_tracker::services::sso_config::Settings {
        issuer: "https://login.example.org/tenant/v2.0",
        client_id: "wso-tracker",
        secret: Some("the-client-secret"),
        name: None,
        mfa_claim: None,
        domains: &[],
        installation_mfa_floor: false,
    };
    wso_tracker::services::sso_config::set(&app.db, &keys, Some("DEFAULT"), sso, Actor::CLI, app.clock.now())
        .await
        .unwrap();

    let out = rotate(app, &path);
    let said = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    let ids = keys.ids().unwrap();
    assert_eq!(ids.len(), 2, "{said}");
    assert_eq!(ids[0], first);
    let newest = ids[1].clone();
    for (table, column) in [
        ("users", "mfa_secret_key"),
        ("webhook_endpoints", "secret_key"),
        ("idempotency_keys", "body_key"),
        ("agency_sso", "secret_key"),
    ] {
        let used: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"
        ))
        .fetch_all(&app.db)
        .await
        .unwrap();
        assert_eq!(used, vec![newest.clone()], "{table}: {said}");
    }
    let provider = wso_tracker::db::sso::of_agency(&app.db, crate::audit::default_chain(&app.db).await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        provider.secret(&keys).unwrap(),
        "the-client-secret",
        "opened under the new key"
    );
    assert_eq!(
        std::fs::metadata(&path)
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
            .unwrap(),
        0o600
    );

    // The same running server: sign-in with the same authenticator, and a new enrolment
    // sealed under the new key.
    app.clock.advance(chrono::Duration::seconds(60));
    assert!(
        sign_in_with_code(app, "sgt", &secret).await,
        "MFA sign-in after the rotation"
    );
    let (client, second) = setup_page(app, "rookie").await;
    assert!(confirm(app, &client, &second).await);
    let key: String = sqlx::query_scalar("SELECT mfa_secret_key FROM users WHERE username = 'rookie'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(key, newest);

    // A delivery signed with the secret the endpoint was given before the rotation.
    w.as_("wso1").await.ok(201, "/bookings", booking("ROT-1")).await;
    #[allow(clippy::disallowed_methods)] // the receiver checks the timestamp against its clock
    app.clock.set(chrono::Utc::now());
    let sent = deliver_due(&app.db, &keys, &crate::webhooks::sender(), app.clock.now())
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let got = rx.received();
    assert_eq!(got.len(), 1);
    let verifier = standardwebhooks::Webhook::new(&whsec).unwrap();
    verifier
        .verify(got[0].1.as_bytes(), &got[0].0)
        .expect("signed with the endpoint's secret");
}

#[tokio::test]
async fn the_server_will_not_start_without_the_key_of_the_stored_secrets() {
    let w = World::new().await;
    let boss = w.app.token("boss").await;
    let hook = json!({ "facility": "RCDC", "url": "http://127.0.0.1:9/hook", "events": ["booking.created"] });
    assert_eq!(post_json(&w.app, &boss, "/webhooks", "k", &hook).await.0, 201);
    let missing = own_key_file("missing");
    let other = own_key_file("wrong");
    wso_tracker::secrets::create_file(&other).unwrap();
    for (file, words) in [(&missing, "does not exist"), (&other, "does not hold")] {
        let out = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", &w.app.database_url)
            .env("DATABASE_OWNER_URL", owner_url_for(&w.app.database_url))
            .env("WSO_SECRET_KEY_FILE", file)
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains(words) && err.contains("WSO_SECRET_KEY_FILE"), "{err}");
    }
    assert!(
        !missing.exists(),
        "no new key made for a database whose secrets need the old one"
    );
}

#[tokio::test]
async fn secrets_stored_in_clear_before_migration_0019_are_sealed_and_keep_working() {
    // An installation upgraded from before 0019: its rows still hold the plain columns.
    let path = own_key_file("legacy");
    let keys = Keyring::file(&path);
    let w = World::with_config(mfa_config(Some(keys.clone()))).await;
    let app = &w.app;
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let whsec = format!("whsec_{}", "A".repeat(43) + "=");
    sqlx::query("UPDATE users SET mfa_secret = $1, mfa_enrolled_at = $2 WHERE username = 'sgt'")
        .bind(secret)
        .bind(app.clock.now())
        .execute(&app.admin_db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO webhook_endpoints (facility_id, url, events, secret, created_at)
         SELECT id, 'http://127.0.0.1:9/hook', ARRAY['booking.created'], $1, now() FROM facilities WHERE code = 'RCDC'",
    )
    .bind(&whsec)
    .execute(&app.admin_db)
    .await
    .unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args(["secrets", "status"])
        .env("DATABASE_URL", &app.database_url)
        .env("DATABASE_OWNER_URL", owner_url_for(&app.database_url))
        .env("WSO_SECRET_KEY_FILE", &path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&status.stdout).to_string() + &String::from_utf8_lossy(&status.stderr);
    assert!(said.contains("TOTP secrets\tIN CLEAR\t1"), "{said}");

    let out = rotate(app, &path);
    let said = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(!said.contains("IN CLEAR"), "{said}");
    let users = rows(app, "users").await;
    let hooks = rows(app, "webhook_endpoints").await;
    assert!(!users.contains(secret) && !hooks.contains("whsec_"), "{users}\n{hooks}");
    app.clock.advance(chrono::Duration::seconds(60));
    assert!(
        sign_in_with_code(app, "sgt", secret).await,
        "the old enrolment still signs in"
    );
}

/// The secret a setup page offers is kept in the pending sign-in, a session row in the
/// database: sealed there too, so a dump of the sessions does not give it away before it is
/// confirmed; the setup still completes with it.
#[tokio::test]
async fn the_secret_offered_for_enrolment_is_sealed_in_the_session_too() {
    let w = World::with_config(mfa_config(None)).await;
    let app = &w.app;
    let (client, secret) = setup_page(app, "sgt").await;
    let sessions: Vec<Vec<u8>> = sqlx::query_scalar("SELECT data FROM tower_sessions.session")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(!sessions.is_empty(), "the pending sign-in is a session row");
    let plain = secret.replace(' ', "");
    for data in &sessions {
        assert!(
            !data.windows(plain.len()).any(|w| w == plain.as_bytes()),
            "the offered secret in clear in a session row"
        );
    }
    // The same page again offers the same secret, and confirming it enrols.
    let again = app.page(&client, "/account/mfa/setup").await;
    assert!(again.contains(&secret), "the same secret is offered again");
    assert!(confirm(app, &client, &secret).await, "enrolled with it");
}
