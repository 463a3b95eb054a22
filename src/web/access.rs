//! Access to criminal-justice information leaves a trace (CJIS): `record_viewed` (a case page,
//! `GET /api/v1/bookings/{id}`, a printable record), `export_downloaded` (every CSV, with its
//! query) and `access_denied` (every 403, and the 404 of a case, complaint or officer the caller may not
//! know exists, with method and path). One insert each; a client's repeated refusals within a
//! minute are counted and written as one `access_denied_repeated` (`domain::refusals`).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};

use crate::auth::Who;
use crate::db::{self, audit::NewEntry, users::User};
use crate::domain::refusals::{Client, Summary, WINDOW};
use crate::error::AppResult;
use crate::state::AppState;

/// Appends an access entry by `user` (from `ip`).
pub async fn record(
    state: &AppState,
    user: &User,
    ip: Option<&str>,
    action: &str,
    booking_id: Option<i64>,
    detail: Value,
) -> AppResult<()> {
    let now = state.clock.now();
    let entry = NewEntry {
        at: now,
        recorded_at: now,
        actor_id: Some(user.id),
        actor: Some(&user.username),
        action,
        ip: ip.map(str::to_owned),
        detail,
        booking_id,
    };
    db::audit::record(&state.db, entry).await?;
    Ok(())
}

/// The most of a refused path an entry keeps (characters): anyone can send a refused request,
/// and the log keeps every entry for good (issue 26, 3).
pub const PATH_KEPT: usize = 512;

/// The first [`PATH_KEPT`] characters of `path`.
fn capped(path: &str) -> &str {
    path.char_indices().nth(PATH_KEPT).map_or(path, |(cut, _)| &path[..cut])
}

/// Writes each closed window's summary as `access_denied_repeated`: how many refusals after the
/// first (which was written in full), from when to when, and a sample of what was asked.
async fn write_summaries(state: &AppState, closed: Vec<Summary>) {
    for s in closed {
        let entry = NewEntry {
            at: s.last,
            recorded_at: state.clock.now(),
            actor_id: s.client.actor_id,
            actor: s.actor.as_deref(),
            action: "access_denied_repeated",
            ip: s.client.ip.clone(),
            detail: json!({
                "repeated": s.repeated, "first_at": s.first, "last_at": s.last,
                "window_seconds": WINDOW.num_seconds(), "sample": s.paths,
            }),
            booking_id: None,
        };
        if let Err(e) = db::audit::record(&state.db, entry).await {
            tracing::error!(error = %e, "could not audit repeated refusals");
        }
    }
}

/// Writes the summaries of the windows that have ended (the server's sweep, every few
/// seconds, so that a burst that stops is still counted); `all` at shutdown.
pub async fn flush_refusals(state: &AppState, all: bool) {
    let closed = {
        let mut tally = state.refusals.lock().expect("refusals lock");
        if all {
            tally.close_all()
        } else {
            tally.close(state.clock.now())
        }
    };
    write_summaries(state, closed).await;
}

/// What an `access_denied` entry says: the method, the path (its first [`PATH_KEPT`]
/// characters, and its full length when longer) and the status.
fn denied_detail(method: &str, path: &str, status: u16) -> Value {
    match path.char_indices().nth(PATH_KEPT) {
        Some((cut, _)) => json!({
            "method": method, "path": &path[..cut], "path_truncated": true,
            "path_length": path.len(), "status": status,
        }),
        None => json!({ "method": method, "path": path, "status": status }),
    }
}

/// Middleware: every 403 answer, and every 404 that refused something the caller may not know
/// exists (`AppError::Hidden`), is audited as `access_denied` with its method, path and status.
pub async fn audit_denials(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let who = Who::default();
    request.extensions_mut().insert(who.clone());
    let (method, path) = (request.method().to_string(), request.uri().path().to_string());
    let ip = request
        .extensions()
        .get::<crate::net::ClientAddr>()
        .and_then(|a| a.0)
        .map(|ip| ip.to_string());
    let response = next.run(request).await;
    // The request's log line names who it was, by id only.
    if let Some((id, _)) = who.0.lock().ok().and_then(|w| w.clone()) {
        tracing::Span::current().record("user_id", id);
    }
    let hidden = response
        .extensions()
        .get::<crate::web::error_page::HiddenRefusal>()
        .is_some();
    if response.status() == axum::http::StatusCode::FORBIDDEN || hidden {
        let actor = who.0.lock().ok().and_then(|w| w.clone());
        let now = state.clock.now();
        let client = Client {
            ip: ip.clone(),
            actor_id: actor.as_ref().map(|(id, _)| *id),
        };
        let actor_name = actor.as_ref().map(|(_, name)| name.as_str());
        // The first refusal of a client's window is written in full; the rest are counted.
        let (closed, first) = {
            let mut tally = state.refusals.lock().expect("refusals lock");
            let closed = tally.close(now);
            let first = tally.note(client, actor_name, now, &format!("{method} {}", capped(&path)));
            (closed, first)
        };
        write_summaries(&state, closed).await;
        if first {
            let entry = NewEntry {
                at: now,
                recorded_at: now,
                actor_id: actor.as_ref().map(|(id, _)| *id),
                actor: actor_name,
                action: "access_denied",
                ip,
                detail: denied_detail(&method, &path, response.status().as_u16()),
                booking_id: None,
            };
            if let Err(e) = db::audit::record(&state.db, entry).await {
                tracing::error!(error = %e, "could not audit a refused access");
            }
        }
    }
    response
}
