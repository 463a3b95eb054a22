//! `/alerts` that calm rather than flood (issue 13): grouped by case with the case's status,
//! human words, filters, acknowledge all shown, clock alerts resolving when the case closes,
//! and links only to pages the user may open.

use serde_json::json;

use crate::helpers::World;

#[tokio::test]
async fn clock_alerts_resolve_themselves_when_the_case_closes() {
    let w = World::new().await;
    let id = w.served("R-1").await;
    let sgt = w.app.login("sgt").await;
    assert!(w.app.page(&sgt, "/").await.contains("Alerts (1 unread)"));
    w.as_("ice")
        .await
        .ok(
            200,
            &format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "SDDO Rivera" }),
        )
        .await;
    let home = w.app.page(&sgt, "/").await;
    assert!(!home.contains("unread)"), "nothing needs the supervisor any more");
    let html = w.app.page(&sgt, "/alerts").await;
    assert!(
        html.contains("Doe, John #R-1 (RCDC)") && html.contains("Now transferred to ICE"),
        "the case as it stands now"
    );
    assert!(html.contains("Resolved: the 48-hour clock no longer runs"));
    assert!(!html.contains(r#"action="/alerts/"#), "nothing to acknowledge");
    let unread = w.app.page(&sgt, "/alerts?show=unread").await;
    assert!(unread.contains("No alerts need you."), "{unread}");
}

#[tokio::test]
async fn alerts_are_grouped_by_case_filtered_and_acknowledged_together() {
    let w = World::new().await;
    w.served("G-1").await;
    w.served("G-2").await;
    let ice = w.app.login("ice").await;
    let html = w.app.page(&ice, "/alerts").await;
    let (a, b) = (html.find("#G-1 (RCDC)").unwrap(), html.find("#G-2 (RCDC)").unwrap());
    assert_eq!(html.matches("#G-1 (RCDC)").count(), 1, "one heading per case");
    assert_ne!(a, b);
    assert!(
        html.contains("<strong>ICE document recorded</strong>") && !html.contains("<code>ice_document_recorded"),
        "words, not codes"
    );
    // Only one kind.
    let only = w.app.page(&ice, "/alerts?kind=deadline_at_service").await;
    assert_eq!(only.matches(r#"data-kind="deadline_at_service""#).count(), 2);
    assert!(!only.contains(r#"data-kind="ice_document_recorded""#));
    // Acknowledge all shown: exactly those.
    let open: i64 = unread(&w, "ice").await;
    assert!(open >= 4, "{open}");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM alerts WHERE kind = 'deadline_at_service' ORDER BY id")
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    let fields: Vec<(&str, String)> = ids.iter().map(|i| ("id", i.to_string())).collect();
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert!(only.contains("Acknowledge the 2 routine alerts shown"));
    let r = w.app.post_form(&ice, "/alerts/ack", &borrowed).await;
    assert_eq!(r.status(), 303);
    assert_eq!(unread(&w, "ice").await, open - 2);
    // Another facility's liaison cannot acknowledge them by sending their ids.
    let ice2 = w.app.login("ice2").await;
    let before = w.app.table_counts().await;
    w.app.post_form(&ice2, "/alerts/ack", &borrowed).await;
    assert_eq!(w.app.table_counts().await, before);
}

/// The unread count in the navigation of `username`'s pages.
async fn unread(w: &World, username: &str) -> i64 {
    let client = w.app.login(username).await;
    crate::helpers::unread_shown(&w.app.page(&client, "/").await)
}

#[tokio::test]
async fn a_liaison_s_alert_about_a_case_not_yet_held_links_nowhere() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    w.booked_with_warrant(&wso, "L-1").await;
    let ice = w.app.login("ice").await;
    let html = w.app.page(&ice, "/alerts").await;
    assert!(
        html.contains("Booking #L-1 (RCDC)") && !html.contains("Doe") && html.contains("ICE document recorded"),
        "{html}"
    );
    assert!(
        !html.contains("href=\"/bookings/"),
        "the case is not one a liaison may open yet"
    );
}

#[tokio::test]
async fn the_navigation_counts_unread_alerts_to_99_and_then_says_99_plus() {
    let w = World::new().await;
    let id = w.served("N-1").await;
    let sgt = w.app.login("sgt").await;
    assert!(w.app.page(&sgt, "/").await.contains("Alerts (1 unread)"));
    let raise = |from: i32, to: i32| {
        sqlx::query(
            "INSERT INTO alerts (dedupe_key, kind, booking_id, facility_id, raised_at, title, body)
             SELECT 'n-' || n, 'deadline_passed', b.id, b.facility_id, now(), 'Past the limit', 'Release'
             FROM generate_series($2::int, $3::int) n, bookings b WHERE b.id = $1",
        )
        .bind(id)
        .bind(from)
        .bind(to)
        .execute(&w.app.db)
    };
    raise(1, 98).await.unwrap();
    w.app.caught_up().await; // raised from outside the server: heard soon, here at once
    assert!(w.app.page(&sgt, "/").await.contains("Alerts (99 unread)"));
    raise(99, 99).await.unwrap();
    w.app.caught_up().await;
    assert!(w.app.page(&sgt, "/").await.contains("Alerts (99+ unread)"));
    raise(100, 400).await.unwrap();
    w.app.caught_up().await;
    let home = w.app.page(&sgt, "/").await;
    assert!(
        home.contains("Alerts (99+ unread)") && !home.contains("(100"),
        "past 99 the count stops"
    );
}
