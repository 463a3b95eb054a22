//! Agencies and a liaison's facility grants (issue 28; docs/agencies.md).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::ApiUser;
use crate::db::agencies::Agency;
use crate::error::{ApiError, ApiResult, AppError};
use crate::services::{accounts::Actor, agencies};
use crate::state::AppState;
use crate::web::api::json::ApiJson;
use crate::web::extract::ApiPathName;

/// `GET /api/v1/agencies` (the operator): every agency with its facility count; no case data.
pub async fn list(State(state): State<AppState>, api: ApiUser) -> ApiResult<Json<Vec<Agency>>> {
    let actor = Actor::user(&api.user, api.ip.as_deref());
    Ok(Json(agencies::list(&state.db, &actor).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct GrantInput {
    /// The facility's code.
    pub facility: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GrantJson {
    pub username: String,
    pub facility: String,
    /// False when the account had the facility already (nothing changed).
    pub granted: bool,
}

/// `POST /api/v1/users/{username}/facilities` (the facility's agency admin): grants it, audited
/// `facility_granted`. 201 when granted, 200 when it already was.
pub async fn grant(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathName(username): ApiPathName,
    body: Result<ApiJson<GrantInput>, ApiError>,
) -> ApiResult<Response> {
    api.require(crate::domain::rules::Area::Administration)
        .or_else(|_| api.require_operator())?;
    let ApiJson(input) = body?;
    let facility = input
        .facility
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| AppError::field("facility", "facility is required"))?;
    let actor = Actor::user(&api.user, api.ip.as_deref());
    let granted = agencies::grant(&state.db, &username, &facility, actor, state.clock.now()).await?;
    let status = if granted { StatusCode::CREATED } else { StatusCode::OK };
    let json = GrantJson {
        username: username.trim().to_string(),
        facility: facility.trim().to_string(),
        granted,
    };
    Ok((status, Json(json)).into_response())
}

/// `DELETE /api/v1/users/{username}/facilities/{code}` (the facility's agency admin) → 204; the
/// account's board and streams lose that facility's cases at once. 404 when it was not granted.
pub async fn revoke(
    State(state): State<AppState>,
    api: ApiUser,
    path: Result<Path<(String, String)>, axum::extract::rejection::PathRejection>,
) -> ApiResult<StatusCode> {
    api.require(crate::domain::rules::Area::Administration)
        .or_else(|_| api.require_operator())?;
    let Path((username, code)) = path.map_err(|_| AppError::NotFound)?;
    let actor = Actor::user(&api.user, api.ip.as_deref());
    // An account or a facility that does not exist (or is not the caller's to name) is a 404
    // on a path, like a grant that does not exist.
    match agencies::revoke(&state.db, &username, &code, actor, state.clock.now()).await {
        Ok(true) => {}
        Ok(false) | Err(AppError::Validation(_) | AppError::Rule { .. }) => return Err(AppError::NotFound.into()),
        Err(e) => return Err(e.into()),
    }
    Ok(StatusCode::NO_CONTENT)
}
