//! `/api/v1/officers/{username}/certification[/revoke]`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::json::ApiJson;
use crate::auth::ApiUser;
use crate::db::certifications::CertificationRow;
use crate::domain::roster::CertificationInput;
use crate::error::{ApiResult, AppError};
use crate::services;
use crate::state::AppState;
use crate::web::extract::{Acting, ApiPathName};

#[derive(Serialize, utoipa::ToSchema)]
pub struct CertificationJson {
    id: i64,
    username: String,
    nominated_on: Option<NaiveDate>,
    background_cleared_on: Option<NaiveDate>,
    trained_on: Option<NaiveDate>,
    certified_on: NaiveDate,
    expires_on: NaiveDate,
    revoked_at: Option<DateTime<Utc>>,
    revoked_reason: Option<String>,
}

impl CertificationJson {
    fn new(username: String, c: CertificationRow) -> Self {
        Self {
            id: c.id,
            username,
            nominated_on: c.nominated_on,
            background_cleared_on: c.background_cleared_on,
            trained_on: c.trained_on,
            certified_on: c.certified_on,
            expires_on: c.expires_on,
            revoked_at: c.revoked_at,
            revoked_reason: c.revoked_reason,
        }
    }
}

pub async fn certify(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathName(username): ApiPathName,
    ApiJson(input): ApiJson<CertificationInput>,
) -> ApiResult<(StatusCode, Json<CertificationJson>)> {
    let caller = api.caller();
    let c = input.check().map_err(AppError::Validation)?;
    let row = services::credentials::certify(&state.db, caller, &username, &c, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(CertificationJson::new(username, row))))
}

/// Why the certification is revoked.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevokeInput {
    #[schema(required, value_type = String, min_length = 1)]
    reason: Option<String>,
}

pub async fn revoke(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathName(username): ApiPathName,
    ApiJson(input): ApiJson<RevokeInput>,
) -> ApiResult<Json<super::schema::RevokedJson>> {
    let caller = api.caller();
    services::credentials::revoke(
        &state.db,
        caller,
        &username,
        input.reason.as_deref().unwrap_or(""),
        state.clock.now(),
    )
    .await?;
    Ok(Json(super::schema::RevokedJson {
        username,
        revoked: true,
    }))
}
