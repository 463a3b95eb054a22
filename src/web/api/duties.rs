//! API v1 for the agreement's duties: citizenship claims, interpreters, complaints, officer
//! credentials and eligibility, disclosures, annual reviews.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::json::ApiJson;
use super::{caller, id};
use crate::auth::ApiUser;
use crate::cases::{self, Caller, ClaimReport, DisclosureInput, Fact, NewClaim, NewComplaint};
use crate::db::{self, agreement::Complaint, duties::Claim};
use crate::domain::Role;
use crate::domain::case::to_second;
use crate::domain::input::{Checker, TimeInput};
use crate::domain::weekdays::weekday_time_between;
use crate::error::{ApiResult, AppError, FieldError};
use crate::state::AppState;

fn done(c: Checker) -> Result<(), AppError> {
    c.finish().map_err(AppError::Validation)
}

fn optional_date(c: &mut Checker, field: &str, v: Option<&str>) -> Option<NaiveDate> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|v| c.date(field, Some(v)))
}

// ---- Citizenship claims ----

#[derive(Deserialize)]
pub struct ClaimInput {
    at: Option<String>,
    how: Option<String>,
    document: Option<String>,
    interpreter_id: Option<i64>,
}

pub async fn record_claim(
    State(state): State<AppState>,
    api: ApiUser,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<ClaimInput>,
) -> ApiResult<(StatusCode, Json<Claim>)> {
    let caller = caller(&api);
    caller.require(&[Role::Officer, Role::Supervisor])?;
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let how = c.text("how", input.how.as_deref(), 500);
    let document = c.optional_text("document", input.document.as_deref(), 500);
    done(c)?;
    let claim = NewClaim {
        at: at.expect("checked"),
        how: how.as_deref().expect("checked"),
        document: document.as_deref(),
        interpreter_id: input.interpreter_id,
    };
    let stored = cases::record_claim(&state.db, caller, id(&raw)?, claim, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

#[derive(Deserialize)]
pub struct ReportInput {
    at: Option<String>,
    method: Option<String>,
    ice_contact: Option<String>,
    response: Option<String>,
}

pub async fn report_claim(
    State(state): State<AppState>,
    api: ApiUser,
    Path((raw, raw_claim)): Path<(String, String)>,
    ApiJson(input): ApiJson<ReportInput>,
) -> ApiResult<Json<Claim>> {
    let caller = caller(&api);
    caller.require(&[Role::Officer, Role::Supervisor])?;
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let method = c.text("method", input.method.as_deref(), 100);
    let contact = c.text("ice_contact", input.ice_contact.as_deref(), 200);
    let response = c.optional_text("response", input.response.as_deref(), 2000);
    done(c)?;
    let report = ClaimReport {
        at: at.expect("checked"),
        method: method.as_deref().expect("checked"),
        ice_contact: contact.as_deref().expect("checked"),
        response: response.as_deref(),
    };
    let stored = cases::report_claim(&state.db, caller, id(&raw)?, id(&raw_claim)?, report, state.clock.now()).await?;
    Ok(Json(stored))
}

// ---- Interpreters ----

#[derive(Deserialize)]
pub struct InterpreterInput {
    facility: Option<String>,
    name: Option<String>,
    languages: Option<String>,
    contact: Option<String>,
}

pub async fn add_interpreter(
    State(state): State<AppState>,
    api: ApiUser,
    ApiJson(input): ApiJson<InterpreterInput>,
) -> ApiResult<(StatusCode, Json<db::duties::Interpreter>)> {
    let caller = caller(&api);
    caller.require(&[Role::Supervisor])?;
    let mut c = Checker::new();
    let facility = c.text("facility", input.facility.as_deref(), 16);
    let name = c.text("name", input.name.as_deref(), 200);
    let languages = c.text("languages", input.languages.as_deref(), 200);
    let contact = c.optional_text("contact", input.contact.as_deref(), 200);
    done(c)?;
    let i = cases::add_interpreter(
        &state.db,
        caller,
        &facility.expect("checked"),
        &name.expect("checked"),
        &languages.expect("checked"),
        contact.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(i)))
}

#[derive(Deserialize)]
pub struct FacilityQuery {
    facility: Option<String>,
}

/// Facility ids the caller may read, narrowed to `?facility=` when given.
async fn scope(state: &AppState, caller: &Caller<'_>, facility: Option<&str>) -> Result<Option<Vec<i64>>, AppError> {
    let mine = caller.facility_scope().map(<[i64]>::to_vec);
    match facility.filter(|f| !f.is_empty()) {
        None => Ok(mine),
        Some(code) => {
            let f = db::facilities::by_code(&state.db, code)
                .await?
                .ok_or(AppError::field("facility", "no such facility"))?;
            if mine.as_ref().is_some_and(|m| !m.contains(&f.id)) {
                return Err(AppError::forbidden());
            }
            Ok(Some(vec![f.id]))
        }
    }
}

pub async fn interpreters(
    State(state): State<AppState>,
    api: ApiUser,
    Query(q): Query<FacilityQuery>,
) -> ApiResult<Json<Vec<db::duties::Interpreter>>> {
    let caller = caller(&api);
    let scope = scope(&state, &caller, q.facility.as_deref()).await?;
    Ok(Json(db::duties::interpreters(&state.db, scope.as_deref()).await?))
}

// ---- Complaints ----

#[derive(Serialize)]
pub struct ComplaintJson {
    id: i64,
    facility: String,
    received_at: DateTime<Utc>,
    complainant: String,
    officers: Vec<String>,
    summary: String,
    received_by: String,
    ice_due_at: DateTime<Utc>,
    ice_notified_at: Option<DateTime<Utc>>,
    ice_method: Option<String>,
    ice_contact: Option<String>,
    outcome_at: Option<DateTime<Utc>>,
    outcome_summary: Option<String>,
    outcome_reported_to_ice_at: Option<DateTime<Utc>>,
    /// `open`, `due_soon` (12 weekday hours or less left), `overdue`, or `closed` (outcome recorded).
    status: &'static str,
}

pub fn complaint_status(c: &Complaint, now: DateTime<Utc>) -> &'static str {
    if c.outcome_at.is_some() {
        "closed"
    } else if c.ice_notified_at.is_some() {
        "open"
    } else if now >= c.ice_due_at {
        "overdue"
    } else if weekday_time_between(now, c.ice_due_at, c.tz()) <= Duration::hours(12) {
        "due_soon"
    } else {
        "open"
    }
}

impl ComplaintJson {
    fn new(c: Complaint, now: DateTime<Utc>) -> Self {
        let status = complaint_status(&c, now);
        Self {
            id: c.id,
            facility: c.facility,
            received_at: c.received_at,
            complainant: c.complainant,
            officers: c.officers,
            summary: c.summary,
            received_by: c.received_by,
            ice_due_at: c.ice_due_at,
            ice_notified_at: c.ice_notified_at,
            ice_method: c.ice_method,
            ice_contact: c.ice_contact,
            outcome_at: c.outcome_at,
            outcome_summary: c.outcome_summary,
            outcome_reported_to_ice_at: c.outcome_reported_to_ice_at,
            status,
        }
    }
}

#[derive(Deserialize)]
pub struct ComplaintInput {
    facility: Option<String>,
    received_at: Option<String>,
    complainant: Option<String>,
    officers: Option<Vec<String>>,
    summary: Option<String>,
}

pub async fn record_complaint(
    State(state): State<AppState>,
    api: ApiUser,
    ApiJson(input): ApiJson<ComplaintInput>,
) -> ApiResult<(StatusCode, Json<ComplaintJson>)> {
    let caller = caller(&api);
    caller.require(&[Role::Officer, Role::Supervisor])?;
    let mut c = Checker::new();
    let facility = c.text("facility", input.facility.as_deref(), 16);
    let received = c
        .time("received_at", input.received_at.as_deref(), TimeInput::Rfc3339)
        .map(to_second);
    let complainant = c.text("complainant", input.complainant.as_deref(), 500);
    let summary = c.text("summary", input.summary.as_deref(), 5000);
    done(c)?;
    let officers = input.officers.unwrap_or_default();
    let now = state.clock.now();
    let new = NewComplaint {
        facility: facility.as_deref().expect("checked"),
        received_at: received.expect("checked"),
        complainant: complainant.as_deref().expect("checked"),
        officers: &officers,
        summary: summary.as_deref().expect("checked"),
    };
    let stored = cases::record_complaint(&state.db, caller, new, now).await?;
    Ok((StatusCode::CREATED, Json(ComplaintJson::new(stored, now))))
}

pub async fn complaint_notified(
    State(state): State<AppState>,
    api: ApiUser,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<ReportInput>,
) -> ApiResult<Json<ComplaintJson>> {
    let caller = caller(&api);
    caller.require(&[Role::Officer, Role::Supervisor])?;
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let method = c.text("method", input.method.as_deref(), 100);
    let contact = c.text("ice_contact", input.ice_contact.as_deref(), 200);
    done(c)?;
    let now = state.clock.now();
    let stored = cases::complaint_sent_to_ice(
        &state.db,
        caller,
        id(&raw)?,
        at.expect("checked"),
        method.as_deref().expect("checked"),
        contact.as_deref().expect("checked"),
        now,
    )
    .await?;
    Ok(Json(ComplaintJson::new(stored, now)))
}

#[derive(Deserialize)]
pub struct OutcomeInput {
    at: Option<String>,
    summary: Option<String>,
    reported_to_ice_at: Option<String>,
}

pub async fn complaint_outcome(
    State(state): State<AppState>,
    api: ApiUser,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<OutcomeInput>,
) -> ApiResult<Json<ComplaintJson>> {
    let caller = caller(&api);
    caller.require(&[Role::Supervisor])?;
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let summary = c.text("summary", input.summary.as_deref(), 5000);
    let reported = match input.reported_to_ice_at.as_deref().filter(|s| !s.is_empty()) {
        Some(v) => c.time("reported_to_ice_at", Some(v), TimeInput::Rfc3339).map(to_second),
        None => None,
    };
    done(c)?;
    let now = state.clock.now();
    let stored = cases::complaint_outcome(
        &state.db,
        caller,
        id(&raw)?,
        at.expect("checked"),
        summary.as_deref().expect("checked"),
        reported,
        now,
    )
    .await?;
    Ok(Json(ComplaintJson::new(stored, now)))
}

#[derive(Deserialize)]
pub struct ComplaintQuery {
    status: Option<String>,
}

pub async fn complaints(
    State(state): State<AppState>,
    api: ApiUser,
    Query(q): Query<ComplaintQuery>,
) -> ApiResult<Json<Vec<ComplaintJson>>> {
    let caller = caller(&api);
    caller.require(&[Role::Officer, Role::Supervisor, Role::Admin])?;
    let now = state.clock.now();
    let wanted = q.status.as_deref().filter(|s| !s.is_empty());
    if wanted.is_some_and(|s| !matches!(s, "open" | "overdue" | "closed")) {
        return Err(AppError::field("status", "status is open, overdue or closed").into());
    }
    let rows = db::agreement::complaints(&state.db, caller.facility_scope()).await?;
    let list = rows
        .into_iter()
        .map(|c| ComplaintJson::new(c, now))
        .filter(|c| match wanted {
            None => true,
            Some("closed") => c.status == "closed",
            Some("overdue") => c.status == "overdue",
            Some(_) => c.status != "closed",
        })
        .collect();
    Ok(Json(list))
}

// ---- Officer credentials ----

#[derive(Deserialize, Default)]
pub struct FactInput {
    taken_on: Option<String>,
    score: Option<i32>,
    form_70_006_number: Option<String>,
    issued_on: Option<String>,
    on: Option<String>,
    received_on: Option<String>,
    effective_on: Option<String>,
    given_on: Option<String>,
    departs_on: Option<String>,
}

async fn fact(state: &AppState, api: &ApiUser, username: &str, fact: Fact<'_>) -> ApiResult<(StatusCode, Json<Value>)> {
    let caller = caller(api);
    cases::record_fact(&state.db, caller, username, fact, state.clock.now()).await?;
    eligibility_json(state, username, state.clock.now(), None)
        .await
        .map(|j| (StatusCode::CREATED, j))
}

fn guard(api: &ApiUser) -> Result<(), AppError> {
    Caller {
        user: &api.user,
        ip: None,
    }
    .require(&[Role::Supervisor, Role::Admin])
}

pub async fn exam(
    State(state): State<AppState>,
    api: ApiUser,
    Path(u): Path<String>,
    ApiJson(i): ApiJson<FactInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    guard(&api)?;
    let mut c = Checker::new();
    let taken_on = c.date("taken_on", i.taken_on.as_deref());
    if i.score.is_none() {
        c.errors.push(FieldError::new("score", "score is required"));
    }
    done(c)?;
    fact(
        &state,
        &api,
        &u,
        Fact::Exam {
            taken_on: taken_on.expect("checked"),
            score: i.score.expect("checked"),
        },
    )
    .await
}

pub async fn credentials(
    State(state): State<AppState>,
    api: ApiUser,
    Path(u): Path<String>,
    ApiJson(i): ApiJson<FactInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    guard(&api)?;
    let mut c = Checker::new();
    let number = c.text("form_70_006_number", i.form_70_006_number.as_deref(), 50);
    let issued_on = c.date("issued_on", i.issued_on.as_deref());
    done(c)?;
    fact(
        &state,
        &api,
        &u,
        Fact::Credential {
            number: number.as_deref().expect("checked"),
            issued_on: issued_on.expect("checked"),
        },
    )
    .await
}

pub async fn credentials_returned(
    State(state): State<AppState>,
    api: ApiUser,
    Path(u): Path<String>,
    ApiJson(i): ApiJson<FactInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    guard(&api)?;
    let mut c = Checker::new();
    let on = c.date("on", i.on.as_deref());
    done(c)?;
    fact(
        &state,
        &api,
        &u,
        Fact::CredentialReturned {
            on: on.expect("checked"),
        },
    )
    .await
}

pub async fn withdrawal(
    State(state): State<AppState>,
    api: ApiUser,
    Path(u): Path<String>,
    ApiJson(i): ApiJson<FactInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    guard(&api)?;
    let mut c = Checker::new();
    let received_on = c.date("received_on", i.received_on.as_deref());
    let effective_on = c.date("effective_on", i.effective_on.as_deref());
    done(c)?;
    fact(
        &state,
        &api,
        &u,
        Fact::Withdrawal {
            received_on: received_on.expect("checked"),
            effective_on: effective_on.expect("checked"),
        },
    )
    .await
}

pub async fn departure_notice(
    State(state): State<AppState>,
    api: ApiUser,
    Path(u): Path<String>,
    ApiJson(i): ApiJson<FactInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    guard(&api)?;
    let mut c = Checker::new();
    let given_on = c.date("given_on", i.given_on.as_deref());
    let departs_on = c.date("departs_on", i.departs_on.as_deref());
    done(c)?;
    let (given_on, departs_on) = (given_on.expect("checked"), departs_on.expect("checked"));
    let (status, Json(mut body)) = fact(&state, &api, &u, Fact::DepartureNotice { given_on, departs_on }).await?;
    if crate::domain::credentials::short_notice(given_on, departs_on) {
        body["warning"] = json!("less than 90 days' notice to ICE before the departure");
    }
    Ok((status, Json(body)))
}

#[derive(Deserialize)]
pub struct EligibilityQuery {
    at: Option<String>,
    facility: Option<String>,
}

async fn eligibility_json(
    state: &AppState,
    username: &str,
    at: DateTime<Utc>,
    facility: Option<&str>,
) -> ApiResult<Json<Value>> {
    let officer = db::users::by_username(&state.db, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let code = facility
        .map(str::to_owned)
        .or_else(|| officer.facilities.first().cloned());
    let tz = match code {
        Some(code) => db::facilities::by_code(&state.db, &code)
            .await?
            .map(|f| f.tz())
            .unwrap_or(chrono_tz::UTC),
        None => chrono_tz::UTC,
    };
    let record = db::duties::credential_record(&state.db, officer.id).await?;
    let e = crate::domain::credentials::eligibility(&record, at, tz);
    Ok(Json(
        json!({ "username": officer.username, "at": at, "may_serve": e.may_serve, "reasons": e.reasons }),
    ))
}

pub async fn eligibility(
    State(state): State<AppState>,
    api: ApiUser,
    Path(u): Path<String>,
    Query(q): Query<EligibilityQuery>,
) -> ApiResult<Json<Value>> {
    let caller = caller(&api);
    caller.require(&[Role::Officer, Role::Supervisor, Role::Admin])?;
    let at = match q.at.as_deref().filter(|s| !s.is_empty()) {
        Some(v) => crate::domain::input::parse_time(v, TimeInput::Rfc3339).map_err(|m| AppError::field("at", m))?,
        None => state.clock.now(),
    };
    if caller.user.role == Role::Officer && caller.user.username != u {
        return Err(AppError::forbidden().into());
    }
    if caller.user.role == Role::Supervisor {
        let officer = db::users::by_username(&state.db, &u).await?.ok_or(AppError::NotFound)?;
        if !officer
            .facility_ids
            .iter()
            .any(|f| caller.user.facility_ids.contains(f))
        {
            return Err(AppError::forbidden().into());
        }
    }
    eligibility_json(&state, &u, at, q.facility.as_deref()).await
}

// ---- Disclosures and reviews ----

#[derive(Deserialize)]
pub struct DisclosureJsonInput {
    facility: Option<String>,
    what: Option<String>,
    recipient: Option<String>,
    requested_on: Option<String>,
    clearance_requested_on: Option<String>,
    cleared_on: Option<String>,
    released_on: Option<String>,
    early_release_reason: Option<String>,
}

pub async fn record_disclosure(
    State(state): State<AppState>,
    api: ApiUser,
    ApiJson(i): ApiJson<DisclosureJsonInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let caller = caller(&api);
    caller.require(&[Role::Supervisor])?;
    let mut c = Checker::new();
    let facility = c.text("facility", i.facility.as_deref(), 16);
    let what = c.text("what", i.what.as_deref(), 2000);
    let recipient = c.text("recipient", i.recipient.as_deref(), 500);
    let requested_on = c.date("requested_on", i.requested_on.as_deref());
    let clearance_requested_on = optional_date(&mut c, "clearance_requested_on", i.clearance_requested_on.as_deref());
    let cleared_on = optional_date(&mut c, "cleared_on", i.cleared_on.as_deref());
    let released_on = optional_date(&mut c, "released_on", i.released_on.as_deref());
    done(c)?;
    let input = DisclosureInput {
        facility: facility.as_deref().expect("checked"),
        what: what.as_deref().expect("checked"),
        recipient: recipient.as_deref().expect("checked"),
        requested_on: requested_on.expect("checked"),
        clearance_requested_on,
        cleared_on,
        released_on,
        early_release_reason: i.early_release_reason.as_deref(),
    };
    let id = cases::record_disclosure(&state.db, caller, input, state.clock.now()).await?;
    let stored = db::agreement::disclosures(&state.db, None)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(json!(stored))))
}

pub async fn disclosures(
    State(state): State<AppState>,
    api: ApiUser,
    Query(q): Query<FacilityQuery>,
) -> ApiResult<Json<Vec<db::agreement::Disclosure>>> {
    let caller = caller(&api);
    caller.require(&[Role::Supervisor, Role::Admin])?;
    let scope = scope(&state, &caller, q.facility.as_deref()).await?;
    Ok(Json(db::agreement::disclosures(&state.db, scope.as_deref()).await?))
}

#[derive(Deserialize)]
pub struct ReviewInput {
    facility: Option<String>,
    held_on: Option<String>,
    attendees: Option<String>,
    notes: Option<String>,
}

pub async fn record_review(
    State(state): State<AppState>,
    api: ApiUser,
    ApiJson(i): ApiJson<ReviewInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let caller = caller(&api);
    caller.require(&[Role::Supervisor])?;
    let mut c = Checker::new();
    let facility = c.text("facility", i.facility.as_deref(), 16);
    let held_on = c.date("held_on", i.held_on.as_deref());
    let attendees = c.text("attendees", i.attendees.as_deref(), 2000);
    let notes = c.optional_text("notes", i.notes.as_deref(), 10_000);
    done(c)?;
    let id = cases::record_review(
        &state.db,
        caller,
        facility.as_deref().expect("checked"),
        held_on.expect("checked"),
        attendees.as_deref().expect("checked"),
        notes.as_deref(),
        state.clock.now(),
    )
    .await?;
    let stored = db::agreement::reviews(&state.db, None)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(json!(stored))))
}

pub async fn reviews(
    State(state): State<AppState>,
    api: ApiUser,
    Query(q): Query<FacilityQuery>,
) -> ApiResult<Json<Vec<db::agreement::Review>>> {
    let caller = caller(&api);
    caller.require(&[Role::Supervisor, Role::Admin])?;
    let scope = scope(&state, &caller, q.facility.as_deref()).await?;
    Ok(Json(db::agreement::reviews(&state.db, scope.as_deref()).await?))
}
