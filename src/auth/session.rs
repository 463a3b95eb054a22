//! Signed-in users. The session (server-side, in PostgreSQL via tower-sessions) holds the user
//! id and their `user_sessions` row, when it started and the last time the user did something
//! (by the app clock, so idle and maximum age are testable), the CSRF token and a one-shot flash
//! message; between password and second factor it holds only a [`Pending`] step.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::db::{self, users::User};
use crate::domain::rules::{self, Area};
use crate::error::AppError;
use crate::state::AppState;

const AUTH_KEY: &str = "auth";
const PENDING_KEY: &str = "pending";
const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";
/// Sent by `static/live.js` on its automatic refreshes.
pub const LIVE_REFRESH_HEADER: &str = "x-live-refresh";

#[derive(Serialize, Deserialize, Clone, Debug)]
struct AuthData {
    user_id: i64,
    /// The `user_sessions` row: ending it ends this session at once.
    sid: String,
    started_at: DateTime<Utc>,
    last_seen: DateTime<Utc>,
}

/// Between a correct password and a correct second factor: the session holds no signed-in
/// identity, only this, and no page but the second step accepts it.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Pending {
    pub user_id: i64,
    pub stage: PendingStage,
    pub since: DateTime<Utc>,
    /// The secret being enrolled (shown once on the setup page, stored when confirmed).
    pub setup_secret: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingStage {
    /// Enter a TOTP or recovery code.
    Code,
    /// Enrol an authenticator first.
    Setup,
}

/// How long a password stays good for its second step.
pub const PENDING_MINUTES: i64 = 10;

/// A signed-in user, whether or not they must still change their password (only the password
/// page and sign-out take this; every other page takes [`CurrentUser`]).
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    pub ip: Option<String>,
    /// The `user_sessions` row of this session.
    pub sid: String,
}

/// The signed-in user of a page request. Extracting it refuses (redirect to `/login`) when no
/// one is signed in, the session has ended (idle, too old, signed out elsewhere), or the account
/// is disabled (a lock stops new sign-ins only); and sends a user who must change their password
/// to that page.
pub struct CurrentUser {
    pub user: User,
    pub session: Session,
    pub ip: Option<String>,
    pub sid: String,
}

impl CurrentUser {
    /// Refuses (403) unless the rulebook opens `area` to the user's role.
    pub fn require(&self, area: Area) -> Result<(), AppError> {
        Ok(rules::may_open(area, self.user.role)?)
    }

    pub fn id(&self) -> i64 {
        self.user.id
    }
}

/// The client's address: as resolved by `web::client::client_address` (`crate::net`, trusted
/// proxies), else the TCP peer.
pub fn client_ip(parts: &Parts) -> Option<String> {
    if let Some(addr) = parts.extensions.get::<crate::net::ClientAddr>() {
        return addr.0.map(|ip| ip.to_string());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// A request a page makes by itself: live.js's refresh, or a board stream (an `EventSource`
/// cannot set headers but asks for `text/event-stream`). Neither is the user doing something.
fn is_live(parts: &Parts) -> bool {
    parts.headers.contains_key(LIVE_REFRESH_HEADER)
        || parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/event-stream"))
}

async fn expire(state: &AppState, session: &Session, auth: &AuthData, reason: &str, ip: Option<String>) -> AppError {
    let now = state.clock.now();
    if let Err(e) = session.flush().await {
        return session_err(e);
    }
    if let Err(e) = db::sessions::end(&state.db, &auth.sid, reason, now).await {
        return e.into();
    }
    let user = db::users::by_id(&state.db, auth.user_id).await.ok().flatten();
    let entry = db::audit::NewEntry {
        at: now,
        recorded_at: now,
        actor_id: Some(auth.user_id),
        actor: user.as_ref().map(|u| u.username.as_str()),
        action: "session_expired",
        ip,
        detail: serde_json::json!({ "last_seen": auth.last_seen, "started_at": auth.started_at, "reason": reason }),
        booking_id: None,
    };
    match db::audit::record(&state.db, entry).await {
        Ok(_) => AppError::Unauthorized,
        Err(e) => e.into(),
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        // A session written by an older version (another shape) is simply not signed in; a
        // store that does not answer is the database away (503), not a sign-out.
        let auth = match session.get::<AuthData>(AUTH_KEY).await {
            Ok(Some(auth)) => auth,
            Ok(None) | Err(tower_sessions::session::Error::SerdeJson(_)) => return Err(AppError::Unauthorized),
            Err(e) => return Err(session_err(e)),
        };
        let now = state.clock.now();
        let ip = client_ip(parts);
        if now - auth.last_seen > Duration::minutes(state.config.session_idle_minutes) {
            return Err(expire(state, &session, &auth, "idle", ip).await);
        }
        if now - auth.started_at > Duration::hours(state.config.session_max_hours) {
            return Err(expire(state, &session, &auth, "max_age", ip).await);
        }
        let user = match super::accounts::session_user(state, &auth.sid).await? {
            // A lock (failed sign-ins, which anyone can cause) stops new sign-ins only: a
            // session already signed in goes on; disabling ends it.
            Some(u) if !u.is_disabled() => u,
            _ => {
                session.flush().await.map_err(session_err)?;
                return Err(AppError::Unauthorized);
            }
        };
        if let Some(who) = parts.extensions.get::<super::Who>() {
            who.set(&user);
        }
        super::narrow_rows(&state.db, &user).await?;
        // A live page refreshing itself is not the user doing something: it must not keep an
        // unattended session alive past the idle limit.
        // Recorded at most once a minute: a session write on every request would cost more
        // than the page, and a minute is well inside the idle limit's precision.
        let stale = now - auth.last_seen >= Duration::seconds(60);
        if stale && !is_live(parts) {
            let seen = AuthData {
                last_seen: now,
                ..auth.clone()
            };
            session.insert(AUTH_KEY, seen).await.map_err(session_err)?;
            db::sessions::seen(&state.db, &auth.sid, now).await?;
        }
        Ok(SignedIn {
            user,
            session,
            ip,
            sid: auth.sid,
        })
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let s = SignedIn::from_request_parts(parts, state).await?;
        if s.user.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(CurrentUser {
            user: s.user,
            session: s.session,
            ip: s.ip,
            sid: s.sid,
        })
    }
}

/// The user a session was signed in as, even if it has since gone idle (for a draft: whose
/// typed work it is).
pub async fn user_id_of(session: &Session) -> Option<i64> {
    session
        .get::<AuthData>(AUTH_KEY)
        .await
        .ok()
        .flatten()
        .map(|a| a.user_id)
}

pub fn store_err(e: tower_sessions::session::Error) -> AppError {
    session_err(e)
}

/// The session store is PostgreSQL: a backend error is the database not answering (or refusing
/// writes), a 503 like any other; an encoding error is ours.
fn session_err(e: tower_sessions::session::Error) -> AppError {
    use tower_sessions::session::Error;
    use tower_sessions::session_store::Error as Store;
    match &e {
        Error::Store(Store::Backend(m)) if m.contains("read-only") => {
            AppError::Unavailable(crate::error::Unavailable::ReadOnly)
        }
        Error::Store(Store::Backend(_)) => AppError::Unavailable(crate::error::Unavailable::Down),
        _ => AppError::Internal(anyhow::anyhow!("session store: {e}")),
    }
}

/// Signs `user_id` in: a new session id (no fixation), a new CSRF token, and the
/// `user_sessions` row `sid` (written by the caller, in its transaction).
pub async fn sign_in(session: &Session, user_id: i64, sid: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_err)?;
    session.remove::<Pending>(PENDING_KEY).await.map_err(session_err)?;
    let auth = AuthData {
        user_id,
        sid: sid.to_string(),
        started_at: now,
        last_seen: now,
    };
    session.insert(AUTH_KEY, auth).await.map_err(session_err)?;
    session.insert(CSRF_KEY, new_csrf_token()).await.map_err(session_err)?;
    Ok(())
}

/// A correct password, a second step to go: a new session id, a CSRF token for the step's form.
pub async fn start_pending(session: &Session, pending: &Pending) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_err)?;
    // Whoever was signed in on this browser is not any more.
    session.remove::<AuthData>(AUTH_KEY).await.map_err(session_err)?;
    session.insert(PENDING_KEY, pending).await.map_err(session_err)?;
    session.insert(CSRF_KEY, new_csrf_token()).await.map_err(session_err)?;
    Ok(())
}

/// The pending second step, unless it is older than [`PENDING_MINUTES`].
pub async fn pending(session: &Session, now: DateTime<Utc>) -> Result<Option<Pending>, AppError> {
    let p = session.get::<Pending>(PENDING_KEY).await.map_err(session_err)?;
    Ok(p.filter(|p| now - p.since <= Duration::minutes(PENDING_MINUTES)))
}

pub async fn set_pending(session: &Session, pending: &Pending) -> Result<(), AppError> {
    session.insert(PENDING_KEY, pending).await.map_err(session_err)
}

pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_err)
}

/// The session's CSRF token, created on first use. (The login form of an anonymous visitor
/// uses a cookie instead, so that looking at `/login` stores nothing: `auth/csrf.rs`.)
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

pub fn new_csrf_token() -> String {
    super::token::random_hex()
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Flash {
    pub kind: String,
    pub message: String,
    /// A page the message is about (e.g. the record of the person just released).
    #[serde(default)]
    pub link: Option<String>,
}

pub async fn set_flash(session: &Session, kind: &str, message: impl Into<String>) -> Result<(), AppError> {
    set_flash_link(session, kind, message, None).await
}

pub async fn set_flash_link(
    session: &Session,
    kind: &str,
    message: impl Into<String>,
    link: Option<String>,
) -> Result<(), AppError> {
    let flash = Flash {
        kind: kind.into(),
        message: message.into(),
        link,
    };
    session.insert(FLASH_KEY, flash).await.map_err(session_err)
}

/// The flash message, once. Only a session that has one is changed (a remove marks the session
/// for saving, which would cost a database write on every page).
pub async fn take_flash(session: &Session) -> Option<Flash> {
    session.get::<Flash>(FLASH_KEY).await.ok().flatten()?;
    session.remove::<Flash>(FLASH_KEY).await.ok().flatten()
}
