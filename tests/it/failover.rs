//! The database goes away under a running server (a failover, a restart, a crash): requests
//! answer 503 with `Retry-After` — JSON on the API, a calm page otherwise — never 500; nothing
//! half-written remains; and the same server serves again as soon as the database is back. A
//! database that turns read-only (a demoted primary) refuses writes the same way and `/healthz`
//! says which it is.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use serde_json::Value;
use sqlx::postgres::PgPoolOptions;
use wso_tracker::boot::DatabaseTarget;
use wso_tracker::boot::cluster::{Durability, PrivateCluster};
use wso_tracker::boot::database::PRIVATE_DATABASE;
use wso_tracker::clock::Clock;
use wso_tracker::config::Config;

use crate::helpers::{TestApp, booking, serve_pools};

/// A server on a PostgreSQL of this test's own (the shared test cluster must stay up).
async fn own_cluster() -> (TestApp, DatabaseTarget, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("wso-failover-{}", uuid::Uuid::new_v4().simple()));
    let mut config = Config::for_tests();
    config.data_dir = dir.clone();
    config.database_url = None;
    let target = DatabaseTarget::from_config(&config).unwrap();
    let db = target.prepare(wso_tracker::db::scope::RowScope::System).await.unwrap();
    let superuser = target.cluster.as_ref().unwrap().connect_options(PRIVATE_DATABASE);
    let admin_db = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(superuser)
        .await
        .unwrap();
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
    let app = serve_pools(db, admin_db, String::new(), String::new(), Config::for_tests(), clock).await;
    app.facility("RCDC", "America/New_York", false).await;
    app.user("wso1", "officer", &["RCDC"]).await;
    (app, target, dir)
}

struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: String,
}

async fn send(r: reqwest::RequestBuilder) -> Answer {
    let r = r.send().await.unwrap();
    let retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    Answer {
        status: r.status().as_u16(),
        retry_after,
        body: r.text().await.unwrap(),
    }
}

fn code(a: &Answer) -> String {
    let v: Value = serde_json::from_str(&a.body).unwrap_or(Value::Null);
    v["error"]["code"].as_str().unwrap_or_default().to_string()
}

async fn bookings(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT booking_number FROM bookings ORDER BY id")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_database_that_goes_away_answers_503_with_retry_after_and_the_server_recovers_by_itself() {
    let (app, mut target, dir) = own_cluster().await;
    let token = app.token("wso1").await;
    let browser = app.login("wso1").await;
    let http = crate::helpers::http();
    let create = |number: &str| {
        http.post(app.url("/api/v1/bookings"))
            .bearer_auth(&token)
            .json(&booking(number))
    };
    assert_eq!(send(create("B-1")).await.status, 201);

    // PostgreSQL stops (its connections are cut).
    target.cluster.take().unwrap().stop();
    let started = Instant::now();
    let write = send(create("B-2")).await;
    assert_eq!(
        (write.status, code(&write).as_str()),
        (503, "database_unavailable"),
        "{}",
        write.body
    );
    assert!(write.retry_after.is_some(), "a 503 says when to retry");
    let read = send(http.get(app.url("/api/v1/transfers/pending")).bearer_auth(&token)).await;
    assert_eq!(
        (read.status, code(&read).as_str()),
        (503, "database_unavailable"),
        "{}",
        read.body
    );
    let page = send(browser.get(app.url("/bookings"))).await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.retry_after.is_some());
    assert!(
        page.body.contains("<html") && page.body.contains("try again"),
        "a calm page: {}",
        page.body
    );
    let health = send(http.get(app.url("/healthz"))).await;
    assert_eq!(health.status, 503);
    assert!(health.body.contains(r#""database":"unreachable""#), "{}", health.body);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "answers come promptly, not after a long wait"
    );

    // Back, on the same data: the same server serves again, without a restart.
    target.cluster = Some(PrivateCluster::start(&dir.join("pgdata"), Durability::Full).unwrap());
    let mut back = send(create("B-2")).await;
    for _ in 0..50 {
        if back.status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        back = send(create("B-2")).await;
    }
    assert_eq!(back.status, 201, "{}", back.body);
    assert_eq!(
        bookings(&app).await,
        ["B-1", "B-2"],
        "nothing half-written, nothing lost"
    );
    assert_eq!(
        send(browser.get(app.url("/bookings"))).await.status,
        200,
        "the session survived"
    );

    // Read-only, as a demoted primary or a replica: reads go on, writes are refused with 503.
    let read_only = |on: bool| {
        let sql = if on {
            "ALTER SYSTEM SET default_transaction_read_only = on"
        } else {
            "ALTER SYSTEM RESET default_transaction_read_only"
        };
        let admin = app.admin_db.clone();
        async move {
            let mut conn = admin.acquire().await.unwrap();
            sqlx::query("SET default_transaction_read_only = off")
                .execute(&mut *conn)
                .await
                .unwrap();
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
            sqlx::query("SELECT pg_reload_conf()")
                .execute(&mut *conn)
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    read_only(true).await;
    let write = send(create("B-3")).await;
    assert_eq!(
        (write.status, code(&write).as_str()),
        (503, "database_read_only"),
        "{}",
        write.body
    );
    assert!(write.retry_after.is_some());
    let read = send(http.get(app.url("/api/v1/bookings")).bearer_auth(&token)).await;
    assert_eq!(read.status, 200, "reads go on: {}", read.body);
    let health = send(http.get(app.url("/healthz"))).await;
    assert_eq!(health.status, 503);
    assert!(health.body.contains(r#""database":"read_only""#), "{}", health.body);
    // A page that must record the session's activity cannot: a calm 503, not a 500.
    app.clock.advance(chrono::Duration::minutes(2));
    let page = send(browser.get(app.url("/bookings"))).await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(page.retry_after.is_some());
    read_only(false).await;
    assert_eq!(send(create("B-3")).await.status, 201);
    assert_eq!(bookings(&app).await, ["B-1", "B-2", "B-3"]);

    app.stop_serving();
    drop(target);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The database stops while a write is half done: the booking inserted, its audit entry held
/// back (an insider's lock on the audit log). When it is back, the write is either all there or
/// not at all: no booking without its audit entry, nothing of it in any table.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_lost_in_the_middle_of_a_write_leaves_nothing_half_written() {
    let (app, mut target, dir) = own_cluster().await;
    let token = app.token("wso1").await;
    let http = crate::helpers::http();
    assert_eq!(
        send(
            http.post(app.url("/api/v1/bookings"))
                .bearer_auth(&token)
                .json(&booking("H-1"))
        )
        .await
        .status,
        201
    );
    let before = app.table_counts().await;

    let mut gate = app.admin_db.begin().await.unwrap();
    sqlx::query("LOCK TABLE audit_log IN EXCLUSIVE MODE")
        .execute(&mut *gate)
        .await
        .unwrap();
    let write = tokio::spawn(send(
        http.post(app.url("/api/v1/bookings"))
            .bearer_auth(&token)
            .json(&booking("H-2")),
    ));
    // Held: the booking's row is written in the transaction, its audit entry waits.
    let mut held = false;
    for _ in 0..200 {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%audit_log%'",
        )
        .fetch_one(&app.admin_db)
        .await
        .unwrap();
        if n > 0 {
            held = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(held, "the write came to wait on the audit log");

    // PostgreSQL stops with the write half done.
    target.cluster.take().unwrap().stop();
    let answer = write.await.unwrap();
    assert_eq!(answer.status, 503, "{}", answer.body);
    drop(gate);
    target.cluster = Some(PrivateCluster::start(&dir.join("pgdata"), Durability::Full).unwrap());

    let mut orphans: Result<Vec<String>, sqlx::Error> = Err(sqlx::Error::PoolTimedOut);
    for _ in 0..50 {
        orphans = sqlx::query_scalar(
            "SELECT b.booking_number FROM bookings b
              WHERE NOT EXISTS (SELECT 1 FROM audit_log a
                                 WHERE a.booking_id = b.id AND a.action = 'booking_created')",
        )
        .fetch_all(&app.db)
        .await;
        if orphans.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        orphans.unwrap(),
        Vec::<String>::new(),
        "a booking without its audit entry"
    );
    assert_eq!(bookings(&app).await, ["H-1"], "the half-done write is not there");
    assert_eq!(app.table_counts().await, before, "nothing of it in any table");
    // And the write, sent again, is whole.
    let again = send(
        http.post(app.url("/api/v1/bookings"))
            .bearer_auth(&token)
            .json(&booking("H-2")),
    )
    .await;
    assert_eq!(again.status, 201, "{}", again.body);

    app.stop_serving();
    drop(target);
    let _ = std::fs::remove_dir_all(&dir);
}
