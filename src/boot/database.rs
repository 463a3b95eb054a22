//! Where the database lives: a `DATABASE_URL`, or the private cluster this process starts.

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use super::cluster::{Durability, PrivateCluster};
use crate::config::Config;

/// The database of the private cluster.
pub const PRIVATE_DATABASE: &str = "wso_tracker";

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
