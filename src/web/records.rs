//! The paper the jail keeps: a printable transfer-of-custody record for each transferred case,
//! and a release record for each release of a person held on a warrant.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::CurrentUser;
use crate::db::{self, bookings::Booking};
use crate::domain::types::Status;
use crate::error::{AppError, AppResult};
use crate::services;
use crate::state::AppState;
use crate::web::case_view::charge_summary;
use crate::web::extract::{Acting, PathId};
use crate::web::forms::duration_words;
use crate::web::local_time;

#[derive(Template, WebTemplate)]
#[template(path = "bookings/record.html")]
pub struct RecordPage {
    b: Booking,
    transfer: bool,
    /// `None` for an ICE liaison (charges are the jail's business).
    charges: Option<String>,
    served_document: Option<db::documents::Document>,
    a_number: String,
    booked: String,
    release_point: String,
    served: String,
    deadline: String,
    igsa: Option<String>,
    closed: String,
    over_detained: Option<String>,
    printed: String,
    printed_by: String,
    zone: String,
    interpreter: Option<String>,
    /// The agency's name for its printed records, when it set one.
    agency_name: Option<String>,
}

async fn record(state: &AppState, user: &CurrentUser, id: i64, transfer: bool) -> AppResult<RecordPage> {
    let b = services::view(&state.db, &user.caller(), id).await?;
    let expected = if transfer {
        Status::Transferred
    } else {
        Status::Released
    };
    if b.status != expected || b.served_at.is_none() {
        let what = if transfer {
            "transferred to ICE"
        } else {
            "released from a WSO hold"
        };
        return Err(AppError::Conflict {
            code: "no_record",
            message: format!("this case was not {what}"),
        });
    }
    let tz = b.tz();
    let documents = db::documents::for_booking(&state.db, id).await?;
    let served_document = documents.into_iter().find(|d| Some(d.id) == b.served_document_id);
    // A liaison sees no charges, here as on the case page and in the API.
    let liaison = !crate::domain::rules::sees_whole_case(user.user.role);
    let charges = match liaison {
        true => None,
        false => Some(charge_summary(&db::bookings::charges(&state.db, id).await?)),
    };
    let interpreter = match b.served_interpreter_id {
        Some(i) => db::interpreters::interpreter(&state.db, i)
            .await?
            .map(|i| format!("{} ({})", i.name, i.languages)),
        None => None,
    };
    let agency_name = db::agencies::of(&state.db, Some(b.facility_id), None)
        .await?
        .and_then(|a| a.record_name);
    let at = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| local_time(t, tz)).unwrap_or_default();
    let kind = if transfer { "transfer_record" } else { "release_record" };
    let detail = serde_json::json!({ "view": kind });
    crate::web::access::record(state, &user.user, user.ip.as_deref(), "record_viewed", Some(id), detail).await?;
    Ok(RecordPage {
        transfer,
        charges,
        a_number: served_document
            .as_ref()
            .map(|d| d.a_number_display())
            .unwrap_or_default(),
        served_document,
        booked: local_time(b.booked_at, tz),
        release_point: at(b.release_point_at),
        served: at(b.served_at),
        deadline: at(b.custody_deadline),
        igsa: b.igsa_at.map(|t| local_time(t, tz)),
        closed: at(b.closed_at),
        over_detained: (b.over_detained_seconds > 0).then(|| duration_words(b.over_detained_seconds)),
        printed: local_time(state.clock.now(), tz),
        printed_by: user.user.username.clone(),
        zone: crate::domain::local_time::zone_name(tz),
        interpreter,
        agency_name,
        b,
    })
}

pub async fn transfer_record(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> AppResult<RecordPage> {
    record(&state, &user, id, true).await
}

pub async fn release_record(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> AppResult<RecordPage> {
    record(&state, &user, id, false).await
}
