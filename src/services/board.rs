//! The pushed board (decision 0022). One listener per server process receives PostgreSQL's
//! notifications (`wso_board`, `wso_access`: migration 0012), reads each changed booking once,
//! and fans the result out in-process; each open stream ([`Watch`]) keeps the rows its caller
//! may see and turns signals and the passing of time into [`Event`]s. While nothing changes, no
//! statement reaches the database.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::sync::Mutex;

use tokio::sync::{OnceCell, Semaphore, broadcast, watch};

use crate::db::board::{self, BoardBooking, List};

/// `wso_sync`: a write of this (or another) process waiting for the listener ([`Held::caught_up`]);
/// `wso_facility`: a facility added, removed or renamed (migration 0033); `wso_alerts`: alerts or
/// their acknowledgements changed (migrations 0035 and 0037: the unread counts, [`Unread`]).
const CHANNELS: [&str; 5] = ["wso_board", "wso_access", "wso_sync", "wso_facility", "wso_alerts"];

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

use super::board_held::{Board, Held, Snapshot};
pub use super::board_held::{HeldRow, Row};
use super::board_unread::Unread;
pub use super::board_watch::{Event, Watch};

/// One per server process (in [`crate::state::AppState`]).
pub struct Feed {
    tx: broadcast::Sender<Signal>,
    started: OnceCell<()>,
    /// The rows streams hold, one copy per booking however many streams show it (a thousand
    /// open boards of 200 rows would otherwise keep 200,000 copies).
    rows: Mutex<HashMap<i64, Row>>,
    /// Boards read at once when streams open: bounds the memory of many opening together.
    pub(super) loads: Semaphore,
    /// Set when the server stops: every stream ends, so a graceful stop does not wait forever.
    closing: watch::Sender<bool>,
    /// Open streams per user (bounded by `WSO_STREAMS_PER_USER`).
    streams: Mutex<HashMap<i64, usize>>,
    /// Every board, held in memory (decision 0043).
    pub held: Held,
    /// The navigation's unread counts, held in memory (decision 0045).
    unread: Unread,
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
            held: Held::default(),
            unread: Unread::default(),
        }
    }
}

impl Feed {
    /// The shared copy of `row`: the one already held when it is the same, else `row` (which
    /// replaces it).
    pub fn intern(&self, row: BoardBooking) -> Row {
        let mut rows = self.rows.lock().expect("board rows lock");
        match rows.get(&row.b.id) {
            Some(held) if held.booking == row => held.clone(),
            _ => {
                let row = HeldRow::shared(row);
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
        self.start(db).await?;
        Ok(rx)
    }

    /// Starts the listener (once per process) and returns once it listens; it then reads every
    /// board into [`Held`].
    pub async fn start(self: &Arc<Self>, db: &PgPool) -> sqlx::Result<()> {
        self.started
            .get_or_try_init(|| async {
                let listener = connect(db).await?;
                self.held.listening(true);
                // The server's own work: it reads any booking that changed, whoever may see it.
                tokio::spawn(crate::db::scope::system(listen(db.clone(), listener, self.clone())));
                Ok::<_, sqlx::Error>(())
            })
            .await?;
        Ok(())
    }

    /// The boards as held now, starting the listener on the first call; `None` while they are
    /// not current (the caller asks the database).
    pub async fn held(self: &Arc<Self>, db: &PgPool) -> Option<Arc<Snapshot>> {
        match self.start(db).await {
            Ok(()) => self.held.snapshot(),
            Err(e) => {
                tracing::warn!(error = %e, "the board listener cannot start; boards are read from the database");
                None
            }
        }
    }

    /// How many alerts still need `user` (the navigation's count), as the request's row scope
    /// lets it count them: held in memory while the listener hears every change, else one
    /// statement (decision 0045).
    pub async fn unread(self: &Arc<Self>, db: &PgPool, user: &crate::db::users::User) -> sqlx::Result<i64> {
        let started = match self.start(db).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "the board listener cannot start; unread alerts are counted in the database");
                false
            }
        };
        self.unread
            .count(db, user, || started && self.held.is_listening())
            .await
    }

    /// How many unread counts this process keeps (for tests).
    pub fn unread_kept(&self) -> usize {
        self.unread.kept()
    }

    /// The running clocks of `scope` (`None`: every facility), soonest deadline first: from
    /// memory, or (while nothing current is held) in one statement.
    pub async fn pending(self: &Arc<Self>, db: &PgPool, scope: Option<&[i64]>) -> sqlx::Result<Vec<Row>> {
        match self.held(db).await {
            Some(held) => Ok(held.pending(scope)),
            None => Ok(board::pending(db, scope)
                .await?
                .into_iter()
                .map(HeldRow::shared)
                .collect()),
        }
    }

    /// The page's board (`db::board::page`): from memory, or in one statement.
    pub async fn page(
        self: &Arc<Self>,
        db: &PgPool,
        scope: Option<&[i64]>,
        chosen: &str,
        with_awaiting: bool,
    ) -> sqlx::Result<Board> {
        match self.held(db).await {
            Some(held) => Ok(held.page(scope, chosen, with_awaiting)),
            None => Ok(board::page(db, scope, chosen, with_awaiting).await?.into()),
        }
    }
}

async fn connect(db: &PgPool) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.listen_all(CHANNELS).await?;
    Ok(listener)
}

/// Runs for the life of the process: reads every board into [`Held`], then applies each
/// notification as it comes. On a lost connection it connects again (every second until it
/// can), reads every board again and tells every stream to do the same.
async fn listen(db: PgPool, mut listener: PgListener, feed: Arc<Feed>) {
    // When a reading of every board last failed.
    let mut failed = None::<std::time::Instant>;
    loop {
        // Nothing held (at start, after a reconnect, a facility's change, an unreadable
        // change): read every board. If that fails, the streams are still served, reads ask
        // the database, and it is tried again with a notification at least a second later.
        if feed.held.snapshot().is_none() && failed.is_none_or(|t| t.elapsed().as_secs() >= 1) {
            failed = match feed.held.load(&db, |r| feed.intern(r)).await {
                Ok(()) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the boards to hold; reads ask the database");
                    Some(std::time::Instant::now())
                }
            };
        }
        let next = listener.try_recv().await;
        match next {
            Ok(Some(n)) if n.channel() == "wso_sync" => feed.held.synced(n.payload()),
            Ok(Some(n)) if n.channel() == "wso_alerts" => {
                feed.unread.touched(&super::board_unread::Touched::read(n.payload()));
            }
            Ok(Some(n)) if n.channel() == "wso_facility" => {
                tracing::info!("a facility changed; the boards are read again");
                feed.unread.changed();
                feed.held.lost();
                let _ = feed.tx.send(Signal::Resync);
            }
            Ok(Some(n)) => {
                if let Some(signal) = signal(&db, &feed, n.channel(), n.payload()).await {
                    if matches!(signal, Signal::Resync) {
                        feed.held.lost(); // a change could not be read: read everything again
                    }
                    if let Signal::Booking {
                        booking_id,
                        facility_id,
                        entry,
                    } = &signal
                    {
                        let on = entry.as_ref().and_then(|(row, list)| list.map(|l| (l, row.clone())));
                        feed.held.apply(*facility_id, *booking_id, on);
                    }
                    let _ = feed.tx.send(signal);
                }
            }
            Ok(None) | Err(_) => {
                tracing::warn!("board listener lost its database connection; reconnecting");
                feed.held.listening(false); // first: a count read from now on is not kept
                feed.unread.changed();
                listener = loop {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    match connect(&db).await {
                        Ok(l) => break l,
                        Err(e) => tracing::warn!(error = %e, "board listener cannot connect yet"),
                    }
                };
                tracing::info!("board listener connected again; streams re-read their boards");
                feed.held.listening(true);
                feed.unread.changed();
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
                            Some((HeldRow::shared(row), None))
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
