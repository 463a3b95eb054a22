//! SQL only: plain functions taking any executor (pool or transaction).

pub mod agencies;
pub mod agreement;
pub mod alert_count;
pub mod alerts;
pub mod audit;
pub mod audit_search;
pub mod board;
pub mod bookings;
pub mod case_steps;
pub mod certifications;
pub mod claims;
pub mod compliance;
pub mod credentials;
pub mod displays;
pub mod documents;
pub mod duties;
mod encode;
pub mod export;
pub mod facilities;
pub mod handover;
pub mod idempotency;
pub mod imports;
pub mod interpreters;
pub mod logins;
pub mod metrics;
pub mod mfa;
pub mod oversight;
pub mod pickup;
pub mod reports;
pub mod roles;
pub mod scope;
pub mod secrets;
pub mod sessions;
pub mod sso;
pub mod tokens;
pub mod unique;
pub mod users;
pub mod webhooks;

use anyhow::Context;
use sqlx::PgPool;

/// Every migration in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// The session settings every connection of the app starts with: the search's typo tolerance
/// (pg_trgm's `<%` word similarity; its default 0.6 misses "hernadez" for "Hernández").
pub fn with_settings(options: sqlx::postgres::PgConnectOptions) -> sqlx::postgres::PgConnectOptions {
    options.options([("pg_trgm.word_similarity_threshold", "0.5")])
}

/// Runs `write` until it succeeds or `give_up` passes, every 500 ms: for a record that must
/// follow something already done outside the database (a message sent), across a short outage
/// (a restart, a failover; decision 0027).
pub async fn retry_until<F, Fut>(give_up: tokio::time::Instant, what: &str, mut write: F) -> sqlx::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = sqlx::Result<()>>,
{
    loop {
        match write().await {
            Ok(()) => return Ok(()),
            Err(e) if tokio::time::Instant::now() < give_up => {
                tracing::warn!(error = %e, "{what}: cannot record it yet; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The embedded migrations a read-only database lacks (it cannot be migrated): empty when its
/// schema is this binary's.
pub async fn missing_migrations(pool: &PgPool) -> anyhow::Result<Vec<i64>> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(pool)
        .await
        .context("reading the applied migrations")?;
    Ok(MIGRATOR
        .iter()
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect())
}

/// Applies our migrations and the session store's schema.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("applying migrations")?;
    tower_sessions_sqlx_store::PostgresStore::new(pool.clone())
        .migrate()
        .await
        .context("creating the session store")?;
    Ok(())
}

/// Makes the transaction a read-only snapshot (`REPEATABLE READ`, read only): every statement
/// in it sees the database as of its first read (the case page, the compliance report).
pub async fn read_snapshot(conn: &mut sqlx::PgConnection) -> sqlx::Result<()> {
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the database would refuse writes now: a replica (in recovery) or read-only by
/// setting (a primary being demoted). An error when it does not answer.
pub async fn read_only(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT pg_is_in_recovery() OR current_setting('transaction_read_only')::bool")
        .fetch_one(db)
        .await
}
