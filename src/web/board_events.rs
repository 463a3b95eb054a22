//! The board as server-sent events (docs/api.md, "Board events"): `GET /transfers/pending/events`
//! for a signed-in page (rows carry their HTML too) and `GET /api/v1/transfers/pending/events`
//! for a token. On connect the whole board (`board`), then `entered`, `changed` and `left` as
//! cases move, `closed` when the caller's session or token stops holding; a comment heartbeat
//! every 15 s.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use crate::auth::CurrentUser;
use crate::db::board::{BoardBooking, List};
use crate::db::users::User;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::services::board::{Event, Watch};
use crate::services::board_stream::{self, Credential, Out};
use crate::state::AppState;
use crate::web::api::views::PendingJson;
use crate::web::transfers::{PendingQuery, PendingRow, PendingRowHtml, WaitingRow, WaitingRowHtml};

/// How rows are written: the API's JSON, or the page's JSON with each row's HTML.
#[derive(Clone)]
pub enum Render {
    Api,
    Page { supervisor: bool, csrf: String },
}

pub const HEARTBEAT: Duration = Duration::from_secs(15);

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PendingQuery>,
) -> AppResult<Response> {
    let credential = Credential::Session {
        sid: user.sid.clone(),
        idle: chrono::Duration::minutes(state.config.session_idle_minutes),
        max_age: chrono::Duration::hours(state.config.session_max_hours),
    };
    let render = Render::Page {
        supervisor: user.user.role == Role::Supervisor,
        csrf: crate::auth::session::csrf_token(&user.session).await?,
    };
    let with_awaiting = user.user.role != Role::IceLiaison;
    open(state, credential, query.facility, with_awaiting, render).await
}

fn scope_of(u: &User) -> Option<Vec<i64>> {
    (u.role != Role::Admin).then(|| u.facility_ids.clone())
}

/// Opens a stream: subscribes, reads the board, and runs the stream's task until the client
/// goes away or its credential stops holding.
pub async fn open(
    state: AppState,
    credential: Credential,
    chosen: String,
    with_awaiting: bool,
    render: Render,
) -> AppResult<Response> {
    let now = state.clock.now();
    let access = board_stream::access(&state.db, &credential, now)
        .await?
        .ok_or(AppError::Unauthorized)?;
    // Subscribed before the board is read: a change in between arrives (and is compared).
    let signals = state.board.subscribe(&state.db).await?;
    let mut watch = Watch::new(scope_of(&access.user), chosen, with_awaiting);
    let first = watch.load(&state.db, now).await?;
    let (tx, rx) = mpsc::channel::<Out>(64);
    tx.send(Out::Event(Box::new(first)))
        .await
        .map_err(|_| AppError::Unauthorized)?;
    tokio::spawn(board_stream::run(board_stream::Stream {
        db: state.db.clone(),
        clock: state.clock.clone(),
        credential,
        access,
        watch,
        signals,
        scope_of,
        out: tx,
        closing: state.board.closing(),
    }));
    let clock = state.clock.clone();
    let stream = ReceiverStream::new(rx).map(move |out| Ok::<_, Infallible>(sse(&out, &render, clock.now())));
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
        .into_response())
}

fn sse(out: &Out, render: &Render, now: DateTime<Utc>) -> SseEvent {
    let (name, data) = match out {
        Out::Closed => ("closed", json!({ "reason": "signed_out" })),
        Out::Event(e) => match e.as_ref() {
            Event::Board(rows) => (
                "board",
                Value::Array(rows.iter().filter_map(|(l, r)| row(*l, r, render, now)).collect()),
            ),
            Event::Entered(l, r) => ("entered", row(*l, r, render, now).unwrap_or(Value::Null)),
            Event::Changed(l, r) => ("changed", row(*l, r, render, now).unwrap_or(Value::Null)),
            Event::Left(l, id) => match render {
                Render::Api => ("left", json!({ "booking_id": id })),
                Render::Page { .. } => ("left", json!({ "booking_id": id, "list": l })),
            },
        },
    };
    SseEvent::default().event(name).data(data.to_string())
}

/// A row as the pending list's JSON (API), or with its list and HTML (page).
fn row(list: List, r: &BoardBooking, render: &Render, now: DateTime<Utc>) -> Option<Value> {
    match (render, list) {
        (Render::Api, List::Pending) => serde_json::to_value(PendingJson::new(r, now)?).ok(),
        (Render::Api, List::Awaiting) => None,
        (Render::Page { supervisor, csrf }, List::Pending) => {
            let mut v = serde_json::to_value(PendingJson::new(r, now)?).ok()?;
            let html = PendingRowHtml {
                r: &PendingRow::new(r.clone(), now)?,
                supervisor: *supervisor,
                csrf,
            }
            .render()
            .ok()?;
            v["list"] = json!(list);
            v["html"] = json!(html);
            Some(v)
        }
        (Render::Page { .. }, List::Awaiting) => {
            let html = WaitingRowHtml {
                w: &WaitingRow::new(r.clone()),
            }
            .render()
            .ok()?;
            Some(json!({ "booking_id": r.b.id, "facility": r.b.facility_code, "list": list, "html": html }))
        }
    }
}
