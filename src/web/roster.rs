//! `/roster`: who may serve warrants — current, expiring within 30 days, lapsed.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::Response;

use crate::auth::CurrentUser;
use crate::db::{self, certifications::RosterRow};
use crate::domain::roster::{Certification, CertificationInput, Standing};
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult};
use crate::services;
use crate::state::AppState;
use crate::web::extract::Acting;
use crate::web::forms::{FormData, FormState, after_form};
use crate::web::layout::Layout;

pub struct OfficerRow {
    pub r: RosterRow,
    pub standing: Option<Standing>,
    /// May serve now, and if not, why (in words).
    pub may_serve: bool,
    pub why_not: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "roster.html")]
pub struct RosterPage {
    layout: Layout,
    rows: Vec<OfficerRow>,
    counts: Vec<(&'static str, usize)>,
    can_edit: bool,
    form: FormState,
}

async fn page(state: &AppState, user: &CurrentUser, form: FormState) -> AppResult<RosterPage> {
    user.require(Area::Oversight)?;
    let now = state.clock.now();
    let caller = user.caller();
    let facilities = db::facilities::all(&state.db).await?;
    let tz = facilities
        .iter()
        .find(|f| user.user.facility_ids.contains(&f.id))
        .map(|f| f.tz())
        .unwrap_or(chrono_tz::UTC);
    let agency = crate::domain::rules::roster_agency(user.user.role, user.user.agency_id);
    let rows: Vec<OfficerRow> = db::certifications::roster(&state.db, caller.facility_scope(), agency)
        .await?
        .into_iter()
        .map(|r| {
            let standing = match (r.certified_on, r.expires_on) {
                (Some(certified_on), Some(expires_on)) => Some(
                    Certification {
                        certified_on,
                        expires_on,
                        revoked_at: r.revoked_at,
                    }
                    .standing(now, tz),
                ),
                _ => None,
            };
            OfficerRow {
                r,
                standing,
                may_serve: false,
                why_not: String::new(),
            }
        })
        .collect();
    let mut rows = rows;
    let ids: Vec<i64> = rows.iter().map(|row| row.r.user_id).collect();
    let records = db::credentials::records(&mut *state.db.acquire().await?, &ids).await?;
    for row in rows.iter_mut() {
        let record = records.get(&row.r.user_id).cloned().unwrap_or_default();
        let e = crate::domain::credentials::eligibility(&record, now, tz);
        row.may_serve = e.may_serve;
        row.why_not = e
            .reasons
            .iter()
            .map(|r| crate::domain::credentials::reason_words(r))
            .collect::<Vec<_>>()
            .join("; ");
    }
    let count = |f: &dyn Fn(Option<Standing>) -> bool| rows.iter().filter(|r| f(r.standing)).count();
    let counts = vec![
        ("Current", count(&|s| s == Some(Standing::Current))),
        ("Expire within 30 days", count(&|s| s == Some(Standing::ExpiringSoon))),
        (
            "Lapsed or revoked",
            count(&|s| matches!(s, Some(Standing::Lapsed | Standing::Revoked))),
        ),
        (
            "Not certified",
            count(&|s| matches!(s, None | Some(Standing::NotYetValid))),
        ),
    ];
    Ok(RosterPage {
        layout: Layout::new(state, user, "WSO roster", "roster").await?,
        rows,
        counts,
        can_edit: true,
        form,
    })
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> AppResult<RosterPage> {
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
    let r = r.map_err(|e| match e {
        AppError::NotFound => AppError::field("username", "there is no such officer"),
        other => other,
    });
    after_form(user, r, form, data, done, "/roster", |f| page(state, user, f)).await
}

pub async fn certify(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    user.require(Area::Oversight)?;
    let input = CertificationInput {
        certified_on: data.owned("certified_on"),
        expires_on: data.owned("expires_on"),
        nominated_on: data.owned("nominated_on"),
        background_cleared_on: data.owned("background_cleared_on"),
        trained_on: data.owned("trained_on"),
    };
    let username = data.get("username").unwrap_or("").to_string();
    let r = match input.check() {
        Ok(c) => services::credentials::certify(&state.db, user.caller(), &username, &c, state.clock.now()).await,
        Err(errors) => Err(AppError::Validation(errors)),
    };
    respond(&state, &user, "certify", data, r, "Certification recorded.").await
}

pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    user.require(Area::Oversight)?;
    let username = data.get("username").unwrap_or("").to_string();
    let reason = data.get("reason").unwrap_or("").trim();
    // Asked about by name first (a revocation cannot be undone), unless the form is incomplete
    // or the officer is not the caller's: then the service refuses with its field error.
    if !crate::web::confirm::confirmed(&data)
        && !reason.is_empty()
        && let Some(officer) = crate::db::users::by_username(&state.db, &username).await?
        && officer
            .facility_ids
            .iter()
            .any(|&f| crate::domain::rules::covers(user.user.role, &user.user.facility_ids, f))
    {
        let who = officer.display();
        return crate::web::confirm::ask(&state, &user, crate::web::confirm::Ask {
            heading: format!("Revoke the WSO certification of {who}?"),
            consequence: format!(
                "{who} may not serve a warrant from now on (reason: {reason}). It cannot be undone: serving again needs a new certification."
            ),
            action: "/roster/revocations".into(),
            yes: format!("Yes, revoke the certification of {who}"),
            back: "/roster".into(),
            data: &data,
        })
        .await;
    }
    let r = services::credentials::revoke(
        &state.db,
        user.caller(),
        &username,
        data.get("reason").unwrap_or(""),
        state.clock.now(),
    )
    .await;
    respond(&state, &user, "revoke", data, r, "Certification revoked.").await
}

/// One form for every credential fact: `fact` says which.
pub async fn record_fact(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    use crate::services::credentials::Fact;
    user.require(Area::Oversight)?;
    let username = data.get("username").unwrap_or("").to_string();
    let kind = data.get("fact").unwrap_or("").to_string();
    let mut c = crate::domain::input::Checker::new();
    let date = |c: &mut crate::domain::input::Checker, f: &str| c.date(f, data.get(f));
    let number = if kind == "credentials" {
        c.text("form_70_006_number", data.get("form_70_006_number"), 50)
    } else {
        None
    };
    let fact = match kind.as_str() {
        "exam" => {
            let taken_on = date(&mut c, "taken_on");
            let score = c.required("score", data.get("score")).and_then(|s| {
                c.check(
                    "score",
                    s.parse::<i32>().map_err(|_| "score is a whole number".to_string()),
                )
            });
            taken_on
                .zip(score)
                .map(|(taken_on, score)| Fact::Exam { taken_on, score })
        }
        "credentials" => {
            let issued_on = date(&mut c, "issued_on");
            number
                .as_deref()
                .zip(issued_on)
                .map(|(number, issued_on)| Fact::Credential { number, issued_on })
        }
        "returned" => date(&mut c, "on").map(|on| Fact::CredentialReturned { on }),
        "withdrawal" => {
            date(&mut c, "received_on")
                .zip(date(&mut c, "effective_on"))
                .map(|(received_on, effective_on)| Fact::Withdrawal {
                    received_on,
                    effective_on,
                })
        }
        "departure" => date(&mut c, "given_on")
            .zip(date(&mut c, "departs_on"))
            .map(|(given_on, departs_on)| Fact::DepartureNotice { given_on, departs_on }),
        _ => {
            c.errors
                .push(crate::error::FieldError::new("fact", "choose what to record"));
            None
        }
    };
    let r = match (c.finish(), fact) {
        (Ok(()), Some(fact)) => {
            services::credentials::record_fact(&state.db, user.caller(), &username, fact, state.clock.now()).await
        }
        (Err(errors), _) => Err(AppError::Validation(errors)),
        (Ok(()), None) => Err(AppError::field("fact", "choose what to record")),
    };
    respond(&state, &user, &format!("fact-{kind}"), data, r, "Recorded.").await
}
