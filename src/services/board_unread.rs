//! The navigation's count of the alerts that still need a user, held in memory per user and
//! scope while nothing about alerts changes (decision 0045). Every page shows it, so counting it
//! in the database cost each page two of its five round trips.
//!
//! Kept current the way the held boards are (decision 0043), by the same listener:
//! - a statement that changes `alerts` or `alert_acks` announces it at commit (`wso_alerts`,
//!   migration 0035), and the listener forgets every count when it hears it: within the
//!   notification's latency on every server process;
//! - a write answers only once this process's listener has read every notification committed
//!   before it (`web::middleware::boards_caught_up`), so the writer's next page shows its change;
//! - a count is keyed by everything its statement reads besides those two tables: the user's id,
//!   role, facilities, agency and operator flag, and the row scope the wall applies. A grant,
//!   a role change or a disable is read with the user on every request and so takes effect at
//!   once;
//! - while the listener is away (or never started), nothing is kept and every page counts in
//!   the database, as before; a count read while something changed is not kept.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::PgPool;

use crate::db::alert_count;
use crate::db::scope::RowScope;
use crate::db::users::User;
use crate::domain::Role;

/// Counts kept at most (one per signed-in user and scope); all are forgotten past it.
const KEPT: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    user_id: i64,
    role: Role,
    facility_ids: Vec<i64>,
    agency_id: Option<i64>,
    operator: bool,
    scope: RowScope,
}

impl Key {
    fn of(user: &User, scope: RowScope) -> Self {
        Self {
            user_id: user.id,
            role: user.role,
            facility_ids: user.facility_ids.clone(),
            agency_id: user.agency_id,
            operator: user.operator,
            scope,
        }
    }
}

/// One per server process (in [`super::board::Feed`]).
#[derive(Default)]
pub struct Unread {
    counts: Mutex<HashMap<Key, i64>>,
    /// Moves on at every change heard (and whenever the listener is away): a count read before
    /// it moved is not kept.
    generation: AtomicU64,
}

impl Unread {
    /// How many alerts still need `user`, as the request's row scope lets it count them: the
    /// count kept, or (when none is, or `listening()` says the listener is away) one statement.
    pub async fn count(&self, db: &PgPool, user: &User, listening: impl Fn() -> bool) -> sqlx::Result<i64> {
        // The generation first: a listener lost after it was read moves it on (and nothing read
        // now is kept); one lost before it already says it is away.
        let generation = self.generation.load(Ordering::SeqCst);
        if !listening() {
            return alert_count::unread(db, user).await;
        }
        let key = Key::of(user, crate::db::scope::current(&RowScope::Nothing));
        if let Some(n) = self.counts.lock().expect("unread counts lock").get(&key) {
            return Ok(*n);
        }
        let n = alert_count::unread(db, user).await?;
        let mut counts = self.counts.lock().expect("unread counts lock");
        // Under the lock that `changed` takes: a change heard after the read began drops it.
        if self.generation.load(Ordering::SeqCst) == generation {
            if counts.len() >= KEPT {
                counts.clear();
            }
            counts.insert(key, n);
        }
        Ok(n)
    }

    /// Alerts or their acknowledgements changed, or changes may have been missed (the listener
    /// lost its connection, a facility changed): every count kept is forgotten.
    pub fn changed(&self) {
        let mut counts = self.counts.lock().expect("unread counts lock");
        self.generation.fetch_add(1, Ordering::SeqCst);
        counts.clear();
    }

    /// How many counts are kept (for tests).
    pub fn kept(&self) -> usize {
        self.counts.lock().expect("unread counts lock").len()
    }
}
