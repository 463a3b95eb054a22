//! The board held in memory (decision 0043): every booking on a board, in every facility, kept
//! current by the feed's listener (`services::board`) from the notifications every writer's
//! transaction sends at commit. A read of a board is then no statement at all: the caller's
//! facilities (decided per request, from the database) pick their rows out of the snapshot.
//!
//! Currency:
//! - a change committed by any process reaches this process's snapshot as soon as its
//!   notification arrives (the streams' path, measured by `benches/run`);
//! - a write request answered by this process waits, before it answers, until the listener has
//!   read every notification committed before it ([`Held::caught_up`]), so the writer's next
//!   read here shows its own change;
//! - while the listener is away (its connection lost) or loading, there is no snapshot and every
//!   read asks the database, as before.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio::sync::oneshot;

use crate::db::board::{self, BoardBooking, FacilityOption, List, PageBoard};
use crate::domain::stage::Moment;

/// A board as a request reads it: the facilities it may filter by and its two lists.
pub struct Board {
    pub facilities: Vec<FacilityOption>,
    pub pending: Vec<Row>,
    pub awaiting: Vec<Row>,
}

impl From<PageBoard> for Board {
    fn from(b: PageBoard) -> Self {
        Board {
            facilities: b.facilities,
            pending: b.pending.into_iter().map(HeldRow::shared).collect(),
            awaiting: b.awaiting.into_iter().map(HeldRow::shared).collect(),
        }
    }
}

/// A board row, shared by the snapshot and every stream that shows it.
pub type Row = Arc<HeldRow>;

/// A booking on a board with what the web layer has made of it (decision 0043's addendum):
/// written once per change of the booking (a changed booking is a new row, so nothing made of
/// the old one outlives it) and, for the page, once per [`Moment`] of its clock, instead of on
/// every request.
pub struct HeldRow {
    pub booking: BoardBooking,
    pub made: Made,
}

/// What the web layer has made of a row, kept with it.
#[derive(Default)]
pub struct Made {
    /// The API's JSON object of the row, before and after its fields that change with the time.
    pub api: OnceLock<[Box<str>; 2]>,
    /// The page's HTML of the row, for the moment it was last drawn at.
    pub page: Mutex<Option<(Moment, Arc<str>)>>,
}

impl HeldRow {
    pub fn shared(booking: BoardBooking) -> Row {
        Arc::new(HeldRow {
            booking,
            made: Made::default(),
        })
    }
}

impl std::fmt::Debug for HeldRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.booking.fmt(f)
    }
}

impl std::ops::Deref for HeldRow {
    type Target = BoardBooking;
    fn deref(&self) -> &BoardBooking {
        &self.booking
    }
}

/// How long a write waits for the listener before answering anyway (it is logged): the
/// listener's connection is lost and its reload, when it comes, reads everything again.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(5);

/// One facility's lists, in the boards' order.
#[derive(Default)]
struct Lists {
    pending: Vec<Row>,
    awaiting: Vec<Row>,
}

/// Every board at one moment. Replaced whole on each change (a change rebuilds one facility's
/// lists and the installation's).
pub struct Snapshot {
    /// Every facility, by code (the page's filter).
    facilities: Arc<Vec<FacilityOption>>,
    by_facility: HashMap<i64, Arc<Lists>>,
    all: Arc<Lists>,
}

/// Soonest deadline first (none last), then by id: the API's and the page's order.
fn pending_order(r: &Row) -> (bool, Option<DateTime<Utc>>, i64) {
    (r.b.custody_deadline.is_none(), r.b.custody_deadline, r.b.id)
}

/// By situation, longest waiting first (a missing time last): the page's second list.
fn awaiting_order(r: &Row) -> (&'static str, bool, Option<DateTime<Utc>>, i64) {
    let since = r.b.igsa_at.or(r.b.release_point_at);
    (r.b.status.as_str(), since.is_none(), since, r.b.id)
}

fn lists<'a>(rows: impl Iterator<Item = &'a (List, Row)>) -> Lists {
    let mut l = Lists::default();
    for (list, row) in rows {
        match list {
            List::Pending => l.pending.push(row.clone()),
            List::Awaiting => l.awaiting.push(row.clone()),
        }
    }
    l.pending.sort_by_key(pending_order);
    l.awaiting.sort_by_key(awaiting_order);
    l
}

impl Snapshot {
    /// The running clocks of `scope` (`None`: every facility), soonest deadline first.
    pub fn pending(&self, scope: Option<&[i64]>) -> Vec<Row> {
        self.gather(scope, |l| &l.pending, pending_order)
    }

    /// What `db::board::page` answers, from memory.
    pub fn page(&self, scope: Option<&[i64]>, chosen: &str, with_awaiting: bool) -> Board {
        let facilities: Vec<FacilityOption> = self
            .facilities
            .iter()
            .filter(|f| scope.is_none_or(|s| s.contains(&f.id)))
            .cloned()
            .collect();
        let one = facilities.iter().find(|f| f.code == chosen).map(|f| [f.id]);
        let shown = one.as_ref().map(|id| &id[..]).or(scope);
        Board {
            pending: self.pending(shown),
            awaiting: if with_awaiting {
                self.gather(shown, |l| &l.awaiting, awaiting_order)
            } else {
                vec![]
            },
            facilities,
        }
    }

    fn gather<K: Ord>(&self, scope: Option<&[i64]>, list: fn(&Lists) -> &Vec<Row>, order: fn(&Row) -> K) -> Vec<Row> {
        let Some(ids) = scope else {
            return list(&self.all).clone();
        };
        let mut rows: Vec<Row> = ids
            .iter()
            .filter_map(|id| self.by_facility.get(id))
            .flat_map(|l| list(l).iter().cloned())
            .collect();
        if ids.len() > 1 {
            rows.sort_by_key(order);
        }
        rows
    }

    /// How many bookings it holds (the metric `wso_board_held_rows`).
    pub fn len(&self) -> usize {
        self.all.pending.len() + self.all.awaiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The listener's copy, from which snapshots are made.
#[derive(Default)]
struct Master {
    facilities: Arc<Vec<FacilityOption>>,
    rows: HashMap<i64, HashMap<i64, (List, Row)>>,
    lists: HashMap<i64, Arc<Lists>>,
}

/// The held board of one server process (in [`super::board::Feed`]).
pub struct Held {
    current: RwLock<Option<Arc<Snapshot>>>,
    master: Mutex<Master>,
    /// Writes waiting for the listener: a token each, sent as a `wso_sync` notification.
    waiting: Mutex<HashMap<String, oneshot::Sender<()>>>,
    tag: String,
    next: AtomicU64,
    /// The listener is connected (it may still be reading the boards).
    listening: AtomicBool,
    /// Bumped by [`Held::lost`]: a reading of every board that began before it is not published.
    generation: AtomicU64,
}

impl Default for Held {
    fn default() -> Self {
        Self {
            current: RwLock::default(),
            master: Mutex::default(),
            waiting: Mutex::default(),
            tag: uuid::Uuid::new_v4().simple().to_string(),
            next: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            generation: AtomicU64::new(0),
        }
    }
}

impl Held {
    /// The board as held now, or `None` while it is not current (not yet read, or the
    /// listener away): the caller asks the database.
    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.current.read().expect("held board lock").clone()
    }

    /// The listener is connected (`true`), or has lost its connection (`false`: nothing held
    /// is current until it reconnects and reads every board again).
    pub fn listening(&self, yes: bool) {
        self.listening.store(yes, Ordering::SeqCst);
        if !yes {
            self.lost();
        }
    }

    /// Whether the listener is connected (and hears every change from now on).
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    /// Nothing held is current until the listener reads every board again (a facility changed,
    /// a change could not be read, the listener is away).
    pub fn lost(&self) {
        let mut current = self.current.write().expect("held board lock");
        self.generation.fetch_add(1, Ordering::SeqCst);
        *current = None;
        metrics::gauge!("wso_board_held_current").set(0.0);
    }

    /// Reads every board (one statement, all facilities) and holds it: at start and after the
    /// listener reconnects. The writes already waiting for the listener may then answer: what
    /// they wrote was committed before this read began (a write that starts waiting later waits
    /// for its own token). Not published if [`Held::lost`] was called meanwhile.
    pub async fn load(&self, db: &PgPool, intern: impl Fn(BoardBooking) -> Row) -> sqlx::Result<()> {
        let generation = self.generation.load(Ordering::SeqCst);
        let before: Vec<String> = self
            .waiting
            .lock()
            .expect("held board waiting lock")
            .keys()
            .cloned()
            .collect();
        let b = match board::page(db, None, "", true).await {
            Ok(b) => b,
            Err(e) => {
                // Nothing is held: every read asks the database, so no write need wait.
                self.release(None);
                return Err(e);
            }
        };
        let mut m = Master {
            facilities: Arc::new(b.facilities),
            ..Master::default()
        };
        let rows = b
            .pending
            .into_iter()
            .map(|r| (List::Pending, r))
            .chain(b.awaiting.into_iter().map(|r| (List::Awaiting, r)));
        for (list, r) in rows {
            let row = intern(r);
            m.rows
                .entry(row.b.facility_id)
                .or_default()
                .insert(row.b.id, (list, row));
        }
        m.lists = m
            .rows
            .iter()
            .map(|(f, rows)| (*f, Arc::new(lists(rows.values()))))
            .collect();
        self.publish(&m, |_| self.generation.load(Ordering::SeqCst) == generation);
        *self.master.lock().expect("held board master lock") = m;
        self.release(Some(&before));
        Ok(())
    }

    /// Lets these waiting writes (`None`: all) answer.
    fn release(&self, tokens: Option<&[String]>) {
        let mut waiting = self.waiting.lock().expect("held board waiting lock");
        let tokens: Vec<String> = tokens.map_or_else(|| waiting.keys().cloned().collect(), <[String]>::to_vec);
        for t in tokens {
            if let Some(done) = waiting.remove(&t) {
                let _ = done.send(());
            }
        }
    }

    /// A booking as read after its change (`None`: gone, or on no list).
    pub fn apply(&self, facility_id: i64, booking_id: i64, now_on: Option<(List, Row)>) {
        let mut m = self.master.lock().expect("held board master lock");
        let rows = m.rows.entry(facility_id).or_default();
        match now_on {
            Some((list, row)) => rows.insert(booking_id, (list, row)),
            None => rows.remove(&booking_id),
        };
        let rebuilt = Arc::new(lists(rows.values()));
        m.lists.insert(facility_id, rebuilt);
        // Replaces a current snapshot only: one lost meanwhile waits for the next reading.
        self.publish(&m, |current| current.is_some());
    }

    /// Publishes `m` if `still`, asked under the lock that [`Held::lost`] takes.
    fn publish(&self, m: &Master, still: impl Fn(&Option<Arc<Snapshot>>) -> bool) {
        let all = lists(m.rows.values().flat_map(|rows| rows.values()));
        let snapshot = Snapshot {
            facilities: m.facilities.clone(),
            by_facility: m.lists.clone(),
            all: Arc::new(all),
        };
        let mut current = self.current.write().expect("held board lock");
        if still(&current) {
            metrics::gauge!("wso_board_held_rows").set(snapshot.len() as f64);
            metrics::gauge!("wso_board_held_current").set(1.0);
            *current = Some(Arc::new(snapshot));
        }
    }

    /// A `wso_sync` notification arrived: the write that sent it may answer.
    pub fn synced(&self, token: &str) {
        if let Some(done) = self.waiting.lock().expect("held board waiting lock").remove(token) {
            let _ = done.send(());
        }
    }

    /// Returns once the listener has read every notification committed before this call (a
    /// write request calls it before answering). Nothing to wait for while no listener is
    /// connected: when one connects, it reads every board after this write committed.
    pub async fn caught_up(&self, db: &PgPool) {
        if !self.listening.load(Ordering::SeqCst) {
            return;
        }
        let token = format!("{}:{}", self.tag, self.next.fetch_add(1, Ordering::Relaxed));
        let (done, wait) = oneshot::channel();
        self.waiting
            .lock()
            .expect("held board waiting lock")
            .insert(token.clone(), done);
        // Whatever ends the wait (an answer, a timeout, the request dropped), the token goes.
        let _forget = Forget(self, &token);
        let sent = board::ask_listener(db, &token).await;
        let answered = match sent {
            Ok(_) => tokio::time::timeout(CATCH_UP_LIMIT, wait).await.is_ok(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot ask the board listener to catch up");
                false
            }
        };
        if !answered {
            // The next read must not trust what is held: the listener is behind or away. It
            // reads every board again after the next notification it receives (the next write's
            // token at the latest).
            tracing::warn!("the board listener did not catch up; reads ask the database until it reloads");
            self.lost();
        }
    }
}

/// Removes a write's token from the waiting writes when dropped.
struct Forget<'a>(&'a Held, &'a str);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.0.waiting.lock() {
            waiting.remove(self.1);
        }
    }
}
