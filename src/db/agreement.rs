//! Complaints, disclosures and annual reviews: facility-level records of the agreement.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;

use crate::domain::types::Zone;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Complaint {
    pub id: i64,
    pub facility_id: i64,
    pub facility: String,
    pub facility_timezone: Zone,
    pub received_at: DateTime<Utc>,
    pub complainant: String,
    pub officers: Vec<String>,
    pub summary: String,
    pub received_by: String,
    pub ice_due_at: DateTime<Utc>,
    pub ice_notified_at: Option<DateTime<Utc>>,
    pub ice_method: Option<String>,
    pub ice_contact: Option<String>,
    pub outcome_at: Option<DateTime<Utc>>,
    pub outcome_summary: Option<String>,
    pub outcome_reported_to_ice_at: Option<DateTime<Utc>>,
}

impl Complaint {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.facility_timezone.0
    }
}

const COMPLAINT: &str =
    "SELECT c.id, c.facility_id, f.code AS facility, f.timezone AS facility_timezone, c.received_at, c.complainant,
        c.officers, c.summary, u.username AS received_by, c.ice_due_at, c.ice_notified_at, c.ice_method, c.ice_contact,
        c.outcome_at, c.outcome_summary, c.outcome_reported_to_ice_at
    FROM complaints c JOIN facilities f ON f.id = c.facility_id JOIN users u ON u.id = c.received_by";

#[allow(clippy::too_many_arguments)]
pub async fn insert_complaint(
    db: impl PgExecutor<'_>,
    facility_id: i64,
    received_at: DateTime<Utc>,
    complainant: &str,
    officers: &[String],
    summary: &str,
    ice_due_at: DateTime<Utc>,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO complaints (facility_id, received_at, complainant, officers, summary, ice_due_at, received_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(facility_id)
    .bind(received_at)
    .bind(complainant)
    .bind(officers)
    .bind(summary)
    .bind(ice_due_at)
    .bind(by)
    .bind(now)
    .fetch_one(db)
    .await
}

pub async fn complaint(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Complaint>> {
    sqlx::query_as(&format!("{COMPLAINT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Whether the complaint `id` exists at all, beyond the caller's row scope (see
/// `bookings::exists_anywhere`).
pub async fn complaint_exists_anywhere(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT wso_exists_beyond_scope('complaint', $1)")
        .bind(id)
        .fetch_one(db)
        .await
}

pub async fn lock_complaint(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Complaint>> {
    sqlx::query_as(&format!("{COMPLAINT} WHERE c.id = $1 FOR UPDATE OF c"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Locks a complaint not yet sent to ICE, unless another process holds it (then `false`).
pub async fn try_lock_open_complaint(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<bool> {
    let free: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM complaints WHERE id = $1 AND ice_notified_at IS NULL FOR UPDATE SKIP LOCKED",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(free.is_some())
}

pub async fn complaints(db: impl PgExecutor<'_>, facility_ids: Option<&[i64]>) -> sqlx::Result<Vec<Complaint>> {
    sqlx::query_as(&format!(
        "{COMPLAINT} WHERE ($1::bigint[] IS NULL OR c.facility_id = ANY($1)) ORDER BY (c.outcome_at IS NULL) DESC, c.ice_due_at, c.id"
    ))
    .bind(facility_ids)
    .fetch_all(db)
    .await
}

pub async fn open_complaints(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Complaint>> {
    sqlx::query_as(&format!(
        "{COMPLAINT} WHERE c.ice_notified_at IS NULL ORDER BY c.ice_due_at"
    ))
    .fetch_all(db)
    .await
}

pub async fn complaint_notified(
    db: impl PgExecutor<'_>,
    id: i64,
    at: DateTime<Utc>,
    method: &str,
    contact: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE complaints SET ice_notified_at = $2, ice_method = $3, ice_contact = $4 WHERE id = $1")
        .bind(id)
        .bind(at)
        .bind(method)
        .bind(contact)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn complaint_outcome(
    db: impl PgExecutor<'_>,
    id: i64,
    at: DateTime<Utc>,
    summary: &str,
    reported: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE complaints SET outcome_at = $2, outcome_summary = $3, outcome_reported_to_ice_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(summary)
    .bind(reported)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Disclosure {
    pub id: i64,
    pub facility: String,
    pub what: String,
    pub recipient: String,
    pub requested_on: NaiveDate,
    pub clearance_requested_on: Option<NaiveDate>,
    pub cleared_on: Option<NaiveDate>,
    pub released_on: Option<NaiveDate>,
    pub early_release_reason: Option<String>,
    /// Released before ICE cleared it (allowed only with a written reason).
    pub released_before_clearance: bool,
}

pub struct NewDisclosure<'a> {
    pub facility_id: i64,
    pub what: &'a str,
    pub recipient: &'a str,
    pub requested_on: NaiveDate,
    pub clearance_requested_on: Option<NaiveDate>,
    pub cleared_on: Option<NaiveDate>,
    pub released_on: Option<NaiveDate>,
    pub early_release_reason: Option<&'a str>,
}

pub async fn insert_disclosure(
    db: impl PgExecutor<'_>,
    d: &NewDisclosure<'_>,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO disclosures (facility_id, what, recipient, requested_on, clearance_requested_on, cleared_on, released_on,
                                  early_release_reason, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(d.facility_id)
    .bind(d.what)
    .bind(d.recipient)
    .bind(d.requested_on)
    .bind(d.clearance_requested_on)
    .bind(d.cleared_on)
    .bind(d.released_on)
    .bind(d.early_release_reason)
    .bind(by)
    .bind(now)
    .fetch_one(db)
    .await
}

pub async fn disclosures(db: impl PgExecutor<'_>, facility_ids: Option<&[i64]>) -> sqlx::Result<Vec<Disclosure>> {
    sqlx::query_as(
        "SELECT d.id, f.code AS facility, d.what, d.recipient, d.requested_on, d.clearance_requested_on, d.cleared_on, d.released_on,
                d.early_release_reason,
                (d.released_on IS NOT NULL AND (d.cleared_on IS NULL OR d.released_on < d.cleared_on)) AS released_before_clearance
         FROM disclosures d JOIN facilities f ON f.id = d.facility_id
         WHERE ($1::bigint[] IS NULL OR d.facility_id = ANY($1)) ORDER BY d.requested_on DESC, d.id DESC",
    )
    .bind(facility_ids)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Review {
    pub id: i64,
    pub facility: String,
    pub held_on: NaiveDate,
    pub attendees: String,
    pub notes: Option<String>,
}

pub async fn insert_review(
    db: impl PgExecutor<'_>,
    facility_id: i64,
    held_on: NaiveDate,
    attendees: &str,
    notes: Option<&str>,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO annual_reviews (facility_id, held_on, attendees, notes, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(facility_id)
    .bind(held_on)
    .bind(attendees)
    .bind(notes)
    .bind(by)
    .bind(now)
    .fetch_one(db)
    .await
}

pub async fn reviews(db: impl PgExecutor<'_>, facility_ids: Option<&[i64]>) -> sqlx::Result<Vec<Review>> {
    sqlx::query_as(
        "SELECT r.id, f.code AS facility, r.held_on, r.attendees, r.notes FROM annual_reviews r JOIN facilities f ON f.id = r.facility_id
         WHERE ($1::bigint[] IS NULL OR r.facility_id = ANY($1)) ORDER BY r.held_on DESC, r.id DESC",
    )
    .bind(facility_ids)
    .fetch_all(db)
    .await
}

/// Per facility: the date the next review is measured from (last review, else agreement start).
pub async fn review_baselines(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(i64, String, Zone, NaiveDate)>> {
    sqlx::query_as(
        "SELECT f.id, f.code, f.timezone, coalesce((SELECT max(held_on) FROM annual_reviews r WHERE r.facility_id = f.id), f.agreement_start_on)
         FROM facilities f
         WHERE EXISTS (SELECT 1 FROM annual_reviews r WHERE r.facility_id = f.id) OR f.agreement_start_on IS NOT NULL",
    )
    .fetch_all(db)
    .await
}
