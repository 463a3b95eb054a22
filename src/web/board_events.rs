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
use serde::Serialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use crate::auth::CurrentUser;
use crate::db::board::{BoardBooking, List};
use crate::db::users::User;
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
    Page {
        supervisor: bool,
        csrf: String,
        /// `WSO_PICKUP_PLAN_HOURS`, for the rows' pickup flags.
        pickup_hours: i64,
    },
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
        supervisor: crate::domain::rules::permitted(crate::domain::rules::Step::Release, user.user.role).is_ok(),
        csrf: crate::auth::session::csrf_token(&user.session).await?,
        pickup_hours: state.config.pickup_plan_hours,
    };
    let with_awaiting = crate::domain::rules::sees_awaiting(user.user.role);
    let only = match query.agency.trim() {
        "" => None,
        code => Some(crate::services::agencies::facilities_within(&state.db, &user.user.facility_ids, code).await?),
    };
    open(state, credential, (query.facility, only), with_awaiting, render).await
}

fn scope_of(u: &User) -> Option<Vec<i64>> {
    crate::domain::rules::scope(u.role, &u.facility_ids).map(<[i64]>::to_vec)
}

/// Opens a stream: subscribes, reads the board, and runs the stream's task until the client
/// goes away or its credential stops holding.
pub async fn open(
    state: AppState,
    credential: Credential,
    (chosen, only): (String, Option<Vec<i64>>),
    with_awaiting: bool,
    render: Render,
) -> AppResult<Response> {
    let now = state.clock.now();
    let access = board_stream::access(&state.db, &credential, now)
        .await?
        .ok_or(AppError::Unauthorized)?;
    // Counted until the response's body is dropped (the client went away, or the stream ended).
    let max = state.config.streams_per_user;
    let slot = state.board.admit(access.user.id, max).ok_or_else(|| AppError::TooMany {
        code: "too_many_streams",
        message: format!(
            "this account already has {max} boards open on this server: close one (or wait for it to time out) and try again"
        ),
    })?;
    // Subscribed before the board is read: a change in between arrives (and is compared).
    let signals = state.board.subscribe(&state.db).await?;
    let mut watch = Watch::new(scope_of(&access.user), chosen, with_awaiting).only(only);
    let first = watch.load(&state.db, &state.board, now).await?;
    let (tx, rx) = mpsc::channel::<Out>(64);
    tx.send(Out::Event(Box::new(first)))
        .await
        .map_err(|_| AppError::Unauthorized)?;
    tokio::spawn(board_stream::run(board_stream::Stream {
        db: state.db.clone(),
        feed: state.board.clone(),
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
    let stream = ReceiverStream::new(rx).map(move |out| {
        let _held = &slot;
        Ok::<_, Infallible>(sse(&out, &render, clock.now()))
    });
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat"))
        .into_response();
    // A reverse proxy (nginx) must pass each event on at once, not buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", axum::http::HeaderValue::from_static("no"));
    Ok(response)
}

fn sse(out: &Out, render: &Render, now: DateTime<Utc>) -> SseEvent {
    // Written straight to a string (no `serde_json::Value` tree): a thousand streams opening at
    // once each write a whole board.
    let (name, data) = match out {
        Out::Closed => ("closed", json!({ "reason": "signed_out" }).to_string()),
        Out::Event(e) => match e.as_ref() {
            Event::Board(rows) => (
                "board",
                json(
                    &rows
                        .iter()
                        .filter_map(|(l, r)| row(*l, r, render, now))
                        .collect::<Vec<_>>(),
                ),
            ),
            Event::Entered(l, r) => ("entered", json(&row(*l, r, render, now))),
            Event::Changed(l, r) => ("changed", json(&row(*l, r, render, now))),
            Event::Left(l, id) => match render {
                Render::Api => ("left", json!({ "booking_id": id }).to_string()),
                Render::Page { .. } => ("left", json!({ "booking_id": id, "list": l }).to_string()),
            },
        },
    };
    SseEvent::default().event(name).data(data)
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// A row of a stream: the pending list's JSON (API), or with its list and HTML (page; the
/// page's second list has no clock, so its rows carry only their id and facility).
#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    pending: Option<PendingJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    booking_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    facility: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    list: Option<List>,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<String>,
}

fn row<'a>(list: List, r: &'a BoardBooking, render: &Render, now: DateTime<Utc>) -> Option<Row<'a>> {
    let blank = Row {
        pending: None,
        booking_id: None,
        facility: None,
        list: None,
        html: None,
    };
    match (render, list) {
        (Render::Api, List::Pending) => Some(Row {
            pending: Some(PendingJson::new(r, now)?),
            ..blank
        }),
        (Render::Api, List::Awaiting) => None,
        (
            Render::Page {
                supervisor,
                csrf,
                pickup_hours,
            },
            List::Pending,
        ) => {
            let html = PendingRowHtml {
                r: &PendingRow::new(r, now, *pickup_hours)?,
                supervisor: *supervisor,
                csrf,
            }
            .render()
            .ok()?;
            Some(Row {
                pending: Some(PendingJson::new(r, now)?),
                list: Some(list),
                html: Some(html),
                ..blank
            })
        }
        (Render::Page { .. }, List::Awaiting) => {
            let html = WaitingRowHtml { w: &WaitingRow::new(r) }.render().ok()?;
            Some(Row {
                booking_id: Some(r.b.id),
                facility: Some(r.b.facility_code.clone()),
                list: Some(list),
                html: Some(html),
                ..blank
            })
        }
    }
}
