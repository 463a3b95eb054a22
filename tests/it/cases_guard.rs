//! What must never happen to a case: two winners of a race, a refused request that leaves a
//! trace, someone acting where they don't belong, a malformed request treated as valid.

use futures_like::join_all;
use serde_json::json;

use crate::helpers::{World, booking, warrant};

/// Minimal join_all over tokio tasks (no extra crate).
mod futures_like {
    pub async fn join_all<T: Send + 'static>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }
}

async fn race(w: &World, username: &str, path: String, body: serde_json::Value, n: usize) -> Vec<u16> {
    let token = w.app.token(username).await;
    let url = w.app.url(&format!("/api/v1{path}"));
    let handles = (0..n)
        .map(|_| {
            let (url, token, body) = (url.clone(), token.clone(), body.clone());
            tokio::spawn(async move {
                crate::helpers::http()
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = join_all(handles).await;
    statuses.sort();
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_simultaneous_pickups_exactly_one_wins() {
    let w = World::new().await;
    let id = w.served("RACE-1").await;
    let body = json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "SDDO Rivera" });
    let statuses = race(&w, "ice", format!("/bookings/{id}/transfer"), body, 16).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(
        statuses.iter().filter(|s| **s != 200).all(|s| *s == 409),
        "{statuses:?}"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE booking_id = $1 AND action = 'transferred'")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_many_simultaneous_releases_exactly_one_wins() {
    let w = World::new().await;
    let id = w.served("RACE-2").await;
    let body = json!({ "at": "2026-11-23T11:00:00Z", "reason": "warrant_withdrawn" });
    let statuses = race(&w, "sgt", format!("/bookings/{id}/release"), body, 16).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(
        statuses.iter().filter(|s| **s != 200).all(|s| *s == 409),
        "{statuses:?}"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE booking_id = $1 AND action = 'released'")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pickup_racing_a_release_leaves_one_outcome() {
    let w = World::new().await;
    // Tokens first, so that nothing but the barrier stands between the two requests.
    let (ice, sgt) = (w.app.token("ice").await, w.app.token("sgt").await);
    for round in 0..5 {
        let id = w.served(&format!("RACE-3-{round}")).await;
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let go = |token: String, path: String, body: serde_json::Value| {
            let (barrier, url) = (barrier.clone(), w.app.url(&format!("/api/v1{path}")));
            tokio::spawn(async move {
                // Separate clients: separate connections to the server and to PostgreSQL.
                let client = crate::helpers::http();
                barrier.wait().await;
                let r = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
                let status = r.status().as_u16();
                let body: serde_json::Value = r.json().await.unwrap();
                (status, body["error"]["code"].as_str().map(str::to_owned))
            })
        };
        let pickup = go(
            ice.clone(),
            format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "X" }),
        );
        let release = go(
            sgt.clone(),
            format!("/bookings/{id}/release"),
            json!({ "at": "2026-11-23T11:00:00Z", "reason": "other" }),
        );
        let mut outcomes = vec![pickup.await.unwrap(), release.await.unwrap()];
        outcomes.sort();
        assert_eq!(
            outcomes,
            vec![(200, None), (409, Some("invalid_state".to_string()))],
            "round {round}: one winner, and the loser told why (never a 500 from the CHECK)"
        );
        let status: String = sqlx::query_scalar("SELECT status FROM bookings WHERE id = $1")
            .bind(id)
            .fetch_one(&w.app.db)
            .await
            .unwrap();
        assert!(status == "transferred" || status == "released");
    }
}

#[tokio::test]
async fn duplicate_booking_numbers_conflict_per_facility() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    wso.ok(201, "/bookings", booking("DUP-1")).await;
    let (s, e) = wso.post("/bookings", booking("DUP-1")).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("duplicate_booking_number"))
    );
    let mut elsewhere = booking("DUP-1");
    elsewhere["facility"] = json!("WAKE");
    w.as_("other").await.ok(201, "/bookings", elsewhere).await;
}

#[tokio::test]
async fn rejected_requests_leave_every_table_unchanged() {
    let w = World::new().await;
    let id = w.served("NOOP-1").await;
    let (wso, ice, sgt, other) = (
        w.as_("wso1").await,
        w.as_("ice").await,
        w.as_("sgt").await,
        w.as_("other").await,
    );
    let before = w.app.table_counts().await;
    let state_before: String = sqlx::query_scalar("SELECT row_to_json(b)::text FROM bookings b WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let mut bad_charge = booking("NOOP-2");
    bad_charge["charges"][1]["category"] = json!("treason");
    let refused: Vec<(u16, serde_json::Value)> = vec![
        wso.post("/bookings", bad_charge).await,
        wso.post("/bookings", booking("NOOP-1")).await,
        wso.post(
            &format!("/bookings/{id}/documents"),
            json!({ "kind": "I-200", "number": "W-2", "a_number": "123" }),
        )
        .await,
        wso.post(
            &format!("/bookings/{id}/release-point"),
            json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
        )
        .await,
        ice.post(
            &format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-11-25T00:00:00Z", "receiving_officer": "X" }),
        )
        .await,
        ice.post(
            &format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-11-22T08:59:00Z", "receiving_officer": "X" }),
        )
        .await,
        sgt.post(
            &format!("/bookings/{id}/release"),
            json!({ "at": "2026-11-23T11:00:00Z", "reason": "clock_expired" }),
        )
        .await,
        sgt.post(
            &format!("/bookings/{id}/igsa-hold"),
            json!({ "at": "2026-11-23T11:00:00Z" }),
        )
        .await,
        wso.post(
            &format!("/bookings/{id}/release"),
            json!({ "at": "2026-11-23T11:00:00Z", "reason": "other" }),
        )
        .await,
        other
            .post(&format!("/bookings/{id}/documents"), warrant("I-205", "W-3"))
            .await,
    ];
    let refused: Vec<(u16, Option<&str>)> = refused.iter().map(|(s, e)| (*s, e["error"]["code"].as_str())).collect();
    // Each refused for its own reason, never a crash.
    assert_eq!(
        refused,
        vec![
            (422, Some("validation_failed")),
            (409, Some("duplicate_booking_number")),
            (422, Some("validation_failed")),
            (409, Some("release_point_already_recorded")),
            (422, Some("in_the_future")),
            (422, Some("before_previous_step")),
            (422, Some("clock_not_expired")),
            (409, Some("no_igsa")),
            (403, Some("forbidden")),
            (404, Some("not_found")),
        ]
    );
    assert_eq!(w.app.table_counts().await, before);
    let state_after: String = sqlx::query_scalar("SELECT row_to_json(b)::text FROM bookings b WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(state_after, state_before);
}

#[tokio::test]
async fn each_role_and_facility_acts_only_where_it_belongs() {
    let w = World::new().await;
    let id = w.served("ISO-1").await;
    let other = w.as_("other").await;
    let ice2 = w.as_("ice2").await;
    let boss = w.as_("boss").await;
    let case = format!("/bookings/{id}");
    // Another facility's officer and liaison neither see nor touch the case: to them it does
    // not exist (404, issue 26).
    assert_eq!(other.get(&case).await.0, 404);
    assert_eq!(ice2.get(&case).await.0, 404);
    assert_eq!(
        ice2.post(
            &format!("{case}/transfer"),
            json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "X" })
        )
        .await
        .0,
        404
    );
    assert_eq!(
        other
            .post(
                &format!("{case}/ice-notifications"),
                json!({ "at": "2026-11-23T11:00:00Z", "method": "phone", "contact": "x" })
            )
            .await
            .0,
        404
    );
    assert!(other.get("/bookings").await.1.as_array().unwrap().is_empty());
    assert!(ice2.get("/transfers/pending").await.1.as_array().unwrap().is_empty());
    // Liaisons cannot book or add documents; officers cannot transfer or release.
    let ice = w.as_("ice").await;
    assert_eq!(ice.post("/bookings", booking("ISO-2")).await.0, 403);
    assert_eq!(
        ice.post(&format!("{case}/documents"), warrant("I-200", "W-5")).await.0,
        403
    );
    let wso = w.as_("wso1").await;
    assert_eq!(
        wso.post(
            &format!("{case}/transfer"),
            json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "X" })
        )
        .await
        .0,
        403
    );
    assert_eq!(
        wso.post(&format!("{case}/igsa-hold"), json!({ "at": "2026-11-23T11:00:00Z" }))
            .await
            .0,
        403
    );
    // Admins read but do not act on cases.
    assert_eq!(boss.get(&case).await.0, 200);
    assert_eq!(
        boss.post(
            &format!("{case}/release"),
            json!({ "at": "2026-11-23T11:00:00Z", "reason": "other" })
        )
        .await
        .0,
        403
    );
    // A liaison does not see people still in criminal custody.
    let fresh = wso.ok(201, "/bookings", booking("ISO-3")).await["id"].as_i64().unwrap();
    assert_eq!(ice.get(&format!("/bookings/{fresh}")).await.0, 404);
    let listed: Vec<i64> = ice
        .get("/bookings")
        .await
        .1
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, vec![id]);
    // Only supervisors keep the roster.
    assert_eq!(
        wso.post(
            "/officers/rookie/certification",
            json!({ "certified_on": "2026-01-01", "expires_on": "2027-01-01" })
        )
        .await
        .0,
        403
    );
    let wakesgt = w.as_("wakesgt").await;
    assert_eq!(
        wakesgt
            .post(
                "/officers/rookie/certification",
                json!({ "certified_on": "2026-01-01", "expires_on": "2027-01-01" })
            )
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn api_errors_follow_the_contract() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let token = w.app.token("wso1").await;
    let r = crate::helpers::http()
        .post(w.app.url("/api/v1/bookings"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (s, e) = (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap());
    assert_eq!((s, e["error"]["code"].as_str()), (400, Some("bad_request")));
    let mut wrong_type = booking("E-1");
    wrong_type["last_name"] = json!(42);
    let (s, e) = wso.post("/bookings", wrong_type).await;
    assert_eq!((s, e["error"]["field"].as_str()), (400, Some("last_name")));
    let mut missing = booking("E-1");
    missing.as_object_mut().unwrap().remove("booked_at");
    let (s, e) = wso.post("/bookings", missing).await;
    assert_eq!(
        (s, e["error"]["code"].as_str(), e["error"]["field"].as_str()),
        (422, Some("validation_failed"), Some("booked_at"))
    );
    let mut null = booking("E-1");
    null["first_name"] = json!(null);
    assert_eq!(wso.post("/bookings", null).await.1["error"]["field"], "first_name");
    let mut bad = booking("E-1");
    bad["charges"][1]["category"] = json!("treason");
    let (s, e) = wso.post("/bookings", bad).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("charges[1].category")));
    let (s, e) = wso.post("/bookings/999999/documents", warrant("I-200", "W")).await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")));
    assert_eq!(wso.get("/bookings/not-a-number").await.0, 404);
    let (s, e) = wso.get("/bookings?status=escaped").await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("status")));
    let id = wso.ok(201, "/bookings", booking("E-2")).await["id"].as_i64().unwrap();
    let mut bad_a = warrant("I-200", "W");
    bad_a["a_number"] = json!("A12-34");
    assert_eq!(
        wso.post(&format!("/bookings/{id}/documents"), bad_a).await.1["error"]["field"],
        "a_number"
    );
}

#[tokio::test]
async fn hostile_text_is_stored_verbatim() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let mut b = booking("H-1");
    b["last_name"] = json!("<script>alert('x')</script>");
    b["first_name"] = json!("Robert'); DROP TABLE bookings;--");
    b["charges"][0]["description"] = json!("<img src=x onerror=alert(1)> & \"quotes\"");
    let created = wso.ok(201, "/bookings", b).await;
    let (_, got) = wso.get(&format!("/bookings/{}", created["id"])).await;
    assert_eq!(got["last_name"], "<script>alert('x')</script>");
    assert_eq!(got["first_name"], "Robert'); DROP TABLE bookings;--");
    assert_eq!(
        got["charges"][0]["description"],
        "<img src=x onerror=alert(1)> & \"quotes\""
    );
    let (_, found) = wso.get("/bookings?q=drop%20table").await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let (_, none) = wso.get("/bookings?q=%25").await;
    assert!(
        none.as_array().unwrap().is_empty(),
        "a % in a search is a character, not a wildcard"
    );
}
