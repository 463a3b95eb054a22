//! "Next steps" in order of urgency, only what the user may do now, and why not in words
//! (issue 13).

use serde_json::json;

use crate::helpers::{World, booking, t};

/// The positions of the step cards on the page, in page order.
fn cards(html: &str) -> Vec<&str> {
    let mut found: Vec<(usize, &str)> = [
        "release-point",
        "serve",
        "transfer",
        "release",
        "igsa",
        "claim",
        "document",
        "notification",
    ]
    .iter()
    .filter_map(|id| {
        html.find(&format!(r#"<section class="card" id="{id}">"#))
            .map(|at| (at, *id))
    })
    .collect();
    found.sort();
    found.into_iter().map(|(_, id)| id).collect()
}

#[tokio::test]
async fn an_overdue_hold_offers_release_before_the_late_pickup() {
    let w = World::new().await;
    let id = w.served("N-1").await;
    let sgt = w.app.login("sgt").await;
    let in_time = w.app.page(&sgt, &format!("/bookings/{id}")).await;
    assert_eq!(
        cards(&in_time)[..2],
        ["notification", "transfer"],
        "in time, ICE not yet told of the service: the notice leads, then the pickup"
    );
    w.app.clock.set(t("2026-11-24T09:00:01Z"));
    let sgt = w.app.login("sgt").await;
    let overdue = w.app.page(&sgt, &format!("/bookings/{id}")).await;
    assert_eq!(
        cards(&overdue)[..2],
        ["release", "transfer"],
        "overdue: the release leads"
    );
}

#[tokio::test]
async fn a_liaison_is_told_it_is_too_late_for_pickup() {
    let w = World::new().await;
    let id = w.served("N-2").await;
    let ice = w.app.login("ice").await;
    let html = w.app.page(&ice, &format!("/bookings/{id}")).await;
    assert!(!html.contains("Too late for pickup"));
    w.app.clock.set(t("2026-11-24T09:30:00Z"));
    let ice = w.app.login("ice").await;
    let html = w.app.page(&ice, &format!("/bookings/{id}")).await;
    assert!(
        html.contains("Too late for pickup: the 48-hour limit passed at 2026-11-24 04:00 EST. A supervisor must release the person."),
        "{html}"
    );
}

#[tokio::test]
async fn a_new_booking_offers_the_ice_document_first_and_the_point_of_release_last() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let id = wso.ok(201, "/bookings", booking("N-3")).await["id"].as_i64().unwrap();
    let officer = w.app.login("wso1").await;
    let html = w.app.page(&officer, &format!("/bookings/{id}")).await;
    assert_eq!(cards(&html), ["document", "notification", "claim", "release-point"]);
    wso.ok(
        201,
        &format!("/bookings/{id}/documents"),
        crate::helpers::warrant("I-200", "W-3"),
    )
    .await;
    let html = w.app.page(&officer, &format!("/bookings/{id}")).await;
    assert_eq!(
        cards(&html)[0],
        "release-point",
        "with a warrant, the point of release starts the hold"
    );
}

#[tokio::test]
async fn an_officer_who_may_not_serve_is_told_why_instead_of_getting_the_form() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, doc) = w.booked_with_warrant(&wso, "N-4").await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    let certified = w.app.page(&w.app.login("wso1").await, &format!("/bookings/{id}")).await;
    assert_eq!(cards(&certified)[0], "serve");
    let rookie = w.app.login("rookie").await;
    let html = w.app.page(&rookie, &format!("/bookings/{id}")).await;
    assert!(!cards(&html).contains(&"serve"), "no form that will be refused");
    assert!(html.contains(
        "You may not serve a warrant now: no WSO certification recorded. A WSO whose certification is current must serve it."
    ));
    // The API's refusal says it in words too (the code stays the word to match on).
    let (s, e) = w
        .as_("rookie")
        .await
        .post(
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc, "at": "2026-11-22T09:00:00Z" }),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(e["error"]["code"], "not_certified");
    assert_eq!(
        e["error"]["message"],
        "you may not serve at that time: no WSO certification recorded"
    );
}

#[tokio::test]
async fn the_admin_dashboard_shows_people_held_past_the_limit() {
    let w = World::new().await;
    w.served("ADM-1").await;
    w.app.clock.set(t("2026-11-24T09:30:00Z"));
    let boss = w.app.login("boss").await;
    let html = w.app.page(&boss, "/").await;
    assert!(
        html.contains("⚠ 1 past the 48-hour limit: release required now."),
        "{html}"
    );
    assert!(html.contains("<title>(1 overdue) Dashboard"));
}

#[tokio::test]
async fn people_awaiting_service_are_named_so_and_can_be_listed_alone() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (waiting, _) = w.booked_with_warrant(&wso, "AW-1").await;
    wso.ok(
        200,
        &format!("/bookings/{waiting}/release-point"),
        json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    wso.ok(201, "/bookings", booking("AW-2")).await;
    let officer = w.app.login("wso1").await;
    let html = w.app.page(&officer, "/bookings?status=awaiting_service").await;
    assert!(html.contains("AW-1") && !html.contains("AW-2"), "{html}");
    assert!(html.contains("awaiting warrant service"));
    let case = w.app.page(&officer, &format!("/bookings/{waiting}")).await;
    assert!(case.contains(r#"<span class="badge status-in_custody">awaiting warrant service</span>"#));
}

#[tokio::test]
async fn times_are_written_one_way_in_the_facility_s_zone_on_the_timeline_and_the_audit_page() {
    let w = World::new().await;
    let id = w.served("TM-1").await;
    let sgt = w.app.login("sgt").await;
    let html = w.app.page(&sgt, &format!("/bookings/{id}")).await;
    let timeline = html
        .split(r#"<ol class="timeline">"#)
        .nth(1)
        .unwrap()
        .split("</ol>")
        .next()
        .unwrap();
    let rfc3339 = regex_like_rfc3339(timeline);
    assert!(rfc3339.is_none(), "a raw UTC time on the timeline: {rfc3339:?}");
    assert!(timeline.contains("EST"));
    let boss = w.app.login("boss").await;
    let audit = w.app.page(&boss, &format!("/admin/audit?booking={id}")).await;
    assert!(audit.contains(r#"<th scope="col">When</th>"#) && !audit.contains("When (UTC)"));
    assert!(
        audit.contains("2026-11-22 04:00:00 EST"),
        "the service, in the facility's time with seconds"
    );
}

/// The first thing that looks like an RFC 3339 time (`2026-11-23T02:16:27Z`, `…+00:00`).
fn regex_like_rfc3339(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(19).find_map(|w| {
        let shape = w.iter().enumerate().all(|(j, c)| match j {
            4 | 7 => *c == '-',
            10 => *c == 'T',
            13 | 16 => *c == ':',
            _ => c.is_ascii_digit(),
        });
        shape.then(|| w.iter().collect())
    })
}

#[tokio::test]
async fn an_unreported_citizenship_claim_past_its_hour_is_marked_overdue() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let id = wso.ok(201, "/bookings", booking("CL-1")).await["id"].as_i64().unwrap();
    wso.ok(
        201,
        &format!("/bookings/{id}/citizenship-claims"),
        json!({ "at": "2026-11-23T11:30:00Z", "how": "said so at intake" }),
    )
    .await;
    let officer = w.app.login("wso1").await;
    let html = w.app.page(&officer, &format!("/bookings/{id}")).await;
    assert!(html.contains("Not yet reported to ICE: due by") && !html.contains("OVERDUE"));
    w.app.clock.set(t("2026-11-23T12:31:00Z"));
    let officer = w.app.login("wso1").await;
    let html = w.app.page(&officer, &format!("/bookings/{id}")).await;
    assert!(html.contains("⚠ OVERDUE: the report to ICE was due by"), "{html}");
}

#[tokio::test]
async fn staff_are_shown_by_name_with_their_username() {
    let w = World::new().await;
    let boss = w.app.login("boss").await;
    let wso1: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'wso1'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    // An admin names the account; too long a name is a field error that changes nothing.
    let path = format!("/admin/users/{wso1}");
    let long = "x".repeat(101);
    let before = w.app.table_counts().await;
    let r = w
        .app
        .post_form(
            &boss,
            &path,
            &[("role", "officer"), ("facilities", "RCDC"), ("full_name", &long)],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("the full name is at most 100 characters")
    );
    assert_eq!(w.app.table_counts().await, before);
    let r = w
        .app
        .post_form(
            &boss,
            &path,
            &[
                ("role", "officer"),
                ("facilities", "RCDC"),
                ("full_name", "  María   López "),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);

    let id = w.served("NM-1").await;
    let officer = w.app.login("wso1").await;
    let page = w.app.page(&officer, &format!("/bookings/{id}")).await;
    assert!(page.contains("Signed in as </span><a href=\"/account\"><strong>María López (wso1)</strong>"));
    assert!(
        page.contains("by María López (wso1)"),
        "the serving WSO and the timeline by name"
    );
    let sgt = w.app.login("sgt").await;
    assert!(w.app.page(&sgt, "/roster").await.contains("María López (wso1)"));

    // From the command line too.
    let o = crate::cli::run(
        &w.app.database_url,
        &[
            "user",
            "add",
            "jdoe",
            "--role",
            "officer",
            "--facility",
            "RCDC",
            "--name",
            "Jane Doe",
        ],
        "a long passphrase nobody guesses\n",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let name: Option<String> = sqlx::query_scalar("SELECT full_name FROM users WHERE username = 'jdoe'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("Jane Doe"));
}
