//! Wall displays: a facility's board behind a secret path (only its hash is stored).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Display {
    pub id: i64,
    pub facility_id: i64,
    pub facility_code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
}

const SELECT: &str = "SELECT d.id, d.facility_id, f.code AS facility_code, d.name, d.created_at, d.revoked_at,
                             d.last_seen_at
                      FROM displays d JOIN facilities f ON f.id = d.facility_id";

pub async fn insert(
    db: impl PgExecutor<'_>,
    facility_id: i64,
    name: &str,
    token_hash: &[u8; 32],
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO displays (facility_id, name, token_hash, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(facility_id)
    .bind(name)
    .bind(&token_hash[..])
    .bind(created_by)
    .bind(now)
    .fetch_one(db)
    .await
}

/// The displays of the facilities of `agency` (`None`: every agency's).
pub async fn all(db: impl PgExecutor<'_>, agency: Option<i64>) -> sqlx::Result<Vec<Display>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE $1::bigint IS NULL OR f.agency_id = $1 ORDER BY d.revoked_at IS NOT NULL, f.code, d.id"
    ))
    .bind(agency)
    .fetch_all(db)
    .await
}

/// The facility of the live display with this token hash, read through the wall (a display is
/// opened before anyone is known: migration 0029's `wso_display_by_token`).
pub async fn facility_of_token(db: impl PgExecutor<'_>, token_hash: &[u8; 32]) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT facility_id FROM wso_display_by_token($1)")
        .bind(&token_hash[..])
        .fetch_optional(db)
        .await
}

/// The live display with this token hash (under the caller's scope).
pub async fn by_token(db: impl PgExecutor<'_>, token_hash: &[u8; 32]) -> sqlx::Result<Option<Display>> {
    sqlx::query_as(&format!("{SELECT} WHERE d.token_hash = $1 AND d.revoked_at IS NULL"))
        .bind(&token_hash[..])
        .fetch_optional(db)
        .await
}

/// Revokes a live display; `None` when there is no such live display.
pub async fn revoke(db: impl PgExecutor<'_>, id: i64, now: DateTime<Utc>) -> sqlx::Result<Option<Display>> {
    sqlx::query_as(&format!(
        "WITH r AS (UPDATE displays SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING *)
         {}",
        SELECT.replace("FROM displays d", "FROM r d")
    ))
    .bind(id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Notes a use of the display from `address`; true when it is the first from that address.
pub async fn seen(db: impl PgExecutor<'_>, id: i64, address: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "WITH touch AS (UPDATE displays SET last_seen_at = $3
                       WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < $3 - interval '1 minute')),
              new AS (INSERT INTO display_addresses (display_id, address, first_seen_at) VALUES ($1, $2, $3)
                      ON CONFLICT DO NOTHING RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM new)",
    )
    .bind(id)
    .bind(address)
    .bind(now)
    .fetch_one(db)
    .await
}
