use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

pub async fn insert(db: impl PgExecutor<'_>, user_id: i64, token_hash: &[u8], now: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(user_id)
        .bind(token_hash)
        .bind(now)
        .fetch_one(db)
        .await
}

/// The user a token hash belongs to.
pub async fn user_id_for(db: impl PgExecutor<'_>, token_hash: &[u8]) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(db)
        .await
}
