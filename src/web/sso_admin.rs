//! An agency admin's single sign-on settings on `/admin/facilities` (issue 29):
//! `POST /admin/agency/sso` sets the agency's identity provider, `POST /admin/agency/sso/disable`
//! turns it off. The client secret is never shown back: an empty field keeps the stored one.

use axum::Form;
use axum::extract::State;
use axum::response::Redirect;

use crate::auth::CurrentUser;
use crate::db::{self, agencies::Agency, sso::Provider};
use crate::error::AppResult;
use crate::services::sso_config::{self, Settings};
use crate::state::AppState;

/// The admin's own agency with its provider, for the facilities page.
pub async fn agency_panel(state: &AppState, user: &CurrentUser) -> AppResult<Option<(Agency, Option<Provider>)>> {
    let Some(code) = &user.user.agency else { return Ok(None) };
    let Some(agency) = db::agencies::by_code(&state.db, code).await? else {
        return Ok(None);
    };
    let provider = db::sso::of_agency(&state.db, agency.id).await?;
    Ok(Some((agency, provider)))
}

/// The redirect URI the admin's agency registers at its provider.
pub fn redirect_uri(state: &AppState, user: &CurrentUser) -> String {
    let base = state.config.public_url.as_deref().unwrap_or("WSO_PUBLIC_URL");
    let code = user.user.agency.as_deref().unwrap_or("CODE");
    format!(
        "{}{}",
        base.trim_end_matches('/'),
        crate::services::sso::callback_path(code)
    )
}

#[derive(serde::Deserialize)]
pub struct SsoForm {
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    mfa_claim: String,
    /// E-mail domains, separated by commas or spaces.
    #[serde(default)]
    domains: String,
}

/// `POST /admin/agency/sso`: the admin's agency signs in with this provider (audited
/// `sso_configured`, never with the secret).
pub async fn set(State(state): State<AppState>, user: CurrentUser, Form(form): Form<SsoForm>) -> AppResult<Redirect> {
    user.require(crate::domain::rules::Area::Administration)?;
    let domains: Vec<String> = form
        .domains
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect();
    let settings = Settings {
        issuer: &form.issuer,
        client_id: &form.client_id,
        secret: Some(form.client_secret.as_str()),
        name: Some(form.name.as_str()),
        mfa_claim: Some(form.mfa_claim.as_str()),
        domains: &domains,
        installation_mfa_floor: state.config.mfa_required,
    };
    let actor = crate::web::admin::actor(&user);
    let own = user.user.agency.as_deref();
    let p = sso_config::set(
        &state.db,
        &state.config.secrets,
        own,
        settings,
        actor,
        state.clock.now(),
    )
    .await?;
    let said = format!("{} signs in with {} ({}).", p.agency_code, p.name, p.issuer);
    crate::auth::session::set_flash(&user.session, "success", said).await?;
    Ok(Redirect::to("/admin/facilities"))
}

/// `POST /admin/agency/sso/disable`: the agency's people sign in with their passwords again.
pub async fn disable(State(state): State<AppState>, user: CurrentUser) -> AppResult<Redirect> {
    user.require(crate::domain::rules::Area::Administration)?;
    let actor = crate::web::admin::actor(&user);
    let own = user.user.agency.as_deref();
    let said = if sso_config::disable(&state.db, own, actor, state.clock.now()).await? {
        "Sign-in with the agency's identity provider is off: its people sign in with their passwords."
    } else {
        "The agency's identity provider was already off."
    };
    crate::auth::session::set_flash(&user.session, "success", said.to_string()).await?;
    Ok(Redirect::to("/admin/facilities"))
}
