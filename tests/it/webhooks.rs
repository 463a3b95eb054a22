//! Webhooks: an ICE-side tool follows the cases of a facility without polling. Deliveries are
//! checked by a receiver in the test with the Standard Webhooks spec's own crate.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use wso_tracker::services::webhooks::{Sender, deliver_due};

use crate::helpers::{World, booking};

/// A webhook receiver on 127.0.0.1: keeps what it gets; answers the queued statuses, then 200.
/// `/moved` answers a redirect to `/hook`.
pub(crate) struct Receiver {
    pub(crate) port: u16,
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub(crate) async fn on(port: u16) -> Self {
        let got: Arc<Mutex<Vec<(HeaderMap, String)>>> = Arc::default();
        let answers: Arc<Mutex<VecDeque<u16>>> = Arc::default();
        let (g, a) = (got.clone(), answers.clone());
        let hook = move |headers: HeaderMap, body: String| async move {
            g.lock().unwrap().push((headers, body));
            let status = a.lock().unwrap().pop_front().unwrap_or(200);
            StatusCode::from_u16(status).unwrap()
        };
        let app = axum::Router::new().route("/hook", axum::routing::post(hook)).route(
            "/moved",
            axum::routing::post(|| async { (StatusCode::FOUND, [("location", "/hook")]) }),
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            port,
            got,
            answers,
            task,
        }
    }

    pub(crate) fn received(&self) -> Vec<(HeaderMap, String)> {
        self.got.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A port nobody listens on (yet).
pub(crate) async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

/// The delivery worker's sender as the tests configure it (loopback allowed).
pub(crate) fn sender() -> Sender {
    let config = wso_tracker::config::Config::for_tests();
    Sender::new(wso_tracker::services::webhooks::destinations(&config)).unwrap()
}

/// Sends everything due now; how many attempts were made.
async fn deliver(w: &World) -> usize {
    deliver_due(
        &w.app.db,
        &wso_tracker::secrets::Keyring::for_tests(),
        &sender(),
        w.app.clock.now(),
    )
    .await
    .unwrap()
}

pub(crate) async fn register(w: &World, url: &str, events: &[&str]) -> Value {
    w.as_("boss")
        .await
        .ok(
            201,
            "/webhooks",
            json!({ "facility": "RCDC", "url": url, "events": events }),
        )
        .await
}

const ALL: [&str; 8] = [
    "booking.created",
    "document.recorded",
    "warrant.served",
    "custody.alert",
    "custody.transferred",
    "custody.released",
    "citizenship_claim.recorded",
    "citizenship_claim.reported",
];

#[tokio::test]
async fn a_case_is_followed_by_signed_events_with_ids_kinds_and_times_only() {
    let w = World::new().await;
    let rx = Receiver::on(0).await;
    let created = register(&w, &format!("http://127.0.0.1:{}/hook", rx.port), &ALL).await;
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() >= 6 + 32, "{secret}");
    let (_, listed) = w.as_("boss").await.get("/webhooks").await;
    assert_eq!(listed[0]["id"], created["id"]);
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is shown only once: {listed}"
    );

    // The whole case: booked, warrant, served, a citizenship claim reported, picked up by ICE.
    let id = w.served("B-1").await;
    let wso = w.as_("wso1").await;
    let claim = wso
        .ok(
            201,
            &format!("/bookings/{id}/citizenship-claims"),
            json!({ "at": "2026-11-23T10:30:00Z", "how": "said so at intake" }),
        )
        .await;
    let report = json!({ "at": "2026-11-23T11:00:00Z", "method": "phone", "ice_contact": "ERO duty officer" });
    wso.ok(
        200,
        &format!("/bookings/{id}/citizenship-claims/{}/report", claim["id"]),
        report,
    )
    .await;
    let pickup = json!({ "at": "2026-11-23T11:30:00Z", "receiving_officer": "SDDO Rivera" });
    w.as_("ice")
        .await
        .ok(200, &format!("/bookings/{id}/transfer"), pickup)
        .await;
    // Another facility's case is not this endpoint's business.
    let mut elsewhere = booking("W-1");
    elsewhere["facility"] = json!("WAKE");
    w.as_("other").await.ok(201, "/bookings", elsewhere).await;

    // Receivers check `webhook-timestamp` against their own clock: deliver at the real time.
    #[allow(clippy::disallowed_methods)] // the receiver's own clock is the real one
    w.app.clock.set(chrono::Utc::now());
    while deliver(&w).await > 0 {}

    let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
    let mut types = Vec::new();
    for (headers, body) in rx.received() {
        verifier
            .verify(body.as_bytes(), &headers)
            .unwrap_or_else(|e| panic!("bad signature {e:?}: {body}"));
        let event: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(event["data"]["facility"], "RCDC", "{body}");
        assert_eq!(event["data"]["booking_id"], id, "{body}");
        assert!(event["timestamp"].as_str().unwrap().ends_with('Z'), "{body}");
        for personal in [
            "Doe",
            "John",
            "1990-04-30",
            "12345678",
            "ERO duty officer",
            "Rivera",
            "intake",
        ] {
            assert!(!body.contains(personal), "{personal} leaked into {body}");
        }
        types.push(event["type"].as_str().unwrap().to_string());
    }
    for expected in [
        "booking.created",
        "document.recorded",
        "warrant.served",
        "custody.alert",
        "citizenship_claim.recorded",
        "citizenship_claim.reported",
        "custody.transferred",
    ] {
        assert!(types.iter().any(|t| t == expected), "no {expected} in {types:?}");
    }
    assert_eq!(types.iter().filter(|t| *t == "booking.created").count(), 1, "{types:?}");
    let served = rx
        .received()
        .into_iter()
        .find(|(_, b)| b.contains("warrant.served"))
        .unwrap()
        .1;
    let served: Value = serde_json::from_str(&served).unwrap();
    assert_eq!(served["timestamp"], "2026-11-22T09:00:00Z");
    assert_eq!(served["data"]["custody_deadline"], "2026-11-24T09:00:00Z");
}

#[tokio::test]
async fn a_receiver_that_is_down_loses_nothing_and_gets_each_event_once() {
    let w = World::new().await;
    let port = free_port().await;
    register(&w, &format!("http://127.0.0.1:{port}/hook"), &["booking.created"]).await;
    let wso = w.as_("wso1").await;
    wso.ok(201, "/bookings", booking("B-1")).await;

    // Down: the attempt fails and is kept for later.
    assert_eq!(deliver(&w).await, 1);
    assert_eq!(deliver(&w).await, 0, "not retried before its pause");
    let (attempts, delivered): (i32, bool) =
        sqlx::query_as("SELECT attempts, delivered_at IS NOT NULL FROM webhook_deliveries")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    assert_eq!((attempts, delivered), (1, false));

    // Still down an hour later; then up, but answering 503 once.
    w.app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(deliver(&w).await, 1);
    let rx = Receiver::on(port).await;
    rx.answers.lock().unwrap().push_back(503);
    w.app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(deliver(&w).await, 1);
    w.app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(deliver(&w).await, 1);
    w.app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(deliver(&w).await, 0, "delivered: never sent again");

    let got = rx.received();
    assert_eq!(got.len(), 2, "one 503, one 200");
    let id = |h: &HeaderMap| h["webhook-id"].to_str().unwrap().to_string();
    assert_eq!(id(&got[0].0), id(&got[1].0), "a retry carries the same webhook-id");
    assert_eq!(got[0].1, got[1].1, "and the same body");
    let (attempts, status): (i32, Option<i32>) =
        sqlx::query_as("SELECT attempts, last_status FROM webhook_deliveries WHERE delivered_at IS NOT NULL")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    assert_eq!((attempts, status), (4, Some(200)));

    // A receiver gone for longer than the retry window: the delivery is given up, and says so.
    drop(rx);
    wso.ok(201, "/bookings", booking("B-2")).await;
    for _ in 0..80 {
        w.app.clock.advance(chrono::Duration::hours(1));
        deliver(&w).await;
    }
    let failed: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE failed_at IS NOT NULL")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(failed, 1);
    let boss = w.app.login("boss").await;
    let page = w.app.page(&boss, "/admin/webhooks").await;
    assert!(page.contains("failed") && page.contains("delivered"), "{page}");
    assert!(
        page.contains(&id(&got[0].0)),
        "the page lists each delivery's webhook-id"
    );
}

#[tokio::test]
async fn an_event_logged_long_after_it_happened_is_still_retried_for_days() {
    let w = World::new().await;
    register(
        &w,
        &format!("http://127.0.0.1:{}/hook", free_port().await),
        &["booking.created"],
    )
    .await;
    w.as_("wso1").await.ok(201, "/bookings", booking("B-1")).await;
    // As a service logged three days after the fact: the event's own time is long past.
    sqlx::query("UPDATE webhook_deliveries SET event_at = event_at - interval '5 days'")
        .execute(&w.app.admin_db)
        .await
        .unwrap();
    assert_eq!(deliver(&w).await, 1);
    w.app.clock.advance(chrono::Duration::hours(30));
    assert_eq!(
        deliver(&w).await,
        1,
        "still retried a day later: the window runs from the first attempt"
    );
    let failed: bool = sqlx::query_scalar("SELECT failed_at IS NOT NULL FROM webhook_deliveries")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert!(!failed);
}

#[tokio::test]
async fn plain_http_is_refused_unless_loopback_http_is_allowed() {
    let mut config = wso_tracker::config::Config::for_tests();
    config.webhook_loopback_http = false;
    let w = World::with_config(config).await;
    let hook = json!({ "facility": "RCDC", "url": "http://127.0.0.1:9/hook", "events": ["booking.created"] });
    let (status, e) = w.as_("boss").await.post("/webhooks", hook).await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("url")), "{e}");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let w = World::new().await;
    let rx = Receiver::on(0).await;
    register(&w, &format!("http://127.0.0.1:{}/moved", rx.port), &["booking.created"]).await;
    w.as_("wso1").await.ok(201, "/bookings", booking("B-1")).await;
    assert_eq!(deliver(&w).await, 1);
    assert!(rx.received().is_empty(), "the redirect's target got nothing");
    let (status, delivered): (Option<i32>, bool) =
        sqlx::query_as("SELECT last_status, delivered_at IS NOT NULL FROM webhook_deliveries")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    assert_eq!((status, delivered), (Some(302), false));
}

#[tokio::test]
async fn only_admins_manage_webhooks_and_bad_input_is_named() {
    let w = World::new().await;
    let good = json!({ "facility": "RCDC", "url": "https://ice.example.gov/hooks", "events": ["warrant.served"] });
    let (s, _) = w.as_("sgt").await.post("/webhooks", good.clone()).await;
    assert_eq!(s, 403);
    let boss = w.as_("boss").await;
    let before = w.app.table_counts().await;
    for (field, body) in [
        (
            "url",
            json!({ "facility": "RCDC", "url": "http://ice.example.gov/hooks", "events": ["warrant.served"] }),
        ),
        (
            "events",
            json!({ "facility": "RCDC", "url": "https://ice.example.gov/hooks", "events": ["warrant.eaten"] }),
        ),
        (
            "events",
            json!({ "facility": "RCDC", "url": "https://ice.example.gov/hooks", "events": [] }),
        ),
        (
            "facility",
            json!({ "facility": "NOPE", "url": "https://ice.example.gov/hooks", "events": ["warrant.served"] }),
        ),
    ] {
        let (s, e) = boss.post("/webhooks", body).await;
        assert_eq!((s, e["error"]["field"].as_str()), (422, Some(field)), "{e}");
    }
    assert_eq!(w.app.table_counts().await, before, "refusals write nothing");

    let created = boss.ok(201, "/webhooks", good).await;
    let id = created["id"].as_i64().unwrap();
    let r = crate::helpers::http()
        .delete(w.app.url(&format!("/api/v1/webhooks/{id}")))
        .bearer_auth(w.app.token("boss").await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let again = crate::helpers::http()
        .delete(w.app.url(&format!("/api/v1/webhooks/{id}")))
        .bearer_auth(w.app.token("boss").await)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 404);
    // A deleted endpoint is sent nothing more.
    w.served("B-1").await;
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(queued, 0);
    let actions = w.app.audit_actions().await;
    assert!(actions.contains(&"webhook_registered".into()) && actions.contains(&"webhook_deleted".into()));
    let secret = created["secret"].as_str().unwrap();
    let audit: Vec<String> = sqlx::query_scalar("SELECT detail::text FROM audit_log")
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    assert!(
        audit.iter().all(|d| !d.contains(&secret[6..])),
        "the secret is never audited"
    );
    let sgt = w.app.login("sgt").await;
    let r = sgt.get(w.app.url("/admin/webhooks")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
}
