//! `ApiJson<T>`: the request body, with errors in the API's contract: malformed JSON or a
//! value of the wrong JSON type → 400; a missing or null required field → 422 naming it.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, AppError};

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest {
                message: format!("cannot read the request body: {e}"),
                field: None,
            })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| AppError::BadRequest {
            message: format!("the body is not valid JSON: {e}"),
            field: None,
        })?;
        if !value.is_object() {
            return Err(AppError::BadRequest {
                message: "the body must be a JSON object".into(),
                field: None,
            }
            .into());
        }
        if let Some((path, message)) = control_in(&value, String::new()) {
            return Err(AppError::field(&path, format!("{path} {message}")).into());
        }
        serde_path_to_error::deserialize(value).map(ApiJson).map_err(|e| {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            let field = |name: &str| {
                if path == "." {
                    name.to_string()
                } else {
                    format!("{path}.{name}")
                }
            };
            if let Some(missing) = message
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next())
            {
                AppError::field(&field(missing), format!("{missing} is required")).into()
            } else if message.starts_with("invalid type: null") {
                AppError::field(&path, format!("{path} is required")).into()
            } else {
                AppError::BadRequest {
                    message: format!("{path}: {message}"),
                    field: Some(path),
                }
                .into()
            }
        })
    }
}

/// The first string in the body (key or value) with a control character: its path and why.
fn control_in(value: &serde_json::Value, path: String) -> Option<(String, String)> {
    use crate::domain::input::refuse_control;
    let at = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        serde_json::Value::String(s) => refuse_control(s).map(|m| (path, m)),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| control_in(v, format!("{path}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| match refuse_control(k) {
            Some(m) => Some((at(k), m)),
            None => control_in(v, at(k)),
        }),
        _ => None,
    }
}

/// `ApiQuery<T>`: the query string, with errors in the API's contract: a value of the wrong
/// type (`limit=ten`) → 400 naming the parameter, as JSON (axum's `Query` answers plain text).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(pairs).map(ApiQuery).map_err(|e| {
            let field = e.path().to_string();
            ApiError(AppError::BadRequest {
                message: format!("query parameter {field}: {}", e.inner()),
                field: Some(field),
            })
        })
    }
}
