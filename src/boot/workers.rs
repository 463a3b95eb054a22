//! The delivery workers (alert e-mails, webhooks). Each is woken by PostgreSQL when work is
//! written (the `wso_outbox` / `wso_webhooks` announcements of migration 0017), asks again on
//! its retry interval only while undelivered work waits, and otherwise once a minute (or on the
//! deadline watcher's interval, if longer). While nothing happens they send the database
//! nothing, and they finish the round they are in when the server stops.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, watch};

use crate::state::AppState;

/// A wake-up for a worker whenever PostgreSQL announces work on `channel` (and after the
/// listening connection was lost: announcements may have been missed). The listener runs on
/// its own task, so a worker can stop waiting at any moment without losing one.
fn announcements(db: PgPool, channel: &'static str) -> (Arc<Notify>, tokio::task::JoinHandle<()>) {
    let wake = Arc::new(Notify::new());
    let notify = wake.clone();
    let task = tokio::spawn(async move {
        loop {
            let mut listener = match PgListener::connect_with(&db).await {
                Ok(l) => l,
                Err(_) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if listener.listen(channel).await.is_err() {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            // Listening (again): whatever was announced before is read by the next round.
            notify.notify_one();
            loop {
                match listener.try_recv().await {
                    Ok(Some(_)) => notify.notify_one(),
                    // The connection was lost; the next call connects again.
                    Ok(None) => notify.notify_one(),
                    Err(_) => break,
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    (wake, task)
}

/// The longest a worker sleeps without looking, when nothing waits and nothing was announced.
const IDLE_LOOK: Duration = Duration::from_secs(60);

/// Runs `round` whenever work is announced, when the work it says waits falls due (asking at
/// most every `retry`), and otherwise every `idle`, until `stopping`. A round answers when its
/// undelivered work is next due: `Ok(None)` nothing waits, `Err(())` it could not tell.
async fn run<F, Fut>(state: &AppState, channel: &'static str, mut stopping: watch::Receiver<bool>, mut round: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<DateTime<Utc>>, ()>>,
{
    let c = &state.config;
    let retry = Duration::from_secs(c.outbox_interval_secs);
    // Nothing is missed while the listener listens (and it wakes the worker when it listens
    // again): the idle look is a safety net, once a minute or on the watcher's slower interval.
    let idle = Duration::from_secs(c.watch_interval_secs).max(IDLE_LOOK).max(retry);
    let (wake, listener) = announcements(state.db.clone(), channel);
    let mut wait = Duration::ZERO;
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stopping.changed() => break,
        }
        wait = match round().await {
            Ok(None) => idle,
            Ok(Some(due)) => (due - state.clock.now())
                .to_std()
                .unwrap_or_default()
                .clamp(retry, idle),
            Err(()) => retry,
        };
        if *stopping.borrow() {
            break;
        }
    }
    listener.abort();
}

/// A worker's round: `deliver` until nothing is due (a backlog, e.g. a failover's, is drained
/// round after round, not one round a wait), then when the rest falls due (`next`).
async fn drain<D, DF, N, NF>(
    what: &str,
    stop: &watch::Receiver<bool>,
    mut deliver: D,
    next: N,
) -> Result<Option<DateTime<Utc>>, ()>
where
    D: FnMut() -> DF,
    DF: std::future::Future<Output = crate::error::AppResult<usize>>,
    N: FnOnce() -> NF,
    NF: std::future::Future<Output = sqlx::Result<Option<DateTime<Utc>>>>,
{
    loop {
        match deliver().await {
            Ok(0) => break,
            Ok(n) => tracing::info!(attempted = n, "{what}"),
            Err(e) => {
                tracing::error!(error = %e, "{what}: failed; retrying");
                return Err(());
            }
        }
        if *stop.borrow() {
            return Err(());
        }
    }
    next().await.map_err(|_| ())
}

/// The e-mail worker (with SMTP).
pub async fn deliver_outbox(state: AppState, mailer: crate::alerts::Mailer, stopping: watch::Receiver<bool>) {
    let stop = stopping.clone();
    let cap = state.config.outbox_backoff_cap_secs;
    run(&state, "wso_outbox", stopping, || {
        drain(
            "alert e-mails delivered",
            &stop,
            || crate::alerts::deliver_due(&state.db, &mailer, state.clock.now(), cap),
            || crate::db::alerts::next_due(&state.db),
        )
    })
    .await;
}

/// The webhooks' worker (with or without SMTP).
pub async fn deliver_webhooks(
    state: AppState,
    sender: crate::services::webhooks::Sender,
    stopping: watch::Receiver<bool>,
) {
    let stop = stopping.clone();
    run(&state, "wso_webhooks", stopping, || {
        drain(
            "webhook deliveries attempted",
            &stop,
            || crate::services::webhooks::deliver_due(&state.db, &state.config.secrets, &sender, state.clock.now()),
            || crate::db::webhooks::next_due(&state.db),
        )
    })
    .await;
}
