//! The API caller: `Authorization: Bearer TOKEN`, answered 401 (JSON) when missing, unknown,
//! expired or revoked, or when its account is disabled (a lock stops only the web sign-in).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::db::{self, users::User};
use crate::domain::rules::{self, Area};
use crate::error::{ApiError, AppError};
use crate::state::AppState;

#[derive(Clone)]
pub struct ApiUser {
    pub user: User,
    pub ip: Option<String>,
}

impl ApiUser {
    /// Refuses (403) unless the rulebook opens `area` to the caller's role.
    pub fn require(&self, area: Area) -> Result<(), ApiError> {
        rules::may_open(area, self.user.role).map_err(|e| ApiError(e.into()))
    }

    /// Refuses (403) unless the account is the installation's operator (`domain::tenancy`).
    pub fn require_operator(&self) -> Result<(), ApiError> {
        crate::domain::tenancy::may_operate(self.user.role, self.user.operator).map_err(|e| ApiError(e.into()))
    }
}

/// The token of `Authorization: Bearer TOKEN`.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Already found for this request (the Idempotency-Key middleware checks the caller first).
        if let Some(found) = parts.extensions.remove::<ApiUser>() {
            return Ok(found);
        }
        let token = bearer(&parts.headers).ok_or(ApiError(AppError::Unauthorized))?;
        let digest = super::token::digest(token);
        let now = state.clock.now();
        // Expired or revoked tokens and disabled accounts answer 401. A lock (failed sign-ins,
        // which anyone can cause) stops the web sign-in only, not the account's tokens.
        // One statement: the token with its user.
        let caller = super::accounts::caller(state, &digest, now)
            .await?
            .filter(|c| !c.user.is_disabled())
            .ok_or(ApiError(AppError::Unauthorized))?;
        db::tokens::used(&state.db, &caller.token(), now).await?;
        let user = caller.user;
        if let Some(who) = parts.extensions.get::<super::Who>() {
            who.set(&user);
        }
        super::narrow_rows(&state.db, &user).await?;
        Ok(ApiUser {
            user,
            ip: super::session::client_ip(parts),
        })
    }
}
