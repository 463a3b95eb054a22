//! `/agencies` (issue 28): the operator's list of the installation's agencies, with their
//! facility counts; no case data. Agencies and their first admins are added from the command
//! line (`wso-tracker agency add`, `user add --role admin --agency`; docs/agencies.md).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

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
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> AppResult<AgenciesPage> {
    let list = agencies::list(&state.db, &Actor::user(&user.user, user.ip.as_deref())).await?;
    Ok(AgenciesPage {
        layout: Layout::new(&state, &user, "Agencies", "agencies").await?,
        agencies: list,
    })
}
