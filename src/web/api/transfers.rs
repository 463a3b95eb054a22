//! `GET /api/v1/transfers/pending`: every running clock the caller may see.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use crate::auth::ApiUser;
use crate::domain::rules::Area;
use crate::error::{ApiError, ApiResult, AppError};
use crate::services::board_stream::Credential;
use crate::state::AppState;
use crate::web::board_events;
use crate::web::extract::Acting;

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct PendingQuery {
    /// Only the facilities of this agency (its code), for a liaison covering several agencies.
    pub agency: Option<String>,
}

pub async fn pending(
    State(state): State<AppState>,
    api: ApiUser,
    crate::web::api::json::ApiQuery(q): crate::web::api::json::ApiQuery<PendingQuery>,
) -> ApiResult<Response> {
    let caller = api.caller();
    caller.require(Area::Board)?;
    let now = state.clock.now();
    let mut scope = caller.facility_scope().map(<[i64]>::to_vec);
    if let Some(code) = q.agency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let mine = scope.unwrap_or_default();
        scope = Some(crate::services::agencies::facilities_within(&state.db, &mine, code).await?);
    }
    // The running clocks with their citizenship-claim flags: held in memory (or, while the held
    // boards are not current, one statement). `agency` costs one statement.
    let rows = state.board.pending(&state.db, scope.as_deref()).await?;
    let body = super::pending_list::write(&rows, now).map_err(|e| ApiError(AppError::Internal(e.into())))?;
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// `GET /api/v1/transfers/pending/events`: the same list pushed as server-sent events.
pub async fn events(State(state): State<AppState>, api: ApiUser, headers: HeaderMap) -> ApiResult<Response> {
    api.caller().require(Area::Board)?;
    let token = crate::auth::api::bearer(&headers).ok_or(ApiError(AppError::Unauthorized))?;
    let credential = Credential::Token(crate::auth::token::digest(token).to_vec());
    Ok(board_events::open(
        state,
        credential,
        (String::new(), None),
        false,
        board_events::Render::Api,
    )
    .await?)
}
