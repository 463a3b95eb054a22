//! Running the HTTP server until Ctrl-C or SIGTERM; in-flight requests finish first.

use std::net::SocketAddr;

use anyhow::Context;
use rand::Rng;
use rand::distributions::Alphanumeric;
use sqlx::PgPool;
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::PostgresStore;

use super::workers;
use crate::services::accounts::{self, Actor, NewUser};
use crate::state::AppState;
use crate::{db, routes};

pub async fn serve(mut state: AppState, bind: SocketAddr) -> anyhow::Result<()> {
    if let Some(warning) = crate::db::roles::too_powerful(&state.db).await? {
        tracing::warn!("{warning}; connect as the app role (docs/deployment.md)");
        state.db_warning = Some(warning.into());
    }
    ensure_first_admin(&state.db, &state).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    // Handlers installed before we announce ourselves: a signal right after start-up is a
    // graceful stop too, never the default "terminate at once".
    let shutdown = shutdown_signal()?;
    let mailer = match &state.config.smtp_url {
        Some(url) => Some(crate::alerts::Mailer::new(url, &state.config.mail_from)?),
        None => {
            tracing::warn!("SMTP_URL is not set: alerts are kept and shown on /alerts, not e-mailed");
            None
        }
    };
    // Metrics on their own listener, when asked for (never the public port).
    if let Some(metrics_bind) = state.config.metrics_bind {
        // The recorder first, before any task records: a gauge set before it is installed
        // (the watcher's interval and start, at once) would be lost.
        super::metrics::install()?;
        let s = state.clone();
        tokio::spawn(async move {
            if let Err(e) = super::metrics::serve(s, metrics_bind).await {
                tracing::error!(error = %e, "metrics listener stopped");
            }
        });
    }
    // The server's own work runs under the system scope (every agency's rows, `db::scope`).
    let watcher = tokio::spawn(db::scope::system(watch_deadlines(state.clone())));
    let auditor = tokio::spawn(db::scope::system(watch_audit_chain(state.clone())));
    let refusals = tokio::spawn(db::scope::system(sweep_refusals(state.clone())));
    // The delivery workers finish the round they are in when the server stops: a message sent
    // is recorded as sent, so a restart (SIGTERM) never sends it again.
    let (stop_workers, stopping) = tokio::sync::watch::channel(false);
    let delivery = mailer.map(|m| {
        tokio::spawn(db::scope::system(workers::deliver_outbox(
            state.clone(),
            m,
            stopping.clone(),
        )))
    });
    let sender = crate::services::webhooks::Sender::new(crate::services::webhooks::destinations(&state.config))
        .context("preparing the webhooks' HTTP client")?;
    let hooks = tokio::spawn(db::scope::system(workers::deliver_webhooks(
        state.clone(),
        sender,
        stopping,
    )));
    let cleanup = tokio::spawn(
        PostgresStore::new(state.db.clone()).continuously_delete_expired(tokio::time::Duration::from_secs(60)),
    );
    tracing::info!(%addr, "wso-tracker listening on http://{addr}");
    println!("wso-tracker listening on http://{addr} (Ctrl-C to stop)");
    let limits = super::http::Limits::of(&state.config);
    let feed = state.board.clone();
    let shutdown = async move {
        shutdown.await;
        feed.close(); // open board streams end, so the graceful stop can finish
    };
    super::http::serve(listener, routes::app(state.clone()), limits, shutdown)
        .await
        .context("serving HTTP")?;
    cleanup.abort();
    refusals.abort();
    crate::web::access::flush_refusals(&state, true).await;
    // Raising alerts is transactional: stopping the watcher mid-round loses nothing.
    watcher.abort();
    auditor.abort();
    let _ = stop_workers.send(true);
    let finishing = async {
        if let Some(d) = delivery {
            let _ = d.await;
        }
        let _ = hooks.await;
    };
    // A worker that cannot finish (the database away) is dropped: its claims' leases run out
    // and another process sends them again, with the same Message-ID / webhook-id.
    if tokio::time::timeout(std::time::Duration::from_secs(30), finishing)
        .await
        .is_err()
    {
        tracing::warn!("delivery workers did not finish within 30 s; stopping anyway");
    }
    tracing::info!("stopped accepting requests; in-flight requests finished");
    Ok(())
}

/// On the very first start there is no account to sign in with: create `admin` with a random
/// password and print it once.
async fn ensure_first_admin(pool: &PgPool, state: &AppState) -> anyhow::Result<()> {
    if db::users::count(pool).await? > 0 {
        return Ok(());
    }
    let password: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    let input = NewUser {
        username: "admin".into(),
        full_name: None,
        role: "admin".into(),
        email: None,
        facilities: vec![],
        agencies: vec![],
        password: password.clone(),
        api_only: false,
    };
    match accounts::create_user(pool, input, Actor::CLI, state.clock.now()).await {
        Ok(_) => {
            println!("\nFirst start: created the account `admin` with the password\n\n    {password}\n");
            println!("It is shown only this once. Sign in at /login and keep it somewhere safe.\n");
            Ok(())
        }
        // Another process created the first account at the same moment.
        Err(crate::error::AppError::Validation(_)) if db::users::count(pool).await? > 0 => Ok(()),
        Err(e) => Err(anyhow::anyhow!("creating the first admin account: {e}")),
    }
}

fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut terminate = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutdown signal received");
    })
}

/// The deadline watcher, every `WSO_WATCH_INTERVAL_SECS`.
async fn watch_deadlines(state: AppState) {
    let interval = state.config.watch_interval_secs;
    metrics::gauge!("wso_watcher_interval_seconds").set(interval as f64);
    // Until its first round completes, its start counts as the last: a first round stuck from
    // the start is seen as stalled, not as absent.
    metrics::gauge!("wso_watcher_last_tick_timestamp_seconds").set(state.clock.now().timestamp() as f64);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(interval));
    loop {
        tick.tick().await;
        let started = std::time::Instant::now();
        let c = &state.config;
        let mut completed = true;
        match crate::alerts::check_deadlines(&state.db, state.clock.now(), &c.alert_hours_left, &c.mail_from).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(raised = n, "deadline alerts raised"),
            Err(e) => {
                completed = false;
                tracing::error!(error = %e, "deadline watcher failed; retrying next tick");
            }
        }
        match crate::alerts::check_pickups(&state.db, state.clock.now(), c.pickup_plan_hours, &c.mail_from).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(raised = n, "pickup alerts raised"),
            Err(e) => {
                completed = false;
                tracing::error!(error = %e, "pickup watcher failed; retrying next tick");
            }
        }
        if let Err(e) = watch_accounts(&state).await {
            completed = false;
            tracing::error!(error = %e, "account watcher failed; retrying next tick");
        }
        // Only a completed tick counts: a watcher failing every round is as stalled as a stuck one.
        if completed {
            metrics::gauge!("wso_watcher_last_tick_timestamp_seconds").set(state.clock.now().timestamp() as f64);
        }
        metrics::gauge!("wso_watcher_tick_duration_seconds").set(started.elapsed().as_secs_f64());
    }
}

/// Every audit chain's whole walk every `WSO_AUDIT_VERIFY_MINUTES`, on its own task so that a
/// long walk never delays a deadline alert.
async fn watch_audit_chain(state: AppState) {
    let minutes = state.config.audit_verify_minutes.max(1) as u64;
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60 * minutes));
    loop {
        tick.tick().await;
        let (now, from) = (state.clock.now(), &state.config.mail_from);
        match crate::services::audit::check(&state.db, now, from).await {
            Ok(broken) => {
                metrics::gauge!("wso_audit_chain_broken").set(broken as f64);
                if broken == 0 {
                    metrics::gauge!("wso_audit_chain_verified_timestamp_seconds").set(now.timestamp() as f64);
                }
            }
            Err(e) => tracing::error!(error = %e, "audit chain check failed; retrying next time"),
        }
    }
}

/// On the same tick: accounts unused for `WSO_INACTIVE_DAYS` are disabled; failed sign-ins
/// older than an hour, idempotency keys older than 48 hours and expired import drafts are
/// forgotten.
async fn watch_accounts(state: &AppState) -> crate::error::AppResult<()> {
    let (now, c) = (state.clock.now(), &state.config);
    let n = crate::services::identity::disable_inactive(&state.db, c.inactive_days, now, &c.mail_from).await?;
    if n > 0 {
        tracing::info!(disabled = n, "inactive accounts disabled");
    }
    crate::db::logins::prune(&state.db, now).await?;
    crate::db::idempotency::purge_expired(&state.db, now).await?;
    crate::db::imports::purge_expired(&state.db, now).await?;
    Ok(())
}

/// Every 10 s, the summaries of repeated refusals whose minute has ended (`web::access`).
async fn sweep_refusals(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
    loop {
        tick.tick().await;
        crate::web::access::flush_refusals(&state, false).await;
    }
}
