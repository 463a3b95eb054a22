use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::Unavailable;
use crate::state::AppState;

/// `/healthz`: 200 when the database answers and takes writes; 503 with `Retry-After` when it
/// does not answer (`"database": "unreachable"`) or is read-only (`"read_only"`: a replica, or a
/// primary being demoted during a failover). No sign-in (for load balancers and proxies).
pub async fn healthz(State(state): State<AppState>) -> Response {
    let database = match crate::db::read_only(&state.db).await {
        Ok(false) => return (StatusCode::OK, Json(json!({ "status": "ok", "database": "ok" }))).into_response(),
        Ok(true) => "read_only",
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            "unreachable"
        }
    };
    let retry = Unavailable::RETRY_AFTER_SECS;
    let body = Json(json!({ "status": "error", "database": database }));
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, retry.to_string())],
        body,
    )
        .into_response()
}
