use std::sync::Arc;

use sqlx::PgPool;

use crate::clock::Clock;
use crate::config::Config;

/// Shared by every handler: the pool, the one clock, the configuration.
#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub clock: Clock,
    pub config: Arc<Config>,
}

impl AppState {
    pub fn new(db: PgPool, clock: Clock, config: Config) -> Self {
        Self {
            db,
            clock,
            config: Arc::new(config),
        }
    }
}
