//! The facts reports are computed from (SQL only; the arithmetic is in `domain::stats`).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;

use crate::db::facilities::Facility;
use crate::domain::stats::BookingFacts;

#[derive(sqlx::FromRow)]
struct Row {
    /// Which of the facilities asked for (from 1, in their order).
    i: i64,
    booked_at: DateTime<Utc>,
    status: crate::domain::types::Status,
    served_at: Option<DateTime<Utc>>,
    igsa_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    release_reason: Option<crate::domain::types::ReleaseReason>,
    over_detained_seconds: i64,
    kinds: Vec<crate::domain::types::DocumentKind>,
    charges: Vec<crate::domain::types::ChargeCategory>,
}

/// Bookings with an ICE document booked from `from` to `to` (inclusive dates, each in its
/// facility's zone), at the facilities given. The period's bounds are computed per
/// facility, so each facility's bookings are read by a range scan of the partial index
/// `bookings_ice_interest` (only bookings with an ICE document), all facilities in one statement.
pub async fn program_facts(
    pool: &sqlx::PgPool,
    chosen: &[Facility],
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<BookingFacts>> {
    // Each facility's bounds (its midnights, `domain::input::start_of_day`), sent as arrays: one
    // statement for any number of facilities (a state's year was one statement per facility).
    let (mut ids, mut starts, mut ends) = (vec![], vec![], vec![]);
    for f in chosen {
        let bound = |d: NaiveDate| crate::domain::input::start_of_day(d, f.tz());
        ids.push(f.id);
        starts.push(bound(from));
        ends.push(bound(to + chrono::Duration::days(1)));
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.i, b.booked_at, b.status, b.served_at, b.igsa_at, b.closed_at, b.release_reason, b.over_detained_seconds,
                ARRAY(SELECT d.kind FROM ice_documents d WHERE d.booking_id = b.id) AS kinds,
                ARRAY(SELECT c.category FROM charges c WHERE c.booking_id = b.id) AS charges
         FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS p(facility_id, lo, hi, i)
         CROSS JOIN LATERAL (
             SELECT * FROM bookings b
             WHERE b.facility_id = p.facility_id AND b.has_ice_document AND b.booked_at >= p.lo AND b.booked_at < p.hi
         ) b",
    )
    .bind(&ids)
    .bind(&starts)
    .bind(&ends)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| BookingFacts {
            booked_at: r.booked_at,
            tz: chosen[(r.i - 1) as usize].tz(),
            status: r.status,
            document_kinds: r.kinds,
            charges: r.charges,
            served_at: r.served_at,
            igsa_at: r.igsa_at,
            closed_at: r.closed_at,
            release_reason: r.release_reason,
            over_detained_seconds: r.over_detained_seconds,
        })
        .collect())
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
