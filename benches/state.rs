//! A state's load on one server process (run by `benches/state-run`; docs/performance.md):
//! seeds the installation (`state/seed.rs`), opens board streams across the facilities, checks
//! each received its facility's board, and then for the run's length, all at once:
//! officers, liaisons and supervisors writing case steps through the API at a fixed rate
//! (bookings, documents, points of release, services, transfers, releases), supervisors and
//! liaisons loading their boards, a supervisor's page, the year's program report for a facility
//! and for the whole state. Prints, per request kind, the throughput, p50/p99 and errors; the
//! push latency from a write to every stream of its facility; the server's and PostgreSQL's
//! memory and CPU.
//!
//! Usage: state BASE_URL DATABASE_URL SERVER_PID (superuser URL). Environment:
//! WSO_STATE_FACILITIES (1000), WSO_STATE_BOOKINGS (10000000), WSO_STATE_STREAMS (5000),
//! WSO_STATE_SECS (300), WSO_STATE_WRITES (20 per second), WSO_STATE_PASSWORD; the readers'
//! rates per second: WSO_STATE_BOARDS (50), WSO_STATE_LIAISONS (20), WSO_STATE_PAGES (10),
//! WSO_STATE_REPORTS (1), WSO_STATE_STATE_REPORTS (0.2); WSO_STATE_METRICS, the server's /metrics
//! address (its own view of each route's time in the window, printed beside the table).

#[path = "state/measure.rs"]
mod measure;
#[path = "state/report.rs"]
mod report;
#[path = "state/seed.rs"]
mod seed;
#[path = "common/sse.rs"]
mod sse;

use measure::{Tally, kb, pct, postgres_pids, print_server_view, server_histograms, ticks};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::mpsc;

fn env(name: &str, default: i64) -> i64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A case in progress: (facility, booking id, next step, document id).
type Case = (usize, i64, u8, i64);

/// (booking id, when a stream saw it enter, change or leave).
type Seen = (i64, Instant);

async fn follow(
    url: String,
    token: String,
    tx: mpsc::UnboundedSender<Option<Seen>>,
    boards: mpsc::UnboundedSender<usize>,
) {
    sse::read_events(reqwest::Client::new(), url, token, |name, data| {
        let data: Value = serde_json::from_str(data).unwrap_or(Value::Null);
        let id = match name {
            Some("board") => {
                let _ = boards.send(data.as_array().map_or(0, Vec::len));
                return true;
            }
            Some("entered" | "changed") => data["booking_id"].as_i64(),
            Some("left") => data["booking_id"].as_i64().or(data.as_i64()),
            _ => None,
        };
        id.is_none_or(|id| tx.send(Some((id, Instant::now()))).is_ok())
    })
    .await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [base, database_url, pid] = args.as_slice() else {
        eprintln!("usage: state BASE_URL DATABASE_URL SERVER_PID");
        std::process::exit(2);
    };
    wso_tracker::services::webhooks::install_crypto();
    let nf = env("WSO_STATE_FACILITIES", 1000) as usize;
    let streams = env("WSO_STATE_STREAMS", 5000) as usize;
    let secs = env("WSO_STATE_SECS", 300) as u64;
    let writes = env("WSO_STATE_WRITES", 20) as u64;
    let started = Instant::now();
    let w = seed::seed(database_url, nf, env("WSO_STATE_BOOKINGS", 10_000_000), base).await;
    println!(
        "  seeded in {:.0?}: {nf} facilities, {} liaisons",
        started.elapsed(),
        w.liaisons.len()
    );
    let w = Arc::new(w);

    // Streams: the supervisors' boards, spread evenly over the facilities.
    let (tx, mut seen_rx) = mpsc::unbounded_channel();
    let (btx, mut boards) = mpsc::unbounded_channel();
    let mut stream_facility = vec![];
    for s in 0..streams {
        let f = s % nf;
        stream_facility.push(f);
        let url = format!("{base}/api/v1/transfers/pending/events");
        tokio::spawn(follow(url, w.staff[f].1.clone(), tx.clone(), btx.clone()));
    }
    for got in 0..streams {
        let rows = tokio::time::timeout(Duration::from_secs(120), boards.recv())
            .await
            .unwrap_or_else(|_| panic!("only {got} of {streams} streams received their board within 120 s"))
            .unwrap();
        assert_eq!(
            rows, 2,
            "a stream's first board holds its facility's two running clocks"
        );
    }
    println!(
        "  {streams} streams open, each with its facility's board (2 rows); server {:.0} MB",
        kb(pid, "VmRSS:") / 1024.0
    );
    // Per facility, how many streams watch it.
    let mut watching = vec![0usize; nf];
    for f in &stream_facility {
        watching[*f] += 1;
    }
    // Every stream event, by booking: when each arrived.
    let events: Arc<Mutex<HashMap<i64, Vec<Instant>>>> = Arc::default();
    let sink = events.clone();
    tokio::spawn(async move {
        while let Some(Some((id, at))) = seen_rx.recv().await {
            sink.lock().unwrap().entry(id).or_default().push(at);
        }
    });

    let tally = Arc::new(Tally::default());
    let http = reqwest::Client::new();
    let metrics = std::env::var("WSO_STATE_METRICS").ok();
    let server_before = server_histograms(metrics.as_deref()).await;
    let end = Instant::now() + Duration::from_secs(secs);
    let pg = postgres_pids();
    let (t_server, t_pg) = (ticks(std::slice::from_ref(pid)), ticks(&pg));
    let t0 = Instant::now();
    // (booking id, facility, write sent at) of each write that moves a board.
    let pushes: Arc<Mutex<Vec<(i64, usize, Instant)>>> = Arc::default();

    // Case steps at `writes` a second, open loop (a slow answer does not slow the schedule).
    let writer = {
        let (w, tally, http, base, pushes) = (w.clone(), tally.clone(), http.clone(), base.clone(), pushes.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / writes));
            // Cases in progress: (facility, booking id, next step, document id).
            let queue: Arc<Mutex<Vec<Case>>> = Arc::default();
            let mut n = 0u64;
            while Instant::now() < end {
                tick.tick().await;
                n += 1;
                let next = {
                    let mut q = queue.lock().unwrap();
                    if q.len() > 40 || (q.len() > 5 && !n.is_multiple_of(5)) {
                        let i = rand::thread_rng().gen_range(0..q.len());
                        Some(q.remove(i))
                    } else {
                        None
                    }
                };
                let (w, tally, http, base, queue, pushes) = (
                    w.clone(),
                    tally.clone(),
                    http.clone(),
                    base.clone(),
                    queue.clone(),
                    pushes.clone(),
                );
                tokio::spawn(async move {
                    let (f, id, step, doc) =
                        next.unwrap_or((rand::thread_rng().gen_range(0..w.facilities.len()), 0, 0, 0));
                    let (officer, supervisor, _) = &w.staff[f];
                    let liaison = &w.liaisons[f / 20].0;
                    let now = wso_tracker::clock::Clock::System.now();
                    let at = |s: i64| (now - chrono::Duration::seconds(s)).to_rfc3339();
                    let (kind, token, path, body) = match step {
                        0 => (
                            "write: booking",
                            officer,
                            "/bookings".to_string(),
                            json!({
                            "facility": w.facilities[f].1, "booking_number": format!("S{}", rand::random::<u32>()),
                            "last_name": "Doe", "first_name": "John", "date_of_birth": "1990-04-30",
                            "booked_at": at(3600), "charges": [{ "description": "Driving while impaired", "category": "dwi" }] }),
                        ),
                        1 => (
                            "write: document",
                            officer,
                            format!("/bookings/{id}/documents"),
                            json!({
                            "kind": "I-200", "number": "W-1", "a_number": "A12-345-678", "issued_at": at(3000), "received_at": at(2900) }),
                        ),
                        2 => (
                            "write: point of release",
                            officer,
                            format!("/bookings/{id}/release-point"),
                            json!({ "at": at(120), "reason": "bond_posted" }),
                        ),
                        3 => (
                            "write: service",
                            officer,
                            format!("/bookings/{id}/service"),
                            json!({ "document_id": doc, "at": at(60) }),
                        ),
                        _ if id % 2 == 0 => (
                            "write: transfer",
                            liaison,
                            format!("/bookings/{id}/transfer"),
                            json!({ "at": at(1), "receiving_officer": "SDDO Rivera" }),
                        ),
                        _ => (
                            "write: release",
                            supervisor,
                            format!("/bookings/{id}/release"),
                            json!({ "at": at(1), "reason": "other" }),
                        ),
                    };
                    let sent = Instant::now();
                    let r = http
                        .post(format!("{base}/api/v1{path}"))
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await;
                    let took = sent.elapsed();
                    let answer = match r {
                        Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
                        Ok(r) => {
                            eprintln!("  {kind}: {} {}", r.status(), r.text().await.unwrap_or_default());
                            None
                        }
                        Err(e) => {
                            eprintln!("  {kind}: {e}");
                            None
                        }
                    };
                    tally.add(kind, took, answer.is_some());
                    let Some(a) = answer else { return };
                    match step {
                        0 => queue.lock().unwrap().push((f, a["id"].as_i64().unwrap(), 1, 0)),
                        1 => queue.lock().unwrap().push((f, id, 2, a["id"].as_i64().unwrap())),
                        2 => queue.lock().unwrap().push((f, id, 3, doc)),
                        3 => {
                            pushes.lock().unwrap().push((id, f, sent));
                            queue.lock().unwrap().push((f, id, 4, doc));
                        }
                        _ => pushes.lock().unwrap().push((id, f, sent)),
                    }
                });
            }
        })
    };

    // Readers, each a closed loop: supervisors' and liaisons' boards, a page, the reports.
    let mut readers = vec![];
    let password = std::env::var("WSO_STATE_PASSWORD").unwrap_or_default();
    let page_client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = page_client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = login
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string();
    let r = page_client
        .post(format!("{base}/login"))
        .form(&[
            ("username", w.staff[0].2.as_str()),
            ("password", password.as_str()),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "a supervisor signs in: {}",
        r.status()
    );
    // Each kind at its own rate, open loop (as many people asking, whatever the answers' pace).
    let rate = |name: &str, default: f64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    for (kind, per_second) in [
        ("read: supervisor's board (API)", rate("WSO_STATE_BOARDS", 50.0)),
        (
            "read: liaison's board, 20 facilities (API)",
            rate("WSO_STATE_LIAISONS", 20.0),
        ),
        ("read: supervisor's board (page)", rate("WSO_STATE_PAGES", 10.0)),
        (
            "read: program report, one facility's year",
            rate("WSO_STATE_REPORTS", 1.0),
        ),
        (
            "read: program report, the state's year",
            rate("WSO_STATE_STATE_REPORTS", 0.2),
        ),
    ] {
        let (w, tally, base) = (w.clone(), tally.clone(), base.clone());
        let client = if kind.ends_with("(page)") {
            page_client.clone()
        } else {
            http.clone()
        };
        readers.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / per_second));
            while Instant::now() < end {
                tick.tick().await;
                let f = rand::thread_rng().gen_range(0..w.facilities.len());
                let req = match kind {
                    k if k.starts_with("read: supervisor's board (API)") => client
                        .get(format!("{base}/api/v1/transfers/pending"))
                        .bearer_auth(&w.staff[f].1),
                    k if k.starts_with("read: liaison") => client
                        .get(format!("{base}/api/v1/transfers/pending"))
                        .bearer_auth(&w.liaisons[f / 20].0),
                    k if k.ends_with("(page)") => client.get(format!("{base}/transfers/pending")),
                    k if k.ends_with("one facility's year") => client
                        .get(format!("{base}/api/v1/reports/program?facility={}", w.facilities[f].1))
                        .bearer_auth(&w.staff[f].1),
                    _ => client
                        .get(format!("{base}/api/v1/reports/program?facility=all"))
                        .bearer_auth(&w.state),
                };
                let tally = tally.clone();
                tokio::spawn(async move {
                    let sent = Instant::now();
                    let ok = match req.send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    tally.add(kind, sent.elapsed(), ok);
                });
            }
        }));
    }
    // Memory, sampled each second: the peaks.
    let (mut server_peak, mut pg_peak) = (0f64, 0f64);
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_secs(1)).await;
        server_peak = server_peak.max(kb(pid, "VmRSS:"));
        pg_peak = pg_peak.max(postgres_pids().iter().map(|p| kb(p, "Pss:")).sum());
    }
    writer.await.unwrap();
    for r in readers {
        r.await.unwrap();
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let hz = 100.0;
    let cpu_server = (ticks(std::slice::from_ref(pid)) - t_server) / hz / elapsed * 100.0;
    let cpu_pg = (ticks(&postgres_pids()) - t_pg) / hz / elapsed * 100.0;
    tokio::time::sleep(Duration::from_secs(2)).await; // the last pushes arrive

    tally.print(elapsed);
    print_server_view(&server_before, &server_histograms(metrics.as_deref()).await);
    // Push: from the write's request (an upper bound of its commit) to the last of its
    // facility's streams.
    let mut push = vec![];
    let mut missed = 0;
    let events = events.lock().unwrap().clone();
    for (id, f, sent) in pushes.lock().unwrap().iter() {
        let arrived: Vec<_> = events
            .get(id)
            .map(|v| v.iter().filter(|t| *t >= sent).copied().collect())
            .unwrap_or_default();
        if arrived.len() < watching[*f] {
            missed += 1;
            continue;
        }
        let mut a = arrived;
        a.sort();
        push.push(a[watching[*f] - 1] - *sent);
    }
    push.sort();
    println!(
        "  | push: a service, transfer or release to all {} streams of its facility | {} | | {:.1?} | {:.1?} | {missed} not reaching every stream | p99 < 1 s |",
        streams / nf,
        push.len(),
        pct(&push, 0.5),
        pct(&push, 0.99)
    );
    println!(
        "  server: peak {:.0} MB resident, CPU {cpu_server:.0} % of a core; PostgreSQL: peak {:.0} MB (PSS, all processes), CPU {cpu_pg:.0} % of a core; {elapsed:.0} s",
        server_peak / 1024.0,
        pg_peak / 1024.0
    );
    // The year's report alone (nothing else running), against its one statement.
    let f0 = &w.facilities[0].1;
    report::ratio(base, database_url, &w.staff[0].1, f0, f0, "one facility's year").await;
    report::ratio(base, database_url, &w.state, "all", "F%", "the state's year").await;
}
