//! The forms on the case page. Each submits to its own path, runs the same case operation as
//! the API, and on refusal shows the case page again with the form's errors and what was typed.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::bookings::{caller, case_page};
use crate::auth::{CurrentUser, session};
use crate::db;
use crate::domain::booking::{DocumentInput, NotificationInput};
use crate::domain::case::to_second;
use crate::domain::input::{Checker, TimeInput, reasoned};
use crate::domain::types::{ReleasePointReason, ReleaseReason};
use crate::error::{AppError, AppResult, FieldError};
use crate::services;
use crate::state::AppState;
use crate::web::forms::{FormData, after_form};

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// The facility's zone, to read the form's local times.
async fn zone(state: &AppState, id: i64) -> AppResult<TimeInput> {
    let b = db::bookings::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(TimeInput::Local(b.tz()))
}

async fn respond<T>(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: &str,
    data: FormData,
    result: AppResult<T>,
    done: &str,
) -> AppResult<Response> {
    let to = format!("/bookings/{id}");
    after_form(user, result, form, data, done, &to, |f| case_page(state, user, id, f)).await
}

pub async fn add_document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let id = parse_id(&raw)?;
    let (now, times) = (state.clock.now(), zone(&state, id).await?);
    let input = DocumentInput {
        kind: data.owned("kind"),
        number: data.owned("number"),
        a_number: data.owned("a_number"),
        issued_at: data.owned("issued_at"),
        received_at: data.owned("received_at"),
    };
    let result = match input.check(now, times) {
        Ok(doc) => services::add_document(&state.db, caller(&user), id, &doc, now, &state.config).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(&state, &user, id, "document", data, result, "ICE document recorded.").await
}

pub async fn withdraw_document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((raw, raw_doc)): Path<(String, String)>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let (id, doc) = (parse_id(&raw)?, parse_id(&raw_doc)?);
    let (now, times) = (state.clock.now(), zone(&state, id).await?);
    let mut c = Checker::new();
    let at = c.time("at", data.get("at"), times).map(to_second);
    let by = c.text("by", data.get("by"), 200);
    let result = match c.done() {
        Ok(()) => {
            services::withdraw_document(
                &state.db,
                caller(&user),
                id,
                doc,
                at.expect("checked"),
                by.as_deref(),
                now,
            )
            .await
        }
        Err(e) => Err(e),
    };
    respond(
        &state,
        &user,
        id,
        &format!("withdraw-{doc}"),
        data,
        result,
        "Document marked withdrawn by ICE.",
    )
    .await
}

pub async fn add_notification(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let id = parse_id(&raw)?;
    let (now, times) = (state.clock.now(), zone(&state, id).await?);
    let input = NotificationInput {
        at: data.owned("at"),
        method: data.owned("method"),
        contact: data.owned("contact"),
        kind: data.owned("kind"),
        interpreter_id: data.get("interpreter_id").and_then(|v| v.parse().ok()),
    };
    let result = match input.check(times) {
        Ok(n) => services::add_notification(&state.db, caller(&user), id, &n, now).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(
        &state,
        &user,
        id,
        "notification",
        data,
        result,
        "ICE notification logged.",
    )
    .await
}

pub async fn release_point(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let id = parse_id(&raw)?;
    let (now, times) = (state.clock.now(), zone(&state, id).await?);
    let result = match reasoned::<ReleasePointReason>(data.get("at"), data.get("reason"), data.get("note"), times) {
        Ok(r) => {
            services::record_release_point(&state.db, caller(&user), id, r.at, r.reason, r.note.as_deref(), now).await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(
        &state,
        &user,
        id,
        "release_point",
        data,
        result,
        "Point of release recorded.",
    )
    .await
}

pub async fn serve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let id = parse_id(&raw)?;
    let (now, times) = (state.clock.now(), zone(&state, id).await?);
    let mut c = Checker::new();
    let document = c.required("document_id", data.get("document_id")).and_then(|d| {
        c.check(
            "document_id",
            d.parse::<i64>().map_err(|_| "choose a warrant".to_string()),
        )
    });
    let at = c.time("at", data.get("at"), times).map(to_second);
    let interpreter = match data.get("interpreter_id").filter(|v| !v.is_empty()) {
        Some(v) => c.check(
            "interpreter_id",
            v.parse::<i64>().map_err(|_| "choose an interpreter".to_string()),
        ),
        None => None,
    };
    let result = match c.done() {
        Ok(()) => {
            services::serve(
                &state.db,
                caller(&user),
                id,
                document.expect("checked"),
                at.expect("checked"),
                interpreter,
                now,
                &state.config,
            )
            .await
        }
        Err(e) => Err(e),
    };
    respond(
        &state,
        &user,
        id,
        "serve",
        data,
        result,
        "Warrant served: the 48-hour custody clock is running.",
    )
    .await
}

pub async fn transfer(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let id = parse_id(&raw)?;
    let (now, times) = (state.clock.now(), zone(&state, id).await?);
    let mut c = Checker::new();
    let at = c.time("at", data.get("at"), times).map(to_second);
    let officer = c.text("receiving_officer", data.get("receiving_officer"), 200);
    let late_reason = c.optional_text("late_reason", data.get("late_reason"), 2000);
    let result = match c.done() {
        Ok(()) => {
            let r = services::transfer(
                &state.db,
                caller(&user),
                id,
                at.expect("checked"),
                &officer.expect("checked"),
                late_reason.as_deref(),
                now,
            )
            .await;
            // The deadline rule speaks about the time field.
            r.map_err(|e| match e {
                AppError::Conflict {
                    code: "deadline_passed",
                    message,
                } => AppError::Validation(vec![FieldError::new("at", message)]),
                other => other,
            })
        }
        Err(e) => Err(e),
    };
    respond(
        &state,
        &user,
        id,
        "transfer",
        data,
        result,
        "Transfer to ICE custody recorded.",
    )
    .await
}

pub async fn release(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let id = parse_id(&raw)?;
    let (now, times) = (state.clock.now(), zone(&state, id).await?);
    let result = match reasoned::<ReleaseReason>(data.get("at"), data.get("reason"), data.get("note"), times) {
        Ok(r) => services::release(&state.db, caller(&user), id, r.at, r.reason, r.note.as_deref(), now).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(&state, &user, id, "release", data, result, "Release recorded.").await
}

pub async fn igsa_hold(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let id = parse_id(&raw)?;
    let (now, times) = (state.clock.now(), zone(&state, id).await?);
    let mut c = Checker::new();
    let at = c.time("at", data.get("at"), times).map(to_second);
    let result = match c.done() {
        Ok(()) => services::start_igsa_hold(&state.db, caller(&user), id, at.expect("checked"), now).await,
        Err(e) => Err(e),
    };
    respond(
        &state,
        &user,
        id,
        "igsa",
        data,
        result,
        "The person is now held under the IGSA.",
    )
    .await
}

pub async fn correct(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let id = parse_id(&raw)?;
    let now = state.clock.now();
    let mut c = Checker::new();
    let event = c.required("event_id", data.get("event_id")).and_then(|e| {
        c.check(
            "event_id",
            e.parse::<i64>().map_err(|_| "choose the entry to correct".to_string()),
        )
    });
    let note = c.text("note", data.get("note"), 2000);
    let result = match c.done() {
        Ok(()) => {
            services::correct(
                &state.db,
                caller(&user),
                id,
                event.expect("checked"),
                &note.expect("checked"),
                now,
            )
            .await
        }
        Err(e) => Err(e),
    };
    respond(&state, &user, id, "correction", data, result, "Correction recorded.").await
}

/// The board's one button for an overdue case: release now, the clock having expired.
pub async fn release_now(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&raw)?;
    let now = state.clock.now();
    let note = "released from the pending-transfers board at the 48-hour limit";
    let result = services::release(
        &state.db,
        caller(&user),
        id,
        now,
        ReleaseReason::ClockExpired,
        Some(note),
        now,
    )
    .await;
    match result {
        Ok(_) => {
            session::set_flash(&user.session, "success", "Released: the 48-hour clock had expired.").await?;
            Ok(Redirect::to("/transfers/pending").into_response())
        }
        Err(e @ (AppError::Conflict { .. } | AppError::Rule { .. })) => {
            session::set_flash(&user.session, "error", e.to_string()).await?;
            Ok(Redirect::to("/transfers/pending").into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn record_claim(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(raw): Path<String>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let id = parse_id(&raw)?;
    let (now, times) = (state.clock.now(), zone(&state, id).await?);
    let mut c = Checker::new();
    let at = c.time("at", data.get("at"), times).map(to_second);
    let how = c.text("how", data.get("how"), 500);
    let document = c.optional_text("document", data.get("document"), 500);
    let interpreter_id = data.get("interpreter_id").and_then(|v| v.parse().ok());
    let result = match c.done() {
        Ok(()) => {
            let claim = services::NewClaim {
                at: at.expect("checked"),
                how: how.as_deref().expect("checked"),
                document: document.as_deref(),
                interpreter_id,
            };
            services::record_claim(&state.db, caller(&user), id, claim, now).await
        }
        Err(e) => Err(e),
    };
    respond(
        &state,
        &user,
        id,
        "claim",
        data,
        result,
        "Citizenship claim recorded: tell ICE within one hour.",
    )
    .await
}

pub async fn report_claim(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((raw, raw_claim)): Path<(String, String)>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let (id, claim) = (parse_id(&raw)?, parse_id(&raw_claim)?);
    let (now, times) = (state.clock.now(), zone(&state, id).await?);
    let mut c = Checker::new();
    let at = c.time("at", data.get("at"), times).map(to_second);
    let method = c.text("method", data.get("method"), 100);
    let contact = c.text("ice_contact", data.get("ice_contact"), 200);
    let response = c.optional_text("response", data.get("response"), 2000);
    let result = match c.done() {
        Ok(()) => {
            let report = services::ClaimReport {
                at: at.expect("checked"),
                method: method.as_deref().expect("checked"),
                ice_contact: contact.as_deref().expect("checked"),
                response: response.as_deref(),
            };
            services::report_claim(&state.db, caller(&user), id, claim, report, now).await
        }
        Err(e) => Err(e),
    };
    respond(
        &state,
        &user,
        id,
        &format!("report-{claim}"),
        data,
        result,
        "Report to ICE logged.",
    )
    .await
}
