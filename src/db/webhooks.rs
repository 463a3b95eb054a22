//! Webhook endpoints and their outbox (`webhook_deliveries`, filled by triggers, migration 0014).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::mfa::undecodable;
use crate::secrets::Keyring;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Endpoint {
    pub id: i64,
    pub facility: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
}

const ENDPOINTS: &str = "SELECT e.id, f.code AS facility, e.url, e.events, e.created_at
                         FROM webhook_endpoints e JOIN facilities f ON f.id = e.facility_id
                         WHERE e.deleted_at IS NULL";

/// What binds an endpoint's sealed signing secret to its row.
pub fn aad(endpoint_id: i64) -> String {
    format!("webhook_endpoints.secret:{endpoint_id}")
}

/// Registers an endpoint with its signing secret sealed with `keys` (decision 0033); returns
/// its id. Two statements (the seal is bound to the id): run it in a transaction.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut PgConnection,
    keys: &Keyring,
    facility_id: i64,
    url: &str,
    events: &[String],
    secret: &str,
    created_by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    // An empty placeholder until the id is known; never committed as such.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (facility_id, url, events, secret_sealed, secret_key, created_by, created_at)
         VALUES ($1, $2, $3, '\\x', '', $4, $5) RETURNING id",
    )
    .bind(facility_id)
    .bind(url)
    .bind(events)
    .bind(created_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let sealed = keys.seal(&aad(id), secret.as_bytes()).map_err(undecodable)?;
    sqlx::query("UPDATE webhook_endpoints SET secret_sealed = $2, secret_key = $3 WHERE id = $1")
        .bind(id)
        .bind(&sealed.bytes)
        .bind(&sealed.key_id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// Live endpoints, oldest first.
/// The live endpoints of the facilities of `agency` (`None`: every agency's).
pub async fn list(db: impl PgExecutor<'_>, agency: Option<i64>) -> sqlx::Result<Vec<Endpoint>> {
    sqlx::query_as(&format!(
        "{ENDPOINTS} AND ($1::bigint IS NULL OR f.agency_id = $1) ORDER BY e.id"
    ))
    .bind(agency)
    .fetch_all(db)
    .await
}

pub async fn get(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Endpoint>> {
    sqlx::query_as(&format!("{ENDPOINTS} AND e.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Ends an endpoint: its undelivered events are no longer sent. True if it was live.
pub async fn delete(db: impl PgExecutor<'_>, id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE webhook_endpoints SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A delivery claimed for sending, with what signing and sending need.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub webhook_id: String,
    pub body: String,
    /// When it was first tried (this attempt, if it is the first): retries end 72 hours later.
    pub first_attempt_at: DateTime<Utc>,
    /// The lease of this claim: only its holder records the outcome.
    pub leased_until: DateTime<Utc>,
    pub attempts: i32,
    pub url: String,
    /// The endpoint's signing secret, opened with the key file; why not, if it does not open.
    pub secret: Result<String, String>,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    webhook_id: String,
    body: String,
    first_attempt_at: DateTime<Utc>,
    leased_until: DateTime<Utc>,
    attempts: i32,
    url: String,
    endpoint_id: i64,
    secret_sealed: Vec<u8>,
    secret_key: String,
}

/// Claims up to `limit` due deliveries of live endpoints for `lease` (another worker skips them
/// meanwhile) and counts the attempt.
pub async fn claim_due(
    db: impl PgExecutor<'_>,
    keys: &Keyring,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<Due>> {
    let rows: Vec<DueRow> = sqlx::query_as(
        "WITH claimed AS (
             UPDATE webhook_deliveries d SET leased_until = $2, attempts = attempts + 1, last_attempt_at = $1,
                    first_attempt_at = coalesce(d.first_attempt_at, $1)
              WHERE d.id IN (SELECT d2.id FROM webhook_deliveries d2
                               JOIN webhook_endpoints e ON e.id = d2.endpoint_id AND e.deleted_at IS NULL
                              WHERE d2.delivered_at IS NULL AND d2.failed_at IS NULL AND d2.next_attempt_at <= $1
                                AND (d2.leased_until IS NULL OR d2.leased_until < $1)
                              ORDER BY d2.next_attempt_at, d2.id
                              LIMIT $3
                                FOR UPDATE OF d2 SKIP LOCKED)
          RETURNING d.id, d.webhook_id, d.body, d.first_attempt_at, d.leased_until, d.attempts, d.endpoint_id)
         SELECT c.id, c.webhook_id, c.body, c.first_attempt_at, c.leased_until, c.attempts, e.url, c.endpoint_id,
                coalesce(e.secret_sealed, '\\x') AS secret_sealed, coalesce(e.secret_key, '') AS secret_key
           FROM claimed c JOIN webhook_endpoints e ON e.id = c.endpoint_id
          ORDER BY c.id",
    )
    .bind(now)
    .bind(lease_until)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Due {
            secret: keys
                .open_text(&aad(r.endpoint_id), &r.secret_key, &r.secret_sealed)
                .map_err(|e| format!("the endpoint's secret cannot be opened: {e}")),
            id: r.id,
            webhook_id: r.webhook_id,
            body: r.body,
            first_attempt_at: r.first_attempt_at,
            leased_until: r.leased_until,
            attempts: r.attempts,
            url: r.url,
        })
        .collect())
}

/// The outcome of one attempt: delivered, retried at `next`, or given up (`next` None); only
/// by the holder of the lease `lease` (a late worker whose lease ran out records nothing).
#[allow(clippy::too_many_arguments)]
pub async fn record_attempt(
    db: impl PgExecutor<'_>,
    id: i64,
    lease: DateTime<Utc>,
    now: DateTime<Utc>,
    status: Option<i32>,
    error: Option<&str>,
    delivered: bool,
    next: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    if !delivered {
        metrics::counter!("wso_delivery_failures_total", "kind" => "webhook").increment(1);
    }
    sqlx::query(
        "UPDATE webhook_deliveries
            SET leased_until = NULL, last_status = $3, last_error = $4,
                delivered_at = CASE WHEN $5 THEN $2 END,
                failed_at = CASE WHEN NOT $5 AND $6::timestamptz IS NULL THEN $2 END,
                next_attempt_at = coalesce($6, next_attempt_at)
          WHERE id = $1 AND leased_until = $7",
    )
    .bind(id)
    .bind(now)
    .bind(status)
    .bind(error)
    .bind(delivered)
    .bind(next)
    .bind(lease)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub endpoint_id: i64,
    pub webhook_id: String,
    pub event_type: String,
    pub event_at: DateTime<Utc>,
    pub attempts: i32,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
}

/// When the next delivery to a live endpoint falls due (`None`: none waits).
pub async fn next_due(db: impl PgExecutor<'_>) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar(
        "SELECT min(d.next_attempt_at) FROM webhook_deliveries d
           JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.deleted_at IS NULL
          WHERE d.delivered_at IS NULL AND d.failed_at IS NULL",
    )
    .fetch_one(db)
    .await
}

/// The latest `per_endpoint` deliveries of each live endpoint.
pub async fn recent(db: impl PgExecutor<'_>, per_endpoint: i64) -> sqlx::Result<Vec<Delivery>> {
    sqlx::query_as(
        "SELECT d.endpoint_id, d.webhook_id, d.event_type, d.event_at, d.attempts, d.last_attempt_at,
                d.last_status, d.last_error, d.delivered_at, d.failed_at
           FROM webhook_endpoints e
           CROSS JOIN LATERAL (SELECT * FROM webhook_deliveries d WHERE d.endpoint_id = e.id
                                ORDER BY d.id DESC LIMIT $1) d
          WHERE e.deleted_at IS NULL
          ORDER BY e.id, d.id DESC",
    )
    .bind(per_endpoint)
    .fetch_all(db)
    .await
}
