//! Per-agency settings (issue 28): an agency requires an authenticator of its people and of the
//! liaisons it granted a facility, on top of the installation's floor, never below it.

use crate::cli::run;
use crate::helpers::{PASSWORD, World};

async fn lands(w: &World, username: &str) -> String {
    let client = w.app.client();
    let r = w.app.try_login(&client, username, PASSWORD).await;
    assert_eq!(r.status(), 303, "{username}");
    r.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn an_agency_that_requires_an_authenticator_asks_it_of_its_people_and_its_liaisons_only() {
    let w = World::new().await;
    let app = &w.app;
    app.second_agency(false).await;
    app.user("fieldice", "ice_liaison", &["DURH", "RCDC"]).await;
    for who in ["dwso", "fieldice", "wso1", "ice"] {
        assert_eq!(lands(&w, who).await, "/", "{who}: no authenticator asked yet");
    }

    // DUR-SO's admin requires it, from the facilities page.
    let dadmin = app.login("dadmin").await;
    let r = app
        .post_form(&dadmin, "/admin/agency/mfa", &[("required", "true")])
        .await;
    assert_eq!(r.status(), 303);
    let page = app.page(&dadmin, "/admin/facilities").await;
    assert!(page.contains("now requires an authenticator"), "{page}");
    let changed: Vec<(String, serde_json::Value)> =
        sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = 'agency_settings_changed'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].0, "dadmin");
    assert_eq!(changed[0].1["detail"]["mfa_required"]["to"], true);

    assert_eq!(
        lands(&w, "dwso").await,
        "/account/mfa/setup",
        "DUR-SO's officer enrols first"
    );
    assert_eq!(
        lands(&w, "fieldice").await,
        "/account/mfa/setup",
        "a liaison DUR-SO granted a facility too"
    );
    assert_eq!(lands(&w, "wso1").await, "/", "another agency's officer: unchanged");
    assert_eq!(
        lands(&w, "ice").await,
        "/",
        "a liaison of the other agency only: unchanged"
    );

    // The command line takes it back; the installation's floor (off here) is what remains.
    let o = run(
        &app.database_url,
        &["agency", "set", "DUR-SO", "--mfa-required", "false"],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "agency DUR-SO does not require an authenticator of its people"
    );
    assert_eq!(lands(&w, "dwso").await, "/");
    // Only an admin changes its agency's settings.
    let officer = app.login("wso1").await;
    let r = app
        .post_form(&officer, "/admin/agency/mfa", &[("required", "true")])
        .await;
    assert_eq!(r.status(), 403, "an officer: not an admin's page");
}
