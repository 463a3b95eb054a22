//! The agreement's duties: citizenship claims, post-service notice, interpreters, complaints,
//! officer credentials, disclosures, annual reviews.

use chrono::Duration;
use serde_json::json;
use wso_tracker::alerts::check_deadlines;

use crate::helpers::World;
use crate::helpers::t;

const HOURS: [i64; 3] = [12, 4, 1];

async fn alert_kinds(w: &World, like: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM alerts WHERE kind LIKE $1 ORDER BY id")
        .bind(like)
        .fetch_all(&w.app.db)
        .await
        .unwrap()
}

async fn watch(w: &World, at: &str) {
    check_deadlines(&w.app.db, t(at), &HOURS, "wso@county.example.org")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_citizenship_claim_blocks_service_until_ice_is_told_within_the_hour() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, doc) = w.booked_with_warrant(&wso, "CZ-1").await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-23T10:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    let claim = wso
        .ok(
            201,
            &format!("/bookings/{id}/citizenship-claims"),
            json!({ "at": "2026-11-23T10:30:00Z", "how": "said so at intake", "document": "none shown" }),
        )
        .await;
    assert_eq!(claim["report_due_at"], "2026-11-23T11:30:00Z");

    // The one-hour clock and its alerts, by the app clock.
    watch(&w, "2026-11-23T10:59:59Z").await;
    assert!(alert_kinds(&w, "citizenship%").await.is_empty());
    watch(&w, "2026-11-23T11:00:00Z").await;
    assert_eq!(
        alert_kinds(&w, "citizenship%").await,
        vec!["citizenship_claim_report_due"]
    );
    watch(&w, "2026-11-23T11:30:00Z").await;
    assert_eq!(
        alert_kinds(&w, "citizenship%").await,
        vec!["citizenship_claim_report_due"],
        "a report at the due second is in time: not yet overdue"
    );
    watch(&w, "2026-11-23T11:30:01Z").await;
    assert_eq!(
        alert_kinds(&w, "citizenship%").await,
        vec!["citizenship_claim_report_due", "citizenship_claim_report_overdue"]
    );

    let serve = json!({ "document_id": doc, "at": "2026-11-23T11:40:00Z" });
    let (s, e) = wso.post(&format!("/bookings/{id}/service"), serve.clone()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("citizenship_claim_unreported"))
    );
    let (_, pending) = w.as_("sgt").await.get("/transfers/pending").await;
    assert!(pending.as_array().unwrap().is_empty());

    let path = format!("/bookings/{id}/citizenship-claims/{}/report", claim["id"]);
    let reported = wso.ok(200, &path, json!({ "at": "2026-11-23T11:35:00Z", "method": "phone", "ice_contact": "ERO duty officer", "response": "ICE will verify" })).await;
    assert_eq!(reported["reported_at"], "2026-11-23T11:35:00Z");
    let (s, e) = wso
        .post(
            &path,
            json!({ "at": "2026-11-23T11:36:00Z", "method": "phone", "ice_contact": "x" }),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("already_reported")));
    wso.ok(201, &format!("/bookings/{id}/service"), serve).await;

    let (_, b) = wso.get(&format!("/bookings/{id}")).await;
    assert_eq!(b["citizenship_claim"]["id"], claim["id"]);
    let (_, listed) = wso.get("/bookings?q=CZ-1").await;
    assert_eq!(
        listed[0]["citizenship_claim"]["id"], claim["id"],
        "lists carry the flag too"
    );
    assert_eq!(b["citizenship_claim"]["reported_at"], "2026-11-23T11:35:00Z");
    let (_, pending) = w.as_("ice").await.get("/transfers/pending").await;
    assert_eq!(pending[0]["citizenship_claim"], true);
    // Another facility's staff cannot record or report claims here: to them the case does not
    // exist (404, issue 26).
    let (s, _) = w
        .as_("other")
        .await
        .post(
            &format!("/bookings/{id}/citizenship-claims"),
            json!({ "at": "2026-11-23T11:50:00Z", "how": "x" }),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = w
        .as_("ice")
        .await
        .post(
            &format!("/bookings/{id}/citizenship-claims"),
            json!({ "at": "2026-11-23T11:50:00Z", "how": "x" }),
        )
        .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn the_post_service_notice_is_queued_once_and_escalated_when_not_logged() {
    let w = World::new().await;
    let id = w.served("PS-1").await; // served 2026-11-22 09:00Z
    assert_eq!(alert_kinds(&w, "post_service%").await, vec!["post_service_notice"]);
    let header: serde_json::Value = sqlx::query_scalar(
        "SELECT headers FROM outbox o JOIN alerts a ON a.id = o.alert_id WHERE a.kind = 'post_service_notice'",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(header["X-WSO-Alert"], "post_service_notice");
    let (_, b) = w.as_("wso1").await.get(&format!("/bookings/{id}")).await;
    assert_eq!(
        b["post_service_notice"],
        json!({ "due_at": "2026-11-22T10:00:00Z", "notified_at": null })
    );
    watch(&w, "2026-11-23T12:00:00Z").await;
    watch(&w, "2026-11-23T12:00:05Z").await;
    assert_eq!(
        alert_kinds(&w, "post_service%").await,
        vec!["post_service_notice", "post_service_notice_overdue"]
    );

    // Logged in time on another case: no escalation.
    let wso = w.as_("wso1").await;
    let (id2, doc) = w.booked_with_warrant(&wso, "PS-2").await;
    wso.ok(
        200,
        &format!("/bookings/{id2}/release-point"),
        json!({ "at": "2026-11-23T11:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    wso.ok(
        201,
        &format!("/bookings/{id2}/service"),
        json!({ "document_id": doc, "at": "2026-11-23T11:00:00Z" }),
    )
    .await;
    wso.ok(
        201,
        &format!("/bookings/{id2}/ice-notifications"),
        json!({ "at": "2026-11-23T11:20:00Z", "method": "phone", "contact": "ERO", "kind": "post_service" }),
    )
    .await;
    w.app.clock.advance(Duration::hours(2));
    watch(&w, "2026-11-23T14:00:00Z").await;
    let overdue: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM alerts WHERE kind = 'post_service_notice_overdue' AND booking_id = $1",
    )
    .bind(id2)
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(overdue, 0);
    let (_, b) = wso.get(&format!("/bookings/{id2}")).await;
    assert_eq!(b["post_service_notice"]["notified_at"], "2026-11-23T11:20:00Z");
}

#[tokio::test]
async fn interpreters_are_named_at_service_and_kept_to_their_facility() {
    let w = World::new().await;
    let sgt = w.as_("sgt").await;
    let i = sgt.ok(201, "/interpreters", json!({ "facility": "RCDC", "name": "Ana Ruiz", "languages": "Spanish, Portuguese", "contact": "555-0100" })).await;
    let other = w
        .as_("wakesgt")
        .await
        .ok(
            201,
            "/interpreters",
            json!({ "facility": "WAKE", "name": "Li Wei", "languages": "Mandarin" }),
        )
        .await;
    assert_eq!(
        w.as_("wso1")
            .await
            .post(
                "/interpreters",
                json!({ "facility": "RCDC", "name": "X", "languages": "Y" })
            )
            .await
            .0,
        403
    );
    assert_eq!(
        sgt.post(
            "/interpreters",
            json!({ "facility": "WAKE", "name": "X", "languages": "Y" })
        )
        .await
        .0,
        403
    );
    let (_, list) = sgt.get("/interpreters?facility=RCDC").await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    let wso = w.as_("wso1").await;
    let (id, doc) = w.booked_with_warrant(&wso, "IN-1").await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-23T10:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    let (s, e) = wso
        .post(
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc, "at": "2026-11-23T10:05:00Z", "interpreter_id": other["id"] }),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("interpreter_id")));
    wso.ok(
        201,
        &format!("/bookings/{id}/service"),
        json!({ "document_id": doc, "at": "2026-11-23T10:05:00Z", "interpreter_id": i["id"] }),
    )
    .await;
    let (_, audit) = wso.get(&format!("/bookings/{id}/audit")).await;
    let served = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "warrant_served")
        .unwrap();
    assert_eq!(served["detail"]["interpreter"], "Ana Ruiz (Spanish, Portuguese)");
    let (_, b) = wso.get(&format!("/bookings/{id}")).await;
    assert_eq!(b["served_interpreter_id"], i["id"]);
}

#[tokio::test]
async fn complaints_reach_ice_within_48_weekday_hours() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    // Friday 2026-11-20 16:00 New York → due Tuesday 16:00.
    let c = wso
        .ok(201, "/complaints", json!({ "facility": "RCDC", "received_at": "2026-11-20T16:00:00-05:00", "complainant": "A visitor", "officers": ["wso1"], "summary": "Rude during service" }))
        .await;
    assert_eq!(c["ice_due_at"], "2026-11-24T21:00:00Z");
    assert_eq!(c["status"], "open");
    // Saturday 10:00 → due Wednesday 00:00 (Tuesday 24:00).
    let sat = wso
        .ok(201, "/complaints", json!({ "facility": "RCDC", "received_at": "2026-11-21T10:00:00-05:00", "complainant": "B", "officers": [], "summary": "S" }))
        .await;
    assert_eq!(sat["ice_due_at"], "2026-11-25T05:00:00Z");
    let (s, e) = wso.post("/complaints", json!({ "facility": "RCDC", "received_at": "2026-11-20T16:00:00Z", "complainant": "C", "officers": ["nobody"], "summary": "S" })).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("officers")));

    // 12 weekday hours before the deadline: Tuesday 04:00 local = 09:00Z.
    watch(&w, "2026-11-24T08:59:00Z").await;
    assert!(alert_kinds(&w, "complaint%").await.is_empty());
    watch(&w, "2026-11-24T09:00:00Z").await;
    assert_eq!(alert_kinds(&w, "complaint%").await, vec!["complaint_ice_due"]);
    watch(&w, "2026-11-24T21:00:00Z").await;
    let of_first: Vec<String> = sqlx::query_scalar("SELECT kind FROM alerts WHERE complaint_id = $1 ORDER BY id")
        .bind(c["id"].as_i64())
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    assert_eq!(of_first, vec!["complaint_ice_due", "complaint_ice_overdue"]);
    let header: serde_json::Value = sqlx::query_scalar("SELECT headers FROM outbox o JOIN alerts a ON a.id = o.alert_id WHERE a.kind = 'complaint_ice_overdue' AND a.complaint_id = $1")
        .bind(c["id"].as_i64())
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(header["X-WSO-Complaint"], c["id"].to_string());
    assert!(header.get("X-WSO-Booking").is_none());

    w.app.clock.set(t("2026-11-25T12:00:00Z"));
    let (_, overdue) = wso.get("/complaints?status=overdue").await;
    assert_eq!(overdue.as_array().unwrap().len(), 2, "both are past their deadline");
    let path = format!("/complaints/{}", c["id"]);
    wso.ok(
        200,
        &format!("{path}/ice-notified"),
        json!({ "at": "2026-11-25T11:00:00Z", "method": "e-mail", "ice_contact": "OPR" }),
    )
    .await;
    let (s, _) = wso
        .post(
            &format!("{path}/outcome"),
            json!({ "at": "2026-11-25T11:30:00Z", "summary": "Unfounded" }),
        )
        .await;
    assert_eq!(s, 403, "the outcome is a supervisor's");
    let closed = w.as_("sgt").await.ok(200, &format!("{path}/outcome"), json!({ "at": "2026-11-25T11:30:00Z", "summary": "Unfounded", "reported_to_ice_at": "2026-11-25T11:45:00Z" })).await;
    assert_eq!(closed["status"], "closed");
    let (_, closed) = wso.get("/complaints?status=closed").await;
    assert_eq!(closed.as_array().unwrap().len(), 1);
    let (s, _) = w
        .as_("other")
        .await
        .post(
            &format!("{path}/ice-notified"),
            json!({ "at": "2026-11-25T11:00:00Z", "method": "x", "ice_contact": "y" }),
        )
        .await;
    assert_eq!(s, 404, "another facility's complaint, as if it did not exist");
    assert!(
        w.as_("other")
            .await
            .get("/complaints")
            .await
            .1
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn officer_credentials_decide_eligibility_with_reasons() {
    let w = World::new().await;
    let sgt = w.as_("sgt").await;
    let eligible = |v: &serde_json::Value| (v["may_serve"].as_bool().unwrap(), v["reasons"].clone());
    // rookie: never certified.
    let (_, e) = sgt.get("/officers/rookie/eligibility").await;
    assert_eq!(eligible(&e), (false, json!(["no_certification"])));
    sgt.ok(
        201,
        "/officers/rookie/certification",
        json!({ "certified_on": "2026-01-01", "expires_on": "2027-12-31" }),
    )
    .await;
    let e = sgt
        .ok(
            201,
            "/officers/rookie/exam",
            json!({ "taken_on": "2025-11-01", "score": 55 }),
        )
        .await;
    assert_eq!(eligible(&e), (true, json!([])), "one failure allows a retake");
    let e = sgt
        .ok(
            201,
            "/officers/rookie/exam",
            json!({ "taken_on": "2025-12-01", "score": 62 }),
        )
        .await;
    assert_eq!(eligible(&e), (false, json!(["exam_failed_twice"])));
    let (s, err) = sgt
        .post(
            "/officers/rookie/exam",
            json!({ "taken_on": "2026-01-01", "score": 99 }),
        )
        .await;
    assert_eq!((s, err["error"]["code"].as_str()), (409, Some("disqualified")));

    // wso1: credentials issued then returned; withdrawal; departure.
    sgt.ok(
        201,
        "/officers/wso1/credentials",
        json!({ "form_70_006_number": "70-006-123", "issued_on": "2026-01-10" }),
    )
    .await;
    let e = sgt
        .ok(
            201,
            "/officers/wso1/credentials/returned",
            json!({ "on": "2026-11-23" }),
        )
        .await;
    assert_eq!(eligible(&e), (false, json!(["credentials_returned"])));
    sgt.ok(
        201,
        "/officers/wso1/credentials",
        json!({ "form_70_006_number": "70-006-124", "issued_on": "2026-11-23" }),
    )
    .await;
    let (_, e) = sgt.get("/officers/wso1/eligibility").await;
    assert_eq!(eligible(&e), (true, json!([])), "new credentials");
    let e = sgt
        .ok(
            201,
            "/officers/wso1/withdrawal",
            json!({ "received_on": "2026-11-20", "effective_on": "2026-12-01" }),
        )
        .await;
    assert!(eligible(&e).0, "not yet in effect");
    let (_, e) = sgt.get("/officers/wso1/eligibility?at=2026-12-01T12:00:00Z").await;
    assert_eq!(eligible(&e), (false, json!(["withdrawn_by_ice"])));
    let e = sgt
        .ok(
            201,
            "/officers/wso1/departure-notice",
            json!({ "given_on": "2026-11-23", "departs_on": "2026-11-30" }),
        )
        .await;
    assert!(e["warning"].as_str().unwrap().contains("90 days"));
    let (_, e) = sgt.get("/officers/wso1/eligibility?at=2026-11-30T12:00:00Z").await;
    assert_eq!(eligible(&e), (false, json!(["departed"])));
    let (_, e) = sgt.get("/officers/wso1/eligibility?at=2026-11-30T04:00:00Z").await;
    assert!(eligible(&e).0, "still the 29th in New York");
    // Only supervisors (and admins) record; an officer reads only their own.
    let wso = w.as_("wso1").await;
    assert_eq!(
        wso.post(
            "/officers/rookie/exam",
            json!({ "taken_on": "2026-01-01", "score": 99 })
        )
        .await
        .0,
        403
    );
    assert_eq!(wso.get("/officers/wso1/eligibility").await.0, 200);
    assert_eq!(wso.get("/officers/rookie/eligibility").await.0, 403);
    assert_eq!(
        w.as_("wakesgt")
            .await
            .post(
                "/officers/wso1/withdrawal",
                json!({ "received_on": "2026-11-20", "effective_on": "2026-12-01" })
            )
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn disclosures_before_clearance_need_a_reason_and_reviews_are_reminded() {
    let w = World::new().await;
    let sgt = w.as_("sgt").await;
    let early = json!({ "facility": "RCDC", "what": "Booking log for October", "recipient": "The Daily Record",
                        "requested_on": "2026-11-01", "clearance_requested_on": "2026-11-02", "released_on": "2026-11-05" });
    let (s, e) = sgt.post("/disclosures", early.clone()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str(), e["error"]["field"].as_str()),
        (422, Some("clearance_required"), Some("early_release_reason"))
    );
    let mut explained = early.clone();
    explained["early_release_reason"] = json!("Court order with a deadline");
    let d = sgt.ok(201, "/disclosures", explained).await;
    assert_eq!(d["released_before_clearance"], true);
    let cleared = json!({ "facility": "RCDC", "what": "Statistics", "recipient": "County board", "requested_on": "2026-11-01",
                          "clearance_requested_on": "2026-11-02", "cleared_on": "2026-11-04", "released_on": "2026-11-05" });
    assert_eq!(
        sgt.ok(201, "/disclosures", cleared).await["released_before_clearance"],
        false
    );
    assert_eq!(sgt.get("/disclosures").await.1.as_array().unwrap().len(), 2);
    assert_eq!(w.as_("wso1").await.post("/disclosures", early).await.0, 403);

    sgt.ok(
        201,
        "/reviews",
        json!({ "facility": "RCDC", "held_on": "2025-12-15", "attendees": "Sheriff, ICE ERO", "notes": "No issues" }),
    )
    .await;
    // Reminder 11 months after the last review: 2026-11-15 (New York midnight, 05:00 UTC), not
    // a second before.
    watch(&w, "2026-11-15T04:59:59Z").await;
    assert!(alert_kinds(&w, "annual%").await.is_empty(), "not before eleven months");
    watch(&w, "2026-11-15T05:00:00Z").await;
    assert_eq!(alert_kinds(&w, "annual%").await, vec!["annual_review_due"]);
    watch(&w, "2026-11-23T12:00:00Z").await;
    watch(&w, "2026-11-23T12:00:10Z").await;
    assert_eq!(alert_kinds(&w, "annual%").await, vec!["annual_review_due"]);
    assert_eq!(sgt.get("/reviews").await.1.as_array().unwrap().len(), 1);
    assert_eq!(w.as_("ice").await.get("/reviews").await.0, 403);
}

#[tokio::test]
async fn only_a_post_service_notification_answers_the_post_service_notice() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    // Both served 2026-11-22 09:00Z; A gets another kind of notification, B the right one.
    let (a, b) = (w.served("PS-A").await, w.served("PS-B").await);
    for (id, kind) in [(a, "in_custody"), (b, "post_service")] {
        wso.ok(
            201,
            &format!("/bookings/{id}/ice-notifications"),
            json!({ "at": "2026-11-22T09:20:00Z", "method": "phone", "contact": "ERO duty officer", "kind": kind }),
        )
        .await;
    }
    watch(&w, "2026-11-22T10:01:00Z").await;
    let overdue: Vec<i64> = sqlx::query_scalar(
        "SELECT booking_id FROM alerts WHERE kind = 'post_service_notice_overdue' ORDER BY booking_id",
    )
    .fetch_all(&w.app.db)
    .await
    .unwrap();
    assert_eq!(
        overdue,
        vec![a],
        "an in_custody notification is not the post-service notice"
    );
}

/// A complaint is received by now at the latest: a time in the future is refused on its field,
/// the present accepted (the boundary a mutant of `record_complaint` moved unnoticed).
#[tokio::test]
async fn a_complaint_received_in_the_future_is_refused_and_one_received_now_accepted() {
    let w = World::new().await; // the clock: 2026-11-23 12:00:00Z
    let wso = w.as_("wso1").await;
    let complaint = |at: &str| json!({ "facility": "RCDC", "received_at": at, "complainant": "A visitor", "officers": [], "summary": "S" });
    let (s, e) = wso.post("/complaints", complaint("2026-11-23T12:00:01Z")).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("received_at")), "{e}");
    wso.ok(201, "/complaints", complaint("2026-11-23T12:00:00Z")).await;
}

/// The days of a disclosure at their limits: released the day ICE cleared it is not early,
/// released the day before is; a date on the day of the request is fine, the day before refused
/// (four mutants of `record_disclosure` survived without these).
#[tokio::test]
async fn a_disclosure_s_days_at_their_limits() {
    let w = World::new().await;
    let sgt = w.as_("sgt").await;
    let disclosure = |cleared: &str, released: &str| {
        json!({ "facility": "RCDC", "what": "Statistics", "recipient": "County board", "requested_on": "2026-11-01",
                "clearance_requested_on": "2026-11-01", "cleared_on": cleared, "released_on": released })
    };
    let same_day = sgt
        .ok(201, "/disclosures", disclosure("2026-11-04", "2026-11-04"))
        .await;
    assert_eq!(same_day["released_before_clearance"], false);
    let (s, e) = sgt.post("/disclosures", disclosure("2026-11-04", "2026-11-03")).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("early_release_reason")),
        "{e}"
    );
    let mut before_request = disclosure("2026-11-04", "2026-11-04");
    before_request["clearance_requested_on"] = json!("2026-10-31");
    let (s, e) = sgt.post("/disclosures", before_request).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("clearance_requested_on")),
        "{e}"
    );
    assert_eq!(
        sgt.get("/disclosures").await.1.as_array().unwrap().len(),
        1,
        "only the first was recorded"
    );
}

/// An annual review is held today at the latest, in the facility's zone: tomorrow is refused on
/// its field, today accepted (two mutants of `record_review` survived without it).
#[tokio::test]
async fn an_annual_review_held_tomorrow_is_refused_and_one_held_today_accepted() {
    let w = World::new().await; // 2026-11-23 12:00Z: 07:00 on the 23rd in New York
    let sgt = w.as_("sgt").await;
    let review = |on: &str| json!({ "facility": "RCDC", "held_on": on, "attendees": "Sheriff, ICE ERO" });
    let (s, e) = sgt.post("/reviews", review("2026-11-24")).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("held_on")), "{e}");
    sgt.ok(201, "/reviews", review("2026-11-23")).await;
}
