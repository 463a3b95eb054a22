//! Where the database lives: a `DATABASE_URL`, or the private cluster this process starts.

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection, PgPool};

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::cluster::{Durability, PrivateCluster};
use crate::config::Config;
use crate::db::{self, roles, scope::RowScope};
use crate::domain::db_link::{DbLink, DbTls, database_link};

/// How long a request waits for a database connection before answering 503.
pub const DB_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The database of the private cluster.
pub const PRIVATE_DATABASE: &str = "wso_tracker";

/// Where the database lives, and as whom to connect: the app role for the server, the owner
/// role for migrations (decision 0017). With `DATABASE_URL` these are that URL and
/// `DATABASE_OWNER_URL` (default: the same); with the private cluster, the roles `wso_app` and
/// `wso_owner`, created on first start with passwords kept in `WSO_DATA_DIR/db-roles` (0600).
pub struct DatabaseTarget {
    pub app: PgConnectOptions,
    pub owner: PgConnectOptions,
    /// The private cluster's superuser, to create the database and the roles, and the roles'
    /// passwords (owner, app).
    admin: Option<(PgConnectOptions, String, String)>,
    pub cluster: Option<PrivateCluster>,
    /// Set when a URL leaves this machine without TLS under `WSO_ALLOW_PLAINTEXT_DATABASE=true`:
    /// the warning (logged at start, shown to admins).
    pub plaintext: Option<String>,
}

impl DatabaseTarget {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        match &config.database_url {
            Some(url) => {
                let app: PgConnectOptions = url.parse().context("DATABASE_URL is not a PostgreSQL URL")?;
                let owner: PgConnectOptions = match &config.database_owner_url {
                    Some(o) => o.parse().context("DATABASE_OWNER_URL is not a PostgreSQL URL")?,
                    None => app.clone(),
                };
                // Refused before anything connects: CJI does not cross a network in the clear.
                let mut plaintext = None;
                let mut urls = vec![("DATABASE_URL", &app)];
                if config.database_owner_url.is_some() {
                    urls.push(("DATABASE_OWNER_URL", &owner));
                }
                for (what, options) in urls {
                    if let DbLink::PlaintextAllowed(warning) =
                        link_of(what, options, config.allow_plaintext_database).map_err(anyhow::Error::msg)?
                    {
                        tracing::warn!("{warning}");
                        plaintext.get_or_insert(warning);
                    }
                }
                Ok(Self {
                    app,
                    owner,
                    admin: None,
                    cluster: None,
                    plaintext,
                })
            }
            None => {
                let cluster = PrivateCluster::start(&config.data_dir.join("pgdata"), Durability::Full)?;
                let (owner_pw, app_pw) = role_passwords(&config.data_dir)?;
                let base = cluster.connect_options(PRIVATE_DATABASE);
                Ok(Self {
                    app: base.clone().username(roles::APP).password(&app_pw),
                    owner: base.username(roles::OWNER).password(&owner_pw),
                    admin: Some((cluster.connect_options("postgres"), owner_pw.clone(), app_pw.clone())),
                    cluster: Some(cluster),
                    plaintext: None,
                })
            }
        }
    }

    /// Makes the database ready and connects the server: (private cluster) the database, the
    /// roles and their ownership; then the migrations as the owner, the app role's grants; and
    /// returns the app role's pool, whose connections see the rows of `rows` when the task
    /// that takes one has no scope of its own (`db::scope`: nothing for the server, every row
    /// for a command).
    pub async fn prepare(&self, rows: RowScope) -> anyhow::Result<PgPool> {
        if let Some((admin, owner_pw, app_pw)) = &self.admin {
            create_database_if_missing(admin.clone(), PRIVATE_DATABASE).await?;
            let mut conn = sqlx::PgConnection::connect_with(&admin.clone().database(PRIVATE_DATABASE))
                .await
                .context("connecting to the private PostgreSQL")?;
            roles::ensure_role(&mut conn, roles::OWNER, owner_pw).await?;
            roles::ensure_role(&mut conn, roles::APP, app_pw).await?;
            roles::hand_over(&mut conn, PRIVATE_DATABASE, roles::OWNER).await?;
            conn.close().await?;
        }
        // The owner migrates: a migration that moves data sees every agency's rows.
        let owner = db::scope::pool_options(RowScope::System)
            .max_connections(2)
            .connect_with(self.owner.clone().log_statements(tracing::log::LevelFilter::Debug))
            .await
            .map_err(|e| explain_tls(e, &self.owner))
            .context("connecting to PostgreSQL as the schema owner")?;
        let app_role = self.app.get_username().to_string();
        // A replica or a read-only database (a restored backup checked read-only, a primary
        // being demoted) cannot be migrated: serve it as it is if its schema is ours.
        if db::read_only(&owner)
            .await
            .context("asking whether the database takes writes")?
        {
            let missing = db::missing_migrations(&owner).await?;
            if !missing.is_empty() {
                anyhow::bail!(
                    "the database is read-only and lacks migrations {missing:?}: start against the primary first"
                );
            }
            tracing::warn!("the database is read-only: no migrations applied; writes will be refused (503)");
        } else {
            crate::db::migrate(&owner).await?;
        }
        if app_role != self.owner.get_username() && !db::read_only(&owner).await? {
            roles::grant_app(&owner, &app_role)
                .await
                .context("granting the app role its rights")?;
        }
        owner.close().await;
        db::scope::pool_options(rows)
            .max_connections(20)
            // While the database is away (a failover) a request waits this long for a
            // connection, then answers 503 (decision 0027), well within the request timeout.
            .acquire_timeout(DB_WAIT)
            .connect_with(db::with_settings(self.app.clone()).log_statements(tracing::log::LevelFilter::Debug))
            .await
            .map_err(|e| explain_tls(e, &self.app))
            .context("connecting to PostgreSQL")
    }
}

/// Whether the connection `options` describe may be used ([`database_link`]), judged on what
/// the driver will do: the host after `hostaddr`, a socket given by `host=/path`, `sslmode`
/// (also from `PGSSLMODE`).
pub fn link_of(what: &str, options: &PgConnectOptions, allow_plaintext: bool) -> Result<DbLink, String> {
    database_link(
        what,
        options.get_host(),
        options.get_socket().is_some(),
        match options.get_ssl_mode() {
            PgSslMode::Require | PgSslMode::VerifyCa | PgSslMode::VerifyFull => DbTls::Required,
            PgSslMode::Disable | PgSslMode::Allow | PgSslMode::Prefer => DbTls::Optional,
        },
        allow_plaintext,
    )
}

/// A refused server certificate, said in words before the driver's own (rustls's names).
fn explain_tls(e: sqlx::Error, options: &PgConnectOptions) -> anyhow::Error {
    let text = e.to_string();
    let why = if text.contains("UnknownIssuer") {
        "the database server's TLS certificate is not signed by a CA in sslrootcert".to_string()
    } else if text.contains("NotValidForName") || text.contains("not valid for name") {
        format!(
            "the database server's TLS certificate does not name the host {}: connect by a name (or address) the certificate carries",
            options.get_host()
        )
    } else if text.contains("certificate") {
        "the database server's TLS certificate was refused".to_string()
    } else {
        return e.into();
    };
    anyhow::Error::new(e).context(why)
}

/// The owner's and the app's passwords for the private cluster, made on first use and kept in
/// `data_dir/db-roles` (mode 0600).
fn role_passwords(data_dir: &Path) -> anyhow::Result<(String, String)> {
    let path = data_dir.join("db-roles");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let mut lines = text.lines().filter_map(|l| l.split_once(' '));
        if let (Some((_, owner)), Some((_, app))) = (lines.next(), lines.next()) {
            return Ok((owner.to_string(), app.to_string()));
        }
    }
    let new = || crate::auth::token::generate().trim_start_matches("wso_")[..32].to_string();
    let (owner, app) = (new(), new());
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(f, "{} {owner}\n{} {app}", roles::OWNER, roles::APP)?;
    Ok((owner, app))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn link(url: &str) -> Result<DbLink, String> {
        link_of("DATABASE_URL", &url.parse().unwrap(), false)
    }

    #[test]
    fn urls_are_judged_as_the_driver_will_connect() {
        for mode in ["require", "verify-ca", "verify-full"] {
            assert_eq!(
                link(&format!("postgres://u@db.county.gov/w?sslmode={mode}")),
                Ok(DbLink::Encrypted)
            );
        }
        for mode in ["disable", "allow", "prefer"] {
            assert!(
                link(&format!("postgres://u@db.county.gov/w?sslmode={mode}")).is_err(),
                "{mode}"
            );
        }
        assert!(
            link("postgres://u@db.county.gov/w").is_err(),
            "the default, prefer, may fall back to plain text"
        );
        assert!(link("postgres://u@10.1.2.3:5433/w").is_err());
        assert_eq!(link("postgres://u@localhost/w"), Ok(DbLink::Local));
        assert_eq!(link("postgres://u@127.0.0.1/w"), Ok(DbLink::Local));
        assert_eq!(link("postgres://u@[::1]:5432/w"), Ok(DbLink::Local));
        // A Unix socket: as the query's host, or percent-encoded as the URL's host.
        assert_eq!(
            link("postgres://u@localhost/w?host=/var/run/postgresql"),
            Ok(DbLink::Local)
        );
        assert_eq!(
            link("postgres://u@db.county.gov/w?host=/var/run/postgresql"),
            Ok(DbLink::Local)
        );
        assert_eq!(link("postgres://u@%2Fvar%2Frun%2Fpostgresql/w"), Ok(DbLink::Local));
        // `hostaddr` is where the driver connects.
        assert!(link("postgres://u@localhost/w?hostaddr=10.1.2.3").is_err());
        assert_eq!(
            link("postgres://u@db.county.gov/w?hostaddr=127.0.0.1"),
            Ok(DbLink::Local)
        );
        let allowed = link_of("DATABASE_URL", &"postgres://u@db.county.gov/w".parse().unwrap(), true);
        assert!(matches!(allowed, Ok(DbLink::PlaintextAllowed(_))), "{allowed:?}");
    }
}
