//! `/agencies` (issue 28): the operator's list of the installation's agencies, with their
//! usage and health in counts (people, sign-ins, running clocks, clocks past the deadline,
//! bookings); no case data. Agencies and their first admins are added from the command
//! line (`wso-tracker agency add`, `user add --role admin --agency`; docs/agencies.md).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::Redirect;

use crate::auth::CurrentUser;
use crate::db::agencies::Agency;
use crate::error::AppResult;
use crate::services::{accounts::Actor, agencies};
use crate::state::AppState;
use crate::web::layout::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "agencies.html")]
pub struct AgenciesPage {
    layout: Layout,
    agencies: Vec<Agency>,
    usage: Vec<crate::db::agencies::Usage>,
}

impl AgenciesPage {
    fn usage_of(&self, code: &str) -> Option<&crate::db::agencies::Usage> {
        self.usage.iter().find(|u| u.code == code)
    }
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> AppResult<AgenciesPage> {
    let list = agencies::list(&state.db, &Actor::user(&user.user, user.ip.as_deref())).await?;
    Ok(AgenciesPage {
        layout: Layout::new(&state, &user, "Agencies", "agencies").await?,
        agencies: list,
        usage: crate::db::agencies::usage(&state.db, state.clock.now()).await?,
    })
}

#[derive(serde::Deserialize)]
pub struct MfaForm {
    #[serde(default)]
    required: String,
}

/// `POST /admin/agency/mfa`: the admin's agency requires (or stops requiring) an authenticator.
pub async fn mfa(State(state): State<AppState>, user: CurrentUser, Form(form): Form<MfaForm>) -> AppResult<Redirect> {
    user.require(crate::domain::rules::Area::Administration)?;
    let required = form.required == "true";
    let actor = crate::web::admin::actor(&user);
    let a = agencies::set_mfa_required(
        &state.db,
        user.user.agency.as_deref(),
        required,
        actor,
        state.clock.now(),
    )
    .await?;
    let said = if a.mfa_required {
        "now requires an authenticator of its people: each signs in with one from their next sign-in"
    } else {
        "no longer requires an authenticator (the installation may still)"
    };
    crate::auth::session::set_flash(&user.session, "success", format!("{} {said}.", a.code)).await?;
    Ok(Redirect::to("/admin/facilities"))
}

#[derive(serde::Deserialize)]
pub struct RecordNameForm {
    #[serde(default)]
    record_name: String,
}

/// `POST /admin/agency/record-name`: the name the admin's agency's printed records carry.
pub async fn record_name(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<RecordNameForm>,
) -> AppResult<Redirect> {
    user.require(crate::domain::rules::Area::Administration)?;
    let actor = crate::web::admin::actor(&user);
    let a = agencies::set_record_name(
        &state.db,
        user.user.agency.as_deref(),
        &form.record_name,
        actor,
        state.clock.now(),
    )
    .await?;
    let said = match &a.record_name {
        Some(n) => format!("{}'s printed records now carry the name “{n}”.", a.code),
        None => format!("{}'s printed records no longer carry an agency name.", a.code),
    };
    crate::auth::session::set_flash(&user.session, "success", said).await?;
    Ok(Redirect::to("/admin/facilities"))
}
