//! API v1 for the agreement's duties on a case and a facility: citizenship claims, interpreters,
//! disclosures, annual reviews.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::json::ApiJson;
use super::optional_date;
use crate::auth::ApiUser;
use crate::db::{self, duties::Claim};
use crate::domain::Role;
use crate::domain::case::to_second;
use crate::domain::input::{Checker, TimeInput};
use crate::error::{ApiResult, AppError};
use crate::services::{self, Caller, ClaimReport, DisclosureInput, NewClaim};
use crate::state::AppState;
use crate::web::extract::{Acting, ApiPathId, ApiPathIds};

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
    ApiPathId(id): ApiPathId,
    ApiJson(input): ApiJson<ClaimInput>,
) -> ApiResult<(StatusCode, Json<Claim>)> {
    let caller = api.caller();
    caller.require(&[Role::Officer, Role::Supervisor])?;
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let how = c.text("how", input.how.as_deref(), 500);
    let document = c.optional_text("document", input.document.as_deref(), 500);
    c.done()?;
    let claim = NewClaim {
        at: at.expect("checked"),
        how: how.as_deref().expect("checked"),
        document: document.as_deref(),
        interpreter_id: input.interpreter_id,
    };
    let stored = services::record_claim(&state.db, caller, id, claim, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

#[derive(Deserialize)]
pub struct ReportInput {
    pub at: Option<String>,
    pub method: Option<String>,
    pub ice_contact: Option<String>,
    pub response: Option<String>,
}

pub async fn report_claim(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathIds(id, claim_id): ApiPathIds,
    ApiJson(input): ApiJson<ReportInput>,
) -> ApiResult<Json<Claim>> {
    let caller = api.caller();
    caller.require(&[Role::Officer, Role::Supervisor])?;
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let method = c.text("method", input.method.as_deref(), 100);
    let contact = c.text("ice_contact", input.ice_contact.as_deref(), 200);
    let response = c.optional_text("response", input.response.as_deref(), 2000);
    c.done()?;
    let report = ClaimReport {
        at: at.expect("checked"),
        method: method.as_deref().expect("checked"),
        ice_contact: contact.as_deref().expect("checked"),
        response: response.as_deref(),
    };
    let stored = services::report_claim(&state.db, caller, id, claim_id, report, state.clock.now()).await?;
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
    let caller = api.caller();
    caller.require(&[Role::Supervisor])?;
    let mut c = Checker::new();
    let facility = c.text("facility", input.facility.as_deref(), 16);
    let name = c.text("name", input.name.as_deref(), 200);
    let languages = c.text("languages", input.languages.as_deref(), 200);
    let contact = c.optional_text("contact", input.contact.as_deref(), 200);
    c.done()?;
    let i = services::add_interpreter(
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
    let caller = api.caller();
    let scope = scope(&state, &caller, q.facility.as_deref()).await?;
    Ok(Json(db::duties::interpreters(&state.db, scope.as_deref()).await?))
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
    let caller = api.caller();
    caller.require(&[Role::Supervisor])?;
    let mut c = Checker::new();
    let facility = c.text("facility", i.facility.as_deref(), 16);
    let what = c.text("what", i.what.as_deref(), 2000);
    let recipient = c.text("recipient", i.recipient.as_deref(), 500);
    let requested_on = c.date("requested_on", i.requested_on.as_deref());
    let clearance_requested_on = optional_date(&mut c, "clearance_requested_on", i.clearance_requested_on.as_deref());
    let cleared_on = optional_date(&mut c, "cleared_on", i.cleared_on.as_deref());
    let released_on = optional_date(&mut c, "released_on", i.released_on.as_deref());
    c.done()?;
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
    let id = services::record_disclosure(&state.db, caller, input, state.clock.now()).await?;
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
    let caller = api.caller();
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
    let caller = api.caller();
    caller.require(&[Role::Supervisor])?;
    let mut c = Checker::new();
    let facility = c.text("facility", i.facility.as_deref(), 16);
    let held_on = c.date("held_on", i.held_on.as_deref());
    let attendees = c.text("attendees", i.attendees.as_deref(), 2000);
    let notes = c.optional_text("notes", i.notes.as_deref(), 10_000);
    c.done()?;
    let id = services::record_review(
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
    let caller = api.caller();
    caller.require(&[Role::Supervisor, Role::Admin])?;
    let scope = scope(&state, &caller, q.facility.as_deref()).await?;
    Ok(Json(db::agreement::reviews(&state.db, scope.as_deref()).await?))
}
