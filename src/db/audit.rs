//! The append-only audit log. Only INSERT and SELECT exist here; the database refuses the rest.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgExecutor;

/// One entry. `at` is when it happened, `recorded_at` when it was entered.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub ip: Option<String>,
    pub detail: Value,
    /// The case this entry is an event of.
    pub booking_id: Option<i64>,
}

pub async fn record(db: impl PgExecutor<'_>, e: NewEntry<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, recorded_at, actor_id, actor, action, ip, detail, booking_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.at)
    .bind(e.recorded_at)
    .bind(e.actor_id)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.ip)
    .bind(e.detail)
    .bind(e.booking_id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub ip: Option<String>,
    pub detail: Value,
}

pub async fn recent(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as("SELECT id, at, recorded_at, actor, action, ip, detail FROM audit_log ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(db)
        .await
}

/// A case's events in the order they happened.
pub async fn for_booking(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as(
        "SELECT id, at, recorded_at, actor, action, ip, detail FROM audit_log WHERE booking_id = $1 ORDER BY at, id",
    )
    .bind(booking_id)
    .fetch_all(db)
    .await
}

pub async fn last_id_for_booking(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT max(id) FROM audit_log WHERE booking_id = $1")
        .bind(booking_id)
        .fetch_one(db)
        .await
}
