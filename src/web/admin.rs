//! Administration: accounts (create, role, facilities, unlock), facilities, the audit log.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{CurrentUser, session};
use crate::db::{self, facilities::Facility, users::User};
use crate::domain::Role;
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult, FieldError};
use crate::services::accounts::{self, Actor, NewUser};
use crate::state::AppState;
use crate::web::extract::PathId;
use crate::web::forms::{FormData, FormState};
use crate::web::layout::Layout;

/// Repeated form fields (`facilities=A&facilities=B`) arrive as pairs.
type Pairs = Vec<(String, String)>;

fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn all_of(pairs: &Pairs, name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

pub(crate) fn actor(user: &CurrentUser) -> Actor<'_> {
    Actor {
        ip: user.ip.as_deref(),
        ..Actor::user(&user.user, None)
    }
}

/// The facilities the admin's pages list and offer: their agency's (every agency's for the
/// operator).
async fn managed_facilities(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Facility>> {
    Ok(db::facilities::of_agency(&state.db, actor(user).managed_agency()).await?)
}

/// A facility the admin manages, by code: another agency's is a 404 like one that does not exist.
pub(crate) async fn managed_facility(state: &AppState, user: &CurrentUser, code: &str) -> AppResult<Facility> {
    let f = db::facilities::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    match actor(user).managed_agency() {
        Some(own) if own != f.agency_id => Err(AppError::Hidden),
        _ => Ok(f),
    }
}

pub struct UserForm {
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub email: String,
    pub facilities: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    layout: Layout,
    users: Vec<User>,
    facilities: Vec<Facility>,
    roles: Vec<Role>,
    form: UserForm,
    errors: Vec<FieldError>,
    now: chrono::DateTime<chrono::Utc>,
    pager: crate::web::forms::Pager,
}

impl UsersPage {
    fn error_for(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == name).map(|e| e.message.as_str())
    }
}

async fn users_page(
    state: &AppState,
    user: &CurrentUser,
    form: UserForm,
    errors: Vec<FieldError>,
    page: Option<i64>,
) -> AppResult<UsersPage> {
    let mut accounts = db::agencies::users(&state.db, actor(user).managed_agency()).await?;
    // A liaison shared with other agencies is shown with this agency's facilities only.
    let own = managed_facilities(state, user).await?;
    for a in accounts.iter_mut() {
        a.facilities.retain(|code| own.iter().any(|f| &f.code == code));
    }
    let (users, pager) = crate::web::forms::Pager::slice(accounts, "/admin/users", page);
    Ok(UsersPage {
        layout: Layout::new(state, user, "Users", "users").await?,
        users,
        pager,
        facilities: managed_facilities(state, user).await?,
        roles: crate::domain::tenancy::assignable_roles(actor(user).granter),
        form,
        errors,
        now: state.clock.now(),
    })
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

pub async fn users(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> AppResult<UsersPage> {
    user.require(Area::Administration)?;
    let form = UserForm {
        username: String::new(),
        full_name: String::new(),
        role: "officer".into(),
        email: String::new(),
        facilities: vec![],
    };
    users_page(&state, &user, form, vec![], q.page).await
}

pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let input = NewUser {
        username: field(&pairs, "username").to_string(),
        full_name: Some(field(&pairs, "full_name").to_string()),
        role: field(&pairs, "role").to_string(),
        email: Some(field(&pairs, "email").to_string()),
        facilities: all_of(&pairs, "facilities"),
        agencies: all_of(&pairs, "agency"),
        password: field(&pairs, "password").to_string(),
        api_only: field(&pairs, "api_only") == "on",
    };
    let form = UserForm {
        username: input.username.clone(),
        full_name: field(&pairs, "full_name").to_string(),
        role: input.role.clone(),
        email: field(&pairs, "email").to_string(),
        facilities: input.facilities.clone(),
    };
    match accounts::create_user(&state.db, input, actor(&user), state.clock.now()).await {
        Ok(_) => {
            session::set_flash(
                &user.session,
                "success",
                format!("Account {} created.", form.username.trim()),
            )
            .await?;
            Ok(Redirect::to("/admin/users").into_response())
        }
        Err(AppError::Validation(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            users_page(&state, &user, form, errors, None).await?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_edit.html")]
pub struct UserEditPage {
    layout: Layout,
    account: User,
    facilities: Vec<Facility>,
    roles: Vec<Role>,
    errors: Vec<FieldError>,
    locked: bool,
    tokens: Vec<crate::web::admin_accounts::TokenView>,
}

impl UserEditPage {
    async fn new(state: &AppState, user: &CurrentUser, account: User, errors: Vec<FieldError>) -> AppResult<Self> {
        let tokens = crate::web::admin_accounts::token_views(state, account.id).await?;
        Ok(UserEditPage {
            layout: Layout::new(state, user, format!("User {}", account.username), "users").await?,
            locked: account.is_locked(state.clock.now()),
            account: {
                let own = managed_facilities(state, user).await?;
                let mut account = account;
                account.facilities.retain(|code| own.iter().any(|f| &f.code == code));
                account
            },
            facilities: managed_facilities(state, user).await?,
            roles: crate::domain::tenancy::assignable_roles(actor(user).granter),
            errors,
            tokens,
        })
    }
}

pub async fn edit_user(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> AppResult<UserEditPage> {
    user.require(Area::Administration)?;
    let account = accounts::managed(&state.db, &actor(&user), id).await?;
    UserEditPage::new(&state, &user, account, vec![]).await
}

pub async fn update_user(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let facilities = all_of(&pairs, "facilities");
    match accounts::update_user(
        &state.db,
        id,
        (field(&pairs, "role"), Some(field(&pairs, "full_name"))),
        &facilities,
        actor(&user),
        state.clock.now(),
    )
    .await
    {
        Ok(()) => {
            session::set_flash(&user.session, "success", "Account updated.").await?;
            Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let account = accounts::managed(&state.db, &actor(&user), id).await?;
            let page = UserEditPage::new(&state, &user, account, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn unlock_user(State(state): State<AppState>, user: CurrentUser, PathId(id): PathId) -> AppResult<Redirect> {
    user.require(Area::Administration)?;
    accounts::unlock_user(&state.db, id, actor(&user), state.clock.now()).await?;
    session::set_flash(&user.session, "success", "Account unlocked.").await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/facilities.html")]
pub struct FacilitiesPage {
    layout: Layout,
    facilities: Vec<Facility>,
    code: String,
    name: String,
    timezone: String,
    igsa: bool,
    errors: Vec<FieldError>,
    /// The settings form of one facility, re-shown after an error (`settings-<code>`).
    form: FormState,
    /// The admin's own agency, with its settings and its identity provider.
    agency: Option<(crate::db::agencies::Agency, Option<crate::db::sso::Provider>)>,
    /// The redirect URI to register at the agency's identity provider.
    sso_redirect: String,
}

impl FacilitiesPage {
    async fn blank(state: &AppState, user: &CurrentUser) -> AppResult<Self> {
        Ok(FacilitiesPage {
            layout: Layout::new(state, user, "Facilities", "facilities").await?,
            facilities: managed_facilities(state, user).await?,
            agency: crate::web::sso_admin::agency_panel(state, user).await?,
            sso_redirect: crate::web::sso_admin::redirect_uri(state, user),
            code: String::new(),
            name: String::new(),
            timezone: "America/New_York".into(),
            igsa: false,
            errors: vec![],
            form: FormState::default(),
        })
    }

    fn date(d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_default()
    }

    /// A facility's IGSA rate as dollars and cents, e.g. "92.50".
    fn rate(cents: &Option<i64>) -> String {
        cents.map(|r| format!("{}.{:02}", r / 100, r % 100)).unwrap_or_default()
    }

    fn error_for(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == name).map(|e| e.message.as_str())
    }
}

pub async fn facilities(State(state): State<AppState>, user: CurrentUser) -> AppResult<FacilitiesPage> {
    user.require(Area::Administration)?;
    FacilitiesPage::blank(&state, &user).await
}

pub async fn create_facility(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Pairs>,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let (code, name, timezone) = (field(&pairs, "code"), field(&pairs, "name"), field(&pairs, "timezone"));
    let igsa = field(&pairs, "igsa") == "on";
    let agency = Some(field(&pairs, "agency")).filter(|a| !a.trim().is_empty());
    let now = state.clock.now();
    match accounts::create_facility(&state.db, (code, name), (timezone, igsa), agency, actor(&user), now).await {
        Ok(f) => {
            session::set_flash(&user.session, "success", format!("Facility {} created.", f.code)).await?;
            Ok(Redirect::to("/admin/facilities").into_response())
        }
        Err(AppError::Validation(errors)) => {
            let page = FacilitiesPage {
                code: code.into(),
                name: name.into(),
                timezone: timezone.into(),
                igsa,
                errors,
                ..FacilitiesPage::blank(&state, &user).await?
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Facility settings: complaint-notice contact, agreement start (annual-review reminder), the
/// IGSA daily rate. Every field error at once, re-shown with what was typed.
pub async fn facility_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let f = managed_facility(&state, &user, &code).await?;
    let text = |name: &str| data.get(name).unwrap_or("").trim().to_string();
    let mut errors = Vec::new();
    let contact = Some(text("contact")).filter(|c| !c.is_empty());
    let start = match text("agreement_start_on").as_str() {
        "" => None,
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| "use a date like 2020-03-01".to_string())
            .and_then(crate::domain::input::in_years)
            .map_err(|m| errors.push(FieldError::new("agreement_start_on", format!("agreement start: {m}"))))
            .ok(),
    };
    let rate = match text("igsa_daily_rate").as_str() {
        "" => None,
        r => crate::domain::input::money_cents(r, 10_000_000)
            .map_err(|m| errors.push(FieldError::new("igsa_daily_rate", format!("IGSA daily rate: {m}"))))
            .ok(),
    };
    if !errors.is_empty() {
        let form = FormState::failed(&format!("settings-{}", f.code), data, AppError::Validation(errors))?;
        let mut page = FacilitiesPage::blank(&state, &user).await?;
        page.form = form;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    db::facilities::update_settings(&mut *tx, f.id, contact.as_deref(), start, rate).await?;
    let entry = db::audit::NewEntry {
        at: now,
        recorded_at: now,
        actor_id: Some(user.user.id),
        actor: Some(&user.user.username),
        action: "facility_settings_changed",
        ip: user.ip.clone(),
        detail: serde_json::json!({ "facility": f.code, "contact": contact, "agreement_start_on": start, "igsa_daily_rate_cents": rate }),
        booking_id: None,
    };
    db::audit::record(&mut *tx, entry).await?;
    tx.commit().await?;
    session::set_flash(&user.session, "success", format!("Settings of {} saved.", f.code)).await?;
    Ok(Redirect::to("/admin/facilities").into_response())
}

/// The public page's switch, with its confirmation, lives beside the other disruptive switches.
pub use crate::web::admin_accounts::facility_public;
