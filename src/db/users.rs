use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::Role;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub email: Option<String>,
    pub password_hash: String,
    pub failed_logins: i32,
    pub locked_at: Option<DateTime<Utc>>,
    /// Codes of the facilities the user works at.
    pub facilities: Vec<String>,
    /// Ids of the same facilities, for scoping queries.
    pub facility_ids: Vec<i64>,
}

impl User {
    pub fn is_locked(&self) -> bool {
        self.locked_at.is_some()
    }
}

const SELECT: &str = "SELECT u.id, u.username, u.role, u.email, u.password_hash, u.failed_logins, u.locked_at,
        COALESCE(array_agg(f.code ORDER BY f.code) FILTER (WHERE f.id IS NOT NULL), '{}') AS facilities,
        COALESCE(array_agg(f.id ORDER BY f.code) FILTER (WHERE f.id IS NOT NULL), '{}') AS facility_ids
    FROM users u
    LEFT JOIN user_facilities uf ON uf.user_id = u.id
    LEFT JOIN facilities f ON f.id = uf.facility_id";

pub async fn count(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(db).await
}

pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("{SELECT} WHERE u.id = $1 GROUP BY u.id"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_username(db: impl PgExecutor<'_>, username: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("{SELECT} WHERE u.username = $1 GROUP BY u.id"))
        .bind(username)
        .fetch_optional(db)
        .await
}

/// Same as `by_username`, locking the row so concurrent logins count failures one by one.
pub async fn by_username_for_update(db: impl PgExecutor<'_>, username: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE u.id = (SELECT id FROM users WHERE username = $1 FOR UPDATE) GROUP BY u.id"
    ))
    .bind(username)
    .fetch_optional(db)
    .await
}

pub async fn all(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<User>> {
    sqlx::query_as(&format!("{SELECT} GROUP BY u.id ORDER BY u.username"))
        .fetch_all(db)
        .await
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    username: &str,
    role: Role,
    email: Option<&str>,
    password_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (username, role, email, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(username)
    .bind(role)
    .bind(email)
    .bind(password_hash)
    .bind(now)
    .fetch_one(db)
    .await
}

/// Replaces the user's facilities with those `codes` (all of which must exist: checked by caller).
pub async fn set_facilities(conn: &mut sqlx::PgConnection, user_id: i64, codes: &[String]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM user_facilities WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO user_facilities (user_id, facility_id) SELECT $1, id FROM facilities WHERE code = ANY($2)",
    )
    .bind(user_id)
    .bind(codes)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_role(db: impl PgExecutor<'_>, user_id: i64, role: Role) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
        .bind(user_id)
        .bind(role)
        .execute(db)
        .await?;
    Ok(())
}

/// Counts a failed login and locks the account at `lock_after` consecutive failures.
/// Returns the new count and whether this failure locked it.
pub async fn record_failed_login(
    db: impl PgExecutor<'_>,
    user_id: i64,
    lock_after: i32,
    now: DateTime<Utc>,
) -> sqlx::Result<(i32, bool)> {
    sqlx::query_as(
        "UPDATE users SET failed_logins = failed_logins + 1,
                locked_at = CASE WHEN locked_at IS NULL AND failed_logins + 1 >= $2 THEN $3 ELSE locked_at END
         WHERE id = $1
         RETURNING failed_logins, COALESCE(locked_at = $3, false)",
    )
    .bind(user_id)
    .bind(lock_after)
    .bind(now)
    .fetch_one(db)
    .await
}

pub async fn reset_failed_logins(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET failed_logins = 0 WHERE id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Returns false when the account was not locked.
pub async fn unlock(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE users SET locked_at = NULL, failed_logins = 0 WHERE id = $1 AND locked_at IS NOT NULL")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Holds an officer's credentials still while a warrant is served on them (`FOR SHARE`): a
/// revocation or any other credential change ([`lock_credentials`]) waits until the service
/// commits, and a service waits for a change in progress and then reads its result.
pub async fn share_credentials(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR SHARE")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Locks an officer's credentials for a change (`FOR NO KEY UPDATE`; see [`share_credentials`]).
pub async fn lock_credentials(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
