//! `/account`: the signed-in user's own account: MFA status, their open sessions ("sign out all
//! other sessions"), and `/account/password` (also where a reset password must be replaced
//! before any other page opens).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::CurrentUser;
use crate::auth::session::{self, SignedIn};
use crate::db;
use crate::error::{AppError, AppResult};
use crate::services::{identity, signin};
use crate::state::AppState;
use crate::web::forms::{FormData, FormState};
use crate::web::layout::Layout;
use crate::web::local_time;

pub struct SessionRow {
    pub current: bool,
    pub started: String,
    pub last_seen: String,
    pub ip: String,
    pub browser: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account/show.html")]
pub struct AccountPage {
    layout: Layout,
    mfa: bool,
    last_login: Option<String>,
    sessions: Vec<SessionRow>,
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> AppResult<AccountPage> {
    // Sessions belong to no facility: their times are shown in UTC.
    let tz = chrono_tz::UTC;
    let now = state.clock.now();
    // `last_seen` is written at most once a minute: a minute of slack on the idle limit.
    let seen_since = now - chrono::Duration::minutes(state.config.session_idle_minutes + 1);
    let started_since = now - chrono::Duration::hours(state.config.session_max_hours);
    let sessions = db::sessions::open_for(&state.db, user.user.id, seen_since, started_since)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            current: s.id == user.sid,
            started: local_time(s.started_at, tz),
            last_seen: local_time(s.last_seen_at, tz),
            ip: s.ip.unwrap_or_default(),
            browser: s.user_agent.unwrap_or_default(),
        })
        .collect();
    Ok(AccountPage {
        layout: Layout::new(&state, &user, "Your account", "account").await?,
        mfa: user.user.mfa_enrolled,
        last_login: user.user.last_login_at.map(|t| local_time(t, tz)),
        sessions,
    })
}

pub async fn end_other_sessions(State(state): State<AppState>, user: CurrentUser) -> AppResult<Redirect> {
    let now = state.clock.now();
    let n = identity::end_other_sessions(&state.db, &user.user, &user.sid, user.ip.as_deref(), now).await?;
    let message = match n {
        0 => "You had no other sessions.".to_string(),
        1 => "Your other session was signed out.".to_string(),
        n => format!("Your {n} other sessions were signed out."),
    };
    session::set_flash(&user.session, "success", message).await?;
    Ok(Redirect::to("/account"))
}

#[derive(Template, WebTemplate)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    layout: Layout,
    forced: bool,
    form: FormState,
}

async fn password_page(state: &AppState, user: &SignedIn, form: FormState) -> AppResult<PasswordPage> {
    Ok(PasswordPage {
        layout: Layout::for_user(state, &user.user, &user.session, "Change your password", "account").await?,
        forced: user.user.must_change_password,
        form,
    })
}

pub async fn password(State(state): State<AppState>, user: SignedIn) -> AppResult<PasswordPage> {
    password_page(&state, &user, FormState::default()).await
}

pub async fn change_password(
    State(state): State<AppState>,
    user: SignedIn,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let current = data.get("current_password").unwrap_or("").to_string();
    let new = data.get("new_password").unwrap_or("").to_string();
    // The current password is checked like a sign-in: throttled, counted, audited (issue 26, 6).
    let client = signin::Client {
        ip: user.ip.as_deref(),
        user_agent: None,
    };
    let wrong = || AppError::field("current_password", "the current password is not right");
    let result =
        match signin::confirm_password(&state.db, &state.config, &user.user, current.clone(), client, now).await? {
            signin::Outcome::Accepted(_) => {
                identity::change_password(&state.db, &user.user, &user.sid, current, new, user.ip.as_deref(), now).await
            }
            signin::Outcome::Refused => Err(wrong()),
            signin::Outcome::Throttled { retry_after } => {
                let message = format!("too many wrong passwords from your address: try again in {retry_after} seconds");
                let form = FormState::failed(
                    "password",
                    FormData::default(),
                    AppError::field("current_password", message),
                )?;
                let page = password_page(&state, &user, form).await?;
                return Ok((axum::http::StatusCode::TOO_MANY_REQUESTS, page).into_response());
            }
            signin::Outcome::Busy => Err(AppError::Busy(
                "too many sign-ins are being checked: try again shortly".into(),
            )),
        };
    match result {
        Ok(()) => {
            session::set_flash(
                &user.session,
                "success",
                "Your password is changed; your other sessions were signed out.",
            )
            .await?;
            Ok(Redirect::to("/account").into_response())
        }
        Err(e @ AppError::Validation(_)) => {
            let status = crate::web::error_page::status(&e);
            // Passwords are never typed back into the page.
            let form = FormState::failed("password", FormData::default(), e)?;
            Ok((status, password_page(&state, &user, form).await?).into_response())
        }
        Err(e) => Err(e),
    }
}
