//! The pushed board (decision 0022). One listener per server process receives PostgreSQL's
//! notifications (`wso_board`, `wso_access`: migration 0012), reads each changed booking once,
//! and fans the result out in-process; each open stream ([`Watch`]) keeps the rows its caller
//! may see and turns signals and the passing of time into [`Event`]s. While nothing changes, no
//! statement reaches the database.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::sync::Mutex;

use tokio::sync::{OnceCell, Semaphore, broadcast, watch};

use crate::db::board::{self, BoardBooking, List};
use crate::domain::stage::{Stage, stage};

const CHANNELS: [&str; 2] = ["wso_board", "wso_access"];

/// What the listener fans out.
#[derive(Clone, Debug)]
pub enum Signal {
    /// A booking changed; `entry` is it as read after the change (`None`: gone, or unreadable).
    Booking {
        booking_id: i64,
        facility_id: i64,
        entry: Option<(Row, Option<List>)>,
    },
    /// Something that decides what this user's streams may carry changed.
    Access { user_id: i64 },
    /// Notifications may have been missed (the database connection was lost): every stream
    /// reads its board again.
    Resync,
}

/// A board row, shared by every stream that shows it.
pub type Row = Arc<BoardBooking>;

/// One per server process (in [`crate::state::AppState`]).
pub struct Feed {
    tx: broadcast::Sender<Signal>,
    started: OnceCell<()>,
    /// The rows streams hold, one copy per booking however many streams show it (a thousand
    /// open boards of 200 rows would otherwise keep 200,000 copies).
    rows: Mutex<HashMap<i64, Row>>,
    /// Boards read at once when streams open: bounds the memory of many opening together.
    loads: Semaphore,
    /// Set when the server stops: every stream ends, so a graceful stop does not wait forever.
    closing: watch::Sender<bool>,
    /// Open streams per user (bounded by `WSO_STREAMS_PER_USER`).
    streams: Mutex<HashMap<i64, usize>>,
}

/// One open stream of a user, counted until dropped.
pub struct StreamSlot {
    feed: Arc<Feed>,
    user_id: i64,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        metrics::gauge!("wso_board_streams").decrement(1.0);
        let mut streams = self.feed.streams.lock().expect("board streams lock");
        if let Some(n) = streams.get_mut(&self.user_id) {
            *n -= 1;
            if *n == 0 {
                streams.remove(&self.user_id);
            }
        }
    }
}

impl Default for Feed {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(4096).0,
            started: OnceCell::new(),
            rows: Mutex::default(),
            loads: Semaphore::new(4),
            closing: watch::channel(false).0,
            streams: Mutex::default(),
        }
    }
}

impl Feed {
    /// The shared copy of `row`: the one already held when it is the same, else `row` (which
    /// replaces it).
    pub fn intern(&self, row: BoardBooking) -> Row {
        let mut rows = self.rows.lock().expect("board rows lock");
        match rows.get(&row.b.id) {
            Some(held) if **held == row => held.clone(),
            _ => {
                let row = Arc::new(row);
                rows.insert(row.b.id, row.clone());
                row
            }
        }
    }

    fn forget(&self, booking_id: i64) {
        self.rows.lock().expect("board rows lock").remove(&booking_id);
    }

    /// A place for one more stream of `user_id`, unless they hold `max` already.
    pub fn admit(self: &Arc<Self>, user_id: i64, max: usize) -> Option<StreamSlot> {
        let mut streams = self.streams.lock().expect("board streams lock");
        let n = streams.entry(user_id).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        metrics::gauge!("wso_board_streams").increment(1.0);
        Some(StreamSlot {
            feed: self.clone(),
            user_id,
        })
    }

    /// Ends every open stream (the server is stopping).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once [`Feed::close`] was called.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// A receiver of every signal from now on. The first call starts the listener and returns
    /// once it listens, so a board read after this call misses nothing.
    pub async fn subscribe(self: &Arc<Self>, db: &PgPool) -> sqlx::Result<broadcast::Receiver<Signal>> {
        let rx = self.tx.subscribe();
        self.started
            .get_or_try_init(|| async {
                let listener = connect(db).await?;
                // The server's own work: it reads any booking that changed, whoever may see it.
                tokio::spawn(crate::db::scope::system(listen(db.clone(), listener, self.clone())));
                Ok::<_, sqlx::Error>(())
            })
            .await?;
        Ok(rx)
    }
}

async fn connect(db: &PgPool) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.listen_all(CHANNELS).await?;
    Ok(listener)
}

/// Runs for the life of the process: on a lost connection it connects again (every second
/// until it can) and then tells every stream to read its board again.
async fn listen(db: PgPool, mut listener: PgListener, feed: Arc<Feed>) {
    loop {
        match listener.try_recv().await {
            Ok(Some(n)) => {
                if let Some(signal) = signal(&db, &feed, n.channel(), n.payload()).await {
                    let _ = feed.tx.send(signal);
                }
            }
            Ok(None) | Err(_) => {
                tracing::warn!("board listener lost its database connection; reconnecting");
                listener = loop {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    match connect(&db).await {
                        Ok(l) => break l,
                        Err(e) => tracing::warn!(error = %e, "board listener cannot connect yet"),
                    }
                };
                tracing::info!("board listener connected again; streams re-read their boards");
                feed.rows.lock().expect("board rows lock").clear();
                let _ = feed.tx.send(Signal::Resync);
            }
        }
    }
}

async fn signal(db: &PgPool, feed: &Feed, channel: &str, payload: &str) -> Option<Signal> {
    let mut words = payload.split(' ').map(|w| w.parse::<i64>().ok());
    match channel {
        "wso_access" => Some(Signal::Access {
            user_id: words.next()??,
        }),
        _ => {
            let (booking_id, facility_id) = (words.next()??, words.next()??);
            match board::entry(db, booking_id).await {
                Ok(entry) => {
                    let entry = match entry {
                        Some((row, list @ Some(_))) => Some((feed.intern(row), list)),
                        Some((row, None)) => {
                            feed.forget(booking_id);
                            Some((Arc::new(row), None))
                        }
                        None => {
                            feed.forget(booking_id);
                            None
                        }
                    };
                    Some(Signal::Booking {
                        booking_id,
                        facility_id,
                        entry,
                    })
                }
                Err(e) => {
                    tracing::warn!(error = %e, booking_id, "cannot read a changed booking; streams re-read their boards");
                    Some(Signal::Resync)
                }
            }
        }
    }
}

/// What a stream sends.
#[derive(Clone, Debug)]
pub enum Event {
    /// The whole board (on connect, and after a resync).
    Board(Vec<(List, Row)>),
    /// A booking came onto a list.
    Entered(List, Row),
    /// A booking on a list changed: its stage, its claim flag, its facts.
    Changed(List, Row),
    /// A booking left a list.
    Left(List, i64),
}

/// One caller's view of the board: which facilities (`None`: all), whether it shows the page's
/// second list, and the rows last sent with their stage.
pub struct Watch {
    scope: Option<Vec<i64>>,
    /// One facility's code, to show it alone ('' for all of the scope).
    chosen: String,
    /// One agency's facilities, to show them alone (a liaison covering several agencies).
    only: Option<Vec<i64>>,
    with_awaiting: bool,
    rows: HashMap<i64, (List, Row, Option<Stage>)>,
}

fn stage_of(list: List, b: &BoardBooking, now: DateTime<Utc>) -> Option<Stage> {
    (list == List::Pending)
        .then_some(b.b.custody_deadline)
        .flatten()
        .map(|d| stage(d, now))
}

impl Watch {
    pub fn new(scope: Option<Vec<i64>>, chosen: String, with_awaiting: bool) -> Self {
        Self {
            scope,
            chosen,
            only: None,
            with_awaiting,
            rows: HashMap::new(),
        }
    }

    /// The same view limited to these facilities (one agency's), whatever the caller's
    /// facilities become.
    pub fn only(mut self, facilities: Option<Vec<i64>>) -> Self {
        if let Some(only) = &facilities {
            self.scope = Some(match self.scope.take() {
                Some(mine) => mine.into_iter().filter(|f| only.contains(f)).collect(),
                None => only.clone(),
            });
        }
        self.only = facilities;
        self
    }

    pub fn with_awaiting(&self) -> bool {
        self.with_awaiting
    }

    /// The same view for a caller whose facilities are now `scope`.
    pub fn rescoped(&self, scope: Option<Vec<i64>>) -> Self {
        Self::new(scope, self.chosen.clone(), self.with_awaiting).only(self.only.clone())
    }

    fn sees(&self, facility_id: i64) -> bool {
        self.scope.as_ref().is_none_or(|ids| ids.contains(&facility_id))
    }

    /// Reads the whole board (one statement) and remembers it.
    pub async fn load(&mut self, db: &PgPool, feed: &Feed, now: DateTime<Utc>) -> sqlx::Result<Event> {
        let b = {
            let _permit = feed.loads.acquire().await.expect("the loads semaphore is never closed");
            board::page(db, self.scope.as_deref(), &self.chosen, self.with_awaiting).await?
        };
        if !b.facilities.iter().any(|f| f.code == self.chosen) {
            self.chosen.clear(); // as the page: an unknown code shows every facility
        }
        let rows: Vec<(List, Row)> = b
            .pending
            .into_iter()
            .map(|r| (List::Pending, feed.intern(r)))
            .chain(b.awaiting.into_iter().map(|r| (List::Awaiting, feed.intern(r))))
            .collect();
        self.rows = rows
            .iter()
            .map(|(l, r)| (r.b.id, (*l, r.clone(), stage_of(*l, r, now))))
            .collect();
        Ok(Event::Board(rows))
    }

    /// What a changed booking means for this view (nothing when it is not the caller's).
    pub fn apply(
        &mut self,
        facility_id: i64,
        booking_id: i64,
        entry: Option<&(Row, Option<List>)>,
        now: DateTime<Utc>,
    ) -> Vec<Event> {
        if !self.sees(facility_id) && !self.rows.contains_key(&booking_id) {
            return vec![];
        }
        let placed = entry
            .filter(|(b, _)| self.sees(b.b.facility_id) && (self.chosen.is_empty() || b.b.facility_code == self.chosen))
            .and_then(|(b, list)| Some((list.filter(|l| self.with_awaiting || *l == List::Pending)?, b)));
        let before = self.rows.remove(&booking_id);
        match (before, placed) {
            (None, None) => vec![],
            (Some((list, ..)), None) => vec![Event::Left(list, booking_id)],
            (before, Some((list, b))) => {
                self.rows.insert(booking_id, (list, b.clone(), stage_of(list, b, now)));
                match before {
                    None => vec![Event::Entered(list, b.clone())],
                    Some((old, ..)) if old != list => {
                        vec![Event::Left(old, booking_id), Event::Entered(list, b.clone())]
                    }
                    Some(_) => vec![Event::Changed(list, b.clone())],
                }
            }
        }
    }

    /// Rows whose stage changed by `now` (the clock runs on; nothing was read).
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Event> {
        let mut events: Vec<(Option<DateTime<Utc>>, i64, Event)> = vec![];
        for (id, (list, b, last)) in self.rows.iter_mut() {
            let current = stage_of(*list, b, now);
            if current != *last {
                *last = current;
                events.push((b.b.custody_deadline, *id, Event::Changed(*list, b.clone())));
            }
        }
        events.sort_by_key(|(d, id, _)| (*d, *id));
        events.into_iter().map(|(.., e)| e).collect()
    }
}
