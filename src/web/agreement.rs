//! `/agreement`: the facility's interpreters, disclosures of information produced under the
//! agreement (cleared with ICE first, or explained and flagged), and annual reviews with ICE.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::Response;

use crate::auth::CurrentUser;
use crate::db::{self, agreement::Disclosure, agreement::Review, facilities::Facility, interpreters::Interpreter};
use crate::domain::input::Checker;
use crate::error::{AppError, AppResult};
use crate::services;
use crate::services::agreement::DisclosureInput;
use crate::state::AppState;
use crate::web::extract::Acting;
use crate::web::forms::{FormData, FormState, after_form};
use crate::web::layout::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "agreement.html")]
pub struct AgreementPage {
    layout: Layout,
    facilities: Vec<Facility>,
    interpreters: Vec<Interpreter>,
    disclosures: Vec<Disclosure>,
    reviews: Vec<Review>,
    form: FormState,
    can_edit: bool,
}

async fn page(state: &AppState, user: &CurrentUser, form: FormState) -> AppResult<AgreementPage> {
    crate::domain::rules::may_do(crate::domain::rules::Duty::ReadAgreementRecords, user.user.role)?;
    let caller = user.caller();
    let scope = caller.facility_scope();
    Ok(AgreementPage {
        layout: Layout::new(state, user, "Agreement duties", "agreement").await?,
        facilities: db::facilities::all(&state.db)
            .await?
            .into_iter()
            .filter(|f| user.user.facility_ids.contains(&f.id))
            .collect(),
        interpreters: db::interpreters::interpreters(&state.db, scope).await?,
        disclosures: db::agreement::disclosures(&state.db, scope).await?,
        reviews: db::agreement::reviews(&state.db, scope).await?,
        form,
        can_edit: crate::domain::rules::may_do(crate::domain::rules::Duty::Disclosure, user.user.role).is_ok(),
    })
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> AppResult<AgreementPage> {
    page(&state, &user, FormState::default()).await
}

async fn respond<T>(
    state: &AppState,
    user: &CurrentUser,
    form: &str,
    data: FormData,
    r: AppResult<T>,
    done: &str,
) -> AppResult<Response> {
    after_form(user, r, form, data, done, "/agreement", |f| page(state, user, f)).await
}

pub async fn add_interpreter(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let mut c = Checker::new();
    let facility = c.text("facility", data.get("facility"), 16);
    let name = c.text("name", data.get("name"), 200);
    let languages = c.text("languages", data.get("languages"), 200);
    let contact = c.optional_text("contact", data.get("contact"), 200);
    let r = match c.values((facility, name, languages)) {
        Ok((facility, name, languages)) => {
            let (f, n, l) = (facility, name, languages);
            services::claims::add_interpreter(
                &state.db,
                user.caller(),
                &f,
                &n,
                &l,
                contact.as_deref(),
                state.clock.now(),
            )
            .await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(&state, &user, "interpreter", data, r, "Interpreter added.").await
}

pub async fn add_disclosure(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let mut c = Checker::new();
    let facility = c.text("facility", data.get("facility"), 16);
    let what = c.text("what", data.get("what"), 2000);
    let recipient = c.text("recipient", data.get("recipient"), 500);
    let requested_on = c.date("requested_on", data.get("requested_on"));
    let mut optional = |field: &str| match data.get(field).filter(|v| !v.is_empty()) {
        Some(v) => c.date(field, Some(v)),
        None => None,
    };
    let (clearance_requested_on, cleared_on, released_on) = (
        optional("clearance_requested_on"),
        optional("cleared_on"),
        optional("released_on"),
    );
    let r = match c.values((facility, what, recipient, requested_on)) {
        Ok((facility, what, recipient, requested_on)) => {
            let input = DisclosureInput {
                facility: facility.as_str(),
                what: what.as_str(),
                recipient: recipient.as_str(),
                requested_on,
                clearance_requested_on,
                cleared_on,
                released_on,
                early_release_reason: data.get("early_release_reason"),
            };
            services::agreement::record_disclosure(&state.db, user.caller(), input, state.clock.now()).await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(&state, &user, "disclosure", data, r, "Disclosure recorded.").await
}

pub async fn add_review(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let mut c = Checker::new();
    let facility = c.text("facility", data.get("facility"), 16);
    let held_on = c.date("held_on", data.get("held_on"));
    let attendees = c.text("attendees", data.get("attendees"), 2000);
    let notes = c.optional_text("notes", data.get("notes"), 10_000);
    let r = match c.values((facility, held_on, attendees)) {
        Ok((facility, held_on, attendees)) => {
            let (f, h, a) = (facility, held_on, attendees);
            services::agreement::record_review(&state.db, user.caller(), &f, h, &a, notes.as_deref(), state.clock.now())
                .await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(&state, &user, "review", data, r, "Annual review recorded.").await
}
