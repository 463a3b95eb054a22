//! The append-only audit log. Only INSERT and SELECT exist here; the database refuses the rest.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgExecutor;

use crate::domain::chain::Link;

/// One entry. `at` is when it happened; `recorded_at` is the application's clock when it writes
/// the entry, stored as `entered_at` (the same clock as `at`). The database assigns the id and
/// sets the column `recorded_at` to its own clock itself, whatever a statement says (migration
/// 0020, decision 0034).
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub ip: Option<String>,
    pub detail: Value,
    /// The case this entry is an event of.
    pub booking_id: Option<i64>,
}

pub async fn record(db: impl PgExecutor<'_>, e: NewEntry<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, entered_at, actor_id, actor, action, ip, detail, booking_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.at)
    .bind(e.recorded_at)
    .bind(e.actor_id)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.ip)
    .bind(e.detail)
    .bind(e.booking_id)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The database's clock when the entry joined the log.
    pub recorded_at: DateTime<Utc>,
    /// The application's clock when it wrote the entry (none before migration 0020).
    pub entered_at: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    pub action: String,
    pub ip: Option<String>,
    pub detail: Value,
}

/// Audit actions that record a look at a case, not a change to it: kept out of its timeline.
pub const ACCESS_ACTIONS: &[&str] = &["record_viewed"];

/// A case's events in the order they happened (its views are in the audit log, not here).
pub async fn for_booking(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as(
        "SELECT id, at, recorded_at, entered_at, actor, action, ip, detail FROM audit_log
         WHERE booking_id = $1 AND action <> ALL($2) ORDER BY at, id",
    )
    .bind(booking_id)
    .bind(ACCESS_ACTIONS)
    .fetch_all(db)
    .await
}

pub async fn last_id_for_booking(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT max(id) FROM audit_log WHERE booking_id = $1")
        .bind(booking_id)
        .fetch_one(db)
        .await
}

/// (chain position, id, prev hash, hash, canonical bytes)
type LinkRow = (i64, i64, Vec<u8>, Vec<u8>, Vec<u8>);

/// Up to `limit` links of the chain `chain` (0: the installation's; else an agency's id) after
/// position `after_seq`, in chain order, with their canonical bytes as stored now.
pub async fn links_after(db: impl PgExecutor<'_>, chain: i64, after_seq: i64, limit: i64) -> sqlx::Result<Vec<Link>> {
    let rows: Vec<LinkRow> = sqlx::query_as(
        "SELECT a.chain_seq, a.id, a.prev_hash, a.hash, audit_canonical(a)
         FROM audit_log a WHERE a.chain = $3 AND a.chain_seq > $1 ORDER BY a.chain_seq LIMIT $2",
    )
    .bind(after_seq)
    .bind(limit)
    .bind(chain)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, id, prev_hash, hash, canonical)| Link {
            seq,
            id,
            prev_hash,
            hash,
            canonical,
        })
        .collect())
}

/// One entry's place as the order checks see it: (chain position, id, recorded_at, written
/// since migration 0020: its id and `recorded_at` are the database's).
pub type Order = (i64, i64, DateTime<Utc>, bool);

/// Up to `limit` entries after position `after_seq` (from `after_seq` itself with
/// `inclusive`), in chain order, for the check that ids and `recorded_at` only increase.
pub async fn order_after(
    db: impl PgExecutor<'_>,
    chain: i64,
    after_seq: i64,
    inclusive: bool,
    limit: i64,
) -> sqlx::Result<Vec<Order>> {
    sqlx::query_as(
        "SELECT chain_seq, id, recorded_at, entered_at IS NOT NULL FROM audit_log
         WHERE chain = $4 AND chain_seq > $1 - $2::int ORDER BY chain_seq LIMIT $3",
    )
    .bind(after_seq)
    .bind(i32::from(inclusive))
    .bind(limit)
    .bind(chain)
    .fetch_all(db)
    .await
}

/// The hash of the entry at `seq` (the chain's start for a check that resumes there).
pub async fn hash_at(db: impl PgExecutor<'_>, chain: i64, seq: i64) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT hash FROM audit_log WHERE chain = $2 AND chain_seq = $1")
        .bind(seq)
        .bind(chain)
        .fetch_optional(db)
        .await
}

/// A chain's head as the database keeps it: (position, hash).
pub async fn head(db: impl PgExecutor<'_>, chain: i64) -> sqlx::Result<(i64, Vec<u8>)> {
    sqlx::query_as("SELECT seq, hash FROM audit_head WHERE chain = $1")
        .bind(chain)
        .fetch_one(db)
        .await
}

/// Every chain (decision 0037): the installation's (0, no code) first, then each agency's
/// (its id and code), by code.
pub async fn chains(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(i64, Option<String>)>> {
    sqlx::query_as(
        "SELECT h.chain, a.code FROM audit_head h LEFT JOIN agencies a ON a.id = h.chain
         ORDER BY h.chain <> 0, a.code",
    )
    .fetch_all(db)
    .await
}

/// Entries of one actor and action written at once, each with its own time, case and detail
/// (one statement; the chain is extended in the order given).
pub async fn record_many(
    db: impl PgExecutor<'_>,
    common: NewEntry<'_>,
    rows: &[(DateTime<Utc>, Option<i64>, Value)],
) -> sqlx::Result<()> {
    let at: Vec<DateTime<Utc>> = rows.iter().map(|r| r.0).collect();
    let booking: Vec<Option<i64>> = rows.iter().map(|r| r.1).collect();
    let detail: Vec<Value> = rows.iter().map(|r| r.2.clone()).collect();
    sqlx::query(
        "INSERT INTO audit_log (at, entered_at, actor_id, actor, action, ip, detail, booking_id)
         SELECT a, $4, $5, $6, $7, $8, d, b
         FROM UNNEST($1::timestamptz[], $2::bigint[], $3::jsonb[]) WITH ORDINALITY AS u(a, b, d, i)
         ORDER BY i",
    )
    .bind(at)
    .bind(booking)
    .bind(detail)
    .bind(common.recorded_at)
    .bind(common.actor_id)
    .bind(common.actor)
    .bind(common.action)
    .bind(common.ip)
    .execute(db)
    .await?;
    Ok(())
}
