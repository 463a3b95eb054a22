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
use tower_http::trace::TraceLayer;

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
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or("-");
            // A wall display's path is its secret: the log names the page, not the token.
            let path = match req.uri().path() {
                p if p.starts_with("/display/") => "/display/…",
                p => p,
            };
            tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
