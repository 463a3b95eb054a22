//! API v1 for complaints about WSO actions (48 weekday hours to reach ICE).

use super::json::ApiQuery;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::claims::ReportInput;
use super::json::ApiJson;

use crate::auth::ApiUser;
use crate::db::{self, agreement::Complaint};
use crate::domain::case::to_second;
use crate::domain::input::{Checker, TimeInput};
use crate::domain::rules::{self, Duty};
use crate::domain::weekdays::weekday_time_between;
use crate::error::{ApiResult, AppError};
use crate::services;
use crate::services::agreement::NewComplaint;
use crate::state::AppState;
use crate::web::extract::{Acting, ApiPathId};

// ---- Complaints ----

#[derive(Serialize, utoipa::ToSchema)]
pub struct ComplaintJson {
    id: i64,
    facility: String,
    received_at: DateTime<Utc>,
    complainant: String,
    officers: Vec<String>,
    summary: String,
    received_by: String,
    ice_due_at: DateTime<Utc>,
    ice_notified_at: Option<DateTime<Utc>>,
    ice_method: Option<String>,
    ice_contact: Option<String>,
    outcome_at: Option<DateTime<Utc>>,
    outcome_summary: Option<String>,
    outcome_reported_to_ice_at: Option<DateTime<Utc>>,
    /// `open`, `due_soon` (12 weekday hours or less left), `overdue`, or `closed` (outcome recorded).
    #[schema(schema_with = super::schema::complaint_status)]
    status: &'static str,
}

pub fn complaint_status(c: &Complaint, now: DateTime<Utc>) -> &'static str {
    if c.outcome_at.is_some() {
        "closed"
    } else if c.ice_notified_at.is_some() {
        "open"
    } else if now >= c.ice_due_at {
        "overdue"
    } else if weekday_time_between(now, c.ice_due_at, c.tz()) <= Duration::hours(12) {
        "due_soon"
    } else {
        "open"
    }
}

impl ComplaintJson {
    fn new(c: Complaint, now: DateTime<Utc>) -> Self {
        let status = complaint_status(&c, now);
        Self {
            id: c.id,
            facility: c.facility,
            received_at: c.received_at,
            complainant: c.complainant,
            officers: c.officers,
            summary: c.summary,
            received_by: c.received_by,
            ice_due_at: c.ice_due_at,
            ice_notified_at: c.ice_notified_at,
            ice_method: c.ice_method,
            ice_contact: c.ice_contact,
            outcome_at: c.outcome_at,
            outcome_summary: c.outcome_summary,
            outcome_reported_to_ice_at: c.outcome_reported_to_ice_at,
            status,
        }
    }
}

/// A complaint about WSO actions, as received.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ComplaintInput {
    #[schema(required, value_type = String, max_length = 16)]
    facility: Option<String>,
    #[schema(required, value_type = String, format = DateTime)]
    received_at: Option<String>,
    #[schema(required, value_type = String, max_length = 500)]
    complainant: Option<String>,
    /// Usernames of the officers named.
    officers: Option<Vec<String>>,
    #[schema(required, value_type = String, max_length = 5000)]
    summary: Option<String>,
}

pub async fn record_complaint(
    State(state): State<AppState>,
    api: ApiUser,
    ApiJson(input): ApiJson<ComplaintInput>,
) -> ApiResult<(StatusCode, Json<ComplaintJson>)> {
    let caller = api.caller();
    rules::may_do(Duty::RecordComplaint, caller.user.role)?;
    let mut c = Checker::new();
    let facility = c.text("facility", input.facility.as_deref(), 16);
    let received = c
        .time("received_at", input.received_at.as_deref(), TimeInput::Rfc3339)
        .map(to_second);
    let complainant = c.text("complainant", input.complainant.as_deref(), 500);
    let summary = c.text("summary", input.summary.as_deref(), 5000);
    let (facility, received, complainant, summary) = c.values((facility, received, complainant, summary))?;
    let officers = input.officers.unwrap_or_default();
    let now = state.clock.now();
    let new = NewComplaint {
        facility: facility.as_str(),
        received_at: received,
        complainant: complainant.as_str(),
        officers: &officers,
        summary: summary.as_str(),
    };
    let stored = services::agreement::record_complaint(&state.db, caller, new, now).await?;
    Ok((StatusCode::CREATED, Json(ComplaintJson::new(stored, now))))
}

pub async fn complaint_notified(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(id): ApiPathId,
    ApiJson(input): ApiJson<ReportInput>,
) -> ApiResult<Json<ComplaintJson>> {
    let caller = api.caller();
    rules::may_do(Duty::SendComplaintToIce, caller.user.role)?;
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let method = c.text("method", input.method.as_deref(), 100);
    let contact = c.text("ice_contact", input.ice_contact.as_deref(), 200);
    let (at, method, contact) = c.values((at, method, contact))?;
    let now = state.clock.now();
    let stored =
        services::agreement::complaint_sent_to_ice(&state.db, caller, id, at, method.as_str(), contact.as_str(), now)
            .await?;
    Ok(Json(ComplaintJson::new(stored, now)))
}

/// A complaint's outcome, and when it was reported to ICE.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct OutcomeInput {
    #[schema(required, value_type = String, format = DateTime)]
    at: Option<String>,
    #[schema(required, value_type = String, max_length = 5000)]
    summary: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    reported_to_ice_at: Option<String>,
}

pub async fn complaint_outcome(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(id): ApiPathId,
    ApiJson(input): ApiJson<OutcomeInput>,
) -> ApiResult<Json<ComplaintJson>> {
    let caller = api.caller();
    rules::may_do(Duty::ComplaintOutcome, caller.user.role)?;
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let summary = c.text("summary", input.summary.as_deref(), 5000);
    let reported = match input.reported_to_ice_at.as_deref().filter(|s| !s.is_empty()) {
        Some(v) => c.time("reported_to_ice_at", Some(v), TimeInput::Rfc3339).map(to_second),
        None => None,
    };
    let (at, summary) = c.values((at, summary))?;
    let now = state.clock.now();
    let stored =
        services::agreement::complaint_outcome(&state.db, caller, id, at, summary.as_str(), reported, now).await?;
    Ok(Json(ComplaintJson::new(stored, now)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    /// `open` (every complaint without an outcome), `overdue` or `closed`.
    #[param(schema_with = complaint_filter)]
    status: Option<String>,
    /// Continue after this complaint (from the `Link: rel="next"` header).
    after: Option<i64>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

fn complaint_filter() -> utoipa::openapi::schema::Object {
    super::schema::one_of(&["open", "overdue", "closed"])
}

pub async fn complaints(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(q): ApiQuery<ComplaintQuery>,
) -> ApiResult<axum::response::Response> {
    let caller = api.caller();
    let limit = super::page_limit(q.limit)?;
    rules::may_do(Duty::ReadComplaints, caller.user.role)?;
    let now = state.clock.now();
    let wanted = q.status.as_deref().filter(|s| !s.is_empty());
    if wanted.is_some_and(|s| !matches!(s, "open" | "overdue" | "closed")) {
        return Err(AppError::field("status", "status is open, overdue or closed").into());
    }
    let rows = db::agreement::complaints(&state.db, caller.facility_scope()).await?;
    let list = rows
        .into_iter()
        .map(|c| ComplaintJson::new(c, now))
        .filter(|c| match wanted {
            None => true,
            Some("closed") => c.status == "closed",
            Some("overdue") => c.status == "overdue",
            Some(_) => c.status != "closed",
        })
        .collect::<Vec<ComplaintJson>>();
    let path = match wanted {
        Some(s) => format!("/api/v1/complaints?status={s}"),
        None => "/api/v1/complaints".to_string(),
    };
    Ok(super::paged(list, |c| c.id, q.after, limit, &path))
}
