//! The case from booking to transfer over the JSON API: every rule, positive and negative.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{World, booking, warrant};

fn actions(booking: &Value) -> Vec<String> {
    booking["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_case_runs_from_booking_to_transfer() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let b = wso.ok(201, "/bookings", booking("2026-0001")).await;
    assert_eq!(b["status"], "in_custody");
    assert_eq!(b["facility"], "RCDC");
    assert_eq!(b["booked_at"], "2026-11-20T13:00:00Z");
    assert_eq!(b["charges"][0]["category"], "dwi");
    let id = b["id"].as_i64().unwrap();

    let detainer = wso
        .ok(201, &format!("/bookings/{id}/documents"), warrant("I-247A", "D-7"))
        .await;
    assert_eq!(detainer["a_number"], "012345678");
    let doc = wso
        .ok(201, &format!("/bookings/{id}/documents"), warrant("I-205", "W-9"))
        .await;
    wso.ok(
        201,
        &format!("/bookings/{id}/ice-notifications"),
        json!({ "at": "2026-11-20T12:00:00-05:00", "method": "phone", "contact": "ERO duty officer" }),
    )
    .await;
    let b = wso
        .ok(
            200,
            &format!("/bookings/{id}/release-point"),
            json!({ "at": "2026-11-22T08:00:00Z", "reason": "charges_dismissed" }),
        )
        .await;
    assert_eq!(
        b["status"], "in_custody",
        "an active warrant holds the person for service"
    );

    let b = wso
        .ok(
            201,
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc["id"], "at": "2026-11-22T08:30:00Z" }),
        )
        .await;
    assert_eq!(b["status"], "wso_hold");
    assert_eq!(b["custody_deadline"], "2026-11-24T08:30:00Z");
    assert_eq!(b["served_by"], "wso1");

    let ice = w.as_("ice").await;
    let (_, pending) = ice.get("/transfers/pending").await;
    assert_eq!(pending[0]["booking_id"], id);
    assert_eq!(
        pending[0]["seconds_remaining"],
        20 * 3600 + 30 * 60,
        "now is 2026-11-23 12:00Z"
    );
    assert_eq!(pending[0]["overdue"], false);

    let b = ice
        .ok(
            200,
            &format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "SDDO Rivera" }),
        )
        .await;
    assert_eq!(b["status"], "transferred");
    assert_eq!(b["over_detained_seconds"], 0);
    assert!(b.get("charges").is_none(), "a liaison sees only what a pickup needs");

    let (_, full) = wso.get(&format!("/bookings/{id}")).await;
    assert_eq!(
        actions(&full),
        [
            "booking_created",
            "document_added",
            "document_added",
            "ice_notified",
            "release_point_recorded",
            "warrant_served",
            "transferred"
        ]
    );
    let (_, audit) = wso.get(&format!("/bookings/{id}/audit")).await;
    let served = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "warrant_served")
        .unwrap();
    assert_eq!(served["actor"], "wso1");
    assert_eq!(served["at"], "2026-11-22T08:30:00Z");
    // The application's clock when it wrote the entry; `recorded_at` is the database's own.
    assert_eq!(served["entered_at"], "2026-11-23T12:00:00Z");
    assert!(ice.get("/transfers/pending").await.1.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_clock_is_48_elapsed_hours_across_daylight_saving() {
    let w = World::new().await;
    w.app.clock.set(crate::helpers::t("2027-03-16T12:00:00Z"));
    let wso = w.as_("wso1").await;
    let mut b = booking("DST-1");
    b["booked_at"] = json!("2027-03-12T09:00:00-05:00");
    let id = wso.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    let mut d = warrant("I-200", "W-DST");
    d["issued_at"] = json!("2027-03-12T10:00:00-05:00");
    d["received_at"] = json!("2027-03-12T10:00:00-05:00");
    let doc = wso.ok(201, &format!("/bookings/{id}/documents"), d).await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2027-03-13T09:30:00-05:00", "reason": "bond_posted" }),
    )
    .await;
    // Served 2027-03-13 10:00 EST; clocks spring forward on the 14th.
    let b = wso
        .ok(
            201,
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc["id"], "at": "2027-03-13T10:00:00-05:00" }),
        )
        .await;
    // 2027-03-15 11:00 EDT, exactly 48 hours later.
    assert_eq!(b["custody_deadline"], "2027-03-15T15:00:00Z");
}

#[tokio::test]
async fn without_an_active_warrant_the_person_is_released_at_the_point_of_release() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let id = wso.ok(201, "/bookings", booking("P-1")).await["id"].as_i64().unwrap();
    wso.ok(201, &format!("/bookings/{id}/documents"), warrant("I-247A", "D-1"))
        .await;
    let b = wso
        .ok(
            200,
            &format!("/bookings/{id}/release-point"),
            json!({ "at": "2026-11-22T08:00:00Z", "reason": "sentence_complete" }),
        )
        .await;
    assert_eq!(b["status"], "released", "a detainer alone holds no one");
    // The case's record says why it ended: the release for want of a warrant, after the point
    // of release with its own reason (a mutant giving both the same detail survived before).
    let (_, full) = wso.get(&format!("/bookings/{id}")).await;
    let detail_of = |action: &str| {
        let events = full["events"].as_array().unwrap();
        events.iter().find(|e| e["action"] == action).unwrap()["detail"].clone()
    };
    assert_eq!(detail_of("released")["reason"], "no_active_warrant");
    assert_eq!(detail_of("release_point_recorded")["reason"], "sentence_complete");
    // A withdrawn warrant holds no one either.
    let (id, doc) = w.booked_with_warrant(&wso, "P-2").await;
    wso.ok(
        200,
        &format!("/bookings/{id}/documents/{doc}/withdraw"),
        json!({ "at": "2026-11-21T08:00:00Z", "by": "SDDO Rivera" }),
    )
    .await;
    let b = wso
        .ok(
            200,
            &format!("/bookings/{id}/release-point"),
            json!({ "at": "2026-11-22T08:00:00Z", "reason": "other" }),
        )
        .await;
    assert_eq!(b["status"], "released");
    assert_eq!(b["documents"][0]["withdrawn_by"], "SDDO Rivera");
}

#[tokio::test]
async fn service_is_refused_unless_every_condition_holds() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, doc) = w.booked_with_warrant(&wso, "S-1").await;
    let detainer = wso
        .ok(201, &format!("/bookings/{id}/documents"), warrant("I-247A", "D-1"))
        .await["id"]
        .clone();
    let serve = |doc: Value, at: &str| json!({ "document_id": doc, "at": at });
    let path = format!("/bookings/{id}/service");

    let (s, e) = wso.post(&path, serve(json!(doc), "2026-11-22T09:00:00Z")).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("no_release_point")));
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
    )
    .await;

    let (s, e) = wso.post(&path, serve(detainer, "2026-11-22T09:00:00Z")).await;
    assert_eq!(
        (s, e["error"]["code"].as_str(), e["error"]["field"].as_str()),
        (422, Some("not_a_warrant"), Some("document_id"))
    );
    let (s, e) = wso.post(&path, serve(json!(doc), "2026-11-22T07:59:59Z")).await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("before_previous_step")));
    let (s, e) = wso.post(&path, serve(json!(doc), "2026-11-23T12:00:01Z")).await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("in_the_future")));
    let (s, e) = w
        .as_("rookie")
        .await
        .post(&path, serve(json!(doc), "2026-11-22T09:00:00Z"))
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (403, Some("not_certified")));
    let (s, _) = w
        .as_("ice")
        .await
        .post(&path, serve(json!(doc), "2026-11-22T09:00:00Z"))
        .await;
    assert_eq!(s, 403);

    wso.ok(201, &path, serve(json!(doc), "2026-11-22T09:00:00Z")).await;
    let (s, e) = wso.post(&path, serve(json!(doc), "2026-11-22T09:30:00Z")).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("already_served")));
}

#[tokio::test]
async fn a_certification_must_be_current_at_the_service_time() {
    let w = World::new().await;
    let sgt = w.as_("sgt").await;
    // rookie's certification ended the day before the service, in New York time.
    sgt.ok(201, "/officers/rookie/certification", json!({ "certified_on": "2025-01-01", "expires_on": "2026-11-21", "nominated_on": "2024-10-01", "background_cleared_on": "2024-11-01", "trained_on": "2024-12-01" }))
        .await;
    let rookie = w.as_("rookie").await;
    let (id, doc) = w.booked_with_warrant(&rookie, "C-1").await;
    rookie
        .ok(
            200,
            &format!("/bookings/{id}/release-point"),
            json!({ "at": "2026-11-22T04:00:00Z", "reason": "bond_posted" }),
        )
        .await;
    // 2026-11-22 04:30Z is still 2026-11-21 23:30 in New York: the last valid day.
    rookie
        .ok(
            201,
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc, "at": "2026-11-22T04:30:00Z" }),
        )
        .await;

    let (id, doc) = w.booked_with_warrant(&rookie, "C-2").await;
    rookie
        .ok(
            200,
            &format!("/bookings/{id}/release-point"),
            json!({ "at": "2026-11-22T05:00:00Z", "reason": "bond_posted" }),
        )
        .await;
    let (s, e) = rookie
        .post(
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc, "at": "2026-11-22T05:00:00Z" }),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (403, Some("not_certified")));

    // A revoked WSO may not serve from the moment of revocation.
    let wso = w.as_("wso1").await;
    let (id, doc) = w.booked_with_warrant(&wso, "C-3").await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-23T11:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    sgt.ok(
        200,
        "/officers/wso1/certification/revoke",
        json!({ "reason": "left the program" }),
    )
    .await;
    let (s, _) = wso
        .post(
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc, "at": "2026-11-23T12:00:00Z" }),
        )
        .await;
    assert_eq!(s, 403);
    // ... but a service before the revocation, entered afterwards, stands.
    wso.ok(
        201,
        &format!("/bookings/{id}/service"),
        json!({ "document_id": doc, "at": "2026-11-23T11:30:00Z" }),
    )
    .await;
}

#[tokio::test]
async fn a_pickup_after_the_deadline_is_refused_unless_a_supervisor_explains_it() {
    let w = World::new().await;
    let id = w.served("L-1").await;
    w.app.clock.advance(Duration::days(2));
    let late = json!({ "at": "2026-11-24T10:30:05Z", "receiving_officer": "SDDO Rivera" });
    let path = format!("/bookings/{id}/transfer");
    let ice = w.as_("ice").await;
    let (s, e) = ice.post(&path, late.clone()).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("deadline_passed")));
    let mut with_reason = late.clone();
    with_reason["late_reason"] = json!("ICE transport delayed by snowstorm");
    let (s, _) = ice.post(&path, with_reason.clone()).await;
    assert_eq!(s, 403);
    let sgt = w.as_("sgt").await;
    let (s, e) = sgt.post(&path, late).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("deadline_passed")));
    let b = sgt.ok(200, &path, with_reason).await;
    assert_eq!(b["status"], "transferred");
    assert_eq!(
        b["late_reason"], "ICE transport delayed by snowstorm",
        "kept with the late pickup"
    );
    assert_eq!(b["over_detained_seconds"], 3600 + 30 * 60 + 5);
}

#[tokio::test]
async fn a_pickup_in_time_entered_late_is_accepted() {
    let w = World::new().await;
    let id = w.served("L-2").await;
    w.app.clock.advance(Duration::days(3));
    let b = w
        .as_("ice")
        .await
        .ok(
            200,
            &format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-11-24T09:00:00Z", "receiving_officer": "SDDO Rivera" }),
        )
        .await;
    assert_eq!(b["over_detained_seconds"], 0);
}

#[tokio::test]
async fn releases_count_every_second_past_the_deadline() {
    let w = World::new().await;
    let sgt = w.as_("sgt").await;
    let id = w.served("R-1").await;
    let path = format!("/bookings/{id}/release");
    w.app.clock.advance(Duration::days(2));
    let (s, e) = sgt
        .post(
            &path,
            json!({ "at": "2026-11-24T08:59:59Z", "reason": "clock_expired" }),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str(), e["error"]["field"].as_str()),
        (422, Some("clock_not_expired"), Some("reason"))
    );
    let (s, _) = w
        .as_("wso1")
        .await
        .post(
            &path,
            json!({ "at": "2026-11-24T09:00:00Z", "reason": "clock_expired" }),
        )
        .await;
    assert_eq!(s, 403, "only a supervisor releases");
    let b = sgt
        .ok(
            200,
            &path,
            json!({ "at": "2026-11-24T09:00:42Z", "reason": "clock_expired", "note": "ICE did not come" }),
        )
        .await;
    assert_eq!(b["status"], "released");
    assert_eq!(b["release_reason"], "clock_expired");
    assert_eq!(b["over_detained_seconds"], 42);
    let (s, e) = sgt
        .post(&path, json!({ "at": "2026-11-24T09:01:00Z", "reason": "other" }))
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("invalid_state")));
}

#[tokio::test]
async fn an_igsa_hold_needs_an_agreement_and_starts_by_the_deadline() {
    let w = World::new().await;
    let id = w.served("I-1").await;
    let sgt = w.as_("sgt").await;
    let (s, e) = sgt
        .post(
            &format!("/bookings/{id}/igsa-hold"),
            json!({ "at": "2026-11-23T09:00:00Z" }),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("no_igsa")));

    // WAKE has an IGSA.
    let wakesgt = w.as_("wakesgt").await;
    let mut b = booking("W-1");
    b["facility"] = json!("WAKE");
    let id = wakesgt.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    let doc = wakesgt
        .ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-1"))
        .await["id"]
        .clone();
    wakesgt
        .ok(
            200,
            &format!("/bookings/{id}/release-point"),
            json!({ "at": "2026-11-21T08:00:00Z", "reason": "bond_posted" }),
        )
        .await;
    wakesgt
        .ok(
            201,
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc, "at": "2026-11-21T09:00:00Z" }),
        )
        .await;
    let (s, e) = wakesgt
        .post(
            &format!("/bookings/{id}/igsa-hold"),
            json!({ "at": "2026-11-23T09:00:01Z" }),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("deadline_passed")));
    let b = wakesgt
        .ok(
            200,
            &format!("/bookings/{id}/igsa-hold"),
            json!({ "at": "2026-11-23T09:00:00Z" }),
        )
        .await;
    assert_eq!(b["status"], "igsa_hold");
    // Days later ICE picks up; no over-detention under the agreement.
    w.app.clock.advance(Duration::days(4));
    let b = w
        .as_("ice2")
        .await
        .ok(
            200,
            &format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-11-26T09:00:00Z", "receiving_officer": "SDDO Chen" }),
        )
        .await;
    assert_eq!(
        (b["status"].as_str(), b["over_detained_seconds"].as_i64()),
        (Some("transferred"), Some(0))
    );
}

#[tokio::test]
async fn corrections_are_new_events_that_name_what_they_correct() {
    let w = World::new().await;
    let id = w.served("K-1").await;
    let wso = w.as_("wso1").await;
    let (_, before) = wso.get(&format!("/bookings/{id}")).await;
    let served = before["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "warrant_served")
        .unwrap()
        .clone();
    let path = format!("/bookings/{id}/corrections");
    let note = "Served by wso1 in booking room 2, not room 1";
    let c = wso
        .ok(201, &path, json!({ "event_id": served["id"], "note": note }))
        .await;
    assert_eq!(c["action"], "correction_recorded");
    assert_eq!(c["detail"]["corrects_event_id"], served["id"]);
    assert_eq!(c["detail"]["corrects"], "warrant_served");
    let (_, after) = wso.get(&format!("/bookings/{id}")).await;
    let events = after["events"].as_array().unwrap();
    assert_eq!(events.len(), before["events"].as_array().unwrap().len() + 1);
    assert!(events.contains(&served), "the corrected event is unchanged");
    let (s, e) = wso.post(&path, json!({ "event_id": 999999, "note": "x" })).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("event_id")));
    let (s, e) = wso.post(&path, json!({ "event_id": served["id"], "note": "  " })).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("note")));
    assert_eq!(
        w.as_("ice")
            .await
            .post(&path, json!({ "event_id": served["id"], "note": "x" }))
            .await
            .0,
        403
    );
}

/// A reason for lateness sent with a pickup in time is not kept: the record says late only
/// when it was (a mutant keeping it survived before).
#[tokio::test]
async fn a_late_reason_sent_with_a_pickup_in_time_is_not_kept() {
    let w = World::new().await;
    let id = w.served("T-1").await; // deadline 2026-11-24 09:00Z
    let body =
        json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "SDDO Rivera", "late_reason": "just in case" });
    let b = w
        .as_("sgt")
        .await
        .ok(200, &format!("/bookings/{id}/transfer"), body)
        .await;
    assert_eq!(
        (&b["status"], &b["over_detained_seconds"], &b["late_reason"]),
        (&json!("transferred"), &json!(0), &Value::Null)
    );
}
