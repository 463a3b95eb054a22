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
