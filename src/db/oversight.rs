//! The facts the oversight view counts (issue 28): services, citizenship claims and complaints
//! of some agencies in a period, each with its agency's code and its facility's zone. Never a
//! name, booking number, A-number or birth date.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::oversight::{Claim, Complaint, Lapse, Service};
use crate::domain::types::{ReleaseReason, Status, Zone};

/// A claim's row: agency, zone, claimed, reported.
type ClaimRow = (String, Zone, DateTime<Utc>, Option<DateTime<Utc>>);
/// A complaint's row: agency, zone, received, due to ICE, sent to ICE.
type ComplaintRow = (String, Zone, DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>);

/// The agencies an oversight account is granted: (id, code), by code.
pub async fn granted(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT a.id, a.code FROM oversight_grants g JOIN agencies a ON a.id = g.agency_id
         WHERE g.user_id = $1 ORDER BY a.code",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// The facilities of the agencies an oversight account is granted (its row scope).
pub async fn granted_facility_ids(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT f.id FROM oversight_grants g JOIN facilities f ON f.agency_id = g.agency_id
         WHERE g.user_id = $1 ORDER BY f.id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

#[derive(sqlx::FromRow)]
struct ServiceRow {
    agency: String,
    timezone: Zone,
    served_at: DateTime<Utc>,
    custody_deadline: DateTime<Utc>,
    status: Status,
    closed_at: Option<DateTime<Utc>>,
    release_reason: Option<ReleaseReason>,
    over_detained_seconds: i64,
    notice_at: Option<DateTime<Utc>>,
}

/// Warrants served from `from` to before `to`, at facilities of `agencies`.
pub async fn services(
    db: impl PgExecutor<'_>,
    agencies: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> sqlx::Result<Vec<Service>> {
    let rows: Vec<ServiceRow> = sqlx::query_as(
        "SELECT a.code AS agency, f.timezone, b.served_at, b.custody_deadline, b.status, b.closed_at,
                b.release_reason, b.over_detained_seconds,
                (SELECT min(n.at) FROM ice_notifications n
                  WHERE n.booking_id = b.id AND n.kind = $4 AND n.at >= b.served_at) AS notice_at
         FROM bookings b JOIN facilities f ON f.id = b.facility_id JOIN agencies a ON a.id = f.agency_id
         WHERE a.id = ANY($1) AND b.served_at >= $2 AND b.served_at < $3",
    )
    .bind(agencies)
    .bind(from)
    .bind(to)
    .bind(crate::domain::types::NotificationKind::PostService)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Service {
            agency: r.agency,
            tz: r.timezone.0,
            served_at: r.served_at,
            deadline: r.custody_deadline,
            status: r.status,
            closed_at: r.closed_at,
            release_reason: r.release_reason,
            over_detained_seconds: r.over_detained_seconds,
            notice_at: r.notice_at,
        })
        .collect())
}

/// Citizenship claims made from `from` to before `to`, at facilities of `agencies`.
pub async fn claims(
    db: impl PgExecutor<'_>,
    agencies: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> sqlx::Result<Vec<Claim>> {
    let rows: Vec<ClaimRow> = sqlx::query_as(
        "SELECT a.code, f.timezone, c.claimed_at, c.reported_at
         FROM citizenship_claims c JOIN bookings b ON b.id = c.booking_id
         JOIN facilities f ON f.id = b.facility_id JOIN agencies a ON a.id = f.agency_id
         WHERE a.id = ANY($1) AND c.claimed_at >= $2 AND c.claimed_at < $3",
    )
    .bind(agencies)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(agency, tz, claimed_at, reported_at)| Claim {
            agency,
            tz: tz.0,
            claimed_at,
            reported_at,
        })
        .collect())
}

/// Complaints received from `from` to before `to`, at facilities of `agencies`.
pub async fn complaints(
    db: impl PgExecutor<'_>,
    agencies: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> sqlx::Result<Vec<Complaint>> {
    let rows: Vec<ComplaintRow> = sqlx::query_as(
        "SELECT a.code, f.timezone, c.received_at, c.ice_due_at, c.ice_notified_at
         FROM complaints c JOIN facilities f ON f.id = c.facility_id JOIN agencies a ON a.id = f.agency_id
         WHERE a.id = ANY($1) AND c.received_at >= $2 AND c.received_at < $3",
    )
    .bind(agencies)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(agency, tz, received_at, due_at, sent_at)| Complaint {
            agency,
            tz: tz.0,
            received_at,
            due_at,
            sent_at,
        })
        .collect())
}

/// WSO certifications of `agencies`' officers that ran out from `from` to before `to` (the day
/// after their last) with no other certification of the officer taking over by that day;
/// revoked ones are not lapses.
pub async fn lapses(
    db: impl PgExecutor<'_>,
    agencies: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> sqlx::Result<Vec<Lapse>> {
    let rows: Vec<(String, chrono::NaiveDate)> = sqlx::query_as(
        "SELECT a.code, c.expires_on + 1
         FROM wso_certifications c JOIN users u ON u.id = c.user_id JOIN agencies a ON a.id = u.agency_id
         WHERE a.id = ANY($1) AND c.revoked_at IS NULL
           AND c.expires_on + 1 >= $2::date AND c.expires_on + 1 < $3::date
           AND NOT EXISTS (SELECT 1 FROM wso_certifications n
                            WHERE n.user_id = c.user_id AND n.id <> c.id AND n.revoked_at IS NULL
                              AND n.certified_on <= c.expires_on + 1 AND n.expires_on > c.expires_on)",
    )
    .bind(agencies)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(agency, on)| Lapse { agency, on }).collect())
}
