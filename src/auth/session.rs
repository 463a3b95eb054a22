//! Signed-in users. The session (server-side, in PostgreSQL via tower-sessions) holds the user
//! id, the last time the user did something (by the app clock, so idle expiry is testable),
//! the CSRF token and a one-shot flash message.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::db::{self, users::User};
use crate::domain::Role;
use crate::error::AppError;
use crate::state::AppState;

const AUTH_KEY: &str = "auth";
const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";
/// Sent by `static/live.js` on its automatic refreshes.
pub const LIVE_REFRESH_HEADER: &str = "x-live-refresh";

#[derive(Serialize, Deserialize, Clone, Debug)]
struct AuthData {
    user_id: i64,
    last_seen: DateTime<Utc>,
}

/// The signed-in user of a page request. Extracting it refuses (redirect to `/login`) when no
/// one is signed in, the session has been idle too long, or the account is locked.
pub struct CurrentUser {
    pub user: User,
    pub session: Session,
    pub ip: Option<String>,
}

impl CurrentUser {
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    pub fn id(&self) -> i64 {
        self.user.id
    }
}

pub fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        let Some(auth) = session.get::<AuthData>(AUTH_KEY).await.map_err(session_err)? else {
            return Err(AppError::Unauthorized);
        };
        let now = state.clock.now();
        let ip = client_ip(parts);
        if now - auth.last_seen > Duration::minutes(state.config.session_idle_minutes) {
            session.flush().await.map_err(session_err)?;
            let user = db::users::by_id(&state.db, auth.user_id).await?;
            db::audit::record(
                &state.db,
                db::audit::NewEntry {
                    at: now,
                    recorded_at: now,
                    actor_id: Some(auth.user_id),
                    actor: user.as_ref().map(|u| u.username.as_str()),
                    action: "session_expired",
                    ip,
                    detail: serde_json::json!({ "last_seen": auth.last_seen }),
                    booking_id: None,
                },
            )
            .await?;
            return Err(AppError::Unauthorized);
        }
        let user = match db::users::by_id(&state.db, auth.user_id).await? {
            Some(u) if !u.is_locked() => u,
            _ => {
                session.flush().await.map_err(session_err)?;
                return Err(AppError::Unauthorized);
            }
        };
        // A live page refreshing itself is not the user doing something: it must not keep an
        // unattended session alive past the idle limit.
        // Recorded at most once a minute: a session write on every request would cost more
        // than the page, and a minute is well inside the idle limit's precision.
        let stale = now - auth.last_seen >= Duration::seconds(60);
        if stale && !parts.headers.contains_key(LIVE_REFRESH_HEADER) {
            let seen = AuthData {
                user_id: user.id,
                last_seen: now,
            };
            session.insert(AUTH_KEY, seen).await.map_err(session_err)?;
        }
        Ok(CurrentUser { user, session, ip })
    }
}

fn session_err(e: tower_sessions::session::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("session store: {e}"))
}

/// Signs `user_id` in: a new session id (no fixation), a new CSRF token.
pub async fn sign_in(session: &Session, user_id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_err)?;
    session
        .insert(
            AUTH_KEY,
            AuthData {
                user_id,
                last_seen: now,
            },
        )
        .await
        .map_err(session_err)?;
    session.insert(CSRF_KEY, new_csrf_token()).await.map_err(session_err)?;
    Ok(())
}

pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_err)
}

/// The session's CSRF token, created on first use (anonymous sessions too: the login form).
pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session.get::<String>(CSRF_KEY).await.map_err(session_err)? {
        return Ok(t);
    }
    let t = new_csrf_token();
    session.insert(CSRF_KEY, &t).await.map_err(session_err)?;
    Ok(t)
}

/// The stored token without creating one (a POST must match an existing token).
pub async fn stored_csrf_token(session: &Session) -> Option<String> {
    session.get::<String>(CSRF_KEY).await.ok().flatten()
}

fn new_csrf_token() -> String {
    super::token::to_hex(&super::token::digest(&super::token::generate()))
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Flash {
    pub kind: String,
    pub message: String,
}

pub async fn set_flash(session: &Session, kind: &str, message: impl Into<String>) -> Result<(), AppError> {
    session
        .insert(
            FLASH_KEY,
            Flash {
                kind: kind.into(),
                message: message.into(),
            },
        )
        .await
        .map_err(session_err)
}

/// The flash message, once. Only a session that has one is changed (a remove marks the session
/// for saving, which would cost a database write on every page).
pub async fn take_flash(session: &Session) -> Option<Flash> {
    session.get::<Flash>(FLASH_KEY).await.ok().flatten()?;
    session.remove::<Flash>(FLASH_KEY).await.ok().flatten()
}
