//! Metrics in the Prometheus text format on their own listener (`WSO_METRICS_BIND`; issue 30,
//! in part), through `metrics` and `metrics-exporter-prometheus`. Counters and timings are
//! recorded where they happen (requests in `web::middleware::record_route`, the watcher's tick,
//! the audit chain's check, the board's streams); the clocks and the outbox are read from the
//! database at each scrape, under the system scope. Labels are bounded: route templates, methods,
//! statuses and the four stage words, never an id or a name.

use std::net::SocketAddr;
use std::sync::OnceLock;

use anyhow::Context;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::domain::stage::{Stage, stage};
use crate::domain::{claims, notice};
use crate::state::AppState;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The request durations' buckets, in seconds.
const DURATION_BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// Installs the process's recorder (once; the server does it before it starts any task that
/// records); until then every metric is a no-op.
pub fn install() -> anyhow::Result<()> {
    handle().map(|_| ())
}

/// The process's recorder, installed on first use.
fn handle() -> anyhow::Result<&'static PrometheusHandle> {
    if let Some(h) = HANDLE.get() {
        return Ok(h);
    }
    let h = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("wso_http_request_duration_seconds".into()),
            &DURATION_BUCKETS,
        )?
        .install_recorder()
        .context("installing the metrics recorder")?;
    let _ = HANDLE.set(h);
    metrics::gauge!("wso_build_info", "version" => env!("CARGO_PKG_VERSION"), "commit" => env!("WSO_COMMIT")).set(1.0);
    Ok(HANDLE.get().expect("just set"))
}

/// Serves `/metrics` on `bind` until the process ends.
pub async fn serve(state: AppState, bind: SocketAddr) -> anyhow::Result<()> {
    handle()?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on WSO_METRICS_BIND {bind}"))?;
    tracing::info!(%bind, "metrics on /metrics");
    let app = axum::Router::new().route("/metrics", get(scrape)).with_state(state);
    axum::serve(listener, app).await.context("the metrics listener")
}

async fn scrape(State(state): State<AppState>) -> axum::response::Response {
    if let Err(e) = crate::db::scope::system(refresh(&state)).await {
        tracing::warn!(error = %e, "metrics: the database could not be read");
        metrics::counter!("wso_metrics_database_errors_total").increment(1);
    }
    let body = HANDLE.get().map(|h| h.render()).unwrap_or_default();
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// The gauges read from the database: running clocks by stage, over-detentions, the outbox.
async fn refresh(state: &AppState) -> sqlx::Result<()> {
    let now = state.clock.now();
    let deadlines = crate::db::metrics::running_deadlines(&state.db).await?;
    let words = [Stage::Ok, Stage::Within12h, Stage::Within4h, Stage::Overdue].map(Stage::word);
    for word in words {
        let n = deadlines.iter().filter(|d| stage(**d, now).word() == word).count();
        metrics::gauge!("wso_running_clocks", "stage" => word).set(n as f64);
    }
    let over = deadlines.iter().filter(|d| stage(**d, now).is_overdue()).count();
    metrics::gauge!("wso_over_detentions").set(over as f64);
    // The program's one-hour duties to ICE, overdue now (the watcher's own reads and rules).
    let claims = crate::db::claims::unreported_claims(&state.db).await?;
    let late = claims
        .iter()
        .filter(|c| claims::report_overdue(c.report_due_at, c.reported_at, now))
        .count();
    metrics::gauge!("wso_citizenship_claims_overdue").set(late as f64);
    let since = now - notice::OVERDUE_LOOK_BACK;
    let served_by = notice::overdue_if_served_by(now);
    let late = crate::db::documents::without_post_service_notice(&state.db, since, served_by).await?;
    metrics::gauge!("wso_post_service_notices_overdue").set(late.len() as f64);
    let (undelivered, oldest) = crate::db::metrics::outbox_backlog(&state.db).await?;
    metrics::gauge!("wso_outbox_undelivered").set(undelivered as f64);
    let age = oldest.map_or(0.0, |o| (now - o).num_seconds().max(0) as f64);
    metrics::gauge!("wso_outbox_oldest_undelivered_age_seconds").set(age);
    let (waiting, oldest) = crate::db::metrics::webhook_backlog(&state.db).await?;
    metrics::gauge!("wso_webhook_undelivered").set(waiting as f64);
    let age = oldest.map_or(0.0, |o| (now - o).num_seconds().max(0) as f64);
    metrics::gauge!("wso_webhook_oldest_undelivered_age_seconds").set(age);
    // The connection pool of this process.
    let (size, idle) = (state.db.size() as f64, state.db.num_idle() as f64);
    metrics::gauge!("wso_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("wso_db_pool_connections", "state" => "in_use").set((size - idle).max(0.0));
    metrics::gauge!("wso_db_pool_max_connections").set(f64::from(state.db.options().get_max_connections()));
    Ok(())
}
