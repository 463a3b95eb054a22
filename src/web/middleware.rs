//! Layers every response passes through: request ids, tracing, compression, timeouts, panics
//! turned into 500s, and the security headers.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// No inline script or style anywhere; assets come from this origin only.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A panic on an API route: the API's JSON error (the handler's panic is logged once by the
/// panic hook set in `main`).
pub fn api_panic(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    crate::error::ApiError(crate::error::AppError::Internal(anyhow::anyhow!("a handler panicked"))).into_response()
}

/// A panic on a page: the calm error page.
fn page_panic(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    crate::error::AppError::Internal(anyhow::anyhow!("a handler panicked")).into_response()
}

/// Every request starts seeing no agency's rows: the extractors that find who asks narrow it
/// to their facilities (`db::scope`, decision 0036).
pub async fn row_scope(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    crate::db::scope::within_request(next.run(req)).await
}

/// `Strict-Transport-Security` on every response, when the app is served over https.
pub const HSTS: &str = "max-age=31536000";

pub fn apply(router: Router, timeout_secs: u64, https: bool) -> Router {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    // Innermost first: panics and timeouts become responses *inside* the header layers, so
    // a 500 or 408 carries the security headers too.
    let router = if https {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ))
    } else {
        router
    };
    router
        .layer(CatchPanicLayer::custom(page_panic))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(timeout_secs),
        ))
        .layer(CompressionLayer::new())
        .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        .layer(header(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ))
        // Case data must not linger in shared caches or the browser's back/forward cache.
        .layer(header(header::CACHE_CONTROL, "no-store"))
        .layer(PropagateRequestIdLayer::x_request_id())
        // One line per request when it is answered: its id, method, route template (recorded
        // once routed: never the path itself, which can hold a display's secret or a username),
        // the user's id once known, status and latency; no name, no query, no body.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        route = tracing::field::Empty,
                        request_id = %id,
                        user_id = tracing::field::Empty
                    )
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Millis),
                ),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Records the matched route's template (`/bookings/{id}`) in the request's log span.
pub async fn record_route(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let Some(route) = request.extensions().get::<axum::extract::MatchedPath>().cloned() else {
        return next.run(request).await;
    };
    tracing::Span::current().record("route", route.as_str());
    // Counted and timed by route template (bounded labels; `boot::metrics`).
    let method = request.method().to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let route = route.as_str().to_owned();
    let status = response.status().as_u16().to_string();
    metrics::histogram!("wso_http_request_duration_seconds", "route" => route.clone(), "method" => method.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("wso_http_requests_total", "route" => route, "method" => method, "status" => status).increment(1);
    response
}

/// A write answered by this process answers only once this process's held boards show it
/// (`services::board_held`, decision 0043): the writer's next read here sees its own change.
/// Reads, and refused writes, pass straight through.
pub async fn boards_caught_up(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let writes = !(request.method().is_safe());
    let response = next.run(request).await;
    if writes && !response.status().is_client_error() && !response.status().is_server_error() {
        state.board.held.caught_up(&state.db).await;
    }
    response
}
