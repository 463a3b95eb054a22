//! `/api/v1/reports/…` and the public-page switch.

use super::json::ApiQuery;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::json::ApiJson;
use crate::auth::ApiUser;
use crate::db;
use crate::domain::rules::Area;
use crate::error::{ApiResult, AppError};
use crate::services::reports::{self, IgsaReport, ProgramReport};
use crate::state::AppState;
use crate::web::extract::{Acting, ApiPathName};

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// A facility's code, or `all` (program report); one facility for the others.
    pub facility: Option<String>,
    /// The first day (absent or empty: twelve months before `to`).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// The last day (absent or empty: today in the facility's zone).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// `YYYY-MM` (IGSA billing; absent or empty: this month).
    #[param(pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub month: Option<String>,
}

pub async fn program(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<ProgramReport>> {
    let caller = api.caller();
    let scope = reports::scope(
        &state.db,
        &caller,
        q.facility.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok(Json(reports::program(&state.db, &scope).await?))
}

pub async fn igsa(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<IgsaReport>> {
    let caller = api.caller();
    Ok(Json(
        reports::igsa(
            &state.db,
            &caller,
            q.facility.as_deref(),
            q.month.as_deref(),
            state.clock.now(),
        )
        .await?,
    ))
}

/// Turn the facility's public page on or off.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PublicInput {
    #[schema(required, value_type = bool)]
    enabled: Option<bool>,
}

/// `PUT /api/v1/facilities/{code}/public` (admin): turns the public page on or off (audited).
pub async fn set_public(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathName(code): ApiPathName,
    body: Result<ApiJson<PublicInput>, crate::error::ApiError>,
) -> ApiResult<Json<super::schema::PublicPageJson>> {
    let caller = api.caller();
    // The role first: a caller who may not do this learns nothing from the body's errors.
    caller.require(Area::Administration)?;
    let ApiJson(input) = body?;
    let enabled = input
        .enabled
        .ok_or_else(|| AppError::field("enabled", "enabled is required"))?;
    set_public_page(&state, &api.user, api.ip.as_deref(), &code, enabled).await?;
    Ok(Json(super::schema::PublicPageJson {
        url: format!("/public/{code}"),
        facility: code,
        public: enabled,
    }))
}

/// Shared with the admin page.
pub async fn set_public_page(
    state: &AppState,
    user: &db::users::User,
    ip: Option<&str>,
    code: &str,
    enabled: bool,
) -> Result<(), AppError> {
    let f = db::facilities::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    // Another agency's facility is answered as one that does not exist.
    if !crate::domain::rules::covers(user.role, &user.facility_ids, f.id) {
        return Err(AppError::Hidden);
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if db::facilities::set_public(&mut *tx, f.id, enabled, now).await? {
        let entry = db::audit::NewEntry {
            at: now,
            recorded_at: now,
            actor_id: Some(user.id),
            actor: Some(&user.username),
            action: if enabled {
                "public_page_enabled"
            } else {
                "public_page_disabled"
            },
            ip: ip.map(str::to_owned),
            detail: json!({ "facility": f.code }),
            booking_id: None,
        };
        db::audit::record(&mut *tx, entry).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn compliance(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<crate::services::compliance::ComplianceReport>> {
    let caller = api.caller();
    let r = crate::services::compliance::report(
        &state.db,
        &caller,
        q.facility.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok(Json(r))
}
