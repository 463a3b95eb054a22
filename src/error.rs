//! The one error type. Services and handlers return `AppError`; `web` renders it (pages: an
//! HTML error page, `web/error_page.rs`; the API wraps it in [`ApiError`] to render
//! `{"error": {"code", "message", "field"?}}`, `web/api/error.rs`). Nothing here knows about
//! HTTP beyond the status number each error stands for. Internal errors are logged with the
//! request's trace and never shown.

pub use crate::domain::input::FieldError;

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
    /// Signed in, but an admin reset the password: only the password page may be opened.
    #[error("choose a new password first")]
    PasswordChangeRequired,
    #[error("not found")]
    NotFound,
    /// A case, complaint or officer the caller may not know exists: answered exactly like
    /// [`AppError::NotFound`] (404, `not_found`), so that the answer does not reveal that it
    /// exists, but audited as `access_denied` like a 403 (`web/access.rs`).
    #[error("not found")]
    Hidden,
    /// A state conflict or duplicate; `code` is a stable word callers match on.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A value that must be unique already exists: 409, reported on its field.
    #[error("{message}")]
    Duplicate {
        code: &'static str,
        field: &'static str,
        message: String,
    },
    /// Well-formed values that break a rule: the API names the first (`field`) and lists all (`errors`).
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("invalid input"))]
    Validation(Vec<FieldError>),
    /// A domain rule refusing a well-formed request (422) with its own code.
    #[error("{message}")]
    Rule {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    /// Too much work at once (e.g. password hashing): try again shortly (503).
    #[error("{0}")]
    Busy(String),
    /// This caller holds too much at once (e.g. open board streams): 429 with `Retry-After`.
    #[error("{message}")]
    TooMany { code: &'static str, message: String },
    /// The database cannot take this request now (unreachable, restarting, failing over, or
    /// read-only): 503 with `Retry-After`; nothing was written (decision 0027).
    #[error("{}", .0.message())]
    Unavailable(Unavailable),
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// Why the database cannot take a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Unreachable: down, restarting, no connection within the pool's wait, connections cut.
    Down,
    /// Answers, but refuses writes: a replica, or a primary being demoted.
    ReadOnly,
}

impl Unavailable {
    /// Seconds a client should wait before trying again (`Retry-After`).
    pub const RETRY_AFTER_SECS: u32 = 5;

    pub fn code(self) -> &'static str {
        match self {
            Unavailable::Down => "database_unavailable",
            Unavailable::ReadOnly => "database_read_only",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Unavailable::Down => {
                "The database cannot be reached right now (it may be restarting or failing over). Nothing was saved; please try again in a few seconds."
            }
            Unavailable::ReadOnly => {
                "The database accepts no changes right now (a failover is under way). Nothing was saved; please try again in a few seconds."
            }
        }
    }

    /// Whether a database error means "not now" rather than a fault: connection-level failures,
    /// PostgreSQL shutting down or starting (57P01–57P03, class 08), too many connections
    /// (53300), or a write refused because the server is read-only (25006).
    pub fn of(e: &sqlx::Error) -> Option<Self> {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => Some(Unavailable::Down),
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) => Some(Unavailable::Down),
            // A proxy with no server behind it (HAProxy while a new leader is elected) accepts
            // the connection and closes it: over TLS the first thing read is the answer to the
            // SSLRequest, and that is then not PostgreSQL's (found by the failover drill).
            sqlx::Error::Protocol(m) if m.contains("SSLRequest") => Some(Unavailable::Down),
            sqlx::Error::Database(d) => match d.code().as_deref() {
                Some("25006") => Some(Unavailable::ReadOnly),
                Some("57P01" | "57P02" | "57P03" | "53300") => Some(Unavailable::Down),
                Some(c) if c.starts_with("08") => Some(Unavailable::Down),
                _ => None,
            },
            _ => None,
        }
    }
}

/// An internal error stays internal unless a database error in its chain means "not now".
impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        match e
            .chain()
            .find_map(|c| c.downcast_ref::<sqlx::Error>())
            .and_then(Unavailable::of)
        {
            Some(u) => AppError::Unavailable(u),
            None => AppError::Internal(e),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl From<Vec<FieldError>> for AppError {
    fn from(errors: Vec<FieldError>) -> Self {
        AppError::Validation(errors)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match Unavailable::of(&e) {
            Some(u) => AppError::Unavailable(u),
            None => AppError::Internal(e.into()),
        }
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

    /// The HTTP status number this error stands for.
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::BadRequest { .. } => 400,
            AppError::Unauthorized => 401,
            AppError::PasswordChangeRequired => 303,
            AppError::Forbidden { .. } | AppError::Csrf => 403,
            AppError::NotFound | AppError::Hidden => 404,
            AppError::Conflict { .. } | AppError::Duplicate { .. } => 409,
            AppError::Validation(_) | AppError::Rule { .. } => 422,
            AppError::TooMany { .. } => 429,
            AppError::Busy(_) | AppError::Unavailable(_) => 503,
            AppError::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { .. } => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::Forbidden { code, .. } => code,
            AppError::Csrf => "csrf_token_invalid",
            AppError::NotFound | AppError::Hidden => "not_found",
            AppError::Conflict { code, .. }
            | AppError::Rule { code, .. }
            | AppError::Duplicate { code, .. }
            | AppError::TooMany { code, .. } => code,
            AppError::Validation(_) => "validation_failed",
            AppError::Busy(_) => "busy",
            AppError::Unavailable(u) => u.code(),
            AppError::Internal(_) => "internal_error",
        }
    }

    /// What may be shown to the user: internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "Something went wrong on our side. It has been logged; please try again.".into(),
            AppError::NotFound | AppError::Hidden => {
                "The page or record you asked for does not exist, or you may not see it.".into()
            }
            AppError::Forbidden { message, .. } => message.clone(),
            // Every problem at once, each with its field, when there are several.
            AppError::Validation(errors) if errors.len() > 1 => errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }

    pub fn log(&self) {
        match self {
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            AppError::Unavailable(u) => {
                metrics::counter!("wso_database_unavailable_total", "code" => u.code()).increment(1);
                tracing::warn!(code = u.code(), "database unavailable: answered 503")
            }
            _ => {}
        }
    }

    /// `Retry-After` seconds for a 503 or a 429.
    pub fn retry_after(&self) -> Option<u32> {
        matches!(
            self,
            AppError::Busy(_) | AppError::Unavailable(_) | AppError::TooMany { .. }
        )
        .then_some(Unavailable::RETRY_AFTER_SECS)
    }

    pub fn field_name(&self) -> Option<String> {
        match self {
            AppError::BadRequest { field, .. } | AppError::Rule { field, .. } => field.clone(),
            AppError::Validation(errors) => errors.first().map(|e| e.field.clone()),
            AppError::Duplicate { field, .. } => Some(field.to_string()),
            _ => None,
        }
    }
}

/// An error answered as JSON, for `/api/v1` (rendered in `web/api/error.rs`).
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
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

#[cfg(test)]
mod tests {
    use super::Unavailable;

    #[test]
    fn a_connection_cut_before_tls_is_not_now_and_a_protocol_fault_is_a_fault() {
        let cut = sqlx::Error::Protocol("unexpected response from SSLRequest: 0x00".into());
        assert_eq!(Unavailable::of(&cut), Some(Unavailable::Down));
        let fault = sqlx::Error::Protocol("unexpected message type".into());
        assert_eq!(Unavailable::of(&fault), None);
    }
}
