//! The write of each step of a case (the booking row's new state); the step's rules are in
//! `domain::rules` and `domain::case`, the transaction and the lock in `services::case`.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::case::Served;
use crate::domain::types::{ReleasePointReason, ReleaseReason, Status};

pub async fn set_release_point(
    db: impl PgExecutor<'_>,
    id: i64,
    at: DateTime<Utc>,
    reason: ReleasePointReason,
    note: Option<&str>,
    status: Status,
) -> sqlx::Result<()> {
    // Released at the point of release (no warrant in force): the case closes then.
    let closed_at = status.is_closed().then_some(at);
    sqlx::query!(
        "UPDATE bookings SET release_point_at = $2, release_point_reason = $3, release_point_note = $4, status = $5,
                closed_at = $6
         WHERE id = $1",
        id,
        at as _,
        reason as _,
        note,
        status as _,
        closed_at as _
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_served(
    db: impl PgExecutor<'_>,
    id: i64,
    at: DateTime<Utc>,
    document_id: i64,
    by: i64,
    served: Served,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE bookings SET status = $6, served_at = $2, served_document_id = $3, served_by = $4, custody_deadline = $5
         WHERE id = $1",
        id,
        at as _,
        document_id,
        by,
        served.deadline as _,
        served.status as _
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_transferred(
    db: impl PgExecutor<'_>,
    id: i64,
    at: DateTime<Utc>,
    receiving_officer: &str,
    late_reason: Option<&str>,
    over_detained_seconds: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE bookings SET status = $6, closed_at = $2, receiving_officer = $3, late_reason = $4,
                over_detained_seconds = $5
         WHERE id = $1",
        id,
        at as _,
        receiving_officer,
        late_reason,
        over_detained_seconds,
        Status::Transferred as _
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_released(
    db: impl PgExecutor<'_>,
    id: i64,
    at: DateTime<Utc>,
    reason: ReleaseReason,
    note: Option<&str>,
    over_detained_seconds: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE bookings SET status = $6, closed_at = $2, release_reason = $3, release_note = $4,
                over_detained_seconds = $5
         WHERE id = $1",
        id,
        at as _,
        reason as _,
        note,
        over_detained_seconds,
        Status::Released as _
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_igsa_hold(db: impl PgExecutor<'_>, id: i64, at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE bookings SET status = $3, igsa_at = $2 WHERE id = $1",
        id,
        at as _,
        Status::IgsaHold as _
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The interpreter used at the service.
pub async fn set_served_interpreter(db: impl PgExecutor<'_>, booking_id: i64, interpreter_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE bookings SET served_interpreter_id = $2 WHERE id = $1",
        booking_id,
        interpreter_id
    )
    .execute(db)
    .await?;
    Ok(())
}
