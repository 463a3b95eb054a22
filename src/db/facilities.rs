use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::types::Zone;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Facility {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub timezone: Zone,
    pub igsa: bool,
    /// Contact printed on the complaint-process notice.
    pub contact: Option<String>,
    pub agreement_start_on: Option<chrono::NaiveDate>,
    pub igsa_daily_rate_cents: Option<i64>,
    pub public_enabled: bool,
    /// The agency that owns it (issue 28).
    pub agency_id: i64,
}

impl Facility {
    /// The zone was validated on the way in and is decoded strictly (`db/encode.rs`).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.0
    }
}

const COLUMNS: &str =
    "id, code, name, timezone, igsa, contact, agreement_start_on, igsa_daily_rate_cents, public_enabled, agency_id";

pub async fn insert(
    db: impl PgExecutor<'_>,
    code: &str,
    name: &str,
    timezone: &str,
    igsa: bool,
    agency_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Facility> {
    sqlx::query_as(&format!(
        "INSERT INTO facilities (code, name, timezone, igsa, created_at, agency_id) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING {COLUMNS}"
    ))
    .bind(code)
    .bind(name)
    .bind(timezone)
    .bind(igsa)
    .bind(now)
    .bind(agency_id)
    .fetch_one(db)
    .await
}

pub async fn all(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Facility>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM facilities ORDER BY code"))
        .fetch_all(db)
        .await
}

/// The facilities given (`None`: every facility), in the order of their codes.
pub async fn chosen(db: impl PgExecutor<'_>, ids: Option<&[i64]>) -> sqlx::Result<Vec<Facility>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM facilities WHERE $1::bigint[] IS NULL OR id = ANY ($1) ORDER BY code"
    ))
    .bind(ids)
    .fetch_all(db)
    .await
}

/// The facilities of one agency (`None`: every agency's).
pub async fn of_agency(db: impl PgExecutor<'_>, agency_id: Option<i64>) -> sqlx::Result<Vec<Facility>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM facilities WHERE $1::bigint IS NULL OR agency_id = $1 ORDER BY code"
    ))
    .bind(agency_id)
    .fetch_all(db)
    .await
}

pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Facility>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM facilities WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_code(db: impl PgExecutor<'_>, code: &str) -> sqlx::Result<Option<Facility>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM facilities WHERE code = $1"))
        .bind(code)
        .fetch_optional(db)
        .await
}

pub async fn igsa_rate(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT igsa_daily_rate_cents FROM facilities WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
}

/// Facility settings kept by admins.
pub async fn update_settings(
    db: impl PgExecutor<'_>,
    id: i64,
    contact: Option<&str>,
    agreement_start_on: Option<chrono::NaiveDate>,
    igsa_daily_rate_cents: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE facilities SET contact = $2, agreement_start_on = $3, igsa_daily_rate_cents = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(contact)
    .bind(agreement_start_on)
    .bind(igsa_daily_rate_cents)
    .execute(db)
    .await?;
    Ok(())
}

/// Turns the public page on or off; returns false when it already was.
pub async fn set_public(db: impl PgExecutor<'_>, id: i64, enabled: bool, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE facilities SET public_enabled = $2, public_changed_at = $3 WHERE id = $1 AND public_enabled <> $2",
    )
    .bind(id)
    .bind(enabled)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn is_public(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT public_enabled FROM facilities WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
}
