//! Alerts, the outbox and acknowledgements.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::Role;
use crate::domain::alerts::{AlertKind, CLOCK_PREFIX, Seen};
use crate::domain::types::Zone;

/// The `LIKE` pattern of every clock alert's kind.
fn clock_pattern() -> String {
    format!("{}%", CLOCK_PREFIX.replace('_', "\\_"))
}

/// A role's view as bind values: the named kinds, and the clock pattern when clock alerts are
/// seen. `None` (admins): both unbound, so everything matches.
pub(crate) fn seen_binds(seen: Option<&Seen>) -> (Option<Vec<AlertKind>>, Option<String>) {
    match seen {
        None => (None, None),
        Some(s) => (
            Some(s.named.clone()),
            Some(if s.clock { clock_pattern() } else { String::new() }),
        ),
    }
}

/// The SQL of `domain::tenancy::sees_alert_about_no_facility` on an alert `a`, given SQL for the
/// caller's role, agency and operator flag: an agency's admin sees its agency's accounts' alerts,
/// the operator the installation's (the role words are the domain's).
pub(crate) fn about_no_facility(role: &str, agency: &str, operator: &str) -> String {
    let (admin, op) = (Role::Admin.as_str(), Role::Operator.as_str());
    format!(
        "((a.agency_id IS NOT NULL AND a.agency_id = {agency} AND {role} = '{admin}')
          OR (a.agency_id IS NULL AND {operator} AND {role} IN ('{admin}', '{op}')))"
    )
}

/// The filter both lists use: `$2` named kinds, `$3` the clock pattern ('' matches nothing).
const SEEN: &str = "($2::text[] IS NULL OR a.kind = ANY($2) OR a.kind LIKE $3)";

pub struct NewAlert<'a> {
    pub dedupe_key: &'a str,
    pub kind: AlertKind,
    pub urgency: i32,
    pub booking_id: Option<i64>,
    pub complaint_id: Option<i64>,
    /// `None`: about an account or the installation (see `agency_id`).
    pub facility_id: Option<i64>,
    /// An alert about no facility: the agency whose admins see it; `None`: the operator's.
    pub agency_id: Option<i64>,
    pub raised_at: DateTime<Utc>,
    pub title: &'a str,
    pub body: &'a str,
}

/// Inserts the alert unless its key exists; `None` when it was raised before.
pub async fn insert(db: impl PgExecutor<'_>, a: &NewAlert<'_>) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "INSERT INTO alerts (dedupe_key, kind, urgency, booking_id, facility_id, raised_at, title, body, complaint_id, agency_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        a.dedupe_key,
        a.kind as _,
        a.urgency,
        a.booking_id,
        a.facility_id,
        a.raised_at as _,
        a.title,
        a.body,
        a.complaint_id,
        a.agency_id
    )
    .fetch_optional(db)
    .await
}

/// The most urgent deadline alert raised so far for each of `booking_ids`.
pub async fn raised_urgency(db: impl PgExecutor<'_>, booking_ids: &[i64]) -> sqlx::Result<Vec<(i64, i32)>> {
    let rows = sqlx::query!(
        r#"SELECT booking_id AS "booking_id!", max(urgency) AS "urgency!" FROM alerts
         WHERE booking_id = ANY($1) AND kind LIKE $2
         GROUP BY booking_id"#,
        booking_ids,
        clock_pattern()
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.booking_id, r.urgency)).collect())
}

/// E-mail addresses of the facility's users with one of `roles`.
pub async fn recipients(db: impl PgExecutor<'_>, facility_id: i64, roles: &[Role]) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT DISTINCT u.email AS "email!" FROM users u JOIN user_facilities uf ON uf.user_id = u.id
         WHERE uf.facility_id = $1 AND u.role = ANY($2) AND u.email IS NOT NULL AND u.disabled_at IS NULL
         ORDER BY u.email"#,
        facility_id,
        roles as _
    )
    .fetch_all(db)
    .await
}

pub struct NewMessage<'a> {
    pub alert_id: i64,
    pub message_id: &'a str,
    pub recipients: &'a [String],
    pub subject: &'a str,
    pub body: &'a str,
    pub headers: serde_json::Value,
    pub now: DateTime<Utc>,
}

pub async fn enqueue(db: impl PgExecutor<'_>, m: &NewMessage<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO outbox (alert_id, message_id, recipients, subject, body, headers, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        m.alert_id,
        m.message_id,
        m.recipients,
        m.subject,
        m.body,
        &m.headers,
        m.now as _
    )
    .fetch_one(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub message_id: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub headers: serde_json::Value,
    pub attempts: i32,
}

/// Claims up to `limit` due messages for this worker until `lease_until`. `SKIP LOCKED`: two
/// workers never claim the same row; a lease that ran out (worker killed mid-send) is due again.
pub async fn claim_due(
    db: impl PgExecutor<'_>,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<Message>> {
    sqlx::query_as!(
        Message,
        "UPDATE outbox SET leased_until = $2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM outbox
                      WHERE delivered_at IS NULL AND cardinality(recipients) > 0 AND next_attempt_at <= $1
                        AND (leased_until IS NULL OR leased_until <= $1)
                      ORDER BY next_attempt_at, id
                      LIMIT $3
                      FOR UPDATE SKIP LOCKED)
         RETURNING id, message_id, recipients, subject, body, headers, attempts",
        now as _,
        lease_until as _,
        limit
    )
    .fetch_all(db)
    .await
}

/// When the next undelivered message falls due (`None`: every message went out).
pub async fn next_due(db: impl PgExecutor<'_>) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!(r#"SELECT min(next_attempt_at) AS "due: DateTime<Utc>" FROM outbox WHERE delivered_at IS NULL"#)
        .fetch_one(db)
        .await
}

pub async fn mark_delivered(db: impl PgExecutor<'_>, id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE outbox SET delivered_at = $2, leased_until = NULL, last_error = NULL WHERE id = $1",
        id,
        now as _
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark_failed(db: impl PgExecutor<'_>, id: i64, retry_at: DateTime<Utc>, error: &str) -> sqlx::Result<()> {
    metrics::counter!("wso_delivery_failures_total", "kind" => "email").increment(1);
    sqlx::query!(
        "UPDATE outbox SET next_attempt_at = $2, leased_until = NULL, last_error = $3 WHERE id = $1",
        id,
        retry_at as _,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn record_attempt(
    db: impl PgExecutor<'_>,
    outbox_id: i64,
    at: DateTime<Utc>,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO outbox_attempts (outbox_id, at, ok, error) VALUES ($1, $2, $3, $4)",
        outbox_id,
        at as _,
        error.is_none(),
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An alert as the alert list shows it, with its e-mail's state and the reader's acknowledgement.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub kind: AlertKind,
    pub booking_id: Option<i64>,
    pub booking_number: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    /// The case's status now (its alerts are shown beside it).
    pub status: Option<crate::domain::types::Status>,
    pub custody_deadline: Option<DateTime<Utc>>,
    pub facility_code: String,
    pub facility_timezone: Zone,
    pub raised_at: DateTime<Utc>,
    pub title: String,
    pub body: String,
    pub recipients: Vec<String>,
    pub attempts: i32,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub acked_at: Option<DateTime<Utc>>,
    /// A clock alert of a case that has since closed: it needs nobody's attention any more.
    pub resolved: bool,
}

// A custody-clock alert (`deadline_…`) resolves itself when its case closes or the person is
// held under the IGSA (the 48-hour clock no longer runs): the database keeps that as the flag
// `alerts.resolved` (migration 0013's triggers), read here rather than decided again.

/// Which alerts a list shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter<'a> {
    /// Only those still needing the user: not acknowledged, not resolved.
    pub unread_only: bool,
    /// Only this kind (its word).
    pub kind: Option<&'a str>,
    /// The kinds' words, most urgent first (`domain::alert_urgency::by_urgency`): the list's
    /// order within those needing the user, then within the rest.
    pub by_urgency: &'a [String],
}

pub async fn list(
    db: impl PgExecutor<'_>,
    facility_ids: Option<&[i64]>,
    seen: Option<&Seen>,
    me: &crate::db::users::User,
    filter: Filter<'_>,
    (limit, offset): (i64, i64),
) -> sqlx::Result<Vec<Listed>> {
    let (named, clock) = seen_binds(seen);
    let about_none = about_no_facility("$10", "$11", "$12");
    sqlx::query_as(&format!(
        "SELECT a.id, a.kind, a.booking_id, b.booking_number, b.last_name, b.first_name, b.status,
                b.custody_deadline, coalesce(f.code, '') AS facility_code,
                coalesce(f.timezone, 'UTC') AS facility_timezone,
                a.raised_at, a.title, a.body, COALESCE(o.recipients, '{{}}') AS recipients, COALESCE(o.attempts, 0) AS attempts,
                o.delivered_at, o.last_error, k.at AS acked_at, a.resolved AS resolved
         FROM alerts a
         LEFT JOIN facilities f ON f.id = a.facility_id
         LEFT JOIN bookings b ON b.id = a.booking_id
         LEFT JOIN outbox o ON o.alert_id = a.id
         LEFT JOIN alert_acks k ON k.alert_id = a.id AND k.user_id = $4
         WHERE ($1::bigint[] IS NULL OR a.facility_id = ANY($1) OR (a.facility_id IS NULL AND {about_none})) AND {SEEN}
           AND (NOT $7 OR (k.at IS NULL AND NOT a.resolved))
           AND ($8::text IS NULL OR a.kind = $8)
         ORDER BY (k.at IS NULL AND NOT a.resolved) DESC, coalesce(array_position($9::text[], a.kind), 1000),
                  a.raised_at DESC, a.id DESC
         LIMIT $5 OFFSET $6"
    ))
    .bind(facility_ids)
    .bind(named)
    .bind(clock)
    .bind(me.id)
    .bind(limit)
    .bind(offset)
    .bind(filter.unread_only)
    .bind(filter.kind)
    .bind(filter.by_urgency)
    .bind(me.role)
    .bind(me.agency_id)
    .bind(me.operator)
    .fetch_all(db)
    .await
}

/// The alert's facility, kind and (for one about no facility) agency.
pub async fn get(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<(Option<i64>, AlertKind, Option<i64>)>> {
    let row = sqlx::query!(
        r#"SELECT facility_id, kind AS "kind: AlertKind", agency_id FROM alerts WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.facility_id, r.kind, r.agency_id)))
}

/// Returns false when the user had already acknowledged it.
pub async fn acknowledge(
    db: impl PgExecutor<'_>,
    alert_id: i64,
    user_id: i64,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "INSERT INTO alert_acks (alert_id, user_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        alert_id,
        user_id,
        at as _
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}
