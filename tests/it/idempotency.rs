//! `Idempotency-Key` on every POST under /api/v1: a jail system that retries after a timeout
//! never books a person twice.

use serde_json::{Value, json};

use crate::helpers::{World, booking};

/// A POST with an Idempotency-Key; (status, replayed?, body).
async fn post(w: &World, token: &str, key: &str, path: &str, body: &Value) -> (u16, bool, Value) {
    let r = crate::helpers::http()
        .post(w.app.url(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let replayed = r.headers().get("idempotent-replayed").is_some();
    (r.status().as_u16(), replayed, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_retry_with_the_same_key_gets_the_first_response_and_writes_nothing() {
    let w = World::new().await;
    let token = w.app.token("wso1").await;
    let (status, replayed, first) = post(&w, &token, "jms-4711", "/bookings", &booking("B-1")).await;
    assert_eq!((status, replayed), (201, false), "{first}");
    let before = w.app.table_counts().await;

    let (status, replayed, again) = post(&w, &token, "jms-4711", "/bookings", &booking("B-1")).await;
    assert_eq!((status, replayed), (201, true), "{again}");
    assert_eq!(again, first, "the first response, body and all");
    assert_eq!(w.app.table_counts().await, before, "the retry wrote nothing");

    // A day later the key still holds (kept at least 24 hours).
    w.app.clock.advance(chrono::Duration::hours(25));
    let (status, replayed, _) = post(&w, &token, "jms-4711", "/bookings", &booking("B-1")).await;
    assert_eq!((status, replayed), (201, true));
    assert_eq!(w.app.table_counts().await, before);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused_and_changes_nothing() {
    let w = World::new().await;
    let token = w.app.token("wso1").await;
    post(&w, &token, "k-1", "/bookings", &booking("B-1")).await;
    let before = w.app.table_counts().await;
    let (status, _, body) = post(&w, &token, "k-1", "/bookings", &booking("B-2")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    assert_eq!(body["error"]["field"], "Idempotency-Key");
    assert_eq!(w.app.table_counts().await, before);
    let (status, _, body) = post(&w, &token, "k-1", "/interpreters", &json!({"name": "A. Lopez"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("idempotency_key_reused")),
        "another path too"
    );
}

/// A booked case's id, wso1's token, and the path and body of recording an ICE notification on it:
/// a write nothing else stops from being made twice.
async fn notification(w: &World) -> (i64, String, String, Value) {
    let wso = w.as_("wso1").await;
    let id = wso.ok(201, "/bookings", booking("B-1")).await["id"].as_i64().unwrap();
    let body = json!({ "at": "2026-11-23T11:00:00Z", "method": "phone", "contact": "ERO duty officer" });
    (
        id,
        w.app.token("wso1").await,
        format!("/bookings/{id}/ice-notifications"),
        body,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_one_key_write_once() {
    let w = World::new().await;
    let (id, token, path, body) = notification(&w).await;
    // Recording a notification twice would make two rows: nothing else stops a duplicate.
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (url, token, body) = (w.app.url(&format!("/api/v1{path}")), token.clone(), body.clone());
        tries.spawn(async move {
            let r = crate::helpers::http()
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "notify-once")
                .json(&body)
                .send()
                .await
                .unwrap();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            (r.status().as_u16(), replayed, r.json::<Value>().await.unwrap())
        });
    }
    let answers = tries.join_all().await;
    let first = &answers[0].2;
    for (status, _, answer) in &answers {
        assert_eq!(*status, 201, "{answer}");
        assert_eq!(answer, first, "every retry gets the one response");
    }
    assert_eq!(
        answers.iter().filter(|a| !a.1).count(),
        1,
        "one ran, the others were replayed"
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM ice_notifications WHERE booking_id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn keys_are_per_token_refusals_are_not_kept_and_bad_keys_are_named() {
    let w = World::new().await;
    let wso = w.app.token("wso1").await;
    let sgt = w.app.token("sgt").await;
    let (status, _, _) = post(&w, &wso, "same", "/bookings", &booking("B-1")).await;
    assert_eq!(status, 201);
    // Another token's key is its own: the request runs (and meets the duplicate number).
    let (status, replayed, body) = post(&w, &sgt, "same", "/bookings", &booking("B-1")).await;
    assert_eq!((status, replayed), (409, false), "{body}");
    // A refusal is not kept: after the cause is gone, the same key runs again.
    let (status, _, _) = post(&w, &sgt, "fresh", "/bookings", &json!({"facility": "RCDC"})).await;
    assert_eq!(status, 422);
    let (status, replayed, _) = post(&w, &sgt, "fresh", "/bookings", &booking("B-2")).await;
    assert_eq!((status, replayed), (201, false));

    let before = w.app.table_counts().await;
    for bad in [String::new(), "x".repeat(256), "naïve".into()] {
        let r = crate::helpers::http()
            .post(w.app.url("/api/v1/bookings"))
            .bearer_auth(&wso)
            .header(
                "Idempotency-Key",
                reqwest::header::HeaderValue::from_bytes(bad.as_bytes()).unwrap(),
            )
            .json(&booking("B-3"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 422, "key {bad:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["field"], "Idempotency-Key");
    }
    assert_eq!(w.app.table_counts().await, before, "a bad key writes nothing");
}

#[tokio::test]
async fn keys_are_kept_a_day_and_forgotten_after_two_days() {
    let w = World::new().await;
    let token = w.app.token("wso1").await;
    post(&w, &token, "old", "/bookings", &booking("B-1")).await;
    let start = w.app.clock.now();
    let purge = async |hours| {
        wso_tracker::db::idempotency::purge_expired(&w.app.db, start + chrono::Duration::hours(hours))
            .await
            .unwrap()
    };
    // Kept at least 24 hours, and in fact until 48: a purge the next day or just before the
    // second is over removes nothing, and the retry is still answered from the key.
    for hours in [25, 47] {
        assert_eq!(purge(hours).await, 0, "a purge at +{hours} h");
        let (status, replayed, _) = post(&w, &token, "old", "/bookings", &booking("B-1")).await;
        assert_eq!((status, replayed), (201, true), "replayed after a purge at +{hours} h");
    }
    assert_eq!(purge(49).await, 1, "forgotten after 48 h");
    // The key is free again: the request runs and meets the booking it made.
    let (status, replayed, _) = post(&w, &token, "old", "/bookings", &booking("B-1")).await;
    assert_eq!((status, replayed), (409, false));
}

#[tokio::test]
async fn a_claim_whose_request_can_no_longer_finish_is_taken_over_by_the_retry() {
    let w = World::new().await;
    let (_, token, path, body) = notification(&w).await;
    let (status, _, _) = post(&w, &token, "cut-off", &path, &body).await;
    assert_eq!(status, 201);
    // As if its server process had died (or the database had failed over) before the answer was
    // kept: claimed, no answer, and its heartbeat stopped ten seconds ago.
    sqlx::query(
        "UPDATE idempotency_keys SET status = NULL, content_type = NULL, body = NULL,
                heartbeat_at = now() - interval '10 seconds' WHERE key = 'cut-off'",
    )
    .execute(&w.app.admin_db)
    .await
    .unwrap();
    let started = std::time::Instant::now();
    let (status, replayed, _) = post(&w, &token, "cut-off", &path, &body).await;
    assert_eq!((status, replayed), (201, false), "the retry ran");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "at once, not after the wait"
    );
    let (status, replayed, _) = post(&w, &token, "cut-off", &path, &body).await;
    assert_eq!((status, replayed), (201, true), "and its answer is kept");
}

#[tokio::test]
async fn a_revoked_token_gets_no_stored_answer() {
    let w = World::new().await;
    let token = w.app.token("wso1").await;
    let (status, _, _) = post(&w, &token, "before-revoke", "/bookings", &booking("B-1")).await;
    assert_eq!(status, 201);
    let token_id: i64 = sqlx::query_scalar("SELECT max(id) FROM api_tokens")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let actor = wso_tracker::services::accounts::Actor::CLI;
    wso_tracker::services::identity::revoke_token(&w.app.db, token_id, actor, w.app.clock.now())
        .await
        .unwrap();
    let (status, replayed, body) = post(&w, &token, "before-revoke", "/bookings", &booking("B-1")).await;
    assert_eq!((status, replayed), (401, false), "{body}");
}

/// Sessions of this test's database waiting for a lock while running a statement like `like`.
async fn until_waiting(db: &sqlx::PgPool, like: &str) {
    for _ in 0..200 {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1",
        )
        .bind(like)
        .fetch_one(db)
        .await
        .unwrap();
        if n > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("nothing came to wait on `{like}`");
}

/// The notification POST with `key`, as a task of its own: (status, replayed?, body).
fn spawn_post(
    w: &World,
    token: &str,
    key: &str,
    path: &str,
    body: &Value,
) -> tokio::task::JoinHandle<(u16, bool, Value)> {
    let (url, token, key, body) = (
        w.app.url(&format!("/api/v1{path}")),
        token.to_string(),
        key.to_string(),
        body.clone(),
    );
    tokio::spawn(async move {
        let r = crate::helpers::http()
            .post(url)
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let replayed = r.headers().get("idempotent-replayed").is_some();
        (r.status().as_u16(), replayed, r.json().await.unwrap_or(Value::Null))
    })
}

/// A request that runs longer than the takeover window (7 s without a heartbeat) keeps its
/// claim by its heartbeat: the retry waiting on it does not take it over and run it again, it
/// gets the first answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_slower_than_the_takeover_window_still_runs_once() {
    let w = World::new().await;
    let (id, token, path, body) = notification(&w).await;
    // Hold the first request inside its transaction, at its insert.
    let mut gate = w.app.admin_db.begin().await.unwrap();
    sqlx::query("LOCK TABLE ice_notifications IN EXCLUSIVE MODE")
        .execute(&mut *gate)
        .await
        .unwrap();
    let first = spawn_post(&w, &token, "slow", &path, &body);
    until_waiting(&w.app.db, "INSERT INTO ice_notifications%").await;
    let retry = spawn_post(&w, &token, "slow", &path, &body);
    // Past the takeover window (7 s) and a beat (2 s) more.
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    assert!(!first.is_finished() && !retry.is_finished(), "both wait on the first");
    gate.rollback().await.unwrap();
    let (first, retry) = (first.await.unwrap(), retry.await.unwrap());
    assert_eq!((first.0, first.1), (201, false), "{}", first.2);
    assert_eq!(
        (retry.0, retry.1),
        (201, true),
        "the retry is answered from the key: {}",
        retry.2
    );
    assert_eq!(retry.2, first.2);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM ice_notifications WHERE booking_id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(rows, 1, "the request ran once");
}

/// A retry that has waited 4/5 of the request timeout for the first request is told to retry
/// later (409 `idempotency_key_in_progress`), and runs nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_that_waits_too_long_is_told_the_key_is_in_progress() {
    let mut config = wso_tracker::config::Config::for_tests();
    config.request_timeout_secs = 5; // a retry waits 4 s
    let w = World::with_config(config).await;
    let (id, token, path, body) = notification(&w).await;
    let mut gate = w.app.admin_db.begin().await.unwrap();
    sqlx::query("LOCK TABLE ice_notifications IN EXCLUSIVE MODE")
        .execute(&mut *gate)
        .await
        .unwrap();
    let first = spawn_post(&w, &token, "busy", &path, &body);
    until_waiting(&w.app.db, "INSERT INTO ice_notifications%").await;
    let started = std::time::Instant::now();
    let (status, replayed, answer) = spawn_post(&w, &token, "busy", &path, &body).await.unwrap();
    let waited = started.elapsed();
    assert_eq!((status, replayed), (409, false), "{answer}");
    assert_eq!(answer["error"]["code"], "idempotency_key_in_progress", "{answer}");
    assert!(
        waited >= std::time::Duration::from_secs(4) && waited < std::time::Duration::from_secs(5),
        "it waited {waited:?}"
    );
    gate.rollback().await.unwrap();
    let _ = first.await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM ice_notifications WHERE booking_id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert!(rows <= 1, "the refused retry ran nothing ({rows} rows)");
}
