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
use crate::services::accounts::Actor;
use crate::services::agencies;
use crate::services::agency_settings::{self, Name};
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
    let a = agency_settings::set_mfa_required(
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
pub struct SettingsForm {
    #[serde(default)]
    record_name: String,
    #[serde(default)]
    mail_sender_name: String,
    #[serde(default)]
    alert_hours_left: String,
    #[serde(default)]
    system_use_notice: String,
}

/// `POST /admin/agency/settings`: the names the admin's agency's printed records carry and its
/// alert e-mails come from, and its alert hours. Each that changes is audited; one refused
/// changes none (every value is checked before any is written).
pub async fn settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<SettingsForm>,
) -> AppResult<Redirect> {
    user.require(crate::domain::rules::Area::Administration)?;
    let now = state.clock.now();
    let own = user.user.agency.as_deref();
    let names = [
        (Name::Record, &form.record_name),
        (Name::MailSender, &form.mail_sender_name),
        (Name::SystemUseNotice, &form.system_use_notice),
    ];
    agency_settings::check_alert_hours(&form.alert_hours_left)?;
    for (which, value) in names {
        agency_settings::check_name(which, value)?;
    }
    let actor = || crate::web::admin::actor(&user);
    let mut a = agency_settings::set_alert_hours(&state.db, own, &form.alert_hours_left, actor(), now).await?;
    for (which, value) in names {
        a = agency_settings::set_name(&state.db, own, (which, value), actor(), now).await?;
    }
    crate::auth::session::set_flash(&user.session, "success", format!("{}'s settings saved.", a.code)).await?;
    Ok(Redirect::to("/admin/facilities"))
}
