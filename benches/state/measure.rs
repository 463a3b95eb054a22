//! What `benches/state.rs` measures: latencies per request kind, and the server's and
//! PostgreSQL's memory and CPU from /proc.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Latencies and errors per request kind.
#[derive(Default)]
pub struct Tally(pub Mutex<HashMap<&'static str, (Vec<Duration>, usize)>>);

impl Tally {
    pub fn add(&self, kind: &'static str, took: Duration, ok: bool) {
        let mut t = self.0.lock().unwrap();
        let e = t.entry(kind).or_default();
        e.0.push(took);
        e.1 += usize::from(!ok);
    }

    /// The table of request kinds: count, rate, p50, p99, errors, each beside its limit.
    pub fn print(&self, elapsed: f64) {
        println!("\n  | request kind | requests | per second | p50 | p99 | errors | limit |");
        println!("  |---|---|---|---|---|---|---|");
        let mut t = self.0.lock().unwrap();
        let mut kinds: Vec<_> = t.keys().copied().collect();
        kinds.sort();
        let mut all_writes = vec![];
        for k in kinds {
            let (l, errors) = t.get_mut(k).unwrap();
            l.sort();
            if k.starts_with("write") {
                all_writes.extend(l.iter().copied());
            }
            let limit = match k {
                k if k.starts_with("write") => "p99 < 100 ms; 0 errors",
                k if k.contains("state's year") => "< 1 s; 0 errors",
                k if k.contains("report") => "0 errors",
                _ => "p99 < 25 ms; 0 errors",
            };
            println!(
                "  | {k} | {} | {:.1} | {:.1?} | {:.1?} | {errors} | {limit} |",
                l.len(),
                l.len() as f64 / elapsed,
                pct(l, 0.5),
                pct(l, 0.99)
            );
        }
        all_writes.sort();
        println!(
            "  | all writes | {} | {:.1} | {:.1?} | {:.1?} | | p99 < 100 ms |",
            all_writes.len(),
            all_writes.len() as f64 / elapsed,
            pct(&all_writes, 0.5),
            pct(&all_writes, 0.99)
        );
    }
}

pub fn pct(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1]
}

pub fn kb(pid: &str, field: &str) -> f64 {
    std::fs::read_to_string(format!(
        "/proc/{pid}/{}",
        if field == "Pss:" { "smaps_rollup" } else { "status" }
    ))
    .unwrap_or_default()
    .lines()
    .find(|l| l.starts_with(field))
    .and_then(|l| l.split_whitespace().nth(1))
    .and_then(|v| v.parse().ok())
    .unwrap_or(0.0)
}

pub fn postgres_pids() -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|p| p.chars().all(|c| c.is_ascii_digit()))
        .filter(|p| std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .collect()
}

pub fn ticks(pids: &[String]) -> f64 {
    pids.iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .map(|s| {
            let f: Vec<&str> = s
                .rsplit_once(')')
                .map(|(_, r)| r)
                .unwrap_or("")
                .split_whitespace()
                .collect();
            f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
                + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        })
        .sum()
}

/// The server's own histogram of request durations (`wso_http_request_duration_seconds`, from
/// its /metrics): per route and method, the cumulative count at each bucket's upper bound.
pub type Histograms = HashMap<String, Vec<(f64, f64)>>;

/// Reads the server's histograms (empty when there is no metrics address).
pub async fn server_histograms(metrics_url: Option<&str>) -> Histograms {
    let Some(url) = metrics_url else { return HashMap::new() };
    let text = reqwest::get(url).await.unwrap().text().await.unwrap();
    let mut h: Histograms = HashMap::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("wso_http_request_duration_seconds_bucket{"))
    {
        let (labels, count) = line.rsplit_once(' ').unwrap();
        let label = |name: &str| {
            labels
                .split(&format!("{name}=\""))
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("")
                .to_string()
        };
        let le = match label("le").as_str() {
            "+Inf" => f64::INFINITY,
            le => le.parse().unwrap(),
        };
        let key = format!("{} {}", label("method"), label("route"));
        h.entry(key).or_default().push((le, count.parse().unwrap()));
    }
    for buckets in h.values_mut() {
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    h
}

/// The server's own view of the window between two readings: per route, the requests, the
/// bucket holding their p99, and how many took over 25 ms inside the server (from the route's
/// match to its answer, the session's and the caller's reads included). A client's p99 well
/// above the server's is time spent outside the handler: in the load generator, the kernel or
/// waiting for a core.
pub fn print_server_view(before: &Histograms, after: &Histograms) {
    if after.is_empty() {
        return;
    }
    println!("\n  the server's own view of the window (wso_http_request_duration_seconds):");
    println!("  | route | requests | p99 at most | over 25 ms |");
    println!("  |---|---|---|---|");
    let mut routes: Vec<_> = after.keys().collect();
    routes.sort();
    for route in routes {
        let at = |h: &Histograms, le: f64| {
            h.get(route)
                .and_then(|b| b.iter().find(|(l, _)| *l == le))
                .map_or(0.0, |(_, c)| *c)
        };
        let buckets: Vec<(f64, f64)> = after[route].iter().map(|(le, c)| (*le, c - at(before, *le))).collect();
        let total = buckets.last().map_or(0.0, |(_, c)| *c);
        if total < 10.0 {
            continue;
        }
        let p99 = buckets
            .iter()
            .find(|(_, c)| *c >= total * 0.99)
            .map_or(f64::INFINITY, |(le, _)| *le);
        let within_25 = buckets.iter().find(|(le, _)| *le >= 0.025).map_or(total, |(_, c)| *c);
        println!(
            "  | {route} | {total:.0} | {} | {:.0} ({:.2} %) |",
            if p99.is_finite() {
                format!("{:.1} ms", p99 * 1000.0)
            } else {
                "over 2.5 s".into()
            },
            total - within_25,
            (total - within_25) / total * 100.0
        );
    }
}
