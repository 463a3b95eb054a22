use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::auth::ApiUser;
use crate::db;
use crate::domain::Role;
use crate::domain::rules::Area;
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserJson {
    /// The account's id (the cursor of `GET /api/v1/users?after=`).
    id: i64,
    username: String,
    role: Role,
    /// The agency an officer, supervisor or admin belongs to (issue 28); `null` for the roles
    /// that cross agencies.
    agency: Option<String>,
    email: Option<String>,
    facilities: Vec<String>,
    locked: bool,
}

impl UserJson {
    fn at(u: db::users::User, now: chrono::DateTime<chrono::Utc>) -> Self {
        let locked = u.is_locked(now);
        Self {
            id: u.id,
            username: u.username,
            role: u.role,
            agency: u.agency,
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

/// `GET /api/v1/users` (admin): the accounts of the admin's agency and the liaisons it granted a
/// facility (each listed with that agency's facilities only); every account for the operator.
pub async fn users(
    State(state): State<AppState>,
    caller: ApiUser,
    super::json::ApiQuery(page): super::json::ApiQuery<super::PageQuery>,
) -> ApiResult<axum::response::Response> {
    caller.require(Area::Administration)?;
    let limit = super::page_limit(page.limit)?;
    let agency = crate::services::accounts::Actor::user(&caller.user, None).managed_agency();
    let own: Vec<String> = match agency {
        Some(_) => db::facilities::of_agency(&state.db, agency)
            .await?
            .into_iter()
            .map(|f| f.code)
            .collect(),
        None => vec![],
    };
    let users: Vec<UserJson> = db::agencies::users(&state.db, agency)
        .await?
        .into_iter()
        .map(|mut u| {
            if agency.is_some() {
                u.facilities.retain(|f| own.contains(f));
            }
            UserJson::at(u, state.clock.now())
        })
        .collect();
    Ok(super::paged(users, |u| u.id, page.after, limit, "/api/v1/users"))
}
