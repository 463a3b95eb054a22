//! CSRF protection for every HTML form (synchronizer token pattern): each session holds a
//! random token, every form carries it in a hidden `csrf_token` field (or the `X-CSRF-Token`
//! header), and any unsafe request without the matching token is refused with 403 before a
//! handler runs, so it can change nothing. The API (bearer tokens, no cookies) is not routed
//! through this layer.
//!
//! The sign-in form is the exception: an anonymous visitor has no session, and looking at
//! `/login` must not create one (a flood of anonymous GETs would fill the session table). Its
//! token is a double-submit cookie instead: `/login` sets [`LOGIN_COOKIE`] (HttpOnly,
//! SameSite=Strict) and puts the same random value in the form; `POST /login` must send both,
//! equal. A cross-site page can neither read the cookie nor make the browser send it.

use axum::body::{Body, to_bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::{Layer, ServiceExt};
use tower_sessions::Session;

use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
/// The sign-in form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "wso_login_csrf";
const HEADER: &str = "x-csrf-token";
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// A file upload (`multipart/form-data`, the bookings import): the file and the form's fields.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// The one page that takes a file.
const UPLOAD_PATH: &str = "/imports";

pub async fn verify(session: Session, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let expected = if matches!(request.uri().path(), "/login" | "/login/sso") {
        login_cookie(&request)
    } else {
        super::session::stored_csrf_token(&session).await
    };
    let Some(expected) = expected else {
        return AppError::Csrf.into_response();
    };
    let header = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(sent) = header {
        return if constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            next.run(request).await
        } else {
            AppError::Csrf.into_response()
        };
    }
    let multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    if multipart {
        // Only the import takes files: elsewhere a multipart body is held to a form's size.
        let limit = if request.uri().path() == UPLOAD_PATH {
            MAX_UPLOAD_BYTES + 64 * 1024
        } else {
            MAX_FORM_BYTES
        };
        return verify_upload(request, next, &expected, limit).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return AppError::BadRequest {
            message: "the form is too large".into(),
            field: None,
        }
        .into_response();
    };
    if let Some(errors) = crate::domain::input::control_in_pairs(&bytes) {
        return AppError::Validation(errors).into_response();
    }
    let sent = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned());
    match sent {
        Some(sent) if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => {
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        _ => AppError::Csrf.into_response(),
    }
}

/// A file upload carries the token as one of its fields (the form puts it first). The body is
/// read once, up to `limit` ([`MAX_UPLOAD_BYTES`] on `/imports`; beyond: a clear refusal), searched for the field,
/// and handed on whole to the handler.
async fn verify_upload(request: Request, next: Next, expected: &str, limit: usize) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, limit).await else {
        return AppError::BadRequest {
            message: "the upload is too large: a file may have at most 20 MB".into(),
            field: Some("file".into()),
        }
        .into_response();
    };
    let mut probe = Request::new(Body::from(bytes.clone()));
    *probe.headers_mut() = parts.headers.clone();
    // `Multipart` holds a body to axum's default 2 MB unless a `DefaultBodyLimit` layer says
    // otherwise; the body is already held to `limit` above (issue 26, finding 14).
    let find_token = tower::service_fn(|probe: Request| async move {
        let mut sent = None;
        if let Ok(mut fields) = axum::extract::Multipart::from_request(probe, &()).await {
            while let Ok(Some(field)) = fields.next_field().await {
                if field.name() == Some(FIELD) {
                    sent = field.text().await.ok();
                    break;
                }
            }
        }
        Ok::<_, std::convert::Infallible>(sent)
    });
    let sent = DefaultBodyLimit::max(limit)
        .layer(find_token)
        .oneshot(probe)
        .await
        .unwrap_or_else(|never| match never {});
    match sent {
        Some(sent) if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => {
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        _ => AppError::Csrf.into_response(),
    }
}

/// The value of the sign-in form's cookie, if the request carries it.
pub fn login_cookie<B>(request: &axum::http::Request<B>) -> Option<String> {
    cookie(request.headers(), LOGIN_COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

/// The value of the request's first cookie named `name`.
pub fn cookie<'h>(headers: &'h axum::http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
