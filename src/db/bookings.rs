//! Bookings (the current state of each case) and their charges.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor, Postgres, QueryBuilder};

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

/// A compile-checked read of bookings (`sqlx::query_as!` into `Booking`): the columns of
/// `SELECT` with the types the `time` feature makes explicit (decision 0031), then `$tail`
/// (a string literal: the macro joins the two), then the binds.
macro_rules! select_bookings {
    ($tail:literal $(, $arg:expr)* $(,)?) => {
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
    "# + $tail
            $(, $arg)*
        )
    };
}

/// Whether the case `id` exists at all, beyond the caller's row scope (decision 0036): a case
/// the wall hides is a refusal to audit, not a true 404. Existence only.
pub async fn exists_anywhere(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT wso_exists_beyond_scope('booking', $1)")
        .bind(id)
        .fetch_one(db)
        .await
}

pub async fn get(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Booking>> {
    select_bookings!("WHERE b.id = $1", id).fetch_optional(db).await
}

/// Locks the case for the rest of the transaction: concurrent changes to one case queue here.
pub async fn lock(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Booking>> {
    select_bookings!("WHERE b.id = $1 FOR UPDATE OF b", id)
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
    // The statement grows with the search's words: built with `QueryBuilder`, every value bound.
    let mut q = QueryBuilder::<Postgres>::new(SELECT);
    q.push(" WHERE TRUE");
    if let Some(ids) = f.facility_ids {
        q.push(" AND b.facility_id = ANY(").push_bind(ids).push(")");
    }
    if let Some(statuses) = f.statuses {
        q.push(" AND b.status = ANY(").push_bind(statuses).push(")");
    }
    if f.awaiting_service {
        q.push(" AND ").push(super::board::AWAITING_SERVICE);
    }
    // Keyset pages in the list's order (booked_at DESC, id DESC), from the cursor's booking.
    let (cursor, cmp, order) = match f.cursor {
        None => (None, "<", "DESC"),
        Some(Cursor::After(id)) => (Some(id), "<", "DESC"),
        Some(Cursor::Before(id)) => (Some(id), ">", "ASC"),
    };
    if let Some(id) = cursor {
        q.push(" AND (b.booked_at, b.id) ")
            .push(cmp)
            .push(" (SELECT c.booked_at, c.id FROM bookings c WHERE c.id = ")
            .push_bind(id)
            .push(")");
    }
    // Each word of the search must be found in the names or the booking number, in any order,
    // without regard to accents or case (`wso_fold`), either as typed (LIKE) or, for names, as
    // a close match (`<%`: pg_trgm word similarity, tolerating a typo; see `with_settings`).
    // Both forms use the trigram index `bookings_search_trgm`.
    let doc = "wso_search_doc(b.last_name, b.first_name, b.booking_number)";
    let words = f.q.map(|q| {
        q.split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .take(MAX_SEARCH_WORDS)
    });
    for word in words.into_iter().flatten() {
        let pattern = format!(
            "%{}%",
            word.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        q.push(" AND (")
            .push(doc)
            .push(" LIKE wso_fold(")
            .push_bind(pattern)
            .push(")");
        // Close matches only for name-like words (four letters or more, no digit): a booking
        // number is found as typed.
        if word.chars().count() >= 4 && word.chars().all(char::is_alphabetic) {
            q.push(" OR wso_fold(").push_bind(word).push(") <% ").push(doc);
        }
        q.push(")");
    }
    q.push(" ORDER BY b.booked_at ")
        .push(order)
        .push(", b.id ")
        .push(order)
        .push(" LIMIT ")
        .push_bind(f.limit);
    let mut rows: Vec<Booking> = q.build_query_as().fetch_all(db).await?;
    if matches!(f.cursor, Some(Cursor::Before(_))) {
        rows.reverse();
    }
    Ok(rows)
}

/// Running clocks, soonest deadline first. (The status word is `board::ON_PENDING`, the
/// predicate of the partial index `bookings_open_holds`: a test holds the two alike.)
pub async fn pending_transfers(db: impl PgExecutor<'_>, facility_ids: Option<&[i64]>) -> sqlx::Result<Vec<Booking>> {
    select_bookings!(
        "WHERE b.status = 'wso_hold' AND ($1::bigint[] IS NULL OR b.facility_id = ANY($1))
         ORDER BY b.custody_deadline, b.id",
        facility_ids
    )
    .fetch_all(db)
    .await
}

/// People past their point of release with an active warrant not yet served, and IGSA holds.
/// (The predicate is `board::ON_AWAITING`, the partial index `bookings_awaiting`'s.)
pub async fn awaiting(db: impl PgExecutor<'_>, facility_ids: Option<&[i64]>) -> sqlx::Result<Vec<Booking>> {
    select_bookings!(
        "WHERE ((b.status = 'in_custody' AND b.release_point_at IS NOT NULL) OR b.status = 'igsa_hold')
           AND ($1::bigint[] IS NULL OR b.facility_id = ANY($1))
         ORDER BY b.status, coalesce(b.igsa_at, b.release_point_at), b.id",
        facility_ids
    )
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::super::board::{ON_AWAITING, ON_PENDING};

    /// The two lists name the board's predicates word for word (partial indexes, decision 0031).
    #[test]
    fn the_lists_name_the_board_s_predicates() {
        let source = include_str!("bookings.rs");
        assert!(source.contains(&format!("\"WHERE {ON_PENDING} AND")));
        assert!(source.contains(&format!("\"WHERE {ON_AWAITING}\n")));
    }
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
