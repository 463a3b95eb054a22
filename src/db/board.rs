//! What the boards read, each in one statement: the running clocks with their citizenship-claim
//! flags, the page's board (its facilities, running clocks and people awaiting service), and one
//! booking's place on a board (for a pushed change).

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgExecutor, Row};

use chrono::{DateTime, Utc};

use crate::domain::types::{Status, Zone};

/// What a board shows of a case (only that: a board row is read hundreds of times a second).
#[derive(Debug, Clone, PartialEq)]
pub struct BoardCase {
    pub id: i64,
    pub facility_id: i64,
    pub facility_code: String,
    pub facility_timezone: Zone,
    pub booking_number: String,
    pub last_name: String,
    pub first_name: String,
    pub status: Status,
    pub served_at: Option<DateTime<Utc>>,
    pub custody_deadline: Option<DateTime<Utc>>,
    pub igsa_at: Option<DateTime<Utc>>,
    pub release_point_at: Option<DateTime<Utc>>,
}

impl BoardCase {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.facility_timezone.0
    }
}

/// A case as a board shows it, with its citizenship-claim flag.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardBooking {
    pub b: BoardCase,
    /// The person has claimed to be a U.S. citizen.
    pub claim: bool,
    /// A post-service notification to ICE is logged.
    pub notice_logged: bool,
    /// When ICE plans to pick the person up (issue 31).
    pub pickup_planned_at: Option<DateTime<Utc>>,
}

/// Decoded by position (the columns of [`SELECT`], first in every board statement): finding
/// fifteen columns by name in each of a board's rows was a measurable part of a request.
impl<'r> FromRow<'r, PgRow> for BoardBooking {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        Ok(BoardBooking {
            b: BoardCase {
                id: row.try_get(0)?,
                facility_id: row.try_get(1)?,
                facility_code: row.try_get(2)?,
                facility_timezone: row.try_get(3)?,
                booking_number: row.try_get(4)?,
                last_name: row.try_get(5)?,
                first_name: row.try_get(6)?,
                status: row.try_get(7)?,
                served_at: row.try_get(8)?,
                custody_deadline: row.try_get(9)?,
                igsa_at: row.try_get(10)?,
                release_point_at: row.try_get(11)?,
            },
            claim: row.try_get(12)?,
            notice_logged: row.try_get(13)?,
            pickup_planned_at: row.try_get(14)?,
        })
    }
}

/// How many columns [`SELECT`] names (a board statement's further columns come after them).
const CASE_COLUMNS: usize = 15;

const SELECT: &str = "SELECT b.id, b.facility_id, f.code AS facility_code, f.timezone AS facility_timezone,
        b.booking_number, b.last_name, b.first_name, b.status, b.served_at, b.custody_deadline, b.igsa_at,
        b.release_point_at, EXISTS (SELECT 1 FROM citizenship_claims c WHERE c.booking_id = b.id) AS claim,
        EXISTS (SELECT 1 FROM ice_notifications n WHERE n.booking_id = b.id AND n.kind = 'post_service') AS notice_logged,
        (SELECT p.planned_at FROM pickup_plans p WHERE p.booking_id = b.id) AS pickup_planned_at
    FROM bookings b
    JOIN facilities f ON f.id = b.facility_id";
// The board's two lists as SQL predicates. These are the only statements that name a status
// word rather than bind it: each is the predicate of a partial index (`bookings_open_holds`,
// migration 0002; `bookings_awaiting`, migration 0016), and a prepared statement's generic plan
// uses such an index only when the statement names the same constant. The test below holds
// them to the domain's words and to the indexes.
macro_rules! awaiting_service {
    () => {
        "(b.status = 'in_custody' AND b.release_point_at IS NOT NULL)"
    };
}
/// Running clocks: `wso_hold`.
pub(super) const ON_PENDING: &str = "b.status = 'wso_hold'";
/// Past the point of release with a warrant not yet served.
pub(super) const AWAITING_SERVICE: &str = awaiting_service!();
/// Awaiting service, or held under the IGSA.
pub(super) const ON_AWAITING: &str = concat!("(", awaiting_service!(), " OR b.status = 'igsa_hold')");
const IN_SCOPE: &str = "($1::bigint[] IS NULL OR b.facility_id = ANY($1))";

fn select(columns: &str) -> String {
    // `SELECT` names the case's columns; more come before its FROM.
    let (cols, from) = SELECT.split_once("\n    FROM").expect("board SELECT has a FROM");
    format!("{cols}, {columns}\n    FROM{from}")
}

/// Every running clock in `scope` (all facilities when `None`), soonest deadline first.
pub async fn pending(db: impl PgExecutor<'_>, scope: Option<&[i64]>) -> sqlx::Result<Vec<BoardBooking>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE {ON_PENDING} AND {IN_SCOPE} ORDER BY b.custody_deadline, b.id"
    ))
    .bind(scope)
    .fetch_all(db)
    .await
}

/// Which list of a board a booking is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum List {
    /// A running custody clock (`/transfers/pending` and the API's pending list).
    Pending,
    /// Past the point of release awaiting service, or held under an IGSA (the page's second list).
    Awaiting,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Placed {
    #[sqlx(flatten)]
    row: BoardBooking,
    on_pending: bool,
    on_awaiting: bool,
}

/// One booking and the list it is on now (`None`: on no board).
pub async fn entry(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<Option<(BoardBooking, Option<List>)>> {
    let placed: Option<Placed> = sqlx::query_as(&format!(
        "{} WHERE b.id = $1",
        select(&format!("{ON_PENDING} AS on_pending, {ON_AWAITING} AS on_awaiting"))
    ))
    .bind(booking_id)
    .fetch_optional(db)
    .await?;
    Ok(placed.map(|p| {
        let list = if p.on_pending {
            Some(List::Pending)
        } else if p.on_awaiting {
            Some(List::Awaiting)
        } else {
            None
        };
        (p.row, list)
    }))
}

/// Sends `token` to every board listener (`wso_sync`), after every notification committed
/// before it (decision 0043). The transaction writes nothing but the notification, so its
/// commit need not wait for the disk (a lost token only makes its writer wait, then re-read).
pub async fn ask_listener(db: impl PgExecutor<'_>, token: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT set_config('synchronous_commit', 'off', true), pg_notify('wso_sync', $1)")
        .bind(token)
        .execute(db)
        .await?;
    Ok(())
}

/// A facility the page's filter offers.
#[derive(Debug, Clone)]
pub struct FacilityOption {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// The page's board: the facilities it may filter by, the running clocks and (unless
/// `with_awaiting` is false) the people awaiting service or held under an IGSA.
pub struct PageBoard {
    pub facilities: Vec<FacilityOption>,
    pub pending: Vec<BoardBooking>,
    pub awaiting: Vec<BoardBooking>,
}

struct PageRow {
    row: Option<BoardBooking>,
    on_pending: bool,
    /// On the facilities' row only: (ids, codes, names).
    facilities: Option<(Vec<i64>, Vec<String>, Vec<String>)>,
}

/// Columns by position: the case's [`CASE_COLUMNS`] ([`SELECT`]), then `part` (0 the facilities, 1 a
/// running clock, 2 awaiting), then the facilities' ids, codes and names.
impl<'r> sqlx::FromRow<'r, PgRow> for PageRow {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        let part: i32 = row.try_get(CASE_COLUMNS)?;
        Ok(PageRow {
            row: if part == 0 {
                None
            } else {
                Some(BoardBooking::from_row(row)?)
            },
            on_pending: part == 1,
            facilities: if part == 0 {
                Some((
                    row.try_get(CASE_COLUMNS + 1)?,
                    row.try_get(CASE_COLUMNS + 2)?,
                    row.try_get(CASE_COLUMNS + 3)?,
                ))
            } else {
                None
            },
        })
    }
}

/// In one statement: `scope` names the facilities the user may see (`None`: all), `chosen` the
/// code of one of them to show alone ('' or an unknown code: all of them). The facilities come
/// on a row of their own.
pub async fn page(
    db: impl PgExecutor<'_>,
    scope: Option<&[i64]>,
    chosen: &str,
    with_awaiting: bool,
) -> sqlx::Result<PageBoard> {
    // The facilities shown, as an explicit array (so each list is an index scan: the running
    // clocks through `bookings_open_holds`, the others through `bookings_facility_status`).
    let shown = "shown AS MATERIALIZED (
            SELECT CASE
                WHEN EXISTS (SELECT 1 FROM facilities f WHERE f.code = $3 AND ($1::bigint[] IS NULL OR f.id = ANY($1)))
                    THEN ARRAY(SELECT f.id FROM facilities f WHERE f.code = $3)
                WHEN $1::bigint[] IS NULL THEN ARRAY(SELECT f.id FROM facilities f)
                ELSE $1 END AS ids)";
    let in_shown = "b.facility_id = ANY((SELECT ids FROM shown)::bigint[])";
    let none = "NULL::bigint[] AS facility_ids, NULL::text[] AS facility_codes, NULL::text[] AS facility_names";
    // No ORDER BY: PostgreSQL sorting these wide rows cost more than reading them (0.3 ms of
    // 0.5); two hundred rows are put in order below in microseconds.
    let rows: Vec<PageRow> = sqlx::query_as(&format!(
        "WITH {shown}
         SELECT * FROM (
            {} WHERE {ON_PENDING} AND {in_shown}
            UNION ALL
            {} WHERE $2 AND {ON_AWAITING} AND {in_shown}
            UNION ALL
            SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
                   coalesce(array_agg(f.id ORDER BY f.code), '{{}}'), coalesce(array_agg(f.code ORDER BY f.code), '{{}}'),
                   coalesce(array_agg(f.name ORDER BY f.code), '{{}}')
            FROM facilities f WHERE $1::bigint[] IS NULL OR f.id = ANY($1)) board",
        select(&format!("1 AS part, {none}")),
        select(&format!("2 AS part, {none}"))
    ))
    .bind(scope)
    .bind(with_awaiting)
    .bind(chosen)
    .fetch_all(db)
    .await?;
    let mut board = PageBoard {
        facilities: vec![],
        pending: vec![],
        awaiting: vec![],
    };
    for r in rows {
        if let Some((ids, codes, names)) = r.facilities {
            board.facilities = ids
                .into_iter()
                .zip(codes)
                .zip(names)
                .map(|((id, code), name)| FacilityOption { id, code, name })
                .collect();
        }
        match r.row {
            Some(b) if r.on_pending => board.pending.push(b),
            Some(b) => board.awaiting.push(b),
            None => {}
        }
    }
    // Soonest deadline first; then by situation, longest waiting first (a missing time last).
    let last_if_none = |t: Option<DateTime<Utc>>| (t.is_none(), t);
    board
        .pending
        .sort_by_key(|r| (last_if_none(r.b.custody_deadline), r.b.id));
    board.awaiting.sort_by_key(|r| {
        (
            r.b.status.as_str(),
            last_if_none(r.b.igsa_at.or(r.b.release_point_at)),
            r.b.id,
        )
    });
    Ok(board)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::types::Status;

    #[test]
    fn the_predicates_name_the_domain_words_and_match_their_partial_indexes() {
        let word = |s: Status| format!("'{}'", s.as_str());
        assert_eq!(ON_PENDING, format!("b.status = {}", word(Status::WsoHold)));
        assert_eq!(
            AWAITING_SERVICE,
            format!(
                "(b.status = {} AND b.release_point_at IS NOT NULL)",
                word(Status::InCustody)
            )
        );
        assert_eq!(
            ON_AWAITING,
            format!("({AWAITING_SERVICE} OR b.status = {})", word(Status::IgsaHold))
        );
        let unqualified = |p: &str| p.replace("b.", "");
        let m0002 = include_str!("../../migrations/0002_cases.sql");
        assert!(m0002.contains(&format!("WHERE {};", unqualified(ON_PENDING))));
        let m0016 = include_str!("../../migrations/0016_board_awaiting_index.sql");
        let awaiting = unqualified(ON_AWAITING);
        assert!(m0016.contains(&format!("WHERE {};", &awaiting[1..awaiting.len() - 1])));
    }
}
