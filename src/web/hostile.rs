//! Hostile input gets a clear error and nothing else: a control character (NUL and the other C0
//! characters but tab and line breaks) in a query string is a 422 naming the field, before any
//! handler or database sees it. (Form bodies: the CSRF layer, which reads them anyway; JSON
//! bodies: `api/json.rs`; checked text fields: `domain::input`.)

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::input::control_in_pairs;
use crate::error::{ApiError, AppError};

/// Middleware on every route: query strings.
pub async fn reject_control_characters(request: Request, next: Next) -> Response {
    let bad = request
        .uri()
        .query()
        .and_then(|q| control_in_pairs(q.as_bytes()).map(AppError::Validation));
    match bad {
        Some(e) if request.uri().path().starts_with("/api/") => ApiError(e).into_response(),
        Some(e) => e.into_response(),
        None => next.run(request).await,
    }
}
