//! Failed sign-ins per client address, for throttling. An attempt is counted *before* its
//! password or code is checked ([`reserve`], atomic per address) and uncounted when it succeeds
//! ([`release`]): concurrent attempts from one address cannot all pass the check (issue 26,
//! finding 10: 200 at once got 119 checked against a limit of 10).

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgExecutor, PgPool};

/// Counts an attempt from `ip` at `now`, unless `limit` failures (attempts under way included)
/// from it fall within the minute before: then `Err` with their number and the oldest's time,
/// and nothing is counted. Check and count are one step per address (an advisory lock on the
/// address for the transaction; the count is a statement of its own, so it sees what the
/// previous holder committed).
pub async fn reserve(
    pool: &PgPool,
    ip: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Result<(), (i64, Option<DateTime<Utc>>)>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('login_failures ' || $1, 0))")
        .bind(ip)
        .execute(&mut *tx)
        .await?;
    let (failures, oldest) = recent(&mut *tx, ip, now).await?;
    if failures >= limit {
        tx.rollback().await?;
        return Ok(Err((failures, oldest)));
    }
    record_failure(&mut *tx, ip, now).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Uncounts one attempt [`reserve`]d from `ip` at `now` (it succeeded). Concurrent releases
/// each take a different row (`SKIP LOCKED`: two picking the same one would uncount one).
pub async fn release(db: impl PgExecutor<'_>, ip: &str, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM login_failures
         WHERE ctid = (SELECT ctid FROM login_failures WHERE ip = $1 AND at = $2 LIMIT 1 FOR UPDATE SKIP LOCKED)",
    )
    .bind(ip)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

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
