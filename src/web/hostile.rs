//! Hostile input gets a clear error and nothing else: a control character (NUL and the other C0
//! characters but tab and line breaks) in a query string is a 422 naming the field, and one in
//! the path (any C0 character or DEL, percent-encoded: `/public/%00`) a 400, before any handler
//! or database sees it. (Form bodies: the CSRF layer, which reads them anyway; JSON bodies:
//! `api/json.rs`; checked text fields: `domain::input`.)

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::input::control_in_pairs;
use crate::error::{ApiError, AppError};

/// Middleware on every route: the path's segments, then the query string.
pub async fn reject_control_characters(request: Request, next: Next) -> Response {
    let bad = control_in_path(request.uri().path()).or_else(|| {
        request
            .uri()
            .query()
            .and_then(|q| control_in_pairs(q.as_bytes()).map(AppError::Validation))
    });
    match bad {
        Some(e) if request.uri().path().starts_with("/api/") => ApiError(e).into_response(),
        Some(e) => e.into_response(),
        None => next.run(request).await,
    }
}

/// A control character that a path carries percent-encoded (a raw one never parses as a URI),
/// as the 400 to answer.
fn control_in_path(path: &str) -> Option<AppError> {
    let bytes = path.as_bytes();
    let byte = bytes.windows(3).find_map(|w| match w {
        [b'%', hi, lo] => {
            let b = u8::from_str_radix(std::str::from_utf8(&[*hi, *lo]).ok()?, 16).ok()?;
            (b < 0x20 || b == 0x7f).then_some(b)
        }
        _ => None,
    })?;
    Some(AppError::BadRequest {
        message: format!("the address contains a control character (%{byte:02X}) in its path, which is not allowed"),
        field: None,
    })
}

#[cfg(test)]
mod tests {
    use super::control_in_path;

    #[test]
    fn encoded_control_characters_in_a_path_are_found() {
        for path in [
            "/public/%00",
            "/api/v1/officers/%00/eligibility",
            "/a/b%1Bc",
            "/x/%7f",
            "/x%0a",
            "/x/%09",
        ] {
            let e = control_in_path(path).unwrap_or_else(|| panic!("{path}"));
            assert!(e.to_string().contains("control character"), "{e}");
        }
        for path in [
            "/",
            "/public/RCDC",
            "/officers/%77so1",
            "/a%20b",
            "/a%2Fb",
            "/%",
            "/%0",
            "/%zz",
            "/%C3%A9",
        ] {
            assert!(control_in_path(path).is_none(), "{path}");
        }
    }
}
