//! Idempotency keys of `POST /api/v1/...` (migration 0014, decision 0025). The saved answer is
//! sealed with the key file (migration 0019, decision 0033): it can hold a case's details.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::mfa::undecodable;
use crate::secrets::Keyring;

/// What a key already holds (the answer opened).
#[derive(Debug, Clone)]
pub struct Stored {
    pub request_hash: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub status: Option<i16>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
    /// The role and facilities of the caller the answer was given to.
    pub caller: Option<String>,
}

/// What binds a saved answer to its row.
pub fn aad(token_hash: &[u8], key: &str) -> String {
    let hex: String = token_hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("idempotency_keys.body:{hex}:{key}")
}

/// Claims the key for this request; false if the token already used it.
pub async fn claim(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    key: &str,
    request_hash: &[u8],
    claim_id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO idempotency_keys (token_hash, key, request_hash, claim_id, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING",
    )
    .bind(token_hash)
    .bind(key)
    .bind(request_hash)
    .bind(claim_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(
    db: impl PgExecutor<'_>,
    keys: &Keyring,
    token_hash: &[u8],
    key: &str,
) -> sqlx::Result<Option<Stored>> {
    #[allow(clippy::type_complexity)]
    let row: Option<(
        Vec<u8>,
        DateTime<Utc>,
        Option<i16>,
        Option<String>,
        Option<Vec<u8>>,
        Option<String>,
        Option<String>,
    )> = sqlx::query_as(
        "SELECT request_hash, created_at, status, content_type, body, body_key, caller FROM idempotency_keys
          WHERE token_hash = $1 AND key = $2",
    )
    .bind(token_hash)
    .bind(key)
    .fetch_optional(db)
    .await?;
    let Some((request_hash, created_at, status, content_type, body, body_key, caller)) = row else {
        return Ok(None);
    };
    let body = match (body, body_key) {
        (Some(sealed), Some(key_id)) => Some(
            keys.open(&aad(token_hash, key), &key_id, &sealed)
                .map_err(undecodable)?,
        ),
        // Written before migration 0019 and not sealed yet: never replayed (no caller either).
        (Some(_), None) => None,
        (None, _) => None,
    };
    Ok(Some(Stored {
        request_hash,
        created_at,
        status,
        content_type,
        body,
        caller,
    }))
}

/// Keeps the first response, its body sealed with `keys`, and who it was given to.
#[allow(clippy::too_many_arguments)]
pub async fn complete(
    db: impl PgExecutor<'_>,
    keys: &Keyring,
    token_hash: &[u8],
    key: &str,
    claim_id: Uuid,
    status: i16,
    content_type: Option<&str>,
    body: &[u8],
    caller: &str,
) -> sqlx::Result<()> {
    let sealed = keys.seal(&aad(token_hash, key), body).map_err(undecodable)?;
    sqlx::query(
        "UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5, body_key = $7, caller = $8
          WHERE token_hash = $1 AND key = $2 AND status IS NULL AND claim_id = $6",
    )
    .bind(token_hash)
    .bind(key)
    .bind(status)
    .bind(content_type)
    .bind(&sealed.bytes)
    .bind(claim_id)
    .bind(&sealed.key_id)
    .bind(caller)
    .execute(db)
    .await?;
    Ok(())
}

/// Frees a key whose request did not complete (a server error): a retry runs again.
pub async fn release(db: impl PgExecutor<'_>, token_hash: &[u8], key: &str, claim_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE token_hash = $1 AND key = $2 AND status IS NULL AND claim_id = $3")
        .bind(token_hash)
        .bind(key)
        .bind(claim_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Renews the claim of a request still running (the database's clock).
pub async fn beat(db: impl PgExecutor<'_>, token_hash: &[u8], key: &str, claim_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET heartbeat_at = now()
          WHERE token_hash = $1 AND key = $2 AND status IS NULL AND claim_id = $3",
    )
    .bind(token_hash)
    .bind(key)
    .bind(claim_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Takes over a key left in progress whose heartbeat stopped `stale_secs` ago: its request can
/// no longer finish (its process died, or the database went away under it).
pub async fn take_over(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    key: &str,
    stale_secs: f64,
    claim_id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE idempotency_keys SET created_at = $4, heartbeat_at = now(), claim_id = $5
          WHERE token_hash = $1 AND key = $2 AND status IS NULL
            AND heartbeat_at < now() - make_interval(secs => $3)",
    )
    .bind(token_hash)
    .bind(key)
    .bind(stale_secs)
    .bind(now)
    .bind(claim_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets keys older than 48 hours (the contract keeps them at least 24).
pub async fn purge_expired(db: impl PgExecutor<'_>, now: DateTime<Utc>) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(now - chrono::Duration::hours(48))
        .execute(db)
        .await?
        .rows_affected())
}
