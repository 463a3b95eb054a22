//! Signed-in sessions (`user_sessions`): one row per sign-in, so that a user sees theirs and a
//! password change, a disable or "sign out all other sessions" ends them at once. The session
//! store (tower-sessions) keeps the row's id; a page request finds its user through it.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::users::{SELECT, User};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserSession {
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub now: DateTime<Utc>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn start(db: impl PgExecutor<'_>, s: &NewSession<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO user_sessions (id, user_id, started_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $3, $4, $5)",
    )
    .bind(s.id)
    .bind(s.user_id)
    .bind(s.now)
    .bind(s.ip)
    .bind(s.user_agent.map(|a| a.chars().take(500).collect::<String>()))
    .execute(db)
    .await?;
    Ok(())
}

/// The user of an open session (a page request's).
pub async fn user_of(db: impl PgExecutor<'_>, session_id: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE u.id = (SELECT user_id FROM user_sessions WHERE id = $1 AND ended_at IS NULL) GROUP BY u.id"
    ))
    .bind(session_id)
    .fetch_optional(db)
    .await
}

/// An open session's user with when it started and was last active (for a board stream,
/// which checks the session without being activity itself).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveSession {
    #[sqlx(flatten)]
    pub user: User,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub async fn live(db: impl PgExecutor<'_>, session_id: &str) -> sqlx::Result<Option<LiveSession>> {
    let select = SELECT.replacen("SELECT ", "SELECT s.started_at, s.last_seen_at, ", 1);
    sqlx::query_as(&format!(
        "{} WHERE s.id = $1 AND s.ended_at IS NULL GROUP BY u.id, s.id",
        select.replacen(
            "FROM users u",
            "FROM user_sessions s JOIN users u ON u.id = s.user_id",
            1
        )
    ))
    .bind(session_id)
    .fetch_optional(db)
    .await
}

pub async fn seen(db: impl PgExecutor<'_>, session_id: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE user_sessions SET last_seen_at = $2 WHERE id = $1")
        .bind(session_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends one session; `reason` is a word (`logout`, `idle`, `max_age`...).
pub async fn end(db: impl PgExecutor<'_>, session_id: &str, reason: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE user_sessions SET ended_at = $3, ended_reason = $2 WHERE id = $1 AND ended_at IS NULL")
        .bind(session_id)
        .bind(reason)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every open session of the user except `keep`; returns how many ended.
pub async fn end_all(
    db: impl PgExecutor<'_>,
    user_id: i64,
    keep: Option<&str>,
    reason: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "UPDATE user_sessions SET ended_at = $4, ended_reason = $3
         WHERE user_id = $1 AND ended_at IS NULL AND ($2::text IS NULL OR id <> $2)",
    )
    .bind(user_id)
    .bind(keep)
    .bind(reason)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

/// The user's live sessions (open, seen since `seen_since`, started since `started_since`),
/// most recently seen first. (A session left idle ends without a request to close its row.)
pub async fn open_for(
    db: impl PgExecutor<'_>,
    user_id: i64,
    seen_since: DateTime<Utc>,
    started_since: DateTime<Utc>,
) -> sqlx::Result<Vec<UserSession>> {
    sqlx::query_as(
        "SELECT id, started_at, last_seen_at, ip, user_agent FROM user_sessions
         WHERE user_id = $1 AND ended_at IS NULL AND last_seen_at >= $2 AND started_at >= $3
         ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(seen_since)
    .bind(started_since)
    .fetch_all(db)
    .await
}
