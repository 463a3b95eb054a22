//! The watcher-stalled rule in a real Prometheus (issue 30): Debian's `prometheus` scrapes the
//! real server's metrics listener every second with deploy/monitoring's rules loaded. While the
//! deadline watcher completes its rounds the alert stays quiet; when a lock held on a table it
//! reads leaves it stuck mid-round (the process still answering) the alert fires; when the lock
//! goes it resolves.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::World;
use crate::metrics::free_port;
use crate::process::Server;

/// A Prometheus of its own, stopped (killed) when dropped.
struct Prometheus {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Prometheus {
    async fn scraping(target: &str) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("wso-prometheus-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/monitoring/wso-tracker.rules.yml");
        let config = format!(
            "global: {{ scrape_interval: 1s, evaluation_interval: 1s }}\n\
             rule_files: ['{rules}']\n\
             scrape_configs:\n  - job_name: wso-tracker\n    static_configs: [{{ targets: ['{target}'] }}]\n"
        );
        let config_file = dir.join("prometheus.yml");
        std::fs::write(&config_file, config).unwrap();
        let child = Command::new(std::env::var("PROMETHEUS").unwrap_or_else(|_| "prometheus".into()))
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(dir.join("log")).unwrap()))
            .spawn()
            .unwrap_or_else(|e| panic!("prometheus (apt-get install prometheus): {e}"));
        let p = Prometheus { child, port, dir };
        for _ in 0..100 {
            if p.get("/-/ready").await.is_some() {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("prometheus did not become ready");
    }

    async fn get(&self, path: &str) -> Option<Value> {
        let r = crate::helpers::http()
            .get(format!("http://127.0.0.1:{}{path}", self.port))
            .send()
            .await
            .ok()?;
        if r.status() != 200 {
            return None;
        }
        Some(r.json().await.unwrap_or(Value::Null))
    }

    /// The state of `alert` (`pending`, `firing`) for `instance`, if it is active.
    async fn alert(&self, alert: &str, instance: &str) -> Option<String> {
        let alerts = self.get("/api/v1/alerts").await?;
        alerts["data"]["alerts"].as_array()?.iter().find_map(|a| {
            (a["labels"]["alertname"] == alert && a["labels"]["instance"] == instance)
                .then(|| a["state"].as_str().unwrap_or_default().to_string())
        })
    }

    /// The value of an instant query's first sample.
    async fn value(&self, query: &str) -> Option<f64> {
        let v = self.get(&format!("/api/v1/query?query={query}")).await?;
        v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }

    /// Waits up to `seconds` for `alert`'s state for `instance` to become `want`.
    async fn await_alert(&self, alert: &str, instance: &str, want: Option<&str>, seconds: u64) {
        let mut now = None;
        for _ in 0..seconds * 4 {
            now = self.alert(alert, instance).await;
            if now.as_deref() == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("{alert} for {instance}: {now:?} after {seconds} s, wanted {want:?}");
    }
}

#[tokio::test]
async fn the_watcher_stalled_rule_fires_in_a_real_prometheus_when_the_watcher_is_stuck() {
    let w = World::new().await;
    let target = format!("127.0.0.1:{}", free_port());
    let server = Server::start(
        &w,
        &[("WSO_METRICS_BIND", target.as_str()), ("WSO_WATCH_INTERVAL_SECS", "1")],
    )
    .await;
    let prometheus = Prometheus::scraping(&target).await;

    // Scraped, with rounds completing every second: quiet for several evaluations.
    for _ in 0..100 {
        if prometheus
            .value("wso_watcher_last_tick_timestamp_seconds")
            .await
            .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(prometheus.value("wso_watcher_interval_seconds").await, Some(1.0));
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        prometheus.alert("WsoWatcherStalled", &target).await,
        None,
        "quiet while it ticks"
    );

    // The watcher reads open complaints every round; a lock on their table stops it mid-round
    // while the process (and its metrics listener) go on answering.
    let mut lock = w.app.admin_db.begin().await.unwrap();
    sqlx::query("LOCK TABLE complaints IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    prometheus
        .await_alert("WsoWatcherStalled", &target, Some("firing"), 30)
        .await;
    assert_eq!(
        prometheus.value("up").await,
        Some(1.0),
        "the process still answers: stalled, not down"
    );

    // The lock goes, the stuck round completes, and the alert resolves.
    lock.rollback().await.unwrap();
    prometheus.await_alert("WsoWatcherStalled", &target, None, 30).await;
    server.stop();
}
