//! The JSON rendering of errors under `/api/v1`: `{"error": {"code", "message", "field"?}}`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{ApiError, AppError};
use crate::web::error_page::status;

#[derive(Serialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize)]
struct ErrorDetail {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// Every field error of a `validation_failed` (the first is also `field`).
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<crate::error::FieldError>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let message = match &e {
            AppError::Unauthorized => "a valid `Authorization: Bearer TOKEN` header is required".to_string(),
            other => other.public_message(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: e.code(),
                message,
                field: e.field_name(),
                errors: match &e {
                    AppError::Validation(list) => Some(list.clone()),
                    _ => None,
                },
            },
        };
        let mut response = (status(&e), Json(body)).into_response();
        if let Some(secs) = e.retry_after() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}
