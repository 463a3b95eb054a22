//! Failed sign-ins per client address, for throttling.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgExecutor;

pub async fn record_failure(db: impl PgExecutor<'_>, ip: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO login_failures (ip, at) VALUES ($1, $2)")
        .bind(ip)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Failures from `ip` in the minute before `now`, and the oldest of them.
pub async fn recent(
    db: impl PgExecutor<'_>,
    ip: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<(i64, Option<DateTime<Utc>>)> {
    sqlx::query_as("SELECT count(*), min(at) FROM login_failures WHERE ip = $1 AND at > $2 AND at <= $3")
        .bind(ip)
        .bind(now - Duration::minutes(1))
        .bind(now)
        .fetch_one(db)
        .await
}

/// Forgets failures older than an hour.
pub async fn prune(db: impl PgExecutor<'_>, now: DateTime<Utc>) -> sqlx::Result<u64> {
    let r = sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(now - Duration::hours(1))
        .execute(db)
        .await?;
    Ok(r.rows_affected())
}
