//! `GET /api/v1/oversight` (issue 28): the oversight body's view as JSON.

use axum::Json;
use axum::extract::State;

use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::services::oversight::{self, OversightView};
use crate::state::AppState;
use crate::web::api::json::ApiQuery;
use crate::web::extract::Acting;
use crate::web::oversight::OversightQuery;

pub async fn view(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(q): ApiQuery<OversightQuery>,
) -> ApiResult<Json<OversightView>> {
    let now = state.clock.now();
    let (from, to) = q.period(now);
    let view = oversight::view(&state.db, &api.caller(), (&from, &to), q.agency.as_deref(), now).await?;
    Ok(Json(view))
}
