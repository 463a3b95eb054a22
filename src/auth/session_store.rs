//! Where sessions are kept: tower-sessions' PostgreSQL store, read and written on the accounts
//! pool (decision 0044's addendum), whose connections need no row scope set as they are handed
//! out, so a page's session costs one round trip instead of two. The session table is not
//! walled (it is nobody's case). A store call that fails there (no accounts connection free in
//! time, or one cut since it was opened, which sqlx closes as it returns) is made again on the
//! main pool, whose own wait and check decide a `503` while the database is away.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions_sqlx_store::PostgresStore;

use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct AccountsStore {
    accounts: PostgresStore,
    main: PostgresStore,
}

impl AccountsStore {
    pub fn new(state: &AppState) -> Self {
        Self {
            accounts: PostgresStore::new(state.accounts.clone()),
            main: PostgresStore::new(state.db.clone()),
        }
    }
}

/// Whether a failed call may answer on the main pool: the connection or the pool failed, not
/// the session's data.
fn again(e: &session_store::Error) -> bool {
    let again = matches!(e, session_store::Error::Backend(_));
    if again {
        tracing::info!(error = %e, "the session store failed on the accounts pool; asking the main pool");
    }
    again
}

#[async_trait]
impl SessionStore for AccountsStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self.accounts.create(record).await {
            Err(e) if again(&e) => self.main.create(record).await,
            done => done,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self.accounts.save(record).await {
            Err(e) if again(&e) => self.main.save(record).await,
            done => done,
        }
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        match self.accounts.load(session_id).await {
            Err(e) if again(&e) => self.main.load(session_id).await,
            done => done,
        }
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        match self.accounts.delete(session_id).await {
            Err(e) if again(&e) => self.main.delete(session_id).await,
            done => done,
        }
    }
}
