//! The HTML rendering of [`AppError`], for pages.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::error::AppError;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub message: String,
}

/// Marks a 404 that refused access to something the caller may not know exists
/// ([`AppError::Hidden`]): `web/access.rs` audits it as `access_denied`, like a 403.
#[derive(Clone, Copy, Debug)]
pub struct HiddenRefusal;

/// What every rendering of an error adds to its response: `Retry-After` for a 503 or a 429, the
/// [`HiddenRefusal`] mark for the access audit.
pub fn finish(e: &AppError, response: &mut Response) {
    if let Some(secs) = e.retry_after() {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, secs.into());
    }
    if matches!(e, AppError::Hidden) {
        response.extensions_mut().insert(HiddenRefusal);
    }
}

/// The status of an error as axum's type.
pub fn status(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        match self {
            AppError::Unauthorized => return Redirect::to("/login").into_response(),
            AppError::PasswordChangeRequired => return Redirect::to("/account/password").into_response(),
            _ => {}
        }
        let status = status(&self);
        let page = ErrorPage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            message: self.public_message(),
        };
        let body = page.render().unwrap_or_else(|_| page.message.clone());
        let mut response = (status, Html(body)).into_response();
        finish(&self, &mut response);
        response
    }
}
