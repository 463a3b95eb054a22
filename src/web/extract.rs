//! What every handler needs from a request, in one place: ids from the path (anything but a
//! number is simply not found), and the acting user as the services see them ([`Acting`]).

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::auth::{ApiUser, CurrentUser};
use crate::error::{ApiError, AppError};
use crate::services::Caller;

/// Who is acting, for the services: a signed-in user or an API token's user.
pub trait Acting {
    fn caller(&self) -> Caller<'_>;
}

impl Acting for CurrentUser {
    fn caller(&self) -> Caller<'_> {
        Caller {
            user: &self.user,
            ip: self.ip.as_deref(),
        }
    }
}

impl Acting for ApiUser {
    fn caller(&self) -> Caller<'_> {
        Caller {
            user: &self.user,
            ip: self.ip.as_deref(),
        }
    }
}

fn number(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// Path extractors for one id (`/bookings/{id}`) and two (`/bookings/{id}/documents/{doc}`),
/// rejecting with `$rejection` (an HTML page, or the API's JSON).
macro_rules! path_ids {
    ($one:ident, $two:ident, $rejection:ty) => {
        /// One numeric id from the path; anything else is a 404.
        pub struct $one(pub i64);

        /// Two numeric ids from the path; anything else is a 404.
        pub struct $two(pub i64, pub i64);

        impl<S: Send + Sync> FromRequestParts<S> for $one {
            type Rejection = $rejection;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
                let Path(raw) = Path::<String>::from_request_parts(parts, state)
                    .await
                    .map_err(|_| AppError::NotFound)?;
                Ok($one(number(&raw)?))
            }
        }

        impl<S: Send + Sync> FromRequestParts<S> for $two {
            type Rejection = $rejection;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
                let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
                    .await
                    .map_err(|_| AppError::NotFound)?;
                Ok($two(number(&a)?, number(&b)?))
            }
        }
    };
}

path_ids!(PathId, PathIds, AppError);

/// A name from the path (`/officers/{username}`, `/facilities/{code}`); one that is not valid
/// UTF-8 once decoded names nothing: a JSON 404, not axum's plain-text 400.
pub struct ApiPathName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiPathName {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        Ok(ApiPathName(name))
    }
}
path_ids!(ApiPathId, ApiPathIds, ApiError);

#[cfg(test)]
mod tests {
    #[test]
    fn only_numbers_are_ids() {
        assert_eq!(super::number("42").unwrap(), 42);
        for raw in ["", "abc", "4 2", "1e3", "99999999999999999999"] {
            assert!(super::number(raw).is_err(), "{raw}");
        }
    }
}
