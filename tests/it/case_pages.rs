//! The case in the browser's terms: forms, field errors that keep what was typed, escaped
//! hostile text, and pages that offer each role only its own next steps.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{World, booking};

fn booking_form(number: &str, last_name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("facility", "RCDC".into()),
        ("booking_number", number.into()),
        ("last_name", last_name.into()),
        ("first_name", "Maria".into()),
        ("date_of_birth", "1985-02-14".into()),
        ("booked_at", "2026-11-23T06:15".into()),
        ("charges[0].description", "Driving while impaired".into()),
        ("charges[0].category", "dwi".into()),
        ("charges[1].description", "".into()),
        ("charges[1].category", "".into()),
    ]
}

pub async fn post(w: &World, client: &reqwest::Client, path: &str, fields: &[(&str, String)]) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    w.app.post_form(client, path, &borrowed).await
}

#[tokio::test]
async fn an_officer_books_through_the_form_and_errors_keep_what_was_typed() {
    let w = World::new().await;
    let officer = w.app.login("wso1").await;
    let page = w.app.page(&officer, "/bookings/new").await;
    assert!(
        page.contains(r#"value="2026-11-23 07:00""#),
        "booked at defaults to now in New York time"
    );

    let mut fields = booking_form("F-1", "");
    fields[6].1 = "Shoplifting".into();
    fields[7].1 = "arson-ish".into();
    let before = w.app.table_counts().await;
    let r = post(&w, &officer, "/bookings", &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(
        html.contains(r##"href="#booking-last_name""##),
        "the summary links to the field"
    );
    assert!(html.contains("last name is required"));
    assert!(html.contains(r##"href="#booking-charges[0].category""##));
    assert!(
        html.contains(r#"value="F-1""#)
            && html.contains(r#"value="Shoplifting""#)
            && html.contains(r#"value="1985-02-14""#)
    );
    assert_eq!(w.app.table_counts().await, before, "a refused form changes nothing");

    let r = post(&w, &officer, "/bookings", &booking_form("F-1", "García")).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let html = w.app.page(&officer, &location).await;
    assert!(html.contains("García, Maria") && html.contains("Driving while impaired"));
    assert!(
        html.contains("2026-11-23 06:15 EST"),
        "booked at is shown in the facility's zone"
    );
    let stored: String = sqlx::query_scalar("SELECT booked_at::text FROM bookings WHERE booking_number = 'F-1'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(stored, "2026-11-23 11:15:00+00");
}

#[tokio::test]
async fn hostile_text_is_rendered_escaped() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let mut b = booking("X-1");
    b["last_name"] = json!("<script>alert('x')</script>");
    b["charges"][0]["description"] = json!("<img src=x onerror=alert(1)>");
    let id = wso.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    let officer = w.app.login("wso1").await;
    for path in [
        format!("/bookings/{id}"),
        "/bookings".to_string(),
        "/bookings?q=script".to_string(),
    ] {
        let html = w.app.page(&officer, &path).await;
        assert!(!html.contains("<script>alert"), "{path}");
        assert!(!html.contains("<img src=x"), "{path}");
        assert!(
            html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;") || html.contains("&lt;script&gt;"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn each_role_is_offered_only_its_own_next_steps() {
    let w = World::new().await;
    let id = w.served("N-1").await;
    let page = |user: &'static str| {
        let w = &w;
        async move {
            let client = w.app.login(user).await;
            w.app.page(&client, &format!("/bookings/{id}")).await
        }
    };
    let officer = page("wso1").await;
    assert!(officer.contains("48-hour custody clock") && officer.contains("21 h 00 min left"));
    assert!(!officer.contains("Confirm pickup by ICE"));
    assert!(!officer.contains("Record release"));
    assert!(officer.contains("Log an ICE notification") && officer.contains("Timeline"));

    let supervisor = page("sgt").await;
    assert!(supervisor.contains("Confirm pickup by ICE") && supervisor.contains("Record release"));
    assert!(supervisor.contains("Reason for a late transfer"));

    let liaison = page("ice").await;
    assert!(liaison.contains("Confirm pickup by ICE"));
    assert!(
        !liaison.contains("Record release")
            && !liaison.contains("Timeline")
            && !liaison.contains("Driving while impaired")
    );
    assert!(!liaison.contains("Reason for a late transfer"));

    let elsewhere = w.app.login("other").await;
    assert_eq!(
        elsewhere
            .get(w.app.url(&format!("/bookings/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn a_late_pickup_in_the_form_is_refused_at_the_time_field() {
    let w = World::new().await;
    let id = w.served("N-2").await;
    w.app.clock.advance(Duration::days(1));
    let ice = w.app.login("ice").await;
    let before = w.app.table_counts().await;
    let fields = [
        ("at", "2026-11-24T05:00".to_string()),
        ("receiving_officer", "SDDO Rivera".to_string()),
    ];
    let r = post(&w, &ice, &format!("/bookings/{id}/transfer"), &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(r##"href="#transfer-at""##) && html.contains("after the 48-hour deadline"));
    assert!(html.contains(r#"value="SDDO Rivera""#));
    assert_eq!(w.app.table_counts().await, before);
    // 04:00 New York time is exactly the deadline (09:00Z): accepted.
    let fields = [
        ("at", "2026-11-24T04:00".to_string()),
        ("receiving_officer", "SDDO Rivera".to_string()),
        ("confirm", "yes".to_string()),
    ];
    assert_eq!(
        post(&w, &ice, &format!("/bookings/{id}/transfer"), &fields)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn the_pending_board_puts_the_soonest_deadline_first_and_overdue_cases_beyond_missing() {
    let w = World::new().await;
    let first = w.served("B-1").await;
    let wso = w.as_("wso1").await;
    let (second, doc) = w.booked_with_warrant(&wso, "B-2").await;
    wso.ok(
        200,
        &format!("/bookings/{second}/release-point"),
        json!({ "at": "2026-11-23T10:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    wso.ok(
        201,
        &format!("/bookings/{second}/service"),
        json!({ "document_id": doc, "at": "2026-11-23T10:00:00Z" }),
    )
    .await;
    w.app.clock.set(crate::helpers::t("2026-11-24T09:30:00Z"));
    let sgt = w.app.login("sgt").await;
    let html = w.app.page(&sgt, "/transfers/pending").await;
    assert!(html.contains("<title>(1 overdue) Pending transfers"));
    let (a, b) = (html.find("B-1").unwrap(), html.find("B-2").unwrap());
    assert!(a < b, "soonest deadline first");
    assert!(html.contains(r#"class="overdue""#) && html.contains("Release required"));
    assert!(html.contains(&format!(r#"action="/bookings/{first}/release-now""#)));
    assert!(html.contains("overdue by 30 min"));
    assert!(
        html.contains(r#"data-deadline="2026-11-24T09:00:00+00:00""#),
        "the browser counts down to the deadline"
    );
    let dashboard = w.app.page(&sgt, "/").await;
    assert!(dashboard.contains("<title>(1 overdue) Dashboard") && dashboard.contains("release required now"));
    // A liaison of another facility sees none of it.
    let ice2 = w.app.login("ice2").await;
    let html = w.app.page(&ice2, "/transfers/pending").await;
    assert!(!html.contains("B-1") && html.contains("No running custody clocks"));
}

#[tokio::test]
async fn supervisors_keep_the_roster() {
    let w = World::new().await;
    let sgt = w.app.login("sgt").await;
    let fields = [
        ("username", "rookie".to_string()),
        ("certified_on", "2026-11-01".to_string()),
        ("expires_on", "2026-12-10".to_string()),
        ("trained_on", "2026-10-01".to_string()),
    ];
    assert_eq!(post(&w, &sgt, "/roster/certifications", &fields).await.status(), 303);
    let html = w.app.page(&sgt, "/roster").await;
    assert!(html.contains("Expires within 30 days"), "rookie expires 2026-12-10");
    let bad = [
        ("username", "rookie".to_string()),
        ("certified_on", "2026-11-01".to_string()),
        ("expires_on", "2026-10-01".to_string()),
    ];
    let r = post(&w, &sgt, "/roster/certifications", &bad).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("expires before it was granted"));
    let officer = w.app.login("wso1").await;
    assert_eq!(officer.get(w.app.url("/roster")).send().await.unwrap().status(), 403);
    assert_eq!(
        post(&w, &officer, "/roster/certifications", &fields).await.status(),
        403
    );
}

#[tokio::test]
async fn the_boards_one_button_releases_an_overdue_person_and_counts_the_excess() {
    let w = World::new().await;
    let id = w.served("B-3").await;
    w.app.clock.set(crate::helpers::t("2026-11-24T09:30:00Z"));
    let sgt = w.app.login("sgt").await;
    // The button first asks, naming the person and the consequence; nothing is written yet.
    let before = w.app.table_counts().await;
    let r = w.app.post_form(&sgt, &format!("/bookings/{id}/release-now"), &[]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Release DOE, John (#B-3) now?"), "{html}");
    assert!(html.contains("this releases DOE, John (#B-3) now") && html.contains("It cannot be undone."));
    assert!(html.contains(r#"name="confirm" value="yes""#));
    assert_eq!(w.app.table_counts().await, before, "asking writes nothing");
    let r = w
        .app
        .post_form(&sgt, &format!("/bookings/{id}/release-now"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let board = w.app.page(&sgt, "/transfers/pending").await;
    assert!(
        board.contains("DOE, John (#B-3) released at 2026-11-24 04:30 EST: the 48-hour clock had expired.")
            && board.contains(&format!(r#"<a href="/bookings/{id}">Open the record</a>"#)),
        "the message names the person and links the record"
    );
    let (_, b) = w.as_("sgt").await.get(&format!("/bookings/{id}")).await;
    assert_eq!(
        (b["status"].as_str(), b["release_reason"].as_str()),
        (Some("released"), Some("clock_expired"))
    );
    assert_eq!(b["over_detained_seconds"], 1800);
    // An officer has no such button, and the route refuses them.
    let wso = w.as_("wso1").await;
    let id2 = w.served("B-4").await;
    let officer = w.app.login("wso1").await;
    assert_eq!(
        w.app
            .post_form(&officer, &format!("/bookings/{id2}/release-now"), &[])
            .await
            .status(),
        403
    );
    let _ = wso;
}

#[tokio::test]
async fn live_refreshes_do_not_keep_an_idle_session_alive() {
    let w = World::new().await;
    let sgt = w.app.login("sgt").await;
    for _ in 0..4 {
        w.app.clock.advance(Duration::minutes(10));
        let r = sgt
            .get(w.app.url("/transfers/pending"))
            .header("X-Live-Refresh", "1")
            .send()
            .await
            .unwrap();
        if r.status() != 200 {
            assert_eq!(r.status(), 303);
            assert!(w.app.clock.now() >= crate::helpers::t("2026-11-23T12:30:00Z"));
            return;
        }
    }
    panic!("automatic refreshes kept the session alive for 40 minutes");
}

#[tokio::test]
async fn transfer_and_release_records_print_the_case() {
    let w = World::new().await;
    let id = w.served("P-1").await;
    w.as_("ice")
        .await
        .ok(
            200,
            &format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "SDDO Rivera" }),
        )
        .await;
    let sgt = w.app.login("sgt").await;
    let html = w.app.page(&sgt, &format!("/bookings/{id}/transfer-record")).await;
    for expected in [
        "Transfer of custody to ICE",
        "Doe, John",
        "P-1",
        "Driving while impaired (DWI)",
        "I-200 warrant of arrest",
        "A012-345-678",
        "wso1",
        "2026-11-22 04:00 EST",
        "2026-11-24 04:00 EST",
        "2026-11-23 06:00 EST",
        "SDDO Rivera",
        "Receiving ICE officer — name, signature",
    ] {
        assert!(html.contains(expected), "{expected} missing");
    }
    let r = sgt
        .get(w.app.url(&format!("/bookings/{id}/release-record")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "a transferred case has no release record");

    let id = w.served("P-2").await;
    w.app.clock.set(crate::helpers::t("2026-11-24T10:00:00Z"));
    w.as_("sgt")
        .await
        .ok(
            200,
            &format!("/bookings/{id}/release"),
            json!({ "at": "2026-11-24T09:00:00Z", "reason": "clock_expired" }),
        )
        .await;
    let sgt = w.app.login("sgt").await;
    let html = w.app.page(&sgt, &format!("/bookings/{id}/release-record")).await;
    assert!(
        html.contains("Release from a WSO hold") && html.contains("48-hour clock expired"),
        "{html}"
    );
    assert_eq!(
        w.app
            .login("other")
            .await
            .get(w.app.url(&format!("/bookings/{id}/release-record")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn alerts_are_kept_on_the_alerts_page_and_acknowledged_by_each_user() {
    let w = World::new().await;
    w.served("AL-1").await;
    let sgt = w.app.login("sgt").await;
    let html = w.app.page(&sgt, "/").await;
    assert!(
        html.contains("Alerts (1 unread)"),
        "the service alert, not the liaison-only document alert"
    );
    let html = w.app.page(&sgt, "/alerts").await;
    // The row's own delivery state (not the page's banner, which always shows without SMTP).
    assert!(
        html.contains("kept here: e-mail is not configured (for ice@county.example.org, sgt@county.example.org)"),
        "the alert says where its e-mail would have gone"
    );
    assert!(
        html.contains("Doe, John #AL-1 (RCDC)")
            && html.contains("<strong>Warrant served, 48-hour clock started</strong>"),
        "grouped under the person, in words"
    );
    assert!(!html.contains("ice_document_recorded"));
    let alert_id: i64 = sqlx::query_scalar("SELECT id FROM alerts WHERE kind = 'deadline_at_service'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(
        w.app
            .post_form(&sgt, &format!("/alerts/{alert_id}/ack"), &[])
            .await
            .status(),
        303
    );
    let html = w.app.page(&sgt, "/alerts").await;
    assert!(html.contains("Acknowledged 2026-11-23 07:00 EST") && !html.contains("unread)"));
    assert!(w.app.audit_actions().await.contains(&"alert_acknowledged".to_string()));
    // The liaison still has both unread; another facility's liaison may not touch it (behind
    // the wall, it is not found).
    let ice = w.app.login("ice").await;
    assert!(w.app.page(&ice, "/").await.contains("Alerts (3 unread)"));
    let ice2 = w.app.login("ice2").await;
    assert_eq!(
        w.app
            .post_form(&ice2, &format!("/alerts/{alert_id}/ack"), &[])
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn complaints_and_agreement_pages_work_for_their_roles() {
    let w = World::new().await;
    let officer = w.app.login("wso1").await;
    let fields = [
        ("facility", "RCDC".to_string()),
        ("received_at", "2026-11-20T16:00".to_string()),
        ("complainant", "<b>A visitor</b>".to_string()),
        ("officers", "wso1".to_string()),
        ("summary", "Rude during service".to_string()),
    ];
    assert_eq!(post(&w, &officer, "/complaints", &fields).await.status(), 303);
    let html = w.app.page(&officer, "/complaints").await;
    assert!(html.contains("2026-11-24 16:00 EST"), "due Tuesday 16:00");
    assert!(html.contains("&#60;b&#62;A visitor") && !html.contains("<b>A visitor"));
    let notice = w.app.page(&officer, "/complaints/notice?facility=RCDC").await;
    assert!(notice.contains("How to make a complaint") && notice.contains("Cómo presentar una queja"));
    assert!(notice.contains("48 hours") && notice.contains("48 horas"));
    assert_eq!(
        officer
            .get(w.app.url("/complaints/notice?facility=WAKE"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(officer.get(w.app.url("/agreement")).send().await.unwrap().status(), 403);
    let ice = w.app.login("ice").await;
    assert_eq!(ice.get(w.app.url("/complaints")).send().await.unwrap().status(), 403);

    let sgt = w.app.login("sgt").await;
    let early = [
        ("facility", "RCDC".to_string()),
        ("what", "October log".to_string()),
        ("recipient", "Press".to_string()),
        ("requested_on", "2026-11-01".to_string()),
        ("released_on", "2026-11-03".to_string()),
    ];
    let r = post(&w, &sgt, "/agreement/disclosures", &early).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("needs a written reason"));
    let interpreter = [
        ("facility", "RCDC".to_string()),
        ("name", "Ana Ruiz".to_string()),
        ("languages", "Spanish".to_string()),
    ];
    assert_eq!(
        post(&w, &sgt, "/agreement/interpreters", &interpreter).await.status(),
        303
    );
    let exam = [
        ("fact", "exam".to_string()),
        ("username", "rookie".to_string()),
        ("taken_on", "2026-01-01".to_string()),
        ("score", "40".to_string()),
    ];
    assert_eq!(post(&w, &sgt, "/roster/facts", &exam).await.status(), 303);
    let stored: Vec<(chrono::NaiveDate, i32)> = sqlx::query_as(
        "SELECT e.taken_on, e.score FROM wso_exams e JOIN users u ON u.id = e.user_id WHERE u.username = 'rookie'",
    )
    .fetch_all(&w.app.db)
    .await
    .unwrap();
    assert_eq!(
        stored,
        vec![(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), 40)],
        "the form stored the exam as typed"
    );
    // A second failed exam: the roster now gives that reason too.
    let again = [
        ("fact", "exam".to_string()),
        ("username", "rookie".to_string()),
        ("taken_on", "2026-02-01".to_string()),
        ("score", "55".to_string()),
    ];
    assert_eq!(post(&w, &sgt, "/roster/facts", &again).await.status(), 303);
    let html = w.app.page(&sgt, "/roster").await;
    assert!(
        html.contains("no WSO certification recorded") && html.contains("exam twice"),
        "rookie may not serve, and the page says why"
    );
}

#[tokio::test]
async fn a_duplicate_booking_number_is_reported_beside_that_field() {
    let w = World::new().await;
    let officer = w.app.login("wso1").await;
    let r = post(&w, &officer, "/bookings", &booking_form("DUP-9", "Reyes")).await;
    assert_eq!(r.status(), 303);
    let before = w.app.table_counts().await;
    let r = post(&w, &officer, "/bookings", &booking_form("DUP-9", "Reyes")).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"id="booking-booking_number-error""#) && html.contains("booking number DUP-9 already exists"),
        "the error sits beside the booking number"
    );
    assert!(
        html.contains(r##"href="#booking-booking_number""##),
        "the summary links to it"
    );
    assert_eq!(w.app.table_counts().await, before);

    // The API names the field too.
    let (s, e) = w.as_("wso1").await.post("/bookings", booking("DUP-9")).await;
    assert_eq!(s, 409);
    assert_eq!(e["error"]["code"], "duplicate_booking_number");
    assert_eq!(e["error"]["field"], "booking_number");
}
