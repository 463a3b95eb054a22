//! Finding audit entries: by actor, action, case, facility (through the case) and time, in
//! pages by id, for `/admin/audit`, its CSV and `GET /api/v1/audit`.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgExecutor;

/// What to look for; every part optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub booking_id: Option<i64>,
    /// A booking number as the jail knows it (any facility's, unless `facility` narrows it).
    pub booking_number: Option<String>,
    pub facility: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Whose log it is (issue 28): `None` only for the server's own use.
    pub seen_by: Option<AuditScope>,
}

/// The entries an agency's admin may read: those about a case of its facilities, and the others
/// written by its agency's people; the operator also reads the entries written by the command
/// line, the server and the accounts of no agency (`domain::tenancy::audit_reader`).
#[derive(Debug, Clone, Default)]
pub struct AuditScope {
    pub facility_ids: Vec<i64>,
    pub agency_id: Option<i64>,
    pub operator: bool,
}

/// Which page: entries after `after` (oldest first) or before `before` (newest first).
#[derive(Debug, Clone, Copy)]
pub enum Page {
    After(i64),
    Before(i64),
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Found {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub booking_id: Option<i64>,
    pub facility: Option<String>,
    /// The case's booking number, to name the case on the page.
    #[serde(skip_serializing)]
    #[schema(ignore)]
    pub booking_number: Option<String>,
    /// The zone of the case's facility, to show the entry's times on the page.
    #[serde(skip_serializing)]
    #[schema(ignore)]
    pub facility_timezone: Option<crate::domain::types::Zone>,
    pub address: Option<String>,
    pub detail: Value,
    /// The entry's hash in the chain, hex.
    pub hash: String,
}

pub async fn search(db: impl PgExecutor<'_>, f: &AuditFilter, page: Page, limit: i64) -> sqlx::Result<Vec<Found>> {
    // Pages follow the order entries were appended in, across the chains (decision 0037): ids
    // are the database's, taken while the entry's chain is locked (migration 0020), so they
    // increase in each chain's order and in the order of appends across chains. The cursor is
    // an entry's id.
    let (cursor, order, cmp) = match page {
        Page::After(id) => (id, "ASC", ">"),
        Page::Before(id) => (id, "DESC", "<"),
    };
    sqlx::query_as(&format!(
        "SELECT a.id, a.at, a.recorded_at, a.actor, a.action, a.booking_id, fa.code AS facility, b.booking_number, fa.timezone AS facility_timezone, a.ip AS address,
                a.detail, encode(a.hash, 'hex') AS hash
         FROM audit_log a
         LEFT JOIN bookings b ON b.id = a.booking_id
         LEFT JOIN facilities fa ON fa.id = b.facility_id
         WHERE a.id {cmp} $1
           AND ($2::text IS NULL OR a.actor = $2)
           AND ($3::text IS NULL OR a.action = $3)
           AND ($4::bigint IS NULL OR a.booking_id = $4)
           AND ($5::text IS NULL OR fa.code = $5)
           AND ($6::timestamptz IS NULL OR a.recorded_at >= $6)
           AND ($7::timestamptz IS NULL OR a.recorded_at < $7)
           AND ($9::text IS NULL OR b.booking_number = $9)
           AND ($10::bigint[] IS NULL OR b.facility_id = ANY($10)
                OR (a.booking_id IS NULL AND (
                       (a.actor_id IS NOT NULL AND (SELECT u.agency_id FROM users u WHERE u.id = a.actor_id) = $11)
                    OR ($12 AND (a.actor_id IS NULL OR (SELECT u.agency_id FROM users u WHERE u.id = a.actor_id) IS NULL)))))
         ORDER BY a.id {order}
         LIMIT $8"
    ))
    .bind(cursor)
    .bind(&f.actor)
    .bind(&f.action)
    .bind(f.booking_id)
    .bind(&f.facility)
    .bind(f.from)
    .bind(f.to)
    .bind(limit)
    .bind(&f.booking_number)
    .bind(f.seen_by.as_ref().map(|s| s.facility_ids.clone()))
    .bind(f.seen_by.as_ref().and_then(|s| s.agency_id))
    .bind(f.seen_by.as_ref().is_some_and(|s| s.operator))
    .fetch_all(db)
    .await
}

/// Whether a booking of `facility_ids` has `number` (at the facility `facility`, when given).
pub async fn booking_number_known(
    db: impl PgExecutor<'_>,
    number: &str,
    facility: Option<&str>,
    facility_ids: &[i64],
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM bookings b JOIN facilities f ON f.id = b.facility_id
                        WHERE b.booking_number = $1 AND ($2::text IS NULL OR f.code = $2) AND b.facility_id = ANY($3))",
    )
    .bind(number)
    .bind(facility)
    .bind(facility_ids)
    .fetch_one(db)
    .await
}
