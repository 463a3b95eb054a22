//! Multi-factor sign-in: the TOTP secret (sealed with the key file, decision 0033; opened only
//! to check a code), the last time step accepted, and single-use recovery codes (their SHA-256
//! only).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::secrets::{Keyring, SecretError};

/// What binds a user's sealed TOTP secret to its row: copied into another user's row, it does
/// not open.
pub fn aad(user_id: i64) -> String {
    format!("users.mfa_secret:{user_id}")
}

/// A secret that does not open, as the error of the query that read it.
pub(crate) fn undecodable(e: SecretError) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// The user's TOTP secret (base32, opened with `keys`) and the last time step accepted.
pub async fn secret(
    db: impl PgExecutor<'_>,
    keys: &Keyring,
    user_id: i64,
) -> sqlx::Result<Option<(String, Option<i64>)>> {
    let row: Option<(Vec<u8>, String, Option<i64>)> = sqlx::query_as(
        "SELECT mfa_secret_sealed, mfa_secret_key, mfa_last_step FROM users
          WHERE id = $1 AND mfa_secret_sealed IS NOT NULL",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    let Some((sealed, key_id, step)) = row else {
        return Ok(None);
    };
    let secret = keys.open_text(&aad(user_id), &key_id, &sealed).map_err(undecodable)?;
    Ok(Some((secret, step)))
}

/// Enrols the user with `secret` (sealed with `keys`), unless they are already enrolled: false
/// then, and the enrolment they have stays (a second, older setup page cannot replace it).
pub async fn enrol(
    db: impl PgExecutor<'_>,
    keys: &Keyring,
    user_id: i64,
    secret: &str,
    step: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let sealed = keys.seal(&aad(user_id), secret.as_bytes()).map_err(undecodable)?;
    let r = sqlx::query(
        "UPDATE users SET mfa_secret_sealed = $2, mfa_secret_key = $3, mfa_enrolled_at = $5, mfa_last_step = $4
          WHERE id = $1 AND mfa_secret IS NULL AND mfa_secret_sealed IS NULL",
    )
    .bind(user_id)
    .bind(&sealed.bytes)
    .bind(&sealed.key_id)
    .bind(step)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Accepts time step `step` unless it (or a later one) was already used: false on a replay.
pub async fn use_step(db: impl PgExecutor<'_>, user_id: i64, step: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE users SET mfa_last_step = $2 WHERE id = $1 AND (mfa_last_step IS NULL OR mfa_last_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Forgets the secret and the recovery codes: the user enrols again at the next sign-in.
/// False when the user had no MFA.
pub async fn reset(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE users SET mfa_secret = NULL, mfa_secret_sealed = NULL, mfa_secret_key = NULL,
                mfa_enrolled_at = NULL, mfa_last_step = NULL
         WHERE id = $1 AND (mfa_secret IS NOT NULL OR mfa_secret_sealed IS NOT NULL)",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Replaces the user's recovery codes with these (SHA-256 of each).
pub async fn set_recovery_codes(
    conn: &mut PgConnection,
    user_id: i64,
    hashes: &[Vec<u8>],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO recovery_codes (user_id, code_hash, created_at) SELECT $1, h, $3 FROM unnest($2::bytea[]) h",
    )
    .bind(user_id)
    .bind(hashes)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Spends an unused recovery code of the user: false when there is no such unused code.
pub async fn use_recovery_code(
    db: impl PgExecutor<'_>,
    user_id: i64,
    hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r =
        sqlx::query("UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL")
            .bind(user_id)
            .bind(hash)
            .bind(now)
            .execute(db)
            .await?;
    Ok(r.rows_affected() == 1)
}
