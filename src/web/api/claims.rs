//! API v1 for a case's citizenship claims (and their report to ICE) and the interpreters.

use super::json::ApiQuery;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::json::ApiJson;
use super::{FacilityQuery, facility_scope};
use crate::auth::ApiUser;
use crate::db::{self, claims::Claim};
use crate::domain::case::to_second;
use crate::domain::input::{Checker, TimeInput};
use crate::domain::rules::{self, Step};
use crate::error::ApiResult;
use crate::services;
use crate::services::claims::{ClaimReport, NewClaim};
use crate::state::AppState;
use crate::web::extract::{Acting, ApiPathId, ApiPathIds};

// ---- Citizenship claims ----

/// A claim to be a U.S. citizen: when (RFC 3339), how it was made, any document shown.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClaimInput {
    #[schema(required, value_type = String, format = DateTime)]
    at: Option<String>,
    #[schema(required, value_type = String, max_length = 500)]
    how: Option<String>,
    #[schema(max_length = 500)]
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
    rules::permitted(Step::Claim, caller.user.role)?;
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let how = c.text("how", input.how.as_deref(), 500);
    let document = c.optional_text("document", input.document.as_deref(), 500);
    let (at, how) = c.values((at, how))?;
    let claim = NewClaim {
        at,
        how: how.as_str(),
        document: document.as_deref(),
        interpreter_id: input.interpreter_id,
    };
    let stored = services::claims::record_claim(&state.db, caller, id, claim, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// ICE was told: when (RFC 3339), how, whom; ICE's response (claims only).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    #[schema(required, value_type = String, format = DateTime)]
    pub at: Option<String>,
    #[schema(required, value_type = String, max_length = 100)]
    pub method: Option<String>,
    #[schema(required, value_type = String, max_length = 200)]
    pub ice_contact: Option<String>,
    #[schema(max_length = 2000)]
    pub response: Option<String>,
}

pub async fn report_claim(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathIds(id, claim_id): ApiPathIds,
    ApiJson(input): ApiJson<ReportInput>,
) -> ApiResult<Json<Claim>> {
    let caller = api.caller();
    rules::permitted(Step::ReportClaim, caller.user.role)?;
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let method = c.text("method", input.method.as_deref(), 100);
    let contact = c.text("ice_contact", input.ice_contact.as_deref(), 200);
    let response = c.optional_text("response", input.response.as_deref(), 2000);
    let (at, method, contact) = c.values((at, method, contact))?;
    let report = ClaimReport {
        at,
        method: method.as_str(),
        ice_contact: contact.as_str(),
        response: response.as_deref(),
    };
    let stored = services::claims::report_claim(&state.db, caller, id, claim_id, report, state.clock.now()).await?;
    Ok(Json(stored))
}

// ---- Interpreters ----

/// An interpreter of a facility.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct InterpreterInput {
    #[schema(required, value_type = String, max_length = 16)]
    facility: Option<String>,
    #[schema(required, value_type = String, max_length = 200)]
    name: Option<String>,
    #[schema(required, value_type = String, max_length = 200)]
    languages: Option<String>,
    #[schema(max_length = 200)]
    contact: Option<String>,
}

pub async fn add_interpreter(
    State(state): State<AppState>,
    api: ApiUser,
    ApiJson(input): ApiJson<InterpreterInput>,
) -> ApiResult<(StatusCode, Json<db::interpreters::Interpreter>)> {
    let caller = api.caller();
    rules::may_manage_interpreters(caller.user.role)?;
    let mut c = Checker::new();
    let facility = c.text("facility", input.facility.as_deref(), 16);
    let name = c.text("name", input.name.as_deref(), 200);
    let languages = c.text("languages", input.languages.as_deref(), 200);
    let contact = c.optional_text("contact", input.contact.as_deref(), 200);
    let (facility, name, languages) = c.values((facility, name, languages))?;
    let i = services::claims::add_interpreter(
        &state.db,
        caller,
        &facility,
        &name,
        &languages,
        contact.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(i)))
}

pub async fn interpreters(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(q): ApiQuery<FacilityQuery>,
) -> ApiResult<Json<Vec<db::interpreters::Interpreter>>> {
    let caller = api.caller();
    let scope = facility_scope(&state, &caller, q.facility.as_deref()).await?;
    Ok(Json(db::interpreters::interpreters(&state.db, scope.as_deref()).await?))
}
