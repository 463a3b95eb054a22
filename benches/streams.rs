//! Many open board streams on one server process (run by `benches/run`; see
//! docs/performance.md). Opens N `GET /api/v1/transfers/pending/events` streams, checks that each
//! received the whole board (the expected number of rows), then:
//! 1. counts the statements the database receives in a quiet window (pg_stat_statements);
//! 2. changes a running clock K times (an UPDATE, as any writer would) and measures how long
//!    each stream takes to receive the `changed` event for it (p50, p99, max);
//! 3. reports the server's resident memory (VmRSS now, VmHWM peak).
//!
//! Usage: streams BASE_URL TOKEN STREAMS EXPECTED_ROWS DATABASE_URL SERVER_PID

#[path = "common/sse.rs"]
mod sse;

use std::time::{Duration, Instant};

use sqlx::Connection;
use tokio::sync::mpsc;

#[derive(Debug)]
enum Seen {
    Board(usize),
    Changed(i64, Instant),
}

/// Reads one stream, reporting its board's size and every `changed` booking id.
async fn follow(client: reqwest::Client, url: String, token: String, tx: mpsc::UnboundedSender<Seen>) {
    sse::read_events(client, url, token, |name, data| {
        let data: serde_json::Value = serde_json::from_str(data).expect("JSON data");
        let seen = match name {
            Some("board") => Seen::Board(data.as_array().map_or(0, Vec::len)),
            Some("changed") => Seen::Changed(data["booking_id"].as_i64().unwrap_or(0), Instant::now()),
            _ => return true,
        };
        tx.send(seen).is_ok()
    })
    .await;
}

fn memory(pid: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or("?".to_string(), |kb| format!("{:.0} MB", kb / 1024.0))
    };
    format!("VmRSS {}, VmHWM {}", field("VmRSS:"), field("VmHWM:"))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [base, token, n, expected, database_url, pid] = args.as_slice() else {
        eprintln!("usage: streams BASE_URL TOKEN STREAMS EXPECTED_ROWS DATABASE_URL SERVER_PID");
        std::process::exit(2);
    };
    let (n, expected): (usize, usize) = (n.parse().unwrap(), expected.parse().unwrap());
    // reqwest is built without a TLS provider of its own (the server installs one at start).
    wso_tracker::services::webhooks::install_crypto();
    let url = format!("{base}/api/v1/transfers/pending/events");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let before = memory(pid);
    for _ in 0..n {
        // One client (one connection) per stream, as N browsers.
        let client = reqwest::Client::builder().build().unwrap();
        tokio::spawn(follow(client, url.clone(), token.clone(), tx.clone()));
    }
    let mut boards = 0;
    while boards < n {
        match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
            Ok(Some(Seen::Board(rows))) => {
                assert_eq!(rows, expected, "a stream's first board has every running clock");
                boards += 1;
            }
            Ok(_) => {}
            Err(_) => panic!("only {boards} of {n} streams received their board within 60 s"),
        }
    }
    println!(
        "  {n} streams open, each received the whole board ({expected} rows); server memory {before} before, {} now",
        memory(pid)
    );

    let mut db = sqlx::PgConnection::connect(database_url).await.expect("database");
    sqlx::query("SELECT pg_stat_statements_reset()")
        .execute(&mut db)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let quiet: Vec<(String, i64)> = sqlx::query_as(
        "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 60), calls FROM pg_stat_statements
         WHERE query NOT LIKE '%pg_stat_statements%'
           AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY calls DESC",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let total: i64 = quiet.iter().map(|q| q.1).sum();
    println!("  statements received by the database in 10 quiet seconds with {n} streams open: {total} {quiet:?}");

    let mut latencies = vec![];
    for round in 0..5 {
        let id: i64 =
            sqlx::query_scalar("SELECT id FROM bookings WHERE status = 'wso_hold' ORDER BY id OFFSET $1 LIMIT 1")
                .bind(round as i64)
                .fetch_one(&mut db)
                .await
                .unwrap();
        let started = Instant::now();
        // A correction of the service time by a second: the clock moves with it.
        sqlx::query(
            "UPDATE bookings SET served_at = served_at + interval '1 second',
                    custody_deadline = custody_deadline + interval '1 second' WHERE id = $1",
        )
        .bind(id)
        .execute(&mut db)
        .await
        .unwrap();
        let mut got = 0;
        while got < n {
            match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
                Ok(Some(Seen::Changed(b, at))) if b == id => {
                    latencies.push(at - started);
                    got += 1;
                }
                Ok(_) => {}
                Err(_) => panic!("round {round}: only {got} of {n} streams received the change within 10 s"),
            }
        }
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).min(latencies.len()) - 1];
    println!(
        "  a change reached all {n} streams, 5 times: latency p50 {:.0?}, p99 {:.0?}, max {:.0?} (goal: p99 < 1 s)",
        at(0.5),
        at(0.99),
        latencies.last().unwrap()
    );
    println!("  server memory with {n} streams: {} (goal: < 200 MB)", memory(pid));
}
