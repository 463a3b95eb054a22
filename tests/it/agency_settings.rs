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

/// A case at DUR-SO's DURH served and picked up by ICE in time: it has a transfer record.
async fn transferred_at_durham(w: &World) -> i64 {
    let id = crate::agencies::held(&w.app, "dwso", "DURH", "DR-1", "2026-11-22T08:00:00Z").await;
    let pickup = serde_json::json!({ "at": "2026-11-23T08:00:00Z", "receiving_officer": "SDDO Rivera" });
    w.as_("dsgt")
        .await
        .ok(200, &format!("/bookings/{id}/transfer"), pickup)
        .await;
    id
}

#[tokio::test]
async fn an_agency_names_itself_on_its_printed_records_and_no_other_agency_s() {
    let w = World::new().await;
    let app = &w.app;
    app.second_agency(true).await;
    let id = transferred_at_durham(&w).await;
    let name = "Durham County Sheriff's Office";
    let record = |who: &'static str| async move {
        let c = app.login(who).await;
        app.page(&c, &format!("/bookings/{id}/transfer-record")).await
    };
    assert!(
        !record("dsgt").await.contains("record-agency"),
        "no name until the agency sets one"
    );

    // DUR-SO's admin sets it on the facilities page: audited, printed on DUR-SO's records.
    let dadmin = app.login("dadmin").await;
    let r = app
        .post_form(
            &dadmin,
            "/admin/agency/settings",
            &[("record_name", name), ("mail_sender_name", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let settings = app.page(&dadmin, "/admin/facilities").await;
    assert!(settings.contains("settings saved") && settings.contains(r#"value="Durham County Sheriff"#));
    let page = record("dsgt").await;
    assert!(
        page.contains(r#"<p class="record-agency">Durham County Sheriff&#39;s Office</p>"#)
            || page.contains(r#"<p class="record-agency">Durham County Sheriff&#x27;s Office</p>"#),
        "{page}"
    );
    let (actor, detail): (String, serde_json::Value) = sqlx::query_as(
        "SELECT actor, detail FROM audit_log WHERE action = 'agency_settings_changed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(actor, "dadmin");
    assert_eq!(detail["detail"]["record_name"]["to"], name);
    let names: Vec<Option<String>> = sqlx::query_scalar("SELECT record_name FROM agencies ORDER BY code")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(names, [None, Some(name.to_string())], "DEFAULT's untouched");

    // A name too long is refused and changes nothing, not even the other name sent with it;
    // the command line clears it.
    let long = "x".repeat(201);
    let r = app
        .post_form(
            &dadmin,
            "/admin/agency/settings",
            &[("record_name", long.as_str()), ("mail_sender_name", "Durham SO")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(record("dsgt").await.contains("record-agency"));
    let sender: Option<String> = sqlx::query_scalar("SELECT mail_sender_name FROM agencies WHERE code = 'DUR-SO'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(sender, None);
    let o = run(&app.database_url, &["agency", "set", "DUR-SO", "--record-name", ""], "");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("carry no agency name"));
    assert!(!record("dsgt").await.contains("record-agency"));
    // `agency set` needs something to set.
    let o = run(&app.database_url, &["agency", "set", "DUR-SO"], "");
    assert!(!o.status.success());
}

#[tokio::test]
async fn an_agency_s_alert_e_mails_come_from_its_name_and_another_agency_s_do_not() {
    use wso_tracker::alerts::{Mailer, deliver_due};
    let w = World::new().await;
    let app = &w.app;
    app.second_agency(true).await;
    let o = run(
        &app.database_url,
        &["agency", "set", "DUR-SO", "--mail-sender-name", "Durham County Sheriff"],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("alert e-mails come from the name \"Durham County Sheriff\""));
    // A case at each agency, each raising its alerts' e-mails.
    transferred_at_durham(&w).await;
    w.served("R-1").await;
    let sink = crate::smtp::Sink::start().await;
    let mailer = Mailer::new(&sink.url(), "wso-tracker@state.example.org").unwrap();
    assert!(deliver_due(&app.db, &mailer, app.clock.now(), 60).await.unwrap() > 0);
    let inbox = sink.received();
    let from_of = |number: &str| -> Vec<String> {
        inbox
            .iter()
            .filter(|m| m.data.contains(&format!("Booking {number} ")))
            .map(|m| m.header("From").unwrap())
            .collect()
    };
    let (durham, rcdc) = (from_of("DR-1"), from_of("R-1"));
    assert!(!durham.is_empty() && !rcdc.is_empty(), "mail of both agencies was sent");
    for from in &durham {
        assert_eq!(from, "\"Durham County Sheriff\" <wso-tracker@state.example.org>");
    }
    for from in &rcdc {
        assert_eq!(from, "wso-tracker@state.example.org", "DEFAULT set no name");
    }
}

#[tokio::test]
async fn an_agency_s_clocks_raise_alerts_at_its_own_hours_and_the_others_at_the_installation_s() {
    use wso_tracker::alerts::check_deadlines;
    let w = World::new().await;
    let app = &w.app;
    app.second_agency(true).await;
    // DUR-SO's admin: 24 and 2 hours before a deadline; a wrong list is refused, changing nothing.
    let dadmin = app.login("dadmin").await;
    let set = |hours: &'static str| {
        let dadmin = dadmin.clone();
        async move {
            app.post_form(&dadmin, "/admin/agency/settings", &[("alert_hours_left", hours)])
                .await
                .status()
        }
    };
    assert_eq!(set("24,48").await, 422, "48 is past the 48-hour clock's start");
    assert_eq!(set("24, 2").await, 303);
    assert!(app.page(&dadmin, "/admin/facilities").await.contains(r#"value="24,2""#));
    // A clock at each agency, served 2026-11-22 08:00Z: deadline 2026-11-24 08:00Z.
    let durham = crate::agencies::held(app, "dwso", "DURH", "DA-1", "2026-11-22T09:00:00Z").await;
    let rcdc = w.served("RA-1").await; // served 2026-11-22 09:00Z as well
    let kinds = |id: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT kind FROM alerts WHERE booking_id = $1 AND kind LIKE 'deadline_%' ORDER BY id",
            )
            .bind(id)
            .fetch_all(&db)
            .await
            .unwrap()
        }
    };
    // Both services were entered now (2026-11-23 12:00Z), 21 hours before their deadlines: at
    // DUR-SO that is past its own 24-hour threshold, so that alert is raised at once; RCDC's
    // installation hours (12, 4, 1) have nothing due yet.
    assert_eq!(kinds(durham).await, ["deadline_24h"]);
    assert_eq!(kinds(rcdc).await, ["deadline_at_service"]);
    // 11 hours before: RCDC's 12-hour alert; DUR-SO has no 12-hour one (its next is at 2 hours).
    let hours = wso_tracker::config::parse_hours_left("12,4,1").unwrap();
    check_deadlines(&app.db, crate::helpers::t("2026-11-23T22:00:00Z"), &hours, "x@y.z")
        .await
        .unwrap();
    assert_eq!(kinds(durham).await, ["deadline_24h"]);
    assert_eq!(kinds(rcdc).await, ["deadline_at_service", "deadline_12h"]);
    // 1 h 59 min before: DUR-SO's 2-hour alert.
    check_deadlines(&app.db, crate::helpers::t("2026-11-24T07:01:00Z"), &hours, "x@y.z")
        .await
        .unwrap();
    assert_eq!(kinds(durham).await, ["deadline_24h", "deadline_2h"]);
    // The command line gives DUR-SO the installation's hours back.
    let o = run(
        &app.database_url,
        &["agency", "set", "DUR-SO", "--alert-hours-left", ""],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("installation's hours"));
    // A command with one value refused changes nothing, not even the values it names before it.
    let o = run(
        &app.database_url,
        &[
            "agency",
            "set",
            "DUR-SO",
            "--mfa-required",
            "true",
            "--alert-hours-left",
            "99",
        ],
        "",
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("alert_hours_left"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mfa: bool = sqlx::query_scalar("SELECT mfa_required FROM agencies WHERE code = 'DUR-SO'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!mfa, "the authenticator was not required");
}

#[tokio::test]
async fn an_agency_s_sign_in_page_shows_its_own_system_use_notice() {
    let w = World::new().await;
    let app = &w.app;
    app.second_agency(false).await;
    let installation = wso_tracker::config::Config::for_tests().system_use_notice;
    let first_words: String = installation.chars().take(40).collect();
    let page = |path: &'static str| async move {
        let r = app.client().get(app.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let (status, body) = page("/login/DUR-SO").await;
    assert_eq!(status, 200);
    assert!(
        body.contains(&first_words),
        "the installation's notice until the agency sets one"
    );
    let notice = "DURHAM COUNTY SHERIFF'S OFFICE criminal justice information system.\nUse is monitored.";
    let dadmin = app.login("dadmin").await;
    let r = app
        .post_form(&dadmin, "/admin/agency/settings", &[("system_use_notice", notice)])
        .await;
    assert_eq!(r.status(), 303);
    let (_, body) = page("/login/DUR-SO").await;
    assert!(
        body.contains("DURHAM COUNTY SHERIFF") && body.contains("Use is monitored."),
        "{body}"
    );
    assert!(!body.contains(&first_words), "in place of the installation's");
    // The installation's page and another agency's keep the installation's notice.
    for path in ["/login", "/login/DEFAULT"] {
        let (status, body) = page(path).await;
        assert_eq!(status, 200);
        assert!(
            body.contains(&first_words) && !body.contains("DURHAM COUNTY SHERIFF"),
            "{path}"
        );
    }
    let (status, _) = page("/login/NOPE").await;
    assert_eq!(status, 404);
    // Signing in from the agency's page is the same sign-in.
    let client = app.client();
    let body = client
        .get(app.url("/login/DUR-SO"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_in(&body).unwrap();
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("username", "dwso"),
            ("password", crate::helpers::PASSWORD),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
}
