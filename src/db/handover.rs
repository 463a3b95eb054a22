//! What a shift handover reads (`services::handover`): one facility's open items coming due and
//! what happened in a period, each as (time, booking number, kind), and its shift start times.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::PgExecutor;

use crate::domain::types::{NotificationKind, Status};

/// A row of a handover: when, which case (or officer), and which kind of item.
pub type Row = (DateTime<Utc>, Option<String>, &'static str);

pub async fn shift_starts(db: impl PgExecutor<'_>, facility_id: i64) -> sqlx::Result<Vec<NaiveTime>> {
    sqlx::query_scalar("SELECT shift_starts FROM facilities WHERE id = $1")
        .bind(facility_id)
        .fetch_one(db)
        .await
}

pub async fn set_shift_starts(db: impl PgExecutor<'_>, facility_id: i64, starts: &[NaiveTime]) -> sqlx::Result<()> {
    sqlx::query("UPDATE facilities SET shift_starts = $2 WHERE id = $1")
        .bind(facility_id)
        .bind(starts)
        .execute(db)
        .await?;
    Ok(())
}

/// The running holds: booking number, served at, deadline, whether ICE was told of the service,
/// the planned pickup.
pub type Hold = (String, DateTime<Utc>, DateTime<Utc>, bool, Option<DateTime<Utc>>);

pub async fn holds(db: impl PgExecutor<'_>, facility_id: i64) -> sqlx::Result<Vec<Hold>> {
    sqlx::query_as(
        "SELECT b.booking_number, b.served_at, b.custody_deadline,
                EXISTS (SELECT 1 FROM ice_notifications n WHERE n.booking_id = b.id AND n.kind = $3),
                (SELECT p.planned_at FROM pickup_plans p WHERE p.booking_id = b.id)
           FROM bookings b
          WHERE b.facility_id = $1 AND b.status = $2 AND b.custody_deadline IS NOT NULL",
    )
    .bind(facility_id)
    .bind(Status::WsoHold)
    .bind(NotificationKind::PostService)
    .fetch_all(db)
    .await
}

/// Claims not reported and complaints not sent to ICE, due before `until`.
pub async fn open_duties(
    db: impl PgExecutor<'_> + Copy,
    facility_id: i64,
    until: DateTime<Utc>,
) -> sqlx::Result<Vec<Row>> {
    let claims: Vec<(DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "SELECT c.report_due_at, b.booking_number FROM citizenship_claims c JOIN bookings b ON b.id = c.booking_id
          WHERE b.facility_id = $1 AND c.reported_at IS NULL AND c.report_due_at < $2",
    )
    .bind(facility_id)
    .bind(until)
    .fetch_all(db)
    .await?;
    let complaints: Vec<(DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "SELECT ice_due_at, NULL::text FROM complaints WHERE facility_id = $1 AND ice_notified_at IS NULL AND ice_due_at < $2",
    )
    .bind(facility_id)
    .bind(until)
    .fetch_all(db)
    .await?;
    let mut rows: Vec<Row> = claims.into_iter().map(|(at, b)| (at, b, "claim")).collect();
    rows.extend(complaints.into_iter().map(|(at, b)| (at, b, "complaint")));
    Ok(rows)
}

/// The facility's officers whose latest unrevoked certification ends from `today` to before
/// `by` (its last valid day, a date in the facility's zone), with that day. A renewed one is not
/// listed.
pub async fn expiring_certifications(
    db: impl PgExecutor<'_>,
    facility_id: i64,
    (today, by): (NaiveDate, NaiveDate),
) -> sqlx::Result<Vec<(NaiveDate, String)>> {
    sqlx::query_as(
        "SELECT latest.expires_on, latest.username FROM (
             SELECT DISTINCT ON (u.id) c.expires_on, u.username
               FROM wso_certifications c
               JOIN users u ON u.id = c.user_id AND u.disabled_at IS NULL
               JOIN user_facilities uf ON uf.user_id = u.id AND uf.facility_id = $1
              WHERE c.revoked_at IS NULL
              ORDER BY u.id, c.expires_on DESC) latest
          WHERE latest.expires_on >= $2 AND latest.expires_on < $3",
    )
    .bind(facility_id)
    .bind(today)
    .bind(by)
    .fetch_all(db)
    .await
}

/// A case's steps of a period: booking number, served at, closed at, status, seconds held past
/// the deadline.
type Step = (String, Option<DateTime<Utc>>, Option<DateTime<Utc>>, Status, i64);

/// What happened from `from` to `to`: services, transfers and releases (late when the person
/// was held past the deadline), claims reported late.
pub async fn happened(
    db: impl PgExecutor<'_> + Copy,
    facility_id: i64,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> sqlx::Result<Vec<Row>> {
    let steps: Vec<Step> = sqlx::query_as(
        "SELECT booking_number, served_at, closed_at, status, over_detained_seconds FROM bookings
          WHERE facility_id = $1 AND ((served_at >= $2 AND served_at < $3) OR (closed_at >= $2 AND closed_at < $3))",
    )
    .bind(facility_id)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let within = |t: &DateTime<Utc>| *t >= from && *t < to;
    let mut rows = Vec::new();
    for (number, served, closed, status, over) in steps {
        if let Some(s) = served.filter(within) {
            rows.push((s, Some(number.clone()), "served"));
        }
        if let Some(c) = closed.filter(within) {
            let kind = match (status, over > 0) {
                (Status::Transferred, false) => "transferred",
                (Status::Transferred, true) => "transferred_late",
                (_, false) => "released",
                (_, true) => "released_late",
            };
            rows.push((c, Some(number), kind));
        }
    }
    let late_claims: Vec<(DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "SELECT c.reported_at, b.booking_number FROM citizenship_claims c JOIN bookings b ON b.id = c.booking_id
          WHERE b.facility_id = $1 AND c.reported_at >= $2 AND c.reported_at < $3 AND c.reported_at > c.report_due_at",
    )
    .bind(facility_id)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    rows.extend(late_claims.into_iter().map(|(at, b)| (at, b, "claim_reported_late")));
    Ok(rows)
}
