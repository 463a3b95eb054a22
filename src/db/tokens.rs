//! API tokens: only their SHA-256 is stored; each expires, can be revoked, and says when it was
//! last used.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgExecutor;

pub async fn insert(
    db: impl PgExecutor<'_>,
    user_id: i64,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .fetch_one(db)
    .await
}

/// A live token: (token id, user id, last used), as recorded by [`used`].
#[derive(Debug, Clone)]
pub struct Live {
    pub id: i64,
    pub user_id: i64,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A live token with its user (facilities, lock and disable state): what an API request
/// needs to know about its caller, in one statement.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Caller {
    #[sqlx(flatten)]
    pub user: super::users::User,
    pub token_id: i64,
    pub token_last_used_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

impl Caller {
    pub fn token(&self) -> Live {
        Live {
            id: self.token_id,
            user_id: self.user.id,
            last_used_at: self.token_last_used_at,
        }
    }
}

pub async fn caller(db: impl PgExecutor<'_>, token_hash: &[u8], now: DateTime<Utc>) -> sqlx::Result<Option<Caller>> {
    let select = super::users::SELECT.replacen(
        "SELECT ",
        "SELECT t.id AS token_id, t.last_used_at AS token_last_used_at, t.expires_at, ",
        1,
    );
    sqlx::query_as(&format!(
        "{} WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 GROUP BY u.id, t.id",
        select.replacen("FROM users u", "FROM api_tokens t JOIN users u ON u.id = t.user_id", 1)
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Records a use of the token (and of its user's account), at most once a minute.
pub async fn used(db: impl PgExecutor<'_>, token: &Live, now: DateTime<Utc>) -> sqlx::Result<()> {
    if token.last_used_at.is_some_and(|t| now - t < Duration::minutes(1)) {
        return Ok(());
    }
    sqlx::query(
        "WITH t AS (UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 RETURNING user_id)
         UPDATE users SET last_token_use_at = $2 WHERE id = (SELECT user_id FROM t)",
    )
    .bind(token.id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every token of the user, newest first (never the token itself: it is not stored).
pub async fn for_user(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(
        "SELECT id, created_at, expires_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Revokes a token; returns its user's id, or `None` when there is no such live token.
pub async fn revoke(db: impl PgExecutor<'_>, token_id: i64, now: DateTime<Utc>) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING user_id")
        .bind(token_id)
        .bind(now)
        .fetch_optional(db)
        .await
}

/// The owner (id, username) of a live (not revoked) token.
pub async fn live_owner(db: impl PgExecutor<'_>, token_id: i64) -> sqlx::Result<Option<(i64, String)>> {
    sqlx::query_as(
        "SELECT u.id, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.id = $1 AND t.revoked_at IS NULL",
    )
    .bind(token_id)
    .fetch_optional(db)
    .await
}
