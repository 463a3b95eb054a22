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

impl From<db::users::User> for UserJson {
    fn from(u: db::users::User) -> Self {
        let locked = u.is_locked();
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
pub async fn me(caller: ApiUser) -> Json<UserJson> {
    Json(caller.user.into())
}

/// `GET /api/v1/users` (admin): every account.
pub async fn users(State(state): State<AppState>, caller: ApiUser) -> ApiResult<Json<Vec<UserJson>>> {
    caller.require(&[Role::Admin])?;
    Ok(Json(
        db::users::all(&state.db)
            .await?
            .into_iter()
            .map(UserJson::from)
            .collect(),
    ))
}
