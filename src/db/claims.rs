//! Citizenship claims and their report to ICE.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::claims::ClaimFacts;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Claim {
    pub id: i64,
    pub booking_id: i64,
    pub claimed_at: DateTime<Utc>,
    pub how: String,
    pub document: Option<String>,
    pub interpreter_id: Option<i64>,
    pub report_due_at: DateTime<Utc>,
    pub reported_at: Option<DateTime<Utc>>,
    pub report_method: Option<String>,
    pub report_contact: Option<String>,
    pub report_response: Option<String>,
}

impl Claim {
    /// What the claim rules need to know of it.
    pub fn facts(&self) -> ClaimFacts {
        ClaimFacts {
            claimed_at: self.claimed_at,
            report_due_at: self.report_due_at,
            reported_at: self.reported_at,
        }
    }
}

/// A claim to record; `report_due_at` from `domain::claims::record`.
pub struct NewClaim<'a> {
    pub booking_id: i64,
    pub claimed_at: DateTime<Utc>,
    pub how: &'a str,
    pub document: Option<&'a str>,
    pub interpreter_id: Option<i64>,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
    pub report_due_at: DateTime<Utc>,
}

pub async fn insert_claim(db: impl PgExecutor<'_>, c: &NewClaim<'_>) -> sqlx::Result<Claim> {
    sqlx::query_as!(
        Claim,
        r#"INSERT INTO citizenship_claims (booking_id, claimed_at, how, document, interpreter_id, recorded_by, recorded_at, report_due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, booking_id, claimed_at AS "claimed_at: DateTime<Utc>", how, document, interpreter_id, report_due_at AS "report_due_at: DateTime<Utc>", reported_at AS "reported_at: DateTime<Utc>", report_method, report_contact, report_response"#,
        c.booking_id,
        c.claimed_at as _,
        c.how,
        c.document,
        c.interpreter_id,
        c.recorded_by,
        c.recorded_at as _,
        c.report_due_at as _,
    )
    .fetch_one(db)
    .await
}

/// Whether any claim of the booking is still unreported.
pub async fn any_unreported(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM citizenship_claims WHERE booking_id = $1 AND reported_at IS NULL) AS "unreported!""#,
        booking_id
    )
    .fetch_one(db)
    .await
}

pub async fn claims(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<Vec<Claim>> {
    sqlx::query_as!(
        Claim,
        r#"SELECT id, booking_id, claimed_at AS "claimed_at: DateTime<Utc>", how, document, interpreter_id, report_due_at AS "report_due_at: DateTime<Utc>", reported_at AS "reported_at: DateTime<Utc>", report_method, report_contact, report_response
         FROM citizenship_claims WHERE booking_id = $1 ORDER BY claimed_at DESC, id DESC"#,
        booking_id
    )
    .fetch_all(db)
    .await
}

/// The latest claim of each booking among `ids`.
pub async fn latest_claims(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<Claim>> {
    sqlx::query_as!(
        Claim,
        r#"SELECT DISTINCT ON (booking_id)
                id, booking_id, claimed_at AS "claimed_at: DateTime<Utc>", how, document, interpreter_id, report_due_at AS "report_due_at: DateTime<Utc>", reported_at AS "reported_at: DateTime<Utc>", report_method, report_contact, report_response
         FROM citizenship_claims WHERE booking_id = ANY($1)
         ORDER BY booking_id, claimed_at DESC, id DESC"#,
        ids
    )
    .fetch_all(db)
    .await
}

/// Bookings among `ids` with any citizenship claim.
pub async fn flagged(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "SELECT DISTINCT booking_id FROM citizenship_claims WHERE booking_id = ANY($1)",
        ids
    )
    .fetch_all(db)
    .await
}

pub async fn report_claim(
    db: impl PgExecutor<'_>,
    claim_id: i64,
    at: DateTime<Utc>,
    method: &str,
    contact: &str,
    response: Option<&str>,
    by: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE citizenship_claims SET reported_at = $2, report_method = $3, report_contact = $4, report_response = $5, reported_by = $6
         WHERE id = $1 AND reported_at IS NULL",
        claim_id,
        at as _,
        method,
        contact,
        response,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Unreported claims of open cases, for the watcher.
pub async fn unreported_claims(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Claim>> {
    sqlx::query_as!(
        Claim,
        r#"SELECT id, booking_id, claimed_at AS "claimed_at: DateTime<Utc>", how, document, interpreter_id, report_due_at AS "report_due_at: DateTime<Utc>", reported_at AS "reported_at: DateTime<Utc>", report_method, report_contact, report_response
         FROM citizenship_claims WHERE reported_at IS NULL ORDER BY report_due_at"#
    )
    .fetch_all(db)
    .await
}
