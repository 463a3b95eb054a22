//! The use cases under stress: a revocation racing a service, and the compliance report's cost.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::{ConnectOptions, PgPool};
use tracing::instrument::WithSubscriber;
use tracing_subscriber::layer::{Context, SubscriberExt};
use wso_tracker::services::{Caller, compliance};

use crate::helpers::World;

/// Sessions of this test's database waiting for a lock while running a statement like `like`.
async fn waiting(db: &PgPool, like: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1",
    )
    .bind(like)
    .fetch_one(db)
    .await
    .unwrap()
}

async fn until_waiting(db: &PgPool, like: &str) {
    for _ in 0..200 {
        if waiting(db, like).await > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nothing came to wait on `{like}`");
}

/// A POST to the API that owns everything it needs, to run as a task of its own.
fn post(url: String, token: String, body: Value) -> tokio::task::JoinHandle<(u16, Value)> {
    tokio::spawn(async move {
        let r = crate::helpers::http()
            .post(url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_certification_revoked_while_a_warrant_is_served_never_lets_that_service_succeed_on_it() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, doc) = w.booked_with_warrant(&wso, "R-1").await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-23T11:00:00Z", "reason": "bond_posted" }),
    )
    .await;

    // Tokens first: creating one appends to the audit log, which the held service blocks.
    let (wso_token, sgt_token) = (w.app.token("wso1").await, w.app.token("sgt").await);
    // Hold the service inside its transaction, after it has read the officer's credentials: it
    // queues its first clock alert, and this transaction keeps the alerts table to itself.
    let mut gate = w.app.db.begin().await.unwrap();
    sqlx::query("LOCK TABLE alerts IN EXCLUSIVE MODE")
        .execute(&mut *gate)
        .await
        .unwrap();
    let service = post(
        w.app.url(&format!("/api/v1/bookings/{id}/service")),
        wso_token,
        json!({ "document_id": doc, "at": "2026-11-23T12:00:00Z" }),
    );
    until_waiting(&w.app.db, "INSERT INTO alerts%").await;

    // The revocation, while that service is in flight.
    let revocation = post(
        w.app.url("/api/v1/officers/wso1/certification/revoke"),
        sgt_token,
        json!({ "reason": "credentials withdrawn" }),
    );
    // It must not commit before the service does: give it every chance to.
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        assert!(
            !revocation.is_finished(),
            "the revocation committed while a service relying on the certification was in flight"
        );
    }
    gate.rollback().await.unwrap();

    let (served, body) = service.await.unwrap();
    assert_eq!(served, 201, "the service, begun first, stands: {body}");
    let (revoked, body) = revocation.await.unwrap();
    assert_eq!(revoked, 200, "the revocation follows it: {body}");
    let actions = w.app.audit_actions().await;
    let served_at = actions.iter().position(|a| a == "warrant_served").unwrap();
    let revoked_at = actions.iter().position(|a| a == "certification_revoked").unwrap();
    assert!(served_at < revoked_at, "{actions:?}");

    // And from now on the officer may not serve.
    let (other, doc) = w.booked_with_warrant(&wso, "R-2").await;
    wso.ok(
        200,
        &format!("/bookings/{other}/release-point"),
        json!({ "at": "2026-11-23T11:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    let (s, e) = wso
        .post(
            &format!("/bookings/{other}/service"),
            json!({ "document_id": doc, "at": "2026-11-23T12:00:00Z" }),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (403, Some("not_certified")));
}

/// Counts the SQL statements sqlx runs while a future is polled.
#[derive(Clone, Default)]
struct Statements(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// How many statements one compliance report of RCDC for November 2026 runs, and its services.
async fn report_cost(w: &World, logged: &PgPool) -> (usize, i64) {
    let sgt = wso_tracker::db::users::by_username(logged, "sgt")
        .await
        .unwrap()
        .unwrap();
    let caller = Caller { user: &sgt, ip: None };
    let count = Statements::default();
    let subscriber = tracing_subscriber::registry().with(count.clone());
    let now = w.app.clock.now();
    let report = compliance::report(
        logged,
        &caller,
        Some("RCDC"),
        Some("2026-11-01"),
        Some("2026-11-23"),
        now,
    )
    .with_subscriber(subscriber)
    .await
    .unwrap();
    (count.0.load(Ordering::SeqCst), report.services.count)
}

#[tokio::test]
async fn the_compliance_report_runs_the_same_statements_for_ten_cases_and_for_a_thousand() {
    let w = World::new().await;
    for i in 0..10 {
        w.served(&format!("S-{i}")).await;
    }
    // A pool that logs every statement, so that they can be counted.
    let options = (*w.app.db.connect_options())
        .clone()
        .log_statements(tracing::log::LevelFilter::Info)
        .log_slow_statements(tracing::log::LevelFilter::Info, Duration::ZERO);
    let logged = wso_tracker::db::scope::pool_options(wso_tracker::db::scope::RowScope::System)
        .max_connections(2)
        .connect_with(options)
        .await
        .unwrap();
    let (ten, services) = report_cost(&w, &logged).await;
    assert_eq!(services, 10, "the report sees the ten services");
    assert!(ten > 5, "statements are counted ({ten})");

    // 990 more services like the first, by five more officers: booked, their warrant, served.
    for i in 1..=5 {
        w.app.user(&format!("extra{i}"), "officer", &["RCDC"]).await;
    }
    let copy = [
        "INSERT INTO bookings (facility_id, booking_number, last_name, first_name, date_of_birth, booked_at,
                               release_point_at, release_point_reason, created_at, created_by)
         SELECT facility_id, 'T-' || g, last_name, first_name, date_of_birth, booked_at,
                release_point_at, release_point_reason, created_at, created_by
         FROM bookings, generate_series(1, 990) g WHERE booking_number = 'S-0'",
        "INSERT INTO ice_documents (booking_id, kind, number, a_number, issued_at, received_at, recorded_by, recorded_at)
         SELECT t.id, d.kind, d.number, d.a_number, d.issued_at, d.received_at, d.recorded_by, d.recorded_at
         FROM bookings t, bookings s JOIN ice_documents d ON d.id = s.served_document_id
         WHERE s.booking_number = 'S-0' AND t.booking_number LIKE 'T-%'",
        "UPDATE bookings t SET status = s.status, served_at = s.served_at,
                served_by = (SELECT u.id FROM users u WHERE u.username = 'extra' || (t.id % 5 + 1)),
                custody_deadline = s.custody_deadline,
                served_document_id = (SELECT d.id FROM ice_documents d WHERE d.booking_id = t.id)
         FROM bookings s WHERE s.booking_number = 'S-0' AND t.booking_number LIKE 'T-%'",
    ];
    for statement in copy {
        sqlx::query(statement).execute(&w.app.db).await.unwrap();
    }
    let (thousand, services) = report_cost(&w, &logged).await;
    assert_eq!(services, 1000, "the report sees the thousand services");
    assert_eq!(
        thousand, ten,
        "a fixed number of statements, whatever the number of cases and officers"
    );
}
