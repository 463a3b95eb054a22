//! The facts reports are computed from (SQL only; the arithmetic is in `domain::stats`).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;

use crate::domain::stats::BookingFacts;

#[derive(sqlx::FromRow)]
struct Row {
    booked_at: DateTime<Utc>,
    status: crate::domain::types::Status,
    served_at: Option<DateTime<Utc>>,
    igsa_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    release_reason: Option<crate::domain::types::ReleaseReason>,
    over_detained_seconds: i64,
    kinds: Vec<String>,
    charges: Vec<String>,
}

/// Bookings with an ICE document booked from `from` to `to` (inclusive dates, each in its
/// facility's zone), at the facilities given (`None`: all). The period's bounds are computed per
/// facility, so each facility's bookings are read by a range scan of the partial index
/// `bookings_ice_interest` (only bookings with an ICE document).
pub async fn program_facts(
    pool: &sqlx::PgPool,
    facility_ids: Option<&[i64]>,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<BookingFacts>> {
    let facilities = crate::db::facilities::all(pool).await?;
    let mut out = Vec::new();
    for f in facilities
        .iter()
        .filter(|f| facility_ids.is_none_or(|ids| ids.contains(&f.id)))
    {
        let tz = f.tz();
        let bound = |d: NaiveDate| crate::domain::input::start_of_day(d, tz);
        let (start, end) = (bound(from), bound(to + chrono::Duration::days(1)));
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT b.booked_at, b.status, b.served_at, b.igsa_at, b.closed_at, b.release_reason, b.over_detained_seconds,
                    ARRAY(SELECT d.kind FROM ice_documents d WHERE d.booking_id = b.id) AS kinds,
                    ARRAY(SELECT c.category FROM charges c WHERE c.booking_id = b.id) AS charges
             FROM bookings b
             WHERE b.facility_id = $1 AND b.has_ice_document AND b.booked_at >= $2 AND b.booked_at < $3",
        )
        .bind(f.id)
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await?;
        out.extend(rows.into_iter().map(|r| BookingFacts {
            booked_at: r.booked_at,
            tz,
            status: r.status,
            document_kinds: r.kinds.iter().filter_map(|k| k.parse().ok()).collect(),
            charges: r.charges.iter().filter_map(|c| c.parse().ok()).collect(),
            served_at: r.served_at,
            igsa_at: r.igsa_at,
            closed_at: r.closed_at,
            release_reason: r.release_reason,
            over_detained_seconds: r.over_detained_seconds,
        }));
    }
    Ok(out)
}

/// The year of the facility's first booking (for the public page's yearly tables).
pub async fn first_booking_year(db: impl PgExecutor<'_>, facility_id: i64) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar(
        "SELECT extract(year FROM min(b.booked_at) AT TIME ZONE f.timezone)::int FROM bookings b JOIN facilities f ON f.id = b.facility_id
         WHERE b.facility_id = $1 GROUP BY f.timezone",
    )
    .bind(facility_id)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IgsaHold {
    pub booking_id: i64,
    pub booking_number: String,
    pub last_name: String,
    pub first_name: String,
    pub igsa_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// IGSA holds of a facility that overlap [start, end).
pub async fn igsa_holds(
    db: impl PgExecutor<'_>,
    facility_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> sqlx::Result<Vec<IgsaHold>> {
    sqlx::query_as(
        "SELECT id AS booking_id, booking_number, last_name, first_name, igsa_at, closed_at FROM bookings
         WHERE facility_id = $1 AND igsa_at IS NOT NULL AND igsa_at < $3 AND (closed_at IS NULL OR closed_at > $2)
         ORDER BY igsa_at, id",
    )
    .bind(facility_id)
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await
}
