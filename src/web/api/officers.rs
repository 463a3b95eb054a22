//! API v1 for officer credentials and eligibility (exam, Form 70-006, withdrawal, departure).

use super::json::ApiQuery;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::json::ApiJson;
use super::schema::EligibilityJson;
use crate::auth::ApiUser;
use crate::db::{self};
use crate::domain::Role;
use crate::domain::input::{Checker, TimeInput};
use crate::domain::rules::Area;
use crate::error::{ApiResult, AppError};
use crate::services::credentials::Fact;
use crate::services::{self, Caller};
use crate::state::AppState;
use crate::web::extract::{Acting, ApiPathName};

// ---- Officer credentials ----

/// ICE's WSO exam: when, and the score in percent (70 passes; one retake).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExamInput {
    #[schema(required, value_type = String, format = Date)]
    taken_on: Option<String>,
    #[schema(required, value_type = i32, minimum = 0, maximum = 100)]
    score: Option<i32>,
}

/// Form 70-006 credentials issued.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CredentialInput {
    #[schema(required, value_type = String, max_length = 50)]
    form_70_006_number: Option<String>,
    #[schema(required, value_type = String, format = Date)]
    issued_on: Option<String>,
}

/// The credentials were returned.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReturnedInput {
    #[schema(required, value_type = String, format = Date)]
    on: Option<String>,
}

/// ICE withdrew the officer from the program.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct WithdrawalInput {
    #[schema(required, value_type = String, format = Date)]
    received_on: Option<String>,
    #[schema(required, value_type = String, format = Date)]
    effective_on: Option<String>,
}

/// The officer leaves the program (ICE wants 90 days' notice).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct DepartureInput {
    #[schema(required, value_type = String, format = Date)]
    given_on: Option<String>,
    #[schema(required, value_type = String, format = Date)]
    departs_on: Option<String>,
}

async fn fact(
    state: &AppState,
    api: &ApiUser,
    username: &str,
    fact: Fact<'_>,
) -> ApiResult<(StatusCode, Json<EligibilityJson>)> {
    let caller = api.caller();
    services::credentials::record_fact(&state.db, caller, username, fact, state.clock.now()).await?;
    eligibility_json(state, username, state.clock.now(), None)
        .await
        .map(|j| (StatusCode::CREATED, j))
}

fn guard(api: &ApiUser) -> Result<(), AppError> {
    Caller {
        user: &api.user,
        ip: None,
    }
    .require(Area::Oversight)
}

pub async fn exam(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathName(u): ApiPathName,
    ApiJson(i): ApiJson<ExamInput>,
) -> ApiResult<(StatusCode, Json<EligibilityJson>)> {
    guard(&api)?;
    let mut c = Checker::new();
    let taken_on = c.date("taken_on", i.taken_on.as_deref());
    let score = c.present("score", i.score);
    let (taken_on, score) = c.values((taken_on, score))?;
    fact(&state, &api, &u, Fact::Exam { taken_on, score }).await
}

pub async fn credentials(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathName(u): ApiPathName,
    ApiJson(i): ApiJson<CredentialInput>,
) -> ApiResult<(StatusCode, Json<EligibilityJson>)> {
    guard(&api)?;
    let mut c = Checker::new();
    let number = c.text("form_70_006_number", i.form_70_006_number.as_deref(), 50);
    let issued_on = c.date("issued_on", i.issued_on.as_deref());
    let (number, issued_on) = c.values((number, issued_on))?;
    fact(
        &state,
        &api,
        &u,
        Fact::Credential {
            number: number.as_str(),
            issued_on,
        },
    )
    .await
}

pub async fn credentials_returned(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathName(u): ApiPathName,
    ApiJson(i): ApiJson<ReturnedInput>,
) -> ApiResult<(StatusCode, Json<EligibilityJson>)> {
    guard(&api)?;
    let mut c = Checker::new();
    let on = c.date("on", i.on.as_deref());
    let (on,) = c.values((on,))?;
    fact(&state, &api, &u, Fact::CredentialReturned { on }).await
}

pub async fn withdrawal(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathName(u): ApiPathName,
    ApiJson(i): ApiJson<WithdrawalInput>,
) -> ApiResult<(StatusCode, Json<EligibilityJson>)> {
    guard(&api)?;
    let mut c = Checker::new();
    let received_on = c.date("received_on", i.received_on.as_deref());
    let effective_on = c.date("effective_on", i.effective_on.as_deref());
    let (received_on, effective_on) = c.values((received_on, effective_on))?;
    fact(
        &state,
        &api,
        &u,
        Fact::Withdrawal {
            received_on,
            effective_on,
        },
    )
    .await
}

pub async fn departure_notice(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathName(u): ApiPathName,
    ApiJson(i): ApiJson<DepartureInput>,
) -> ApiResult<(StatusCode, Json<EligibilityJson>)> {
    guard(&api)?;
    let mut c = Checker::new();
    let given_on = c.date("given_on", i.given_on.as_deref());
    let departs_on = c.date("departs_on", i.departs_on.as_deref());
    let (given_on, departs_on) = c.values((given_on, departs_on))?;
    let (given_on, departs_on) = (given_on, departs_on);
    let (status, Json(mut body)) = fact(&state, &api, &u, Fact::DepartureNotice { given_on, departs_on }).await?;
    if crate::domain::credentials::short_notice(given_on, departs_on) {
        body.warning = Some("less than 90 days' notice to ICE before the departure".into());
    }
    Ok((status, Json(body)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EligibilityQuery {
    /// The instant asked about (RFC 3339; default: now).
    #[param(value_type = Option<String>, format = DateTime)]
    at: Option<String>,
    /// The facility whose calendar counts (default: the officer's first).
    facility: Option<String>,
}

async fn eligibility_json(
    state: &AppState,
    username: &str,
    at: DateTime<Utc>,
    facility: Option<&str>,
) -> ApiResult<Json<EligibilityJson>> {
    let officer = db::users::by_username(&state.db, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let code = facility
        .map(str::to_owned)
        .or_else(|| officer.facilities.first().cloned());
    let tz = match code {
        Some(code) => db::facilities::by_code(&state.db, &code)
            .await?
            .map(|f| f.tz())
            .unwrap_or(chrono_tz::UTC),
        None => chrono_tz::UTC,
    };
    let record = db::credentials::record(&mut *state.db.acquire().await?, officer.id).await?;
    let e = crate::domain::credentials::eligibility(&record, at, tz);
    Ok(Json(EligibilityJson {
        username: officer.username,
        at,
        may_serve: e.may_serve,
        reasons: e.reasons,
        warning: None,
    }))
}

pub async fn eligibility(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathName(u): ApiPathName,
    ApiQuery(q): ApiQuery<EligibilityQuery>,
) -> ApiResult<Json<EligibilityJson>> {
    let caller = api.caller();
    caller.require(Area::Eligibility)?;
    let at = match q.at.as_deref().filter(|s| !s.is_empty()) {
        Some(v) => crate::domain::input::parse_time(v, TimeInput::Rfc3339).map_err(|m| AppError::field("at", m))?,
        None => state.clock.now(),
    };
    if caller.user.role == Role::Officer && caller.user.username != u {
        return Err(AppError::forbidden().into());
    }
    if caller.user.role != Role::Officer {
        let officer = db::users::by_username(&state.db, &u).await?.ok_or(AppError::NotFound)?;
        let reader = (caller.user.role, &caller.user.facility_ids[..], caller.user.agency_id);
        if !crate::domain::rules::reads_eligibility(reader, (&officer.facility_ids, officer.agency_id)) {
            // Not the reader's to see: a 404 like an unknown name (issue 26, 15; issue 28).
            return Err(AppError::Hidden.into());
        }
    }
    eligibility_json(&state, &u, at, q.facility.as_deref()).await
}
