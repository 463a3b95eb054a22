//! The forms on the case page. Each submits to its own path, runs the same case operation as
//! the API, and on refusal shows the case page again with the form's errors and what was typed.

use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, RequestPartsExt};
use chrono::{DateTime, Utc};

use super::case_page::case_page;
use crate::auth::{CurrentUser, session};
use crate::db;
use crate::domain::booking::{DocumentInput, NotificationInput};
use crate::domain::case::to_second;
use crate::domain::input::{Checker, TimeInput, reasoned};
use crate::domain::types::{ReleasePointReason, ReleaseReason};
use crate::error::{AppError, AppResult, FieldError};
use crate::services;
use crate::services::case::Outcome;
use crate::state::AppState;
use crate::web::confirm::{self, Ask};
use crate::web::extract::{Acting, PathId, PathIds};
use crate::web::forms::{FormData, after_form, exact_input};

/// A form posted to a case: the case id (and a second id for a document or claim), the time
/// now, how to read the form's local times (the facility's zone) and the fields.
pub struct CaseForm {
    pub id: i64,
    pub item: Option<i64>,
    pub now: DateTime<Utc>,
    pub times: TimeInput,
    pub data: FormData,
    /// The case as it stood when the form arrived (its zone, its person, what to confirm).
    pub booking: db::bookings::Booking,
}

impl FromRequest<AppState> for CaseForm {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let (id, item) = match parts.extract::<PathIds>().await {
            Ok(PathIds(id, item)) => (id, Some(item)),
            Err(_) => (parts.extract::<PathId>().await?.0, None),
        };
        let b = db::bookings::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
        let Form(mut data) = Form::<FormData>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| AppError::BadRequest {
                message: e.body_text(),
                field: None,
            })?;
        let now = state.clock.now();
        // "Now" chosen on a form that ends custody: the time of this request, to the second.
        if data.get("at.mode") == Some("now") {
            data.set("at", exact_input(now, b.tz()));
        }
        Ok(CaseForm {
            id,
            item,
            now,
            times: TimeInput::Local(b.tz()),
            data,
            booking: b,
        })
    }
}

impl CaseForm {
    fn item(&self) -> AppResult<i64> {
        self.item.ok_or(AppError::NotFound)
    }

    /// The person of the case, as success messages name them.
    fn person(&self) -> String {
        confirm::person(&self.booking)
    }

    /// Back to the case page: with `done` as a flash, or with the form `name`'s errors.
    pub(crate) async fn respond<T>(
        self,
        state: &AppState,
        user: &CurrentUser,
        name: &str,
        result: AppResult<T>,
        done: &str,
    ) -> AppResult<Response> {
        // `#top`: the form's own fragment (which brings a refusal into view) is not carried
        // onto the page that shows the flash of a success.
        let (id, to) = (self.id, format!("/bookings/{}#top", self.id));
        after_form(user, result, name, self.data, done, &to, |f| {
            case_page(state, user, id, f)
        })
        .await
    }
}

pub async fn add_document(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let input = DocumentInput {
        kind: f.data.owned("kind"),
        number: f.data.owned("number"),
        a_number: f.data.owned("a_number"),
        issued_at: f.data.owned("issued_at"),
        received_at: f.data.owned("received_at"),
    };
    let result = match input.check(f.now, f.times) {
        Ok(doc) => services::case::add_document(&state.db, user.caller(), f.id, &doc, f.now, &state.config).await,
        Err(errors) => Err(errors.into()),
    };
    f.respond(&state, &user, "document", result, "ICE document recorded.")
        .await
}

pub async fn withdraw_document(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let doc = f.item()?;
    let mut c = Checker::new();
    let at = c.time("at", f.data.get("at"), f.times).map(to_second);
    let by = c.text("by", f.data.get("by"), 200);
    let result = match c.values((at, by)) {
        Ok((at, by)) => {
            services::case::withdraw_document(&state.db, user.caller(), f.id, doc, at, Some(&by), f.now).await
        }
        Err(errors) => Err(errors.into()),
    };
    let done = "Document marked withdrawn by ICE.";
    f.respond(&state, &user, &format!("withdraw-{doc}"), result, done).await
}

pub async fn add_notification(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let input = NotificationInput {
        at: f.data.owned("at"),
        method: f.data.owned("method"),
        contact: f.data.owned("contact"),
        kind: f.data.owned("kind"),
        interpreter_id: f.data.get("interpreter_id").and_then(|v| v.parse().ok()),
    };
    let result = match input.check(f.times) {
        Ok(n) => services::case::add_notification(&state.db, user.caller(), f.id, &n, f.now).await,
        Err(errors) => Err(errors.into()),
    };
    f.respond(&state, &user, "notification", result, "ICE notification logged.")
        .await
}

pub async fn release_point(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let d = &f.data;
    let result = match reasoned::<ReleasePointReason>(d.get("at"), d.get("reason"), d.get("note"), f.times) {
        Ok(r) => {
            let note = r.note.as_deref();
            let confirmation = confirm::given(d);
            let done = services::case::record_release_point(
                &state.db,
                user.caller(),
                f.id,
                r.at,
                r.reason,
                note,
                f.now,
                confirmation,
            )
            .await;
            if let Ok(Outcome::Confirm) = done {
                let who = f.person();
                return confirm::ask(&state, &user, Ask {
                    heading: format!("Release {who}?"),
                    consequence: format!(
                        "There is no active warrant: recording the point of release {} releases {who}. It cannot be undone.",
                        confirm::when(d)
                    ),
                    action: format!("/bookings/{}/release-point", f.id),
                    yes: format!("Yes, release {who}"),
                    back: format!("/bookings/{}#release-point", f.id),
                    data: d,
                })
                .await;
            }
            done.map(|_| ())
        }
        Err(errors) => Err(errors.into()),
    };
    let done = format!("Point of release of {} recorded.", f.person());
    f.respond(&state, &user, "release_point", result, &done).await
}

pub async fn serve(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let mut c = Checker::new();
    let document = c.id("document_id", f.data.get("document_id"), "choose a warrant");
    let at = c.time("at", f.data.get("at"), f.times).map(to_second);
    let interpreter = c.optional_id("interpreter_id", f.data.get("interpreter_id"), "choose an interpreter");
    let result = match c.values((document, at)) {
        Ok((document, at)) => {
            let config = &state.config;
            services::case::serve(&state.db, user.caller(), f.id, document, at, interpreter, f.now, config).await
        }
        Err(errors) => Err(errors.into()),
    };
    let done = "Warrant served: the 48-hour custody clock is running.";
    f.respond(&state, &user, "serve", result, done).await
}

pub async fn transfer(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let mut c = Checker::new();
    let at = c.time("at", f.data.get("at"), f.times).map(to_second);
    let officer = c.text("receiving_officer", f.data.get("receiving_officer"), 200);
    let late_reason = c.optional_text("late_reason", f.data.get("late_reason"), 2000);
    let result = match c.values((at, officer)) {
        Ok((at, officer)) => {
            let late = late_reason.as_deref();
            let confirmation = confirm::given(&f.data);
            let done =
                services::case::transfer(&state.db, user.caller(), f.id, at, &officer, late, f.now, confirmation).await;
            if let Ok(Outcome::Confirm) = done {
                // A pickup after the deadline is asked about as late, and how late.
                return confirm::ask(&state, &user, confirm::transfer(&f.booking, at, &f.data)).await;
            }
            done.map(|_| ())
        }
        Err(errors) => Err(errors.into()),
    };
    // The deadline rule speaks about the time field.
    let result = result.map_err(|e| match e {
        AppError::Conflict {
            code: "deadline_passed",
            message,
        } => AppError::Validation(vec![FieldError::new("at", message)]),
        other => other,
    });
    let done = format!("Transfer of {} to ICE custody recorded.", f.person());
    f.respond(&state, &user, "transfer", result, &done).await
}

pub async fn release(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let d = &f.data;
    let result = match reasoned::<ReleaseReason>(d.get("at"), d.get("reason"), d.get("note"), f.times) {
        Ok(r) => {
            let (note, confirmation) = (r.note.as_deref(), confirm::given(d));
            let done = services::case::release(
                &state.db,
                user.caller(),
                f.id,
                r.at,
                r.reason,
                note,
                f.now,
                confirmation,
            )
            .await;
            if let Ok(Outcome::Confirm) = done {
                let who = f.person();
                return confirm::ask(
                    &state,
                    &user,
                    Ask {
                        heading: format!("Release {who}?"),
                        consequence: format!("This releases {who} {}. It cannot be undone.", confirm::when(d)),
                        action: format!("/bookings/{}/release", f.id),
                        yes: format!("Yes, release {who}"),
                        back: format!("/bookings/{}#release", f.id),
                        data: d,
                    },
                )
                .await;
            }
            done.map(|_| ())
        }
        Err(errors) => Err(errors.into()),
    };
    let done = format!("Release of {} recorded.", f.person());
    f.respond(&state, &user, "release", result, &done).await
}

pub async fn igsa_hold(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let mut c = Checker::new();
    let at = c.time("at", f.data.get("at"), f.times).map(to_second);
    let result = match c.values((at,)) {
        Ok((at,)) => services::case::start_igsa_hold(&state.db, user.caller(), f.id, at, f.now).await,
        Err(errors) => Err(errors.into()),
    };
    f.respond(&state, &user, "igsa", result, "The person is now held under the IGSA.")
        .await
}

pub async fn correct(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let mut c = Checker::new();
    let event = c.id("event_id", f.data.get("event_id"), "choose the entry to correct");
    let note = c.text("note", f.data.get("note"), 2000);
    let result = match c.values((event, note)) {
        Ok((event, note)) => services::case::correct(&state.db, user.caller(), f.id, event, &note, f.now).await,
        Err(errors) => Err(errors.into()),
    };
    f.respond(&state, &user, "correction", result, "Correction recorded.")
        .await
}

/// The board's one button for an overdue case: release now, the clock having expired. The
/// first post asks for confirmation naming the person; the confirmed one releases.
pub async fn release_now(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let b = services::view(&state.db, &user.caller(), id).await?;
    let who = confirm::person(&b);
    let note = "released from the pending-transfers board at the 48-hour limit";
    let reason = ReleaseReason::ClockExpired;
    let confirmation = confirm::given(&data);
    let result =
        services::case::release(&state.db, user.caller(), id, now, reason, Some(note), now, confirmation).await;
    if let Ok(Outcome::Confirm) = result {
        return confirm::ask(&state, &user, Ask {
            heading: format!("Release {who} now?"),
            consequence: format!(
                "The 48-hour limit has passed: this releases {who} now, with the reason \"48-hour clock expired\". It cannot be undone."
            ),
            action: format!("/bookings/{id}/release-now"),
            yes: format!("Yes, release {who} now"),
            back: "/transfers/pending".into(),
            data: &data,
        })
        .await;
    }
    let record = Some(format!("/bookings/{id}"));
    match result {
        Ok(_) => {
            let at = crate::clock::local_time(now, b.tz());
            let message = format!("{who} released at {at}: the 48-hour clock had expired.");
            session::set_flash_link(&user.session, "success", message, record).await?;
            Ok(Redirect::to("/transfers/pending").into_response())
        }
        Err(e @ (AppError::Conflict { .. } | AppError::Rule { .. })) => {
            session::set_flash_link(&user.session, "error", format!("{who}: {e}"), record).await?;
            Ok(Redirect::to("/transfers/pending").into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn record_claim(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let mut c = Checker::new();
    let at = c.time("at", f.data.get("at"), f.times).map(to_second);
    let how = c.text("how", f.data.get("how"), 500);
    let document = c.optional_text("document", f.data.get("document"), 500);
    let interpreter_id = f.data.get("interpreter_id").and_then(|v| v.parse().ok());
    let result = match c.values((at, how)) {
        Ok((at, how)) => {
            let claim = services::claims::NewClaim {
                at,
                how: &how,
                document: document.as_deref(),
                interpreter_id,
            };
            services::claims::record_claim(&state.db, user.caller(), f.id, claim, f.now).await
        }
        Err(errors) => Err(errors.into()),
    };
    let done = "Citizenship claim recorded: tell ICE within one hour.";
    f.respond(&state, &user, "claim", result, done).await
}

pub async fn report_claim(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let claim = f.item()?;
    let mut c = Checker::new();
    let at = c.time("at", f.data.get("at"), f.times).map(to_second);
    let method = c.text("method", f.data.get("method"), 100);
    let contact = c.text("ice_contact", f.data.get("ice_contact"), 200);
    let response = c.optional_text("response", f.data.get("response"), 2000);
    let result = match c.values((at, method, contact)) {
        Ok((at, method, ice_contact)) => {
            let report = services::claims::ClaimReport {
                at,
                method: &method,
                ice_contact: &ice_contact,
                response: response.as_deref(),
            };
            services::claims::report_claim(&state.db, user.caller(), f.id, claim, report, f.now).await
        }
        Err(errors) => Err(errors.into()),
    };
    f.respond(
        &state,
        &user,
        &format!("report-{claim}"),
        result,
        "Report to ICE logged.",
    )
    .await
}
