//! API v1 for the facility-level records of the agreement: disclosures and annual reviews.

use super::json::ApiQuery;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::json::ApiJson;
use super::optional_date;
use super::{FacilityQuery, facility_scope};
use crate::auth::ApiUser;
use crate::db::{self};
use crate::domain::input::Checker;
use crate::domain::rules::{self, Duty};
use crate::error::{ApiResult, AppError};
use crate::services;
use crate::services::agreement::DisclosureInput;
use crate::state::AppState;
use crate::web::extract::Acting;

// ---- Disclosures and reviews ----

/// A disclosure of information about the program: cleared with ICE first, or explained.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct DisclosureJsonInput {
    #[schema(required, value_type = String, max_length = 16)]
    facility: Option<String>,
    #[schema(required, value_type = String, max_length = 2000)]
    what: Option<String>,
    #[schema(required, value_type = String, max_length = 500)]
    recipient: Option<String>,
    #[schema(required, value_type = String, format = Date)]
    requested_on: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    clearance_requested_on: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    cleared_on: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    released_on: Option<String>,
    /// Required when released before ICE cleared it.
    early_release_reason: Option<String>,
}

pub async fn record_disclosure(
    State(state): State<AppState>,
    api: ApiUser,
    ApiJson(i): ApiJson<DisclosureJsonInput>,
) -> ApiResult<(StatusCode, Json<db::agreement::Disclosure>)> {
    let caller = api.caller();
    rules::may_do(Duty::Disclosure, caller.user.role)?;
    let mut c = Checker::new();
    let facility = c.text("facility", i.facility.as_deref(), 16);
    let what = c.text("what", i.what.as_deref(), 2000);
    let recipient = c.text("recipient", i.recipient.as_deref(), 500);
    let requested_on = c.date("requested_on", i.requested_on.as_deref());
    let clearance_requested_on = optional_date(&mut c, "clearance_requested_on", i.clearance_requested_on.as_deref());
    let cleared_on = optional_date(&mut c, "cleared_on", i.cleared_on.as_deref());
    let released_on = optional_date(&mut c, "released_on", i.released_on.as_deref());
    let (facility, what, recipient, requested_on) = c.values((facility, what, recipient, requested_on))?;
    let input = DisclosureInput {
        facility: facility.as_str(),
        what: what.as_str(),
        recipient: recipient.as_str(),
        requested_on,
        clearance_requested_on,
        cleared_on,
        released_on,
        early_release_reason: i.early_release_reason.as_deref(),
    };
    let id = services::agreement::record_disclosure(&state.db, caller, input, state.clock.now()).await?;
    let stored = db::agreement::disclosures(&state.db, None)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(stored)))
}

pub async fn disclosures(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(q): ApiQuery<FacilityQuery>,
) -> ApiResult<Json<Vec<db::agreement::Disclosure>>> {
    let caller = api.caller();
    rules::may_do(Duty::ReadAgreementRecords, caller.user.role)?;
    let scope = facility_scope(&state, &caller, q.facility.as_deref()).await?;
    Ok(Json(db::agreement::disclosures(&state.db, scope.as_deref()).await?))
}

/// An annual review of the agreement.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewInput {
    #[schema(required, value_type = String, max_length = 16)]
    facility: Option<String>,
    #[schema(required, value_type = String, format = Date)]
    held_on: Option<String>,
    #[schema(required, value_type = String, max_length = 2000)]
    attendees: Option<String>,
    #[schema(max_length = 10000)]
    notes: Option<String>,
}

pub async fn record_review(
    State(state): State<AppState>,
    api: ApiUser,
    ApiJson(i): ApiJson<ReviewInput>,
) -> ApiResult<(StatusCode, Json<db::agreement::Review>)> {
    let caller = api.caller();
    rules::may_do(Duty::Review, caller.user.role)?;
    let mut c = Checker::new();
    let facility = c.text("facility", i.facility.as_deref(), 16);
    let held_on = c.date("held_on", i.held_on.as_deref());
    let attendees = c.text("attendees", i.attendees.as_deref(), 2000);
    let notes = c.optional_text("notes", i.notes.as_deref(), 10_000);
    let (facility, held_on, attendees) = c.values((facility, held_on, attendees))?;
    let id = services::agreement::record_review(
        &state.db,
        caller,
        facility.as_str(),
        held_on,
        attendees.as_str(),
        notes.as_deref(),
        state.clock.now(),
    )
    .await?;
    let stored = db::agreement::reviews(&state.db, None)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(stored)))
}

pub async fn reviews(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(q): ApiQuery<FacilityQuery>,
) -> ApiResult<Json<Vec<db::agreement::Review>>> {
    let caller = api.caller();
    rules::may_do(Duty::ReadAgreementRecords, caller.user.role)?;
    let scope = facility_scope(&state, &caller, q.facility.as_deref()).await?;
    Ok(Json(db::agreement::reviews(&state.db, scope.as_deref()).await?))
}
