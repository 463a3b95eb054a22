//! The navigation's count of the alerts that still need a user, held in memory per user and
//! scope while nothing about alerts changes (decision 0045). Every page shows it, so counting it
//! in the database cost each page two of its five round trips.
//!
//! Kept current the way the held boards are (decision 0043), by the same listener:
//! - a statement that changes `alerts` or `alert_acks` announces at commit what it touched
//!   (`wso_alerts`, migrations 0035 and 0037: the alerts' facilities, or the users who
//!   acknowledged), and the listener forgets the counts that read any of it ([`Touched`]):
//!   within the notification's latency on every server process;
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

/// What a change to alerts touched, as its announcement on `wso_alerts` says (migration 0037).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    /// Alerts of these facilities: a count reads only its user's facilities' alerts (and those
    /// about no facility, which are announced as `Everything`).
    Facilities(Vec<i64>),
    /// Acknowledgements by these users: a count reads only its own user's.
    Users(Vec<i64>),
    /// Anything else, or a payload not understood: every count.
    Everything,
}

impl Touched {
    /// Reads an announcement's payload (`f:3,17`, `u:42`, `*`); anything else is everything.
    pub fn read(payload: &str) -> Self {
        let ids = |list: &str| list.split(',').map(|i| i.parse().ok()).collect::<Option<Vec<i64>>>();
        match payload.split_once(':') {
            Some(("f", list)) => ids(list).map_or(Self::Everything, Self::Facilities),
            Some(("u", list)) => ids(list).map_or(Self::Everything, Self::Users),
            _ => Self::Everything,
        }
    }

    /// Whether a count kept under `key` may have read what was touched.
    fn reaches(&self, key: &Key) -> bool {
        match self {
            Self::Facilities(ids) => key.facility_ids.iter().any(|f| ids.contains(f)),
            Self::Users(ids) => ids.contains(&key.user_id),
            Self::Everything => true,
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

    /// Changes may have been missed (the listener lost its connection, a facility changed):
    /// every count kept is forgotten.
    pub fn changed(&self) {
        self.touched(&Touched::Everything);
    }

    /// Alerts or their acknowledgements changed: the counts that read what changed are
    /// forgotten. Any change, wherever, keeps a count being read meanwhile from being kept.
    pub fn touched(&self, what: &Touched) {
        let mut counts = self.counts.lock().expect("unread counts lock");
        self.generation.fetch_add(1, Ordering::SeqCst);
        match what {
            Touched::Everything => counts.clear(),
            what => counts.retain(|key, _| !what.reaches(key)),
        }
    }

    /// How many counts are kept (for tests).
    pub fn kept(&self) -> usize {
        self.counts.lock().expect("unread counts lock").len()
    }
}

#[cfg(test)]
mod tests {
    use super::Touched;

    #[test]
    fn an_announcement_names_facilities_or_users_and_anything_else_is_everything() {
        assert_eq!(Touched::read("f:3,17"), Touched::Facilities(vec![3, 17]));
        assert_eq!(Touched::read("u:42"), Touched::Users(vec![42]));
        for unread in ["*", "", "f:", "f:3,x", "u:", "x:1", "3,17"] {
            assert_eq!(Touched::read(unread), Touched::Everything, "{unread:?}");
        }
    }
}
