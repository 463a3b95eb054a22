use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::auth::ApiUser;
use crate::db;
use crate::domain::Role;
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Serialize)]
pub struct UserJson {
    username: String,
    role: Role,
    email: Option<String>,
    facilities: Vec<String>,
    locked: bool,
}

impl UserJson {
    fn at(u: db::users::User, now: chrono::DateTime<chrono::Utc>) -> Self {
        let locked = u.is_locked(now);
        Self {
            username: u.username,
            role: u.role,
            email: u.email,
            facilities: u.facilities,
            locked,
        }
    }
}

/// `GET /api/v1/me`: who the token acts as.
pub async fn me(State(state): State<AppState>, caller: ApiUser) -> Json<UserJson> {
    Json(UserJson::at(caller.user, state.clock.now()))
}

/// `GET /api/v1/users` (admin): every account.
pub async fn users(State(state): State<AppState>, caller: ApiUser) -> ApiResult<Json<Vec<UserJson>>> {
    caller.require(&[Role::Admin])?;
    Ok(Json(
        db::users::all(&state.db)
            .await?
            .into_iter()
            .map(|u| UserJson::at(u, state.clock.now()))
            .collect(),
    ))
}
