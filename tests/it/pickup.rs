//! ICE's planned pickup (issue 31): a liaison or supervisor of the facility plans it for a case
//! on a WSO hold (API and page), the booking, the board and the webhook carry it, the timeline
//! keeps its history, and the three alerts are raised once each by the app clock.

use serde_json::{Value, json};
use wso_tracker::alerts::check_pickups;

use crate::helpers::{World, t};

/// Served 2026-11-22T09:00Z (`World::served`): the deadline is 2026-11-24T09:00Z.
const DEADLINE: &str = "2026-11-24T09:00:00Z";

async fn alerts(w: &World, id: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM alerts WHERE booking_id = $1 AND kind LIKE 'pickup%' ORDER BY id")
        .bind(id)
        .fetch_all(&w.app.admin_db)
        .await
        .unwrap()
}

async fn watch(w: &World, at: &str) {
    check_pickups(&w.app.db, t(at), 12, "wso@county.example.org")
        .await
        .unwrap();
}

fn plan(at: &str) -> Value {
    json!({ "planned_at": at, "officer": "Deportation Officer Ruiz", "note": "van from Charlotte" })
}

#[tokio::test]
async fn a_liaison_plans_the_pickup_and_the_case_board_and_webhook_carry_it() {
    let w = World::new().await;
    crate::webhooks::register(&w, "https://hooks.example.org/wso", &["pickup.planned"]).await;
    let id = w.served("PK-1").await;
    w.app.clock.set(t("2026-11-22T10:00:00Z"));
    let ice = w.as_("ice").await;
    let path = format!("/bookings/{id}/pickup-plan");

    let (s, p) = ice.http_put(&path, plan("2026-11-23T14:00:00Z")).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["planned_at"], "2026-11-23T14:00:00Z");
    assert_eq!(p["officer"], "Deportation Officer Ruiz");
    assert_eq!(
        (p["set_by"].as_str(), p["set_at"].as_str()),
        (Some("ice"), Some("2026-11-22T10:00:00Z"))
    );

    // The booking's view, the board's API and the webhook carry it.
    let (_, b) = ice.get(&format!("/bookings/{id}")).await;
    assert_eq!(b["pickup_plan"]["planned_at"], "2026-11-23T14:00:00Z", "{b}");
    let (_, board) = ice.get("/transfers/pending").await;
    assert_eq!(board[0]["pickup_planned_at"], "2026-11-23T14:00:00Z", "{board}");
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM webhook_deliveries WHERE event_type = 'pickup.planned'")
            .fetch_all(&w.app.admin_db)
            .await
            .unwrap();
    let event: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(event["data"]["planned_at"], "2026-11-23T14:00:00Z", "{event}");
    assert_eq!(event["data"]["custody_deadline"], DEADLINE);
    assert_eq!(event["data"]["booking_id"], id);

    // Changed by the supervisor; both are in the case's timeline.
    let sgt = w.as_("sgt").await;
    let (s, p) = sgt
        .http_put(&path, json!({ "planned_at": "2026-11-23T16:30:00Z" }))
        .await;
    assert_eq!((s, p["officer"].clone()), (200, Value::Null), "{p}");
    let (_, events) = sgt.get(&format!("/bookings/{id}/audit")).await;
    let planned: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "pickup_planned")
        .collect();
    assert_eq!(planned.len(), 2, "{events}");
    // The page shows it beside the deadline.
    let officer = w.app.login("wso1").await;
    let page = w.app.page(&officer, &format!("/bookings/{id}")).await;
    assert!(
        page.contains("ICE pickup planned") && page.contains("11:30"),
        "16:30Z is 11:30 in New York"
    );

    // Withdrawn: 204, then there is nothing to withdraw.
    assert_eq!(ice.http_delete(&path).await, 204);
    assert_eq!(ice.http_delete(&path).await, 404);
    let (_, b) = ice.get(&format!("/bookings/{id}")).await;
    assert_eq!(b["pickup_plan"], Value::Null);
    let (_, events) = sgt.get(&format!("/bookings/{id}/audit")).await;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "pickup_plan_withdrawn")
    );
}

#[tokio::test]
async fn only_the_facility_s_liaison_or_supervisor_plans_and_only_for_a_running_hold() {
    let w = World::new().await;
    let id = w.served("PK-2").await;
    w.app.clock.set(t("2026-11-22T10:00:00Z"));
    let path = format!("/bookings/{id}/pickup-plan");
    let (ice, ice2) = (w.as_("ice").await, w.as_("ice2").await);
    let (wso, sgt) = (w.as_("wso1").await, w.as_("sgt").await);
    let (other, _) = w.booked_with_warrant(&wso, "PK-3").await;
    let before = w.app.table_counts().await;
    let (s, e) = ice2.http_put(&path, plan("2026-11-23T14:00:00Z")).await;
    assert_eq!(s, 404, "another facility's liaison does not learn the case exists: {e}");
    let (s, e) = wso.http_put(&path, plan("2026-11-23T14:00:00Z")).await;
    assert_eq!((s, e["error"]["code"].as_str()), (403, Some("forbidden")), "{e}");
    let (s, e) = ice.http_put(&path, plan("2026-11-22T09:59:00Z")).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("planned_at")), "{e}");
    let (s, e) = ice.http_put(&path, json!({ "planned_at": "tomorrow" })).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("planned_at")), "{e}");
    // A case in custody, not on a hold: the supervisor is told why.
    let other_path = format!("/bookings/{other}/pickup-plan");
    let (s, e) = sgt.http_put(&other_path, plan("2026-11-23T14:00:00Z")).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("invalid_state")), "{e}");
    // Refusals are audited (access_denied); nothing else is written.
    let after = w.app.table_counts().await;
    let changed: Vec<_> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a && !["audit_log", "audit_head"].contains(&b.0.as_str()))
        .collect();
    assert!(changed.is_empty(), "refused plans changed nothing: {changed:?}");
    assert!(alerts(&w, id).await.is_empty());
}

#[tokio::test]
async fn the_three_pickup_alerts_are_raised_once_each_by_the_app_clock() {
    let w = World::new().await;
    let id = w.served("PK-4").await;
    let ice = w.as_("ice").await;
    let path = format!("/bookings/{id}/pickup-plan");

    // No plan: flagged from 12 hours before the deadline, to the second.
    watch(&w, "2026-11-23T20:59:59Z").await;
    assert!(alerts(&w, id).await.is_empty());
    watch(&w, "2026-11-23T21:00:00Z").await;
    watch(&w, "2026-11-23T21:05:00Z").await;
    assert_eq!(alerts(&w, id).await, ["pickup_not_planned"]);

    // A plan after the deadline.
    w.app.clock.set(t("2026-11-23T21:10:00Z"));
    ice.http_put(&path, plan("2026-11-24T09:00:01Z")).await;
    watch(&w, "2026-11-23T21:10:05Z").await;
    watch(&w, "2026-11-23T21:10:10Z").await;
    assert_eq!(
        alerts(&w, id).await,
        ["pickup_not_planned", "pickup_plan_after_deadline"]
    );

    // A plan in time, whose time then passes without a pickup.
    let (s, _) = ice.http_put(&path, plan("2026-11-24T08:00:00Z")).await;
    assert_eq!(s, 200);
    watch(&w, "2026-11-24T08:00:00Z").await;
    assert_eq!(alerts(&w, id).await.len(), 2, "at its second the plan is still in time");
    watch(&w, "2026-11-24T08:00:01Z").await;
    watch(&w, "2026-11-24T08:30:00Z").await;
    assert_eq!(
        alerts(&w, id).await,
        ["pickup_not_planned", "pickup_plan_after_deadline", "pickup_plan_missed"]
    );
    // Seen by the facility's supervisor and liaison on /alerts.
    for who in ["sgt", "ice"] {
        let client = w.app.login(who).await;
        let page = w.app.page(&client, "/alerts").await;
        assert!(page.contains("planned pickup time passed"), "{who}");
    }

    // Picked up: the plan ends with the hold, its alerts are resolved, its history stays.
    w.app.clock.set(t("2026-11-24T08:40:00Z"));
    let pickup = json!({ "at": "2026-11-24T08:40:00Z", "receiving_officer": "Officer Ruiz" });
    ice.ok(200, &format!("/bookings/{id}/transfer"), pickup).await;
    let (_, b) = ice.get(&format!("/bookings/{id}")).await;
    assert_eq!(b["pickup_plan"], Value::Null, "{b}");
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM alerts WHERE booking_id = $1 AND kind LIKE 'pickup%' AND NOT resolved",
    )
    .bind(id)
    .fetch_one(&w.app.admin_db)
    .await
    .unwrap();
    assert_eq!(open, 0, "the pickup alerts are resolved with the hold");
    let planned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE booking_id = $1 AND action = 'pickup_planned'")
            .bind(id)
            .fetch_one(&w.app.admin_db)
            .await
            .unwrap();
    assert_eq!(planned, 2, "the history stays");
}
