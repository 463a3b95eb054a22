//! Bookings (the current state of each case) and their charges.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::board::{ON_AWAITING, ON_PENDING};
use crate::domain::booking::NewBooking;
use crate::domain::case::Case;
use crate::domain::types::{ChargeCategory, ReleasePointReason, ReleaseReason, Status, Zone};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Booking {
    pub id: i64,
    pub facility_id: i64,
    pub facility_code: String,
    pub facility_name: String,
    pub facility_timezone: Zone,
    pub facility_igsa: bool,
    pub booking_number: String,
    pub last_name: String,
    pub first_name: String,
    pub date_of_birth: NaiveDate,
    pub booked_at: DateTime<Utc>,
    pub status: Status,
    pub release_point_at: Option<DateTime<Utc>>,
    pub release_point_reason: Option<ReleasePointReason>,
    pub release_point_note: Option<String>,
    pub served_at: Option<DateTime<Utc>>,
    pub served_document_id: Option<i64>,
    pub served_by_username: Option<String>,
    /// The interpreter used at service, if any.
    pub served_interpreter_id: Option<i64>,
    pub custody_deadline: Option<DateTime<Utc>>,
    pub igsa_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub release_reason: Option<ReleaseReason>,
    pub release_note: Option<String>,
    pub receiving_officer: Option<String>,
    pub late_reason: Option<String>,
    pub over_detained_seconds: i64,
}

impl Booking {
    /// The status in words, telling apart people past their point of release who wait for a
    /// warrant to be served from those still in criminal custody.
    pub fn situation(&self) -> &'static str {
        match self.status {
            Status::InCustody if self.release_point_at.is_some() => "awaiting warrant service",
            s => s.label(),
        }
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.facility_timezone.0
    }

    /// What the case rules need.
    pub fn case(&self) -> Case {
        Case {
            status: self.status,
            booked_at: self.booked_at,
            release_point_at: self.release_point_at,
            served_at: self.served_at,
            igsa_at: self.igsa_at,
        }
    }
}

const SELECT: &str = "SELECT b.id, b.facility_id, f.code AS facility_code, f.name AS facility_name,
        f.timezone AS facility_timezone, f.igsa AS facility_igsa, b.booking_number, b.last_name, b.first_name,
        b.date_of_birth, b.booked_at, b.status, b.release_point_at, b.release_point_reason, b.release_point_note,
        b.served_at, b.served_document_id, s.username AS served_by_username, b.served_interpreter_id, b.custody_deadline, b.igsa_at,
        b.closed_at, b.release_reason, b.release_note, b.receiving_officer, b.late_reason, b.over_detained_seconds
    FROM bookings b
    JOIN facilities f ON f.id = b.facility_id
    LEFT JOIN users s ON s.id = b.served_by";

pub async fn insert(
    conn: &mut PgConnection,
    facility_id: i64,
    b: &NewBooking,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO bookings (facility_id, booking_number, last_name, first_name, date_of_birth, booked_at, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        facility_id,
        &b.booking_number,
        &b.last_name,
        &b.first_name,
        b.date_of_birth as _,
        b.booked_at as _,
        now as _,
        by
    )
    .fetch_one(&mut *conn)
    .await?;
    for (position, (description, category)) in b.charges.iter().enumerate() {
        sqlx::query!(
            "INSERT INTO charges (booking_id, position, description, category) VALUES ($1, $2, $3, $4)",
            id,
            position as i32,
            description,
            *category as _
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// The booking numbers of `ids` (one statement), for reports that list cases.
pub async fn numbers(db: impl PgExecutor<'_>, ids: &[i64]) -> sqlx::Result<std::collections::HashMap<i64, String>> {
    let rows = sqlx::query!("SELECT id, booking_number FROM bookings WHERE id = ANY($1)", ids)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.booking_number)).collect())
}

/// Whether a booking with this number exists at the facility (given by code), among the
/// facilities given (the caller's: nobody learns of another facility's numbers).
pub async fn number_taken(
    db: impl PgExecutor<'_>,
    facility_code: &str,
    number: &str,
    facility_ids: &[i64],
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM bookings b JOIN facilities f ON f.id = b.facility_id
                          WHERE f.code = $1 AND b.booking_number = $2 AND f.id = ANY($3)) AS "taken!""#,
        facility_code,
        number.trim(),
        facility_ids
    )
    .fetch_one(db)
    .await
}

// The case read and the case read under its lock are compile-checked (`query_as!` needs the
// whole statement as one literal, so the two spell out the columns of `SELECT`, with the types
// the `time` feature makes explicit, decision 0031). `SELECT` itself still serves the dynamic
// lists below, checked only when they run (every list test reads through it).

pub async fn get(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Booking>> {
    sqlx::query_as!(
        Booking,
        r#"SELECT b.id, b.facility_id, f.code AS facility_code, f.name AS facility_name,
        f.timezone AS "facility_timezone: Zone", f.igsa AS facility_igsa, b.booking_number, b.last_name, b.first_name,
        b.date_of_birth AS "date_of_birth: NaiveDate", b.booked_at AS "booked_at: DateTime<Utc>", b.status AS "status: Status", b.release_point_at AS "release_point_at: DateTime<Utc>",
        b.release_point_reason AS "release_point_reason: ReleasePointReason", b.release_point_note,
        b.served_at AS "served_at: DateTime<Utc>", b.served_document_id, s.username AS "served_by_username?", b.served_interpreter_id,
        b.custody_deadline AS "custody_deadline: DateTime<Utc>", b.igsa_at AS "igsa_at: DateTime<Utc>",
        b.closed_at AS "closed_at: DateTime<Utc>", b.release_reason AS "release_reason: ReleaseReason", b.release_note, b.receiving_officer, b.late_reason, b.over_detained_seconds
    FROM bookings b
    JOIN facilities f ON f.id = b.facility_id
    LEFT JOIN users s ON s.id = b.served_by
    WHERE b.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// Locks the case for the rest of the transaction: concurrent changes to one case queue here.
pub async fn lock(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Booking>> {
    sqlx::query_as!(
        Booking,
        r#"SELECT b.id, b.facility_id, f.code AS facility_code, f.name AS facility_name,
        f.timezone AS "facility_timezone: Zone", f.igsa AS facility_igsa, b.booking_number, b.last_name, b.first_name,
        b.date_of_birth AS "date_of_birth: NaiveDate", b.booked_at AS "booked_at: DateTime<Utc>", b.status AS "status: Status", b.release_point_at AS "release_point_at: DateTime<Utc>",
        b.release_point_reason AS "release_point_reason: ReleasePointReason", b.release_point_note,
        b.served_at AS "served_at: DateTime<Utc>", b.served_document_id, s.username AS "served_by_username?", b.served_interpreter_id,
        b.custody_deadline AS "custody_deadline: DateTime<Utc>", b.igsa_at AS "igsa_at: DateTime<Utc>",
        b.closed_at AS "closed_at: DateTime<Utc>", b.release_reason AS "release_reason: ReleaseReason", b.release_note, b.receiving_officer, b.late_reason, b.over_detained_seconds
    FROM bookings b
    JOIN facilities f ON f.id = b.facility_id
    LEFT JOIN users s ON s.id = b.served_by
    WHERE b.id = $1 FOR UPDATE OF b"#,
        id
    )
    .fetch_optional(db)
    .await
}

pub struct ListFilter<'a> {
    /// `None`: every facility.
    pub facility_ids: Option<&'a [i64]>,
    pub statuses: Option<&'a [Status]>,
    /// Part of a name or booking number.
    pub q: Option<&'a str>,
    /// Only people past their point of release and not yet served (awaiting warrant service).
    pub awaiting_service: bool,
    /// Where the page starts (newest first): after (older than) or before (newer than) the
    /// booking with this id; `None`: the newest.
    pub cursor: Option<Cursor>,
    pub limit: i64,
}

#[derive(Clone, Copy, Debug)]
pub enum Cursor {
    After(i64),
    Before(i64),
}

/// Locks the case for the watcher unless another process holds it (then `None`: next tick).
/// With `running`, only while its custody clock runs (`wso_hold`).
pub async fn try_lock(conn: &mut PgConnection, id: i64, running: bool) -> sqlx::Result<Option<Booking>> {
    let free = sqlx::query_scalar!(
        "SELECT id FROM bookings WHERE id = $1 AND (NOT $2 OR status = $3) FOR UPDATE SKIP LOCKED",
        id,
        running,
        Status::WsoHold as _
    )
    .fetch_optional(&mut *conn)
    .await?;
    match free {
        Some(_) => get(&mut *conn, id).await,
        None => Ok(None),
    }
}

/// At most this many words of a search are used (a name and a number fit in far fewer).
const MAX_SEARCH_WORDS: usize = 6;

pub async fn list(db: impl PgExecutor<'_>, f: ListFilter<'_>) -> sqlx::Result<Vec<Booking>> {
    let statuses: Option<Vec<String>> = f.statuses.map(|s| s.iter().map(|s| s.as_str().to_string()).collect());
    // Each word of the search must be found in the names or the booking number, in any order,
    // without regard to accents or case (`wso_fold`), either as typed (LIKE) or, for names, as
    // a close match (`<%`: pg_trgm word similarity, tolerating a typo; see `with_settings`).
    // Both forms use the trigram index `bookings_search_trgm`.
    let words: Vec<&str> =
        f.q.map(|q| {
            q.split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| !w.is_empty())
                .take(MAX_SEARCH_WORDS)
                .collect()
        })
        .unwrap_or_default();
    let patterns: Vec<String> = words
        .iter()
        .map(|w| format!("%{}%", w.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
        .collect();
    let search: String = words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let (p, w) = (5 + 2 * i, 6 + 2 * i);
            let doc = "wso_search_doc(b.last_name, b.first_name, b.booking_number)";
            // Close matches only for name-like words (four letters or more, no digit): a
            // booking number is found as typed.
            if word.chars().count() >= 4 && word.chars().all(char::is_alphabetic) {
                format!(" AND ({doc} LIKE wso_fold(${p}) OR wso_fold(${w}) <% {doc})")
            } else {
                // (The word is bound either way, so the parameters keep their numbers.)
                format!(" AND ({doc} LIKE wso_fold(${p}) OR ${w}::text IS NULL)")
            }
        })
        .collect();
    let awaiting = if f.awaiting_service {
        format!("AND {}", super::board::AWAITING_SERVICE)
    } else {
        String::new()
    };
    // Keyset pages in the list's order (booked_at DESC, id DESC), from the cursor's booking.
    let (cursor, cmp, order) = match f.cursor {
        None => (None, "<", "DESC"),
        Some(Cursor::After(id)) => (Some(id), "<", "DESC"),
        Some(Cursor::Before(id)) => (Some(id), ">", "ASC"),
    };
    let sql = format!(
        "{SELECT}
         WHERE ($1::bigint[] IS NULL OR b.facility_id = ANY($1))
           AND ($2::text[] IS NULL OR b.status = ANY($2))
           AND ($4::bigint IS NULL OR (b.booked_at, b.id) {cmp} (SELECT c.booked_at, c.id FROM bookings c WHERE c.id = $4))
           {awaiting}
           {search}
         ORDER BY b.booked_at {order}, b.id {order}
         LIMIT $3"
    );
    let mut query = sqlx::query_as(&sql)
        .bind(f.facility_ids)
        .bind(statuses)
        .bind(f.limit)
        .bind(cursor);
    for (pattern, word) in patterns.iter().zip(&words) {
        query = query.bind(pattern).bind(*word);
    }
    let mut rows: Vec<Booking> = query.fetch_all(db).await?;
    if matches!(f.cursor, Some(Cursor::Before(_))) {
        rows.reverse();
    }
    Ok(rows)
}

/// Running clocks, soonest deadline first.
pub async fn pending_transfers(db: impl PgExecutor<'_>, facility_ids: Option<&[i64]>) -> sqlx::Result<Vec<Booking>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE {ON_PENDING} AND ($1::bigint[] IS NULL OR b.facility_id = ANY($1))
         ORDER BY b.custody_deadline, b.id"
    ))
    .bind(facility_ids)
    .fetch_all(db)
    .await
}

/// People past their point of release with an active warrant not yet served, and IGSA holds.
pub async fn awaiting(db: impl PgExecutor<'_>, facility_ids: Option<&[i64]>) -> sqlx::Result<Vec<Booking>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE {ON_AWAITING}
           AND ($1::bigint[] IS NULL OR b.facility_id = ANY($1))
         ORDER BY b.status, coalesce(b.igsa_at, b.release_point_at), b.id"
    ))
    .bind(facility_ids)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Charge {
    pub description: String,
    pub category: ChargeCategory,
}

pub async fn charges(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<Vec<Charge>> {
    sqlx::query_as!(
        Charge,
        r#"SELECT description, category AS "category: ChargeCategory" FROM charges WHERE booking_id = $1 ORDER BY position"#,
        booking_id
    )
    .fetch_all(db)
    .await
}
