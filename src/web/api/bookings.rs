//! `/api/v1/bookings…`: the case over the JSON API (the running clocks are `api/transfers.rs`).

use super::json::ApiQuery;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::case_inputs::{AtInput, CorrectionInput, ReleaseInput, ReleasePointInput, ServiceInput, TransferInput};
use super::json::ApiJson;
use super::views::{
    BookingJson, ChargeJson, ClaimSummary, DocumentJson, EventJson, NotificationJson, PostServiceNotice,
};

use crate::auth::ApiUser;
use crate::db::{self, bookings::Booking};
use crate::domain::booking::{BookingInput, DocumentInput, NotificationInput};
use crate::domain::case::to_second;
use crate::domain::input::{Checker, TimeInput, reasoned};
use crate::domain::rules::{self, Step};
use crate::domain::types::{ReleasePointReason, ReleaseReason, Status};
use crate::error::{ApiResult, AppError};
use crate::services::case::Confirmation::Given;
use crate::services::{self, Caller};
use crate::state::AppState;
use crate::web::extract::{Acting, ApiPathId, ApiPathIds};

/// The whole case as the caller may see it.
async fn full(state: &AppState, caller: &Caller<'_>, b: Booking) -> ApiResult<BookingJson> {
    let id = b.id;
    let served_at = b.served_at;
    let mut json = BookingJson::summary(b);
    json.citizenship_claim = db::claims::claims(&state.db, id)
        .await?
        .into_iter()
        .next()
        .map(|c| ClaimSummary::from(&c));
    if let Some(served) = served_at {
        json.post_service_notice = Some(PostServiceNotice {
            due_at: crate::domain::notice::post_service_notice_due(served),
            notified_at: db::documents::post_service_notified_at(&state.db, id).await?,
        });
    }
    json.pickup_plan = db::pickup::get(&state.db, id).await?;
    json.documents = Some(
        db::documents::for_booking(&state.db, id)
            .await?
            .into_iter()
            .map(DocumentJson::from)
            .collect(),
    );
    if rules::sees_whole_case(caller.user.role) {
        let (charges, notifications, events) = (
            db::bookings::charges(&state.db, id).await?,
            db::documents::notifications(&state.db, id).await?,
            db::audit::for_booking(&state.db, id).await?,
        );
        json.charges = Some(charges.into_iter().map(ChargeJson::from).collect());
        json.notifications = Some(notifications.into_iter().map(NotificationJson::from).collect());
        json.events = Some(events.into_iter().map(EventJson::from).collect());
    }
    Ok(json)
}

async fn reload(state: &AppState, caller: &Caller<'_>, id: i64) -> ApiResult<Json<BookingJson>> {
    let b = services::view(&state.db, caller, id).await?;
    Ok(Json(full(state, caller, b).await?))
}

pub async fn create(
    State(state): State<AppState>,
    api: ApiUser,
    ApiJson(input): ApiJson<BookingInput>,
) -> ApiResult<(StatusCode, Json<BookingJson>)> {
    let caller = api.caller();
    rules::may_book(caller.user.role)?;
    let now = state.clock.now();
    let booking = services::booking::check_booking(&state.db, caller, &input, now, TimeInput::Rfc3339).await?;
    let id = services::booking::create_booking(&state.db, caller, &booking, now).await?;
    Ok((StatusCode::CREATED, reload(&state, &caller, id).await?))
}

pub async fn show(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(id): ApiPathId,
) -> ApiResult<Json<BookingJson>> {
    let json = reload(&state, &api.caller(), id).await?;
    let detail = serde_json::json!({ "view": "api" });
    crate::web::access::record(&state, &api.user, api.ip.as_deref(), "record_viewed", Some(id), detail).await?;
    Ok(json)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only cases with this status.
    #[param(value_type = Option<Status>)]
    status: Option<String>,
    /// Name or booking number; accents, case and word order do not matter.
    q: Option<String>,
    /// Continue after this booking (from the `Link: rel="next"` header).
    after: Option<i64>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<axum::response::Response> {
    let caller = api.caller();
    caller.require(crate::domain::rules::Area::Cases)?;
    let limit = super::page_limit(query.limit)?;
    let mut c = Checker::new();
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => c.check::<Status>("status", s.parse()),
        None => None,
    };
    c.done()?;
    let statuses = caller.list_statuses(status);
    let filter = db::bookings::ListFilter {
        facility_ids: caller.facility_scope(),
        statuses: statuses.as_deref(),
        q: query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()),
        awaiting_service: false,
        cursor: query.after.map(db::bookings::Cursor::After),
        limit: limit + 1,
    };
    let mut rows = db::bookings::list(&state.db, filter).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().filter(|_| more).map(|b| {
        let mut q = vec![format!("after={}", b.id), format!("limit={limit}")];
        if let Some(s) = query.status.as_deref().filter(|s| !s.is_empty()) {
            q.push(format!("status={}", crate::web::audit::urlencode(s)));
        }
        if let Some(v) = query.q.as_deref().filter(|s| !s.is_empty()) {
            q.push(format!("q={}", crate::web::audit::urlencode(v)));
        }
        format!("</api/v1/bookings?{}>; rel=\"next\"", q.join("&"))
    });
    let ids: Vec<i64> = rows.iter().map(|b| b.id).collect();
    let claims = db::claims::latest_claims(&state.db, &ids).await?;
    let mut plans = db::pickup::for_bookings(&state.db, &ids).await?;
    let list = rows
        .into_iter()
        .map(|b| {
            let claim = claims.iter().find(|c| c.booking_id == b.id).map(ClaimSummary::from);
            let plan = plans
                .iter()
                .position(|p| p.booking_id == b.id)
                .map(|i| plans.swap_remove(i));
            BookingJson {
                citizenship_claim: claim,
                pickup_plan: plan,
                ..BookingJson::summary(b)
            }
        })
        .collect::<Vec<BookingJson>>();
    let mut response = Json(list).into_response();
    if let Some(link) = next.and_then(|l| l.parse().ok()) {
        response.headers_mut().insert(axum::http::header::LINK, link);
    }
    Ok(response)
}

pub async fn audit(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(id): ApiPathId,
) -> ApiResult<Json<Vec<EventJson>>> {
    let caller = api.caller();
    // The timeline is part of the whole case: not an ICE liaison's to read.
    if !rules::sees_whole_case(caller.user.role) {
        return Err(AppError::forbidden().into());
    }
    let b = services::view(&state.db, &caller, id).await?;
    Ok(Json(
        db::audit::for_booking(&state.db, b.id)
            .await?
            .into_iter()
            .map(EventJson::from)
            .collect(),
    ))
}

pub async fn add_document(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(booking_id): ApiPathId,
    ApiJson(input): ApiJson<DocumentInput>,
) -> ApiResult<(StatusCode, Json<DocumentJson>)> {
    let caller = api.caller();
    rules::permitted(Step::Document, caller.user.role)?;
    let now = state.clock.now();
    let doc = input.check(now, TimeInput::Rfc3339).map_err(AppError::Validation)?;
    let doc_id = services::case::add_document(&state.db, caller, booking_id, &doc, now, &state.config).await?;
    let stored = db::documents::get(&state.db, booking_id, doc_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}

fn at(field_value: Option<&str>) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
    let mut c = Checker::new();
    let t = c.time("at", field_value, TimeInput::Rfc3339);
    let (t,) = c.values((t,))?;
    Ok(to_second(t))
}

pub async fn withdraw_document(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathIds(booking_id, doc_id): ApiPathIds,
    ApiJson(input): ApiJson<AtInput>,
) -> ApiResult<Json<DocumentJson>> {
    let caller = api.caller();
    rules::permitted(Step::Withdraw, caller.user.role)?;
    let now = state.clock.now();
    let at = at(input.at.as_deref())?;
    services::case::withdraw_document(&state.db, caller, booking_id, doc_id, at, input.by.as_deref(), now).await?;
    let stored = db::documents::get(&state.db, booking_id, doc_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(stored.into()))
}

pub async fn add_notification(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(booking_id): ApiPathId,
    ApiJson(input): ApiJson<NotificationInput>,
) -> ApiResult<(StatusCode, Json<NotificationJson>)> {
    let caller = api.caller();
    rules::permitted(Step::Notification, caller.user.role)?;
    let now = state.clock.now();
    let n = input.check(TimeInput::Rfc3339).map_err(AppError::Validation)?;
    let nid = services::case::add_notification(&state.db, caller, booking_id, &n, now).await?;
    let stored = db::documents::notifications(&state.db, booking_id)
        .await?
        .into_iter()
        .find(|x| x.id == nid);
    Ok((StatusCode::CREATED, Json(stored.ok_or(AppError::NotFound)?.into())))
}

pub async fn release_point(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(booking_id): ApiPathId,
    ApiJson(input): ApiJson<ReleasePointInput>,
) -> ApiResult<Json<BookingJson>> {
    let caller = api.caller();
    rules::permitted(Step::ReleasePoint, caller.user.role)?;
    let now = state.clock.now();
    let r = reasoned::<ReleasePointReason>(
        input.at.as_deref(),
        input.reason.as_deref(),
        input.note.as_deref(),
        TimeInput::Rfc3339,
    )
    .map_err(AppError::Validation)?;
    services::case::record_release_point(
        &state.db,
        caller,
        booking_id,
        r.at,
        r.reason,
        r.note.as_deref(),
        now,
        Given,
    )
    .await?;
    reload(&state, &caller, booking_id).await
}

pub async fn serve(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(booking_id): ApiPathId,
    ApiJson(input): ApiJson<ServiceInput>,
) -> ApiResult<(StatusCode, Json<BookingJson>)> {
    let caller = api.caller();
    rules::permitted(Step::Serve, caller.user.role)?;
    let now = state.clock.now();
    let mut c = Checker::new();
    let document_id = c.present("document_id", input.document_id);
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let (document_id, at) = c.values((document_id, at))?;
    services::case::serve(
        &state.db,
        caller,
        booking_id,
        document_id,
        at,
        input.interpreter_id,
        now,
        &state.config,
    )
    .await?;
    Ok((StatusCode::CREATED, reload(&state, &caller, booking_id).await?))
}

pub async fn transfer(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(booking_id): ApiPathId,
    ApiJson(input): ApiJson<TransferInput>,
) -> ApiResult<Json<BookingJson>> {
    let caller = api.caller();
    rules::permitted(Step::Transfer, caller.user.role)?;
    let now = state.clock.now();
    let mut c = Checker::new();
    let at = c.time("at", input.at.as_deref(), TimeInput::Rfc3339).map(to_second);
    let officer = c.text("receiving_officer", input.receiving_officer.as_deref(), 200);
    let late_reason = c.optional_text("late_reason", input.late_reason.as_deref(), 2000);
    let (at, officer) = c.values((at, officer))?;
    services::case::transfer(
        &state.db,
        caller,
        booking_id,
        at,
        &officer,
        late_reason.as_deref(),
        now,
        Given,
    )
    .await?;
    reload(&state, &caller, booking_id).await
}

pub async fn release(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(booking_id): ApiPathId,
    ApiJson(input): ApiJson<ReleaseInput>,
) -> ApiResult<Json<BookingJson>> {
    let caller = api.caller();
    rules::permitted(Step::Release, caller.user.role)?;
    let now = state.clock.now();
    let r = reasoned::<ReleaseReason>(
        input.at.as_deref(),
        input.reason.as_deref(),
        input.note.as_deref(),
        TimeInput::Rfc3339,
    )
    .map_err(AppError::Validation)?;
    services::case::release(
        &state.db,
        caller,
        booking_id,
        r.at,
        r.reason,
        r.note.as_deref(),
        now,
        Given,
    )
    .await?;
    reload(&state, &caller, booking_id).await
}

pub async fn igsa_hold(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(booking_id): ApiPathId,
    ApiJson(input): ApiJson<AtInput>,
) -> ApiResult<Json<BookingJson>> {
    let caller = api.caller();
    rules::permitted(Step::Igsa, caller.user.role)?;
    let now = state.clock.now();
    let at = at(input.at.as_deref())?;
    services::case::start_igsa_hold(&state.db, caller, booking_id, at, now).await?;
    reload(&state, &caller, booking_id).await
}

pub async fn correct(
    State(state): State<AppState>,
    api: ApiUser,
    ApiPathId(booking_id): ApiPathId,
    ApiJson(input): ApiJson<CorrectionInput>,
) -> ApiResult<(StatusCode, Json<EventJson>)> {
    let caller = api.caller();
    rules::permitted(Step::Correct, caller.user.role)?;
    let mut c = Checker::new();
    let event_id = c.present("event_id", input.event_id);
    let note = c.text("note", input.note.as_deref(), 2000);
    let (event_id, note) = c.values((event_id, note))?;
    let new_id = services::case::correct(&state.db, caller, booking_id, event_id, &note, state.clock.now()).await?;
    let entry = db::audit::for_booking(&state.db, booking_id)
        .await?
        .into_iter()
        .find(|e| e.id == new_id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}
