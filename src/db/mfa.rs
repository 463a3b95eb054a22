//! Multi-factor sign-in: the TOTP secret (read only to check a code), the last time step
//! accepted, and single-use recovery codes (their SHA-256 only).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// The user's TOTP secret (base32) and the last time step accepted.
pub async fn secret(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<Option<(String, Option<i64>)>> {
    sqlx::query_as("SELECT mfa_secret, mfa_last_step FROM users WHERE id = $1 AND mfa_secret IS NOT NULL")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

pub async fn enrol(
    db: impl PgExecutor<'_>,
    user_id: i64,
    secret: &str,
    step: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET mfa_secret = $2, mfa_enrolled_at = $4, mfa_last_step = $3 WHERE id = $1")
        .bind(user_id)
        .bind(secret)
        .bind(step)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
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
        "UPDATE users SET mfa_secret = NULL, mfa_enrolled_at = NULL, mfa_last_step = NULL
         WHERE id = $1 AND mfa_secret IS NOT NULL",
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
