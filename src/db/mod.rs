//! SQL only: plain functions taking any executor (pool or transaction).

pub mod agreement;
pub mod alerts;
pub mod audit;
pub mod bookings;
pub mod certifications;
pub mod cluster;
pub mod documents;
pub mod duties;
pub mod facilities;
pub mod reports;
pub mod tokens;
pub mod users;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use crate::config::Config;
use cluster::{Durability, PrivateCluster};

/// Every migration in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// The database of the private cluster.
pub const PRIVATE_DATABASE: &str = "wso_tracker";

/// Applies our migrations and the session store's schema.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("applying migrations")?;
    tower_sessions_sqlx_store::PostgresStore::new(pool.clone())
        .migrate()
        .await
        .context("creating the session store")?;
    Ok(())
}

/// Where the database lives: a URL, or the private cluster (started, or joined, on the calling
/// thread, which must outlive it; see `cluster`).
pub struct DatabaseTarget {
    pub options: PgConnectOptions,
    pub cluster: Option<PrivateCluster>,
}

impl DatabaseTarget {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        match &config.database_url {
            Some(url) => {
                let options: PgConnectOptions = url.parse().context("DATABASE_URL is not a PostgreSQL URL")?;
                Ok(Self { options, cluster: None })
            }
            None => {
                let cluster = PrivateCluster::start(&config.data_dir.join("pgdata"), Durability::Full)?;
                let options = cluster.connect_options(PRIVATE_DATABASE);
                Ok(Self {
                    options,
                    cluster: Some(cluster),
                })
            }
        }
    }

    /// Connects, creating the private database on first use.
    pub async fn pool(&self) -> anyhow::Result<PgPool> {
        if let Some(cluster) = &self.cluster {
            create_database_if_missing(cluster.connect_options("postgres"), PRIVATE_DATABASE).await?;
        }
        PgPoolOptions::new()
            .max_connections(20)
            .connect_with(self.options.clone().log_statements(tracing::log::LevelFilter::Debug))
            .await
            .context("connecting to PostgreSQL")
    }
}

pub async fn create_database_if_missing(admin: PgConnectOptions, name: &str) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect_with(&admin)
        .await
        .context("connecting to PostgreSQL")?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        let r = sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await;
        match r {
            // Another process created it meanwhile.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            other => {
                other.context("creating the database")?;
            }
        }
    }
    conn.close().await?;
    Ok(())
}
