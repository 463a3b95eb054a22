//! The sealed secrets as a whole (decision 0033): how many there are under each key, and
//! sealing them again (a rotation) or for the first time (rows written before migration 0019,
//! in clear). Each row is rewritten only if it still holds what was read (compare and set), so
//! an enrolment or an answer written meanwhile by a running server is never overwritten.

use sqlx::PgExecutor;

use super::mfa::undecodable;
use crate::secrets::Keyring;

/// What kind of secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Totp,
    Webhook,
    Answer,
    /// An agency's identity provider's client secret (single sign-on).
    SsoClient,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Totp, Kind::Webhook, Kind::Answer, Kind::SsoClient];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Totp => "TOTP secrets",
            Kind::Webhook => "webhook signing secrets",
            Kind::Answer => "saved API answers",
            Kind::SsoClient => "identity provider client secrets",
        }
    }
}

/// How many secrets of each kind are stored under each key id (`None`: in clear).
pub async fn census(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(Kind, Option<String>, i64)>> {
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT 'totp', mfa_secret_key, count(*) FROM users
          WHERE mfa_secret IS NOT NULL OR mfa_secret_sealed IS NOT NULL GROUP BY 2
         UNION ALL
         SELECT 'webhook', secret_key, count(*) FROM webhook_endpoints GROUP BY 2
         UNION ALL
         SELECT 'answer', body_key, count(*) FROM idempotency_keys WHERE body IS NOT NULL GROUP BY 2
         UNION ALL
         SELECT 'sso', secret_key, count(*) FROM agency_sso GROUP BY 2",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, key, n)| {
            let kind = match kind.as_str() {
                "totp" => Kind::Totp,
                "webhook" => Kind::Webhook,
                "sso" => Kind::SsoClient,
                _ => Kind::Answer,
            };
            (kind, key, n)
        })
        .collect())
}

/// Seals again, under the newest key of `keys`, up to `limit` secrets of `kind` that are in
/// clear or under another key; returns how many were found (0: none is left) and how many
/// rewritten (fewer when a row changed meanwhile: it is found again next time).
pub async fn reseal_some(db: &sqlx::PgPool, keys: &Keyring, kind: Kind, limit: i64) -> sqlx::Result<(u64, u64)> {
    let newest = keys.newest().map_err(undecodable)?;
    match kind {
        Kind::Totp => reseal_totp(db, keys, &newest, limit).await,
        Kind::Webhook => reseal_webhooks(db, keys, &newest, limit).await,
        Kind::Answer => reseal_answers(db, keys, &newest, limit).await,
        Kind::SsoClient => reseal_sso(db, keys, &newest, limit).await,
    }
}

type Row<Id> = (Id, Option<String>, Option<Vec<u8>>, Option<String>);

/// The plain text of a row: its clear column, or its sealed one opened.
fn plain<Id>(keys: &Keyring, aad: &str, row: &Row<Id>) -> sqlx::Result<Vec<u8>> {
    match row {
        (_, Some(clear), _, _) => Ok(clear.clone().into_bytes()),
        (_, None, Some(sealed), Some(key_id)) => keys.open(aad, key_id, sealed).map_err(undecodable),
        _ => Err(sqlx::Error::Decode(
            "a secret row holds neither a clear nor a sealed value".into(),
        )),
    }
}

async fn reseal_totp(db: &sqlx::PgPool, keys: &Keyring, newest: &str, limit: i64) -> sqlx::Result<(u64, u64)> {
    let rows: Vec<Row<i64>> = sqlx::query_as(
        "SELECT id, mfa_secret, mfa_secret_sealed, mfa_secret_key FROM users
          WHERE mfa_secret IS NOT NULL OR (mfa_secret_sealed IS NOT NULL AND mfa_secret_key <> $1)
          ORDER BY id LIMIT $2",
    )
    .bind(newest)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut done = 0;
    for row in &rows {
        let aad = super::mfa::aad(row.0);
        let sealed = keys.seal(&aad, &plain(keys, &aad, row)?).map_err(undecodable)?;
        done += sqlx::query(
            "UPDATE users SET mfa_secret = NULL, mfa_secret_sealed = $2, mfa_secret_key = $3
              WHERE id = $1 AND mfa_secret IS NOT DISTINCT FROM $4
                AND mfa_secret_sealed IS NOT DISTINCT FROM $5 AND mfa_secret_key IS NOT DISTINCT FROM $6",
        )
        .bind(row.0)
        .bind(&sealed.bytes)
        .bind(&sealed.key_id)
        .bind(&row.1)
        .bind(&row.2)
        .bind(&row.3)
        .execute(db)
        .await?
        .rows_affected();
    }
    Ok((rows.len() as u64, done))
}

async fn reseal_webhooks(db: &sqlx::PgPool, keys: &Keyring, newest: &str, limit: i64) -> sqlx::Result<(u64, u64)> {
    let rows: Vec<Row<i64>> = sqlx::query_as(
        "SELECT id, secret, secret_sealed, secret_key FROM webhook_endpoints
          WHERE secret IS NOT NULL OR secret_key <> $1
          ORDER BY id LIMIT $2",
    )
    .bind(newest)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut done = 0;
    for row in &rows {
        let aad = super::webhooks::aad(row.0);
        let sealed = keys.seal(&aad, &plain(keys, &aad, row)?).map_err(undecodable)?;
        done += sqlx::query(
            "UPDATE webhook_endpoints SET secret = NULL, secret_sealed = $2, secret_key = $3
              WHERE id = $1 AND secret IS NOT DISTINCT FROM $4
                AND secret_sealed IS NOT DISTINCT FROM $5 AND secret_key IS NOT DISTINCT FROM $6",
        )
        .bind(row.0)
        .bind(&sealed.bytes)
        .bind(&sealed.key_id)
        .bind(&row.1)
        .bind(&row.2)
        .bind(&row.3)
        .execute(db)
        .await?
        .rows_affected();
    }
    Ok((rows.len() as u64, done))
}

async fn reseal_answers(db: &sqlx::PgPool, keys: &Keyring, newest: &str, limit: i64) -> sqlx::Result<(u64, u64)> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(Vec<u8>, String, Vec<u8>, Option<String>)> = sqlx::query_as(
        "SELECT token_hash, key, body, body_key FROM idempotency_keys
          WHERE body IS NOT NULL AND (body_key IS NULL OR body_key <> $1)
          ORDER BY created_at LIMIT $2",
    )
    .bind(newest)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut done = 0;
    for (token_hash, key, body, body_key) in &rows {
        let aad = super::idempotency::aad(token_hash, key);
        let plain = match body_key {
            Some(id) => keys.open(&aad, id, body).map_err(undecodable)?,
            None => body.clone(),
        };
        let sealed = keys.seal(&aad, &plain).map_err(undecodable)?;
        done += sqlx::query(
            "UPDATE idempotency_keys SET body = $3, body_key = $4
              WHERE token_hash = $1 AND key = $2 AND body = $5 AND body_key IS NOT DISTINCT FROM $6",
        )
        .bind(token_hash)
        .bind(key)
        .bind(&sealed.bytes)
        .bind(&sealed.key_id)
        .bind(body)
        .bind(body_key)
        .execute(db)
        .await?
        .rows_affected();
    }
    Ok((rows.len() as u64, done))
}

async fn reseal_sso(db: &sqlx::PgPool, keys: &Keyring, newest: &str, limit: i64) -> sqlx::Result<(u64, u64)> {
    let rows: Vec<(i64, Vec<u8>, String)> = sqlx::query_as(
        "SELECT agency_id, secret_sealed, secret_key FROM agency_sso WHERE secret_key <> $1 ORDER BY agency_id LIMIT $2",
    )
    .bind(newest)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut done = 0;
    for (agency_id, sealed, key_id) in &rows {
        let aad = super::sso::aad(*agency_id);
        let plain = keys.open(&aad, key_id, sealed).map_err(undecodable)?;
        let again = keys.seal(&aad, &plain).map_err(undecodable)?;
        done += sqlx::query(
            "UPDATE agency_sso SET secret_sealed = $2, secret_key = $3
              WHERE agency_id = $1 AND secret_sealed = $4 AND secret_key = $5",
        )
        .bind(agency_id)
        .bind(&again.bytes)
        .bind(&again.key_id)
        .bind(sealed)
        .bind(key_id)
        .execute(db)
        .await?
        .rows_affected();
    }
    Ok((rows.len() as u64, done))
}
