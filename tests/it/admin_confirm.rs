//! Disruptive admin switches ask first (issue 25, 7): disabling an account, resetting a
//! password or an authenticator, turning a public page on or off. Without `confirm=yes` the post
//! changes nothing and answers with a page naming the person (or the page) and what happens;
//! with it, it acts and is audited.

use fantoccini::Locator;
use wso_tracker::services::accounts::{self, Actor, NewUser};

use crate::browser::browser;
use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// An officer with a name, "jdoe (Jane Doe, Officer)", and the admin `boss`.
async fn app_with_jdoe() -> (TestApp, i64) {
    let app = spawn_app().await;
    let input = NewUser {
        username: "jdoe".into(),
        full_name: Some("Jane Doe".into()),
        role: "officer".into(),
        email: None,
        facilities: vec![],
        agencies: vec![],
        password: PASSWORD.into(),
        api_only: false,
    };
    let jdoe = accounts::create_user(&app.db, input, Actor::CLI, app.clock.now())
        .await
        .unwrap();
    app.user("boss", "admin", &[]).await;
    (app, jdoe)
}

async fn post(app: &TestApp, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = app.post_form(client, path, fields).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn disabled(app: &TestApp, id: i64) -> bool {
    sqlx::query_scalar("SELECT disabled_at IS NOT NULL FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// The confirmation's heading and consequence, as shown.
fn asked(html: &str) -> (String, String) {
    let between = |open: &str, close: &str| {
        let start = html.find(open).unwrap_or_else(|| panic!("no {open} in {html}")) + open.len();
        let start = start + html[start..].find('>').unwrap() + 1;
        let end = start + html[start..].find(close).unwrap();
        html[start..end]
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&amp;", "&")
    };
    (
        between("<h1 id=\"confirm-heading\"", "</h1>"),
        between("<p class=\"lead consequence\"", "</p>"),
    )
}

#[tokio::test]
async fn disabling_an_officer_asks_first_naming_them_and_what_ends() {
    let (app, jdoe) = app_with_jdoe().await;
    let session = app.login("jdoe").await;
    let api = app.api("jdoe").await;
    let admin = app.login("boss").await;
    let path = format!("/admin/users/{jdoe}/disable");
    let before = app.table_counts().await;

    let (status, html) = post(&app, &admin, &path, &[]).await;
    assert_eq!(status, 200);
    let (heading, consequence) = asked(&html);
    assert_eq!(heading, "Disable jdoe (Jane Doe, Officer)?");
    assert!(
        consequence.starts_with("They are signed in now (1 session). They are signed out at once everywhere"),
        "{consequence}"
    );
    assert!(
        consequence
            .contains("Their 1 live API token answers 401 from the next request, and any system using them stops."),
        "{consequence}"
    );
    assert!(html.contains(r#"<input type="hidden" name="confirm" value="yes">"#));
    assert!(html.contains(&format!(r#"<form method="post" action="{path}">"#)));
    assert!(html.contains(&format!(r#"href="/admin/users/{jdoe}">Go back</a>"#)));
    assert_eq!(app.table_counts().await, before, "asking writes nothing");
    assert!(!disabled(&app, jdoe).await, "not disabled");
    assert_eq!(
        session.get(app.url("/")).send().await.unwrap().status(),
        200,
        "still signed in"
    );
    assert_eq!(api.get("/me").await.0, 200, "the token still works");

    let (status, _) = post(&app, &admin, &path, &[("confirm", "yes")]).await;
    assert_eq!(status, 303);
    assert!(disabled(&app, jdoe).await);
    assert_eq!(
        session.get(app.url("/")).send().await.unwrap().status(),
        303,
        "signed out"
    );
    assert_eq!(api.get("/me").await.0, 401);
    assert!(app.audit_actions().await.contains(&"account_disabled".to_string()));
}

#[tokio::test]
async fn disabling_a_service_account_says_its_feed_stops() {
    let (app, _) = app_with_jdoe().await;
    let input = NewUser {
        username: "jms-feed".into(),
        full_name: None,
        role: "officer".into(),
        email: None,
        facilities: vec![],
        agencies: vec![],
        password: String::new(),
        api_only: true,
    };
    let feed = accounts::create_user(&app.db, input, Actor::CLI, app.clock.now())
        .await
        .unwrap();
    let token = app.api("jms-feed").await;
    let admin = app.login("boss").await;
    let (status, html) = post(&app, &admin, &format!("/admin/users/{feed}/disable"), &[]).await;
    assert_eq!(status, 200);
    let (heading, consequence) = asked(&html);
    assert_eq!(heading, "Disable jms-feed (service account, Officer)?");
    assert!(
        consequence.starts_with("Its 1 live API token answers 401 from the next request: the jail system or tool"),
        "{consequence}"
    );
    assert!(consequence.contains("(its feed stops)"), "{consequence}");
    assert!(!disabled(&app, feed).await);
    assert_eq!(token.get("/me").await.0, 200);
}

#[tokio::test]
async fn a_password_reset_asks_first_and_leaves_the_password_and_session_until_confirmed() {
    let (app, jdoe) = app_with_jdoe().await;
    let session = app.login("jdoe").await;
    let admin = app.login("boss").await;
    let hash = async || -> String {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(jdoe)
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    let old = hash().await;
    let path = format!("/admin/users/{jdoe}/reset-password");

    let (status, html) = post(&app, &admin, &path, &[]).await;
    assert_eq!(status, 200);
    let (heading, consequence) = asked(&html);
    assert_eq!(heading, "Reset the password of jdoe (Jane Doe, Officer)?");
    assert!(
        consequence.starts_with(
            "They are signed in now (1 session). They are signed out at once everywhere: an officer in the middle of a booking must sign in again"
        ),
        "{consequence}"
    );
    assert!(!html.contains(r#"id="secret""#), "no temporary password yet");
    assert_eq!(hash().await, old, "the password is unchanged");
    assert_eq!(session.get(app.url("/")).send().await.unwrap().status(), 200);
    assert!(!app.audit_actions().await.contains(&"password_reset".to_string()));

    let (status, html) = post(&app, &admin, &path, &[("confirm", "yes")]).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"id="secret""#), "the temporary password, shown once");
    assert_ne!(hash().await, old);
    assert_eq!(session.get(app.url("/")).send().await.unwrap().status(), 303);
    assert!(app.audit_actions().await.contains(&"password_reset".to_string()));
}

#[tokio::test]
async fn an_authenticator_reset_asks_first_and_keeps_the_secret_until_confirmed() {
    let (app, jdoe) = app_with_jdoe().await;
    let keys = wso_tracker::secrets::Keyring::for_tests();
    wso_tracker::db::mfa::enrol(&app.db, &keys, jdoe, "JBSWY3DPEHPK3PXP", 0, app.clock.now())
        .await
        .unwrap();
    let admin = app.login("boss").await;
    let secret = async || -> Option<String> {
        let stored = wso_tracker::db::mfa::secret(&app.db, &keys, jdoe).await.unwrap();
        stored.map(|(secret, _)| secret)
    };
    let path = format!("/admin/users/{jdoe}/reset-mfa");
    let edit = app.page(&admin, &format!("/admin/users/{jdoe}")).await;
    assert!(edit.contains("Reset authenticator"), "offered: enrolled");

    let (status, html) = post(&app, &admin, &path, &[]).await;
    assert_eq!(status, 200);
    let (heading, consequence) = asked(&html);
    assert_eq!(heading, "Reset the authenticator of jdoe (Jane Doe, Officer)?");
    assert!(
        consequence.starts_with("Their authenticator app and their recovery codes stop working at once."),
        "{consequence}"
    );
    assert!(
        consequence.contains("They are not signed in now. Sessions already open are not ended."),
        "{consequence}"
    );
    assert_eq!(secret().await.as_deref(), Some("JBSWY3DPEHPK3PXP"), "still enrolled");

    let (status, _) = post(&app, &admin, &path, &[("confirm", "yes")]).await;
    assert_eq!(status, 303);
    assert_eq!(secret().await, None);
    assert!(app.audit_actions().await.contains(&"mfa_reset".to_string()));
}

#[tokio::test]
async fn a_public_page_is_turned_on_and_off_only_when_confirmed() {
    let app = spawn_app().await;
    app.facility("RCDC", "America/New_York", false).await;
    app.user("boss", "admin", &[]).await;
    let admin = app.login("boss").await;
    let anonymous = crate::helpers::http();
    let public = async || {
        anonymous
            .get(app.url("/public/RCDC"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let path = "/admin/facilities/RCDC/public";

    let (status, html) = post(&app, &admin, path, &[("enabled", "true")]).await;
    assert_eq!(status, 200);
    let (heading, consequence) = asked(&html);
    assert_eq!(heading, "Turn on the public page of RCDC Detention Center (RCDC)?");
    assert!(
        consequence.starts_with("Anyone on the internet can then read /public/RCDC without signing in"),
        "{consequence}"
    );
    assert!(
        html.contains(r#"<input type="hidden" name="enabled" value="true">"#),
        "the choice travels on"
    );
    assert_eq!(public().await, 404, "still off");
    assert!(!app.audit_actions().await.contains(&"public_page_enabled".to_string()));

    let (status, _) = post(&app, &admin, path, &[("enabled", "true"), ("confirm", "yes")]).await;
    assert_eq!(status, 303);
    assert_eq!(public().await, 200);
    assert!(app.audit_actions().await.contains(&"public_page_enabled".to_string()));

    let (status, html) = post(&app, &admin, path, &[("enabled", "false")]).await;
    assert_eq!(status, 200);
    let (heading, consequence) = asked(&html);
    assert_eq!(heading, "Turn off the public page of RCDC Detention Center (RCDC)?");
    assert!(
        consequence.starts_with("/public/RCDC answers \"not found\" from now on"),
        "{consequence}"
    );
    assert_eq!(public().await, 200, "still on");

    let (status, _) = post(&app, &admin, path, &[("enabled", "false"), ("confirm", "yes")]).await;
    assert_eq!(status, 303);
    assert_eq!(public().await, 404);
    assert!(app.audit_actions().await.contains(&"public_page_disabled".to_string()));
}

#[tokio::test]
async fn in_the_browser_disable_shows_a_confirmation_naming_the_person() {
    let (app, jdoe) = app_with_jdoe().await;
    let b = browser().await;
    b.sign_in(&app, "boss").await;
    let c = &b.client;
    c.goto(&app.url(&format!("/admin/users/{jdoe}"))).await.unwrap();
    c.find(Locator::XPath("//button[normalize-space()='Disable account']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let heading = c
        .wait()
        .for_element(Locator::Id("confirm-heading"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Disable jdoe (Jane Doe, Officer)?");
    let consequence = c
        .find(Locator::Css(".consequence"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(consequence.contains("signed out at once"), "{consequence}");
    assert!(!disabled(&app, jdoe).await, "nothing done before the confirmation");
    c.find(Locator::XPath("//button[normalize-space()='Yes, disable jdoe']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css(".flash")).await.unwrap();
    assert!(disabled(&app, jdoe).await);
    c.clone().close().await.unwrap();
}
