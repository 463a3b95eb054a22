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
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
/// The sign-in form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "wso_login_csrf";
const HEADER: &str = "x-csrf-token";
const MAX_FORM_BYTES: usize = 1024 * 1024;

pub async fn verify(session: Session, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let expected = if request.uri().path() == "/login" {
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

/// The value of the sign-in form's cookie, if the request carries it.
pub fn login_cookie<B>(request: &axum::http::Request<B>) -> Option<String> {
    request
        .headers()
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == LOGIN_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
