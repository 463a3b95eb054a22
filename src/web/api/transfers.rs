//! `GET /api/v1/transfers/pending`: every running clock the caller may see.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::views::PendingJson;
use crate::auth::ApiUser;
use crate::db;
use crate::domain::Role;
use crate::error::{ApiError, ApiResult, AppError};
use crate::services::board_stream::Credential;
use crate::state::AppState;
use crate::web::board_events;
use crate::web::extract::Acting;

pub async fn pending(State(state): State<AppState>, api: ApiUser) -> ApiResult<Json<Vec<PendingJson>>> {
    let caller = api.caller();
    caller.require(&[Role::Officer, Role::Supervisor, Role::IceLiaison, Role::Admin])?;
    let now = state.clock.now();
    // One statement: the running clocks with their citizenship-claim flags.
    let rows = db::board::pending(&state.db, caller.facility_scope()).await?;
    Ok(Json(rows.iter().filter_map(|r| PendingJson::new(r, now)).collect()))
}

/// `GET /api/v1/transfers/pending/events`: the same list pushed as server-sent events.
pub async fn events(State(state): State<AppState>, api: ApiUser, headers: HeaderMap) -> ApiResult<Response> {
    api.caller()
        .require(&[Role::Officer, Role::Supervisor, Role::IceLiaison, Role::Admin])?;
    let token = crate::auth::api::bearer(&headers).ok_or(ApiError(AppError::Unauthorized))?;
    let credential = Credential::Token(crate::auth::token::digest(token).to_vec());
    Ok(board_events::open(state, credential, String::new(), false, board_events::Render::Api).await?)
}
