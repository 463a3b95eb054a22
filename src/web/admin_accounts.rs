//! Administration of an account's access: disable and enable, password and authenticator
//! resets, API tokens (created with an expiry, shown once, revoked).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{CurrentUser, session};
use crate::db::{self, tokens::TokenRow};
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult};
use crate::services::identity;
use crate::state::AppState;
use crate::web::admin::actor;
use crate::web::extract::PathId;
use crate::web::forms::FormData;
use crate::web::layout::Layout;

pub struct TokenView {
    pub row: TokenRow,
    pub live: bool,
    pub state: &'static str,
}

pub async fn token_views(state: &AppState, user_id: i64) -> AppResult<Vec<TokenView>> {
    let now = state.clock.now();
    Ok(db::tokens::for_user(&state.db, user_id)
        .await?
        .into_iter()
        .map(|row| {
            let (live, state) = match (row.revoked_at, row.expires_at > now) {
                (Some(_), _) => (false, "revoked"),
                (None, false) => (false, "expired"),
                (None, true) => (true, "live"),
            };
            TokenView { row, live, state }
        })
        .collect())
}

/// A secret shown once (a temporary password, a new token), with what to do with it.
#[derive(Template, WebTemplate)]
#[template(path = "admin/secret.html")]
pub struct SecretPage {
    layout: Layout,
    heading: String,
    explanation: String,
    secret: String,
    back: String,
}

async fn done(user: &CurrentUser, id: i64, message: &str) -> AppResult<Response> {
    session::set_flash(&user.session, "success", message).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

pub async fn disable(State(state): State<AppState>, user: CurrentUser, PathId(id): PathId) -> AppResult<Response> {
    user.require(Area::Administration)?;
    identity::set_disabled(&state.db, id, true, actor(&user), state.clock.now()).await?;
    done(
        &user,
        id,
        "Account disabled: its sessions ended and its tokens no longer work.",
    )
    .await
}

pub async fn enable(State(state): State<AppState>, user: CurrentUser, PathId(id): PathId) -> AppResult<Response> {
    user.require(Area::Administration)?;
    identity::set_disabled(&state.db, id, false, actor(&user), state.clock.now()).await?;
    done(&user, id, "Account enabled.").await
}

pub async fn reset_mfa(State(state): State<AppState>, user: CurrentUser, PathId(id): PathId) -> AppResult<Response> {
    user.require(Area::Administration)?;
    identity::reset_mfa(&state.db, id, actor(&user), state.clock.now()).await?;
    done(
        &user,
        id,
        "Authenticator reset: the user enrols again at the next sign-in.",
    )
    .await
}

pub async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
) -> AppResult<SecretPage> {
    user.require(Area::Administration)?;
    let account = db::users::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let temporary = identity::reset_password(&state.db, id, actor(&user), state.clock.now()).await?;
    Ok(SecretPage {
        layout: Layout::new(&state, &user, "Temporary password", "users").await?,
        heading: format!("Temporary password for {}", account.username),
        explanation: "Give it to the user in person. It works once: at the next sign-in they must choose a new \
                      password before anything else. Their sessions have ended. It is not shown again."
            .into(),
        secret: temporary,
        back: format!("/admin/users/{id}"),
    })
}

pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(data): Form<FormData>,
) -> AppResult<SecretPage> {
    user.require(Area::Administration)?;
    let account = db::users::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let days = match data.get("expires_in_days").map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| AppError::field("expires_in_days", "enter a whole number of days, 1 to 366"))?,
        ),
        None => None,
    };
    let now = state.clock.now();
    let (token_id, token) = identity::create_token(&state.db, &account.username, days, actor(&user), now).await?;
    Ok(SecretPage {
        layout: Layout::new(&state, &user, "New API token", "users").await?,
        heading: format!("API token {token_id} for {}", account.username),
        explanation:
            "Copy it into the system that will use it now: only its hash is kept, so it cannot be shown again.".into(),
        secret: token,
        back: format!("/admin/users/{id}"),
    })
}

pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(token_id): PathId,
    axum::Form(data): axum::Form<crate::web::forms::FormData>,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    if !crate::web::confirm::confirmed(&data)
        && let Some((owner, username)) = crate::db::tokens::live_owner(&state.db, token_id).await?
    {
        return crate::web::confirm::ask(&state, &user, crate::web::confirm::Ask {
            heading: format!("Revoke API token {token_id} of {username}?"),
            consequence: format!(
                "Every program using token {token_id} gets 401 from its next request. It cannot be undone: a program needs a new token."
            ),
            action: format!("/admin/tokens/{token_id}/revoke"),
            yes: format!("Yes, revoke token {token_id}"),
            back: format!("/admin/users/{owner}"),
            data: &data,
        })
        .await;
    }
    let owner = identity::revoke_token(&state.db, token_id, actor(&user), state.clock.now()).await?;
    session::set_flash(&user.session, "success", format!("Token {token_id} revoked.")).await?;
    Ok(Redirect::to(&format!("/admin/users/{owner}")).into_response())
}
