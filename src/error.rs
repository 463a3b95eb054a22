//! The one error type. Handlers return `AppError`; pages render it as an HTML error page, API
//! handlers wrap it in [`ApiError`] to render `{"error": {"code", "message", "field"?}}`.
//! Internal errors are logged with the request's trace and never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Malformed request (bad JSON, wrong JSON type).
    #[error("{message}")]
    BadRequest { message: String, field: Option<String> },
    /// No valid session (pages redirect to the login page) or token (API: 401).
    #[error("sign-in required")]
    Unauthorized,
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("a POST without a valid CSRF token was refused")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// A state conflict or duplicate; `code` is a stable word callers match on.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Well-formed values that break a rule; the first one is reported by the API.
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("invalid input"))]
    Validation(Vec<FieldError>),
    /// A domain rule refusing a well-formed request (422) with its own code.
    #[error("{message}")]
    Rule {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn forbidden() -> Self {
        AppError::Forbidden {
            code: "forbidden",
            message: "your role does not allow this".into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Validation(_) | AppError::Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { .. } => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden { code, .. } => code,
            AppError::Csrf => "csrf_token_invalid",
            AppError::NotFound => "not_found",
            AppError::Conflict { code, .. } | AppError::Rule { code, .. } => code,
            AppError::Validation(_) => "validation_failed",
            AppError::Internal(_) => "internal_error",
        }
    }

    /// What may be shown to the user: internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "Something went wrong on our side. It has been logged; please try again.".into(),
            AppError::NotFound => "The page or record you asked for does not exist, or you may not see it.".into(),
            AppError::Forbidden { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
    }

    fn field_name(&self) -> Option<String> {
        match self {
            AppError::BadRequest { field, .. } | AppError::Rule { field, .. } => field.clone(),
            AppError::Validation(errors) => errors.first().map(|e| e.field.clone()),
            _ => None,
        }
    }
}

/// HTML rendering, for pages.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        if let AppError::Unauthorized = self {
            return Redirect::to("/login").into_response();
        }
        let status = self.status();
        let page = crate::web::error_page::ErrorPage {
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            message: self.public_message(),
        };
        let body = askama::Template::render(&page).unwrap_or_else(|_| page.message.clone());
        (status, Html(body)).into_response()
    }
}

/// JSON rendering, for `/api/v1`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

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
            },
        };
        (e.status(), Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<crate::domain::case::RuleError> for AppError {
    fn from(e: crate::domain::case::RuleError) -> Self {
        use crate::domain::case::RuleKind;
        match e.kind {
            RuleKind::Forbidden => AppError::Forbidden {
                code: e.code,
                message: e.message,
            },
            RuleKind::Conflict => AppError::Conflict {
                code: e.code,
                message: e.message,
            },
            RuleKind::Unprocessable => AppError::Rule {
                code: e.code,
                message: e.message,
                field: e.field.map(String::from),
            },
        }
    }
}
