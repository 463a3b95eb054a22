//! ICE's planned pickup of a case (issue 31): the current plan per case.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::pickup::Plan;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct PickupPlan {
    #[serde(skip)]
    pub booking_id: i64,
    pub planned_at: DateTime<Utc>,
    /// The ICE officer who will come, when known.
    pub officer: Option<String>,
    pub note: Option<String>,
    /// Who recorded the plan (username).
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

impl PickupPlan {
    pub fn plan(&self) -> Plan {
        Plan {
            planned_at: self.planned_at,
        }
    }
}

const SELECT: &str = "SELECT p.booking_id, p.planned_at, p.officer, p.note, u.username AS set_by, p.set_at
                        FROM pickup_plans p JOIN users u ON u.id = p.set_by";

pub async fn get(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<Option<PickupPlan>> {
    sqlx::query_as(&format!("{SELECT} WHERE p.booking_id = $1"))
        .bind(booking_id)
        .fetch_optional(db)
        .await
}

pub async fn for_bookings(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<Vec<PickupPlan>> {
    sqlx::query_as(&format!("{SELECT} WHERE p.booking_id = ANY($1)"))
        .bind(ids)
        .fetch_all(db)
        .await
}

/// Records the plan (replacing the case's current one).
pub async fn set(
    db: impl PgExecutor<'_>,
    booking_id: i64,
    planned_at: DateTime<Utc>,
    officer: Option<&str>,
    note: Option<&str>,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pickup_plans (booking_id, planned_at, officer, note, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (booking_id) DO UPDATE
            SET planned_at = EXCLUDED.planned_at, officer = EXCLUDED.officer, note = EXCLUDED.note,
                set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at",
    )
    .bind(booking_id)
    .bind(planned_at)
    .bind(officer)
    .bind(note)
    .bind(by)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Withdraws the case's plan; whether there was one.
pub async fn clear(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM pickup_plans WHERE booking_id = $1")
        .bind(booking_id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() > 0)
}
