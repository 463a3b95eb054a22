//! One open board stream: the caller's [`Watch`] driven by the feed's signals and by the clock
//! (once a second, reading nothing), for as long as the caller's session or token is good. The
//! stream is not activity: it never moves a session's idle time on, and it ends when the session
//! expires or ends, the token expires or is revoked, or the account is disabled (a lock stops new sign-ins only).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use tokio::sync::{broadcast, mpsc};

use super::board::{Event, Signal, Watch};
use crate::clock::Clock;
use crate::db::{self, users::User};

/// What the stream runs on behalf of.
#[derive(Clone, Debug)]
pub enum Credential {
    /// A signed-in session (`user_sessions` id), with the idle and maximum-age limits.
    Session {
        sid: String,
        idle: Duration,
        max_age: Duration,
    },
    /// An API token (its SHA-256).
    Token(Vec<u8>),
}

/// The caller, and when their credential runs out unless renewed (a session's idle limit).
pub struct Access {
    pub user: User,
    pub until: DateTime<Utc>,
}

/// Checks the credential now (one statement): `None` when it no longer holds.
pub async fn access(db: &PgPool, credential: &Credential, now: DateTime<Utc>) -> sqlx::Result<Option<Access>> {
    let access = match credential {
        Credential::Session { sid, idle, max_age } => db::sessions::live(db, sid).await?.and_then(|s| {
            let until = (s.last_seen_at + *idle).min(s.started_at + *max_age);
            (until > now).then_some(Access { user: s.user, until })
        }),
        Credential::Token(hash) => db::tokens::caller(db, hash, now).await?.map(|c| Access {
            user: c.user,
            until: c.expires_at,
        }),
    };
    // A lock (failed sign-ins, which anyone can cause) stops new sign-ins only; disabling ends
    // the stream.
    Ok(access.filter(|a| !a.user.is_disabled()))
}

/// What the stream hands to the web layer.
#[derive(Debug)]
pub enum Out {
    Event(Box<Event>),
    /// The stream ends: the caller's session or token no longer holds.
    Closed,
}

/// One open stream: what it runs on.
pub struct Stream {
    pub db: PgPool,
    pub feed: std::sync::Arc<super::board::Feed>,
    pub clock: Clock,
    pub credential: Credential,
    /// The caller as checked when the stream opened.
    pub access: Access,
    /// The board as sent when the stream opened.
    pub watch: Watch,
    pub signals: broadcast::Receiver<Signal>,
    /// The facilities the view shows for the caller as they are now (assignments can change
    /// while the stream is open).
    pub scope_of: fn(&User) -> Option<Vec<i64>>,
    pub out: mpsc::Sender<Out>,
    /// Set when the server stops.
    pub closing: tokio::sync::watch::Receiver<bool>,
}

/// Runs one stream until the receiver of `out` is dropped (the client went away), access
/// ends, or the server stops.
pub async fn run(stream: Stream) {
    let Stream {
        db,
        feed,
        clock,
        credential,
        access: mut access_now,
        mut watch,
        mut signals,
        scope_of,
        out,
        mut closing,
    } = stream;
    let send = |e: Event| out.send(Out::Event(Box::new(e)));
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let reload = tokio::select! {
            _ = out.closed() => return,
            _ = async { closing.wait_for(|c| *c).await.is_ok() } => return,
            signal = signals.recv() => match signal {
                Ok(Signal::Booking { booking_id, facility_id, entry }) => {
                    for e in watch.apply(facility_id, booking_id, entry.as_ref(), clock.now()) {
                        if send(e).await.is_err() { return; }
                    }
                    false
                }
                Ok(Signal::Access { user_id }) => user_id == access_now.user.id,
                Ok(Signal::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => true,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = ticks.tick() => {
                let now = clock.now();
                if now >= access_now.until {
                    true
                } else {
                    for e in watch.tick(now) {
                        if send(e).await.is_err() { return; }
                    }
                    false
                }
            }
        };
        if reload {
            let now = clock.now();
            match access(&db, &credential, now).await {
                Ok(Some(a)) => access_now = a,
                Ok(None) => {
                    let _ = out.send(Out::Closed).await;
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "board stream cannot check its caller; ending it");
                    return;
                }
            }
            let scope = scope_of(&access_now.user);
            watch = watch.rescoped(scope);
            // The rows the database answers follow the caller's facilities as they are now (a
            // grant given or taken back since the stream opened).
            let rows = match db::scope::of_user(&db, &access_now.user).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "board stream cannot read its caller's facilities; ending it");
                    return;
                }
            };
            match db::scope::carried(rows, watch.load(&db, &feed, now)).await {
                Ok(board) => {
                    if send(board).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "board stream cannot read its board; ending it");
                    return;
                }
            }
        }
    }
}
