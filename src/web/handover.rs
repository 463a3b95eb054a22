//! `/handover?facility=CODE[&from=…&to=…]` (issue 31): the shift handover, printable on one page;
//! `POST /handover` records who handed over to whom (audited `shift_handed_over`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::{CurrentUser, session};
use crate::domain::input::{Checker, TimeInput};
use crate::error::{AppError, AppResult};
use crate::services::handover::{self, Item};
use crate::state::AppState;
use crate::web::extract::Acting;
use crate::web::forms::{FormData, exact_input};
use crate::web::layout::Layout;
use crate::web::local_time;

#[derive(Template, WebTemplate)]
#[template(path = "handover.html")]
pub struct HandoverPage {
    layout: Layout,
    facility: String,
    facility_name: String,
    from: String,
    to: String,
    due_until: String,
    /// The period as the record form sends it back (local inputs).
    from_input: String,
    to_input: String,
    due: Vec<Row>,
    happened: Vec<Row>,
}

pub struct Row {
    pub at: String,
    pub about: String,
    pub what: String,
    pub late: bool,
}

#[derive(Deserialize)]
pub struct HandoverQuery {
    #[serde(default)]
    facility: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// The facility asked for, or the viewer's first.
fn code(asked: Option<&str>, first: Option<String>) -> AppResult<String> {
    match asked.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Ok(c.to_string()),
        None => first.ok_or_else(|| AppError::field("facility", "choose a facility")),
    }
}

/// `from` and `to` as local times of the facility, both or neither.
fn period(
    from: Option<&str>,
    to: Option<&str>,
    tz: chrono_tz::Tz,
) -> AppResult<Option<(DateTime<Utc>, DateTime<Utc>)>> {
    let (from, to) = (
        from.filter(|s| !s.trim().is_empty()),
        to.filter(|s| !s.trim().is_empty()),
    );
    if from.is_none() && to.is_none() {
        return Ok(None);
    }
    let mut c = Checker::new();
    let from = c.time("from", from, TimeInput::Local(tz));
    let to = c.time("to", to, TimeInput::Local(tz));
    let (from, to) = c.values((from, to))?;
    Ok(Some((from, to)))
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<HandoverQuery>,
) -> AppResult<Response> {
    let caller = user.caller();
    let first = first_facility(&state, &user).await?;
    let code = code(q.facility.as_deref(), first)?;
    let facility = handover::facility(&state.db, &caller, &code).await?;
    let tz = facility.timezone.0;
    let chosen = period(q.from.as_deref(), q.to.as_deref(), tz)?;
    let now = state.clock.now();
    let h = handover::read(&state.db, facility, chosen, now, &state.config.alert_hours_left).await?;
    let rows = |items: Vec<Item>| {
        items
            .into_iter()
            .map(|i| Row {
                at: local_time(i.at, tz),
                about: i.about.unwrap_or_default(),
                what: i.what,
                late: i.late,
            })
            .collect()
    };
    let title = format!("Shift handover — {}", h.facility.code);
    Ok(HandoverPage {
        layout: Layout::new(&state, &user, title, "handover").await?,
        from: local_time(h.period.from, tz),
        to: local_time(h.period.to, tz),
        due_until: local_time(h.period.due_until, tz),
        from_input: exact_input(h.period.from, tz),
        to_input: exact_input(h.period.to, tz),
        due: rows(h.due),
        happened: rows(h.happened),
        facility: h.facility.code,
        facility_name: h.facility.name,
    }
    .into_response())
}

async fn first_facility(state: &AppState, user: &CurrentUser) -> AppResult<Option<String>> {
    let Some(&id) = user.user.facility_ids.first() else {
        return Ok(None);
    };
    Ok(crate::db::facilities::by_id(&state.db, id).await?.map(|f| f.code))
}

/// Records the handover of the period shown, to `received_by`.
pub async fn record(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let caller = user.caller();
    let code = data.get("facility").unwrap_or_default().trim().to_string();
    let facility = handover::facility(&state.db, &caller, &code).await?;
    let tz = facility.timezone.0;
    let chosen = period(data.get("from"), data.get("to"), tz)?
        .ok_or_else(|| AppError::field("from", "the period is missing"))?;
    let starts = crate::db::handover::shift_starts(&state.db, facility.id).await?;
    let p = crate::domain::handover::chosen(chosen.0, chosen.1, tz, &starts).map_err(|m| AppError::field("to", m))?;
    let received_by = data.get("received_by").unwrap_or_default().trim().to_string();
    handover::record(&state.db, &caller, &facility, p, &received_by, state.clock.now()).await?;
    session::set_flash(
        &user.session,
        "success",
        &format!("Shift handed over to {received_by}."),
    )
    .await?;
    Ok(Redirect::to(&format!("/handover?facility={code}")).into_response())
}
