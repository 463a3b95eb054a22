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
