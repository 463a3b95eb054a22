//! `/complaints`: complaints about WSO actions, each with its 48-weekday-hour deadline to reach
//! ICE, and the printable complaint-process notice in English and Spanish.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::{self, agreement::Complaint, facilities::Facility};
use crate::domain::case::to_second;
use crate::domain::input::{Checker, TimeInput};
use crate::domain::rules::{self, Duty};
use crate::error::{AppError, AppResult};
use crate::services;
use crate::services::agreement::NewComplaint;
use crate::state::AppState;
use crate::web::api::complaints::complaint_status;
use crate::web::extract::{Acting, PathId};
use crate::web::forms::{FormData, FormState, after_form, local_input};
use crate::web::layout::Layout;
use crate::web::local_time;

pub struct ComplaintRow {
    pub c: Complaint,
    pub status: &'static str,
    pub received: String,
    pub due: String,
    pub notified: Option<String>,
    pub outcome: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "complaints.html")]
pub struct ComplaintsPage {
    layout: Layout,
    rows: Vec<ComplaintRow>,
    facilities: Vec<Facility>,
    form: FormState,
    now_input: String,
    /// The outcome forms (`rules::Duty::ComplaintOutcome`).
    supervisor: bool,
    /// The form for a new complaint (`rules::Duty::RecordComplaint`, at a facility of theirs).
    may_record: bool,
    pager: crate::web::forms::Pager,
}

impl ComplaintsPage {
    fn same(&self, a: &str, b: &str) -> bool {
        a == b
    }

    fn with_status(&self, status: &str) -> Vec<&ComplaintRow> {
        self.rows.iter().filter(|r| r.status == status).collect()
    }
}

async fn page(state: &AppState, user: &CurrentUser, form: FormState) -> AppResult<ComplaintsPage> {
    numbered(state, user, form, None).await
}

async fn numbered(
    state: &AppState,
    user: &CurrentUser,
    form: FormState,
    page: Option<i64>,
) -> AppResult<ComplaintsPage> {
    rules::may_do(Duty::ReadComplaints, user.user.role)?;
    let caller = user.caller();
    let now = state.clock.now();
    let rows = db::agreement::complaints(&state.db, caller.facility_scope())
        .await?
        .into_iter()
        .map(|c| {
            let tz = c.tz();
            ComplaintRow {
                status: complaint_status(&c, now),
                received: local_time(c.received_at, tz),
                due: local_time(c.ice_due_at, tz),
                notified: c.ice_notified_at.map(|t| local_time(t, tz)),
                outcome: c.outcome_at.map(|t| local_time(t, tz)),
                c,
            }
        })
        .collect::<Vec<_>>();
    let (rows, pager) = crate::web::forms::Pager::slice(rows, "/complaints", page);
    let facilities: Vec<Facility> = db::facilities::all(&state.db)
        .await?
        .into_iter()
        .filter(|f| user.user.facility_ids.contains(&f.id))
        .collect();
    let tz = facilities.first().map(Facility::tz).unwrap_or(chrono_tz::UTC);
    let may_record = !facilities.is_empty() && rules::may_do(Duty::RecordComplaint, user.user.role).is_ok();
    Ok(ComplaintsPage {
        layout: Layout::new(state, user, "Complaints", "complaints").await?,
        rows,
        facilities,
        form,
        now_input: local_input(now, tz),
        supervisor: rules::may_do(Duty::ComplaintOutcome, user.user.role).is_ok(),
        may_record,
        pager,
    })
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<ComplaintsPage> {
    numbered(&state, &user, FormState::default(), q.page).await
}

async fn respond<T>(
    state: &AppState,
    user: &CurrentUser,
    form: &str,
    data: FormData,
    r: AppResult<T>,
    done: &str,
) -> AppResult<Response> {
    after_form(user, r, form, data, done, "/complaints", |f| page(state, user, f)).await
}

async fn zone_of(state: &AppState, code: Option<&str>) -> AppResult<TimeInput> {
    let f = match code {
        Some(c) => db::facilities::by_code(&state.db, c).await?,
        None => None,
    };
    Ok(TimeInput::Local(f.map(|f| f.tz()).unwrap_or(chrono_tz::UTC)))
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let times = zone_of(&state, data.get("facility")).await?;
    let mut c = Checker::new();
    let facility = c.text("facility", data.get("facility"), 16);
    let received = c.time("received_at", data.get("received_at"), times).map(to_second);
    let complainant = c.text("complainant", data.get("complainant"), 500);
    let summary = c.text("summary", data.get("summary"), 5000);
    let officers: Vec<String> = data
        .get("officers")
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let r = match c.values((facility, received, complainant, summary)) {
        Ok((facility, received, complainant, summary)) => {
            let new = NewComplaint {
                facility: facility.as_str(),
                received_at: received,
                complainant: complainant.as_str(),
                officers: &officers,
                summary: summary.as_str(),
            };
            services::agreement::record_complaint(&state.db, user.caller(), new, state.clock.now()).await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(
        &state,
        &user,
        "complaint",
        data,
        r,
        "Complaint recorded: it must reach ICE within 48 weekday hours.",
    )
    .await
}

async fn complaint_zone(state: &AppState, id: i64) -> AppResult<TimeInput> {
    let c = db::agreement::complaint(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(TimeInput::Local(c.tz()))
}

pub async fn notified(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    // The role first, as the API does: a role never allowed is refused alike whether the
    // complaint exists or not (looking up its zone first told another facility which exist).
    rules::may_do(Duty::SendComplaintToIce, user.user.role)?;
    let times = complaint_zone(&state, id).await?;
    let mut c = Checker::new();
    let at = c.time("at", data.get("at"), times).map(to_second);
    let method = c.text("method", data.get("method"), 100);
    let contact = c.text("ice_contact", data.get("ice_contact"), 200);
    let r = match c.values((at, method, contact)) {
        Ok((at, method, contact)) => {
            let (at, method, contact) = (at, method, contact);
            services::agreement::complaint_sent_to_ice(
                &state.db,
                user.caller(),
                id,
                at,
                &method,
                &contact,
                state.clock.now(),
            )
            .await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(
        &state,
        &user,
        &format!("notified-{id}"),
        data,
        r,
        "Sending to ICE recorded.",
    )
    .await
}

pub async fn outcome(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    rules::may_do(Duty::ComplaintOutcome, user.user.role)?;
    let times = complaint_zone(&state, id).await?;
    let mut c = Checker::new();
    let at = c.time("at", data.get("at"), times).map(to_second);
    let summary = c.text("summary", data.get("summary"), 5000);
    let reported = match data.get("reported_to_ice_at").filter(|v| !v.is_empty()) {
        Some(v) => c.time("reported_to_ice_at", Some(v), times).map(to_second),
        None => None,
    };
    let r = match c.values((at, summary)) {
        Ok((at, summary)) => {
            let (at, summary) = (at, summary);
            services::agreement::complaint_outcome(
                &state.db,
                user.caller(),
                id,
                at,
                &summary,
                reported,
                state.clock.now(),
            )
            .await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(&state, &user, &format!("outcome-{id}"), data, r, "Outcome recorded.").await
}

#[derive(Template, WebTemplate)]
#[template(path = "complaint_notice.html")]
pub struct NoticePage {
    facility: Facility,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    facility: String,
}

/// The complaint-process notice for the processing area, in English and Spanish.
pub async fn notice(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> AppResult<NoticePage> {
    let facility = db::facilities::by_code(&state.db, &q.facility)
        .await?
        .ok_or(AppError::NotFound)?;
    if !rules::covers(user.user.role, &user.user.facility_ids, facility.id) {
        return Err(AppError::forbidden());
    }
    Ok(NoticePage { facility })
}
