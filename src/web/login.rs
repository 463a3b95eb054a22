//! Sign-in and sign-out. Five consecutive failures lock the account until an admin unlocks it;
//! every failure, lock and sign-in is audited; unknown user and wrong password read the same.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use crate::auth::{CurrentUser, password, session};
use crate::db::{self, audit::NewEntry};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::ClientIp;

pub const LOCK_AFTER_FAILURES: i32 = 5;
const BAD_CREDENTIALS: &str = "The username or password is incorrect.";
const LOCKED: &str = "This account is locked after too many failed sign-ins. Ask an administrator to unlock it.";

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    notice: String,
    csrf: String,
    username: String,
    error: Option<&'static str>,
    info: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    signed_out: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<LoginQuery>,
) -> AppResult<LoginPage> {
    Ok(LoginPage {
        notice: state.config.system_use_notice.clone(),
        csrf: session::csrf_token(&session).await?,
        username: String::new(),
        error: None,
        info: q.signed_out.map(|_| "You have been signed out."),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let username = form.username.trim().to_lowercase();
    let mut tx = state.db.begin().await?;
    // The row lock serialises concurrent attempts on one account, so failures are counted exactly.
    let user = db::users::by_username_for_update(&mut *tx, &username).await?;
    let ok = password::verify(form.password, user.as_ref().map(|u| u.password_hash.clone())).await;
    let entry = |action: &'static str, detail: serde_json::Value| NewEntry {
        at: now,
        recorded_at: now,
        actor_id: user.as_ref().map(|u| u.id),
        actor: user.as_ref().map(|u| u.username.as_str()),
        action,
        ip: ip.clone(),
        detail,
        booking_id: None,
    };

    let error = match &user {
        None => {
            db::audit::record(
                &mut *tx,
                entry(
                    "login_failed",
                    json!({ "username": username, "reason": "unknown_user" }),
                ),
            )
            .await?;
            BAD_CREDENTIALS
        }
        Some(u) if u.is_locked() => {
            db::audit::record(&mut *tx, entry("login_refused_locked", json!({}))).await?;
            if ok { LOCKED } else { BAD_CREDENTIALS }
        }
        Some(u) if !ok => {
            let (failures, locked_now) =
                db::users::record_failed_login(&mut *tx, u.id, LOCK_AFTER_FAILURES, now).await?;
            db::audit::record(
                &mut *tx,
                entry(
                    "login_failed",
                    json!({ "reason": "wrong_password", "consecutive_failures": failures }),
                ),
            )
            .await?;
            if locked_now {
                db::audit::record(
                    &mut *tx,
                    entry("account_locked", json!({ "consecutive_failures": failures })),
                )
                .await?;
            }
            BAD_CREDENTIALS
        }
        Some(u) => {
            db::users::reset_failed_logins(&mut *tx, u.id).await?;
            db::audit::record(&mut *tx, entry("login", json!({}))).await?;
            tx.commit().await?;
            session::sign_in(&session, u.id, now).await?;
            return Ok(Redirect::to("/").into_response());
        }
    };
    tx.commit().await?;
    let page = LoginPage {
        notice: state.config.system_use_notice.clone(),
        csrf: session::csrf_token(&session).await?,
        username,
        error: Some(error),
        info: None,
    };
    Ok((StatusCode::UNAUTHORIZED, page).into_response())
}

pub async fn logout(State(state): State<AppState>, user: CurrentUser) -> AppResult<Redirect> {
    let now = state.clock.now();
    db::audit::record(
        &state.db,
        NewEntry {
            at: now,
            recorded_at: now,
            actor_id: Some(user.id()),
            actor: Some(&user.user.username),
            action: "logout",
            ip: user.ip.clone(),
            detail: json!({}),
            booking_id: None,
        },
    )
    .await?;
    session::sign_out(&user.session).await?;
    Ok(Redirect::to("/login?signed_out=1"))
}
