//! `PUT` and `DELETE /api/v1/bookings/{id}/pickup-plan`: ICE's planned arrival (issue 31).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::json::ApiJson;
use crate::auth::ApiUser;
use crate::db::{self, pickup::PickupPlan};
use crate::domain::input::TimeInput;
use crate::domain::pickup;
use crate::domain::rules::{self, Step};
use crate::error::{ApiResult, AppError};
use crate::services;
use crate::state::AppState;
use crate::web::extract::{Acting, ApiPathId};

/// When ICE plans to take custody, and optionally who comes.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    /// RFC 3339; from now up to 7 days ahead.
    #[schema(required, value_type = String, format = DateTime)]
    pub planned_at: Option<String>,
    /// The ICE officer who will come.
    #[schema(max_length = 200)]
    pub officer: Option<String>,
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

pub async fn set(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(booking_id): ApiPathId,
    ApiJson(input): ApiJson<PlanInput>,
) -> ApiResult<Json<PickupPlan>> {
    let caller = api.caller();
    rules::permitted(Step::PlanPickup, caller.user.role)?;
    let now = state.clock.now();
    let plan = pickup::input(
        input.planned_at.as_deref(),
        input.officer.as_deref(),
        input.note.as_deref(),
        TimeInput::Rfc3339,
        now,
    )
    .map_err(AppError::from)?;
    services::pickup::set(&state.db, caller, booking_id, &plan, now).await?;
    let saved = db::pickup::get(&state.db, booking_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(saved))
}

pub async fn clear(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(booking_id): ApiPathId,
) -> ApiResult<StatusCode> {
    let caller = api.caller();
    rules::permitted(Step::PlanPickup, caller.user.role)?;
    services::pickup::clear(&state.db, caller, booking_id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
