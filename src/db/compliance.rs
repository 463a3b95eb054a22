//! The facts of the compliance report that no other module reads: services with their first
//! post-service notice, citizenship claims, and holds past the deadline, each for one facility
//! and period in one statement.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::types::NotificationKind;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Service {
    pub id: i64,
    pub served_at: DateTime<Utc>,
    pub served_by: i64,
    pub served_interpreter_id: Option<i64>,
    /// The first post-service notice to ICE.
    pub notified_at: Option<DateTime<Utc>>,
}

/// Warrant services at the facility in [`start`, `end`).
pub async fn services(
    db: impl PgExecutor<'_>,
    facility_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sqlx::Result<Vec<Service>> {
    sqlx::query_as(
        "SELECT b.id, b.served_at, b.served_by, b.served_interpreter_id,
                (SELECT min(n.at) FROM ice_notifications n WHERE n.booking_id = b.id AND n.kind = $4) AS notified_at
         FROM bookings b WHERE b.facility_id = $1 AND b.served_at >= $2 AND b.served_at < $3 ORDER BY b.served_at",
    )
    .bind(facility_id)
    .bind(start)
    .bind(end)
    .bind(NotificationKind::PostService)
    .fetch_all(db)
    .await
}

/// (claim id, booking id, report due at, reported at, interpreter id)
pub type ClaimFacts = (i64, i64, DateTime<Utc>, Option<DateTime<Utc>>, Option<i64>);

/// Citizenship claims made at the facility in [`start`, `end`).
pub async fn claims(
    db: impl PgExecutor<'_>,
    facility_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sqlx::Result<Vec<ClaimFacts>> {
    sqlx::query_as(
        "SELECT c.id, c.booking_id, c.report_due_at, c.reported_at, c.interpreter_id
         FROM citizenship_claims c JOIN bookings b ON b.id = c.booking_id
         WHERE b.facility_id = $1 AND c.claimed_at >= $2 AND c.claimed_at < $3 ORDER BY c.claimed_at",
    )
    .bind(facility_id)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await
}

/// (booking id, seconds held past the deadline) of cases closed in [`start`, `end`) late.
pub async fn holds_past_deadline(
    db: impl PgExecutor<'_>,
    facility_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(
        "SELECT id, over_detained_seconds FROM bookings WHERE facility_id = $1 AND over_detained_seconds > 0
           AND closed_at >= $2 AND closed_at < $3 ORDER BY closed_at",
    )
    .bind(facility_id)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await
}
