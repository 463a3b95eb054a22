use std::sync::Arc;

use sqlx::PgPool;

use crate::clock::Clock;
use crate::config::Config;

/// Shared by every handler: the pool, the one clock, the configuration.
#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    /// Reads who asks, and nothing else (`db::scope::accounts_pool`, `auth::accounts`).
    pub accounts: PgPool,
    pub clock: Clock,
    pub config: Arc<Config>,
    /// Set at start when the database connection has more power than the app needs (a
    /// superuser, or the audit log's owner): logged, and shown to admins on every page.
    pub db_warning: Option<Arc<str>>,
    /// The pushed board's listener and fan-out (one per server process).
    pub board: Arc<crate::services::board::Feed>,
    /// Repeated refusals counted in this process (`web::access`, `domain::refusals`).
    pub refusals: Arc<crate::services::audit::Refusals>,
    /// The agencies' identity providers as discovered (single sign-on, `services::sso`).
    pub sso: Arc<crate::services::sso::Providers>,
}

impl AppState {
    pub fn new(db: PgPool, clock: Clock, config: Config) -> Self {
        crate::services::webhooks::install_crypto();
        Self {
            accounts: crate::db::scope::accounts_pool(&db),
            db,
            clock,
            config: Arc::new(config),
            db_warning: None,
            board: Arc::default(),
            refusals: Arc::default(),
            sso: Arc::default(),
        }
    }
}
