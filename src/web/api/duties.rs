//! `GET /api/v1/duties?facility=CODE`: the facility's next duties, soonest due first (issue 31).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::FacilityQuery;
use super::json::ApiQuery;
use crate::auth::ApiUser;
use crate::domain::rules::Area;
use crate::domain::types::DutyKind;
use crate::error::ApiResult;
use crate::services;
use crate::state::AppState;
use crate::web::extract::Acting;

#[derive(Serialize, utoipa::ToSchema)]
pub struct DutiesJson {
    /// Soonest `due_at` first; duties without one last.
    duties: Vec<DutyJson>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DutyJson {
    /// The case (`null` for a complaint's duty).
    booking_id: Option<i64>,
    booking_number: Option<String>,
    /// The complaint (`null` for a case's duty).
    complaint_id: Option<i64>,
    duty: DutyKind,
    /// When it is due (`null`: no deadline of its own). Serving a warrant is due at the point of
    /// release; the notice of a service an hour after it; a claim's report an hour after it;
    /// the pickup or release at the 48-hour deadline; a complaint 48 weekday hours after it.
    due_at: Option<DateTime<Utc>>,
}

pub async fn duties(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(q): ApiQuery<FacilityQuery>,
) -> ApiResult<Json<DutiesJson>> {
    let caller = api.caller();
    caller.require(Area::Board)?;
    let scope = super::facility_scope(&state, &caller, q.facility.as_deref()).await?;
    let now = state.clock.now();
    let listed = services::duties::list(&state.db, &caller, scope.as_deref(), now).await?;
    let duties = listed
        .into_iter()
        .map(|l| DutyJson {
            booking_id: l.booking_id,
            booking_number: l.booking_number,
            complaint_id: l.complaint_id,
            duty: l.duty.kind,
            due_at: l.duty.due_at,
        })
        .collect();
    Ok(Json(DutiesJson { duties }))
}
