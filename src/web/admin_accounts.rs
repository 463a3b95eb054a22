//! Administration of an account's access: disable and enable, password and authenticator
//! resets, API tokens (created with an expiry, shown once, revoked); and a facility's public page.
//! Each disruptive switch first answers with a confirmation page naming the person (or the page)
//! and what happens (`web::confirm`); only the post carrying `confirm=yes` acts (issue 25, 7).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{CurrentUser, session};
use crate::db::{self, tokens::TokenRow, users::User};
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult};
use crate::services::identity;
use crate::state::AppState;
use crate::web::admin::actor;
use crate::web::confirm;
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

impl SecretPage {
    pub fn new(layout: Layout, heading: String, explanation: String, secret: String, back: String) -> Self {
        SecretPage {
            layout,
            heading,
            explanation,
            secret,
            back,
        }
    }
}

async fn done(user: &CurrentUser, id: i64, message: &str) -> AppResult<Response> {
    session::set_flash(&user.session, "success", message).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

/// The form of a disruptive action: the fields as sent (none but the CSRF token and, once
/// confirmed, `confirm=yes`). A body that is not a form counts as unconfirmed.
type Sent = Result<Form<FormData>, axum::extract::rejection::FormRejection>;

fn sent(form: Sent) -> FormData {
    form.map(|Form(d)| d).unwrap_or(FormData(vec![]))
}

/// The account as a confirmation names it: "jdoe (Jane Doe, Officer)", "jms-feed (service
/// account, Officer)".
pub fn named(u: &User) -> String {
    let who = match (&u.full_name, u.api_only) {
        (Some(n), _) => n.clone(),
        (None, true) => "service account".into(),
        (None, false) => return format!("{} ({})", u.username, u.role.label()),
    };
    format!("{} ({who}, {})", u.username, u.role.label())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "They are signed in now (2 sessions)" or "They are not signed in now".
async fn signed_in_now(state: &AppState, account: &User) -> AppResult<String> {
    let now = state.clock.now();
    let idle = chrono::Duration::minutes(state.config.session_idle_minutes);
    let max = chrono::Duration::hours(state.config.session_max_hours);
    let open = db::sessions::open_for(&state.db, account.id, now - idle, now - max)
        .await?
        .len();
    Ok(match open {
        0 => "They are not signed in now.".into(),
        n => format!("They are signed in now ({}).", plural(n, "session", "sessions")),
    })
}

/// What disabling `account` does, as `identity::set_disabled` does it: its sessions end at once,
/// it cannot sign in, and its API tokens (kept, not revoked) answer 401 until it is enabled.
async fn disable_consequence(state: &AppState, account: &User) -> AppResult<String> {
    let live = token_views(state, account.id).await?.iter().filter(|t| t.live).count();
    // "Its 1 live API token answers", "their 2 live API tokens answer".
    let answer = match live {
        1 => "1 live API token answers 401 from the next request".to_string(),
        n => format!("{n} live API tokens answer 401 from the next request"),
    };
    Ok(match (account.api_only, live) {
        (true, 0) => {
            "It has no live API token now, so nothing can use it until it is enabled again and given one.".to_string()
        }
        (true, _) => format!(
            "Its {answer}: the jail system or tool that sends through this service account stops getting \
             through (its feed stops) until the account is enabled again. The tokens are not revoked: enabling \
             the account makes them work again."
        ),
        (false, n) => {
            let tokens = if n == 0 {
                "They have no live API token.".to_string()
            } else {
                format!("Their {answer}, and any system using them stops.")
            };
            format!(
                "{} They are signed out at once everywhere and cannot sign in. {tokens} Enabling the account \
                 again lets them sign in (and makes any tokens work again).",
                signed_in_now(state, account).await?
            )
        }
    })
}

pub async fn disable(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    form: Sent,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let data = sent(form);
    let account = crate::services::accounts::managed(&state.db, &crate::web::admin::actor(&user), id).await?;
    // Asked only when it would act: the service answers its own refusals (own account, already
    // disabled).
    if !confirm::confirmed(&data) && !account.is_disabled() && account.id != user.id() {
        let who = named(&account);
        return confirm::ask_in(
            &state,
            &user,
            confirm::Ask {
                heading: format!("Disable {who}?"),
                consequence: disable_consequence(&state, &account).await?,
                action: format!("/admin/users/{id}/disable"),
                yes: format!("Yes, disable {}", account.username),
                back: format!("/admin/users/{id}"),
                data: &data,
            },
            "users",
        )
        .await;
    }
    identity::set_disabled(&state.db, id, true, actor(&user), state.clock.now()).await?;
    let message = format!(
        "Account {} disabled: its sessions ended and its API tokens no longer work.",
        account.username
    );
    done(&user, id, &message).await
}

pub async fn enable(State(state): State<AppState>, user: CurrentUser, PathId(id): PathId) -> AppResult<Response> {
    user.require(Area::Administration)?;
    identity::set_disabled(&state.db, id, false, actor(&user), state.clock.now()).await?;
    done(&user, id, "Account enabled.").await
}

pub async fn reset_mfa(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    form: Sent,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let data = sent(form);
    let account = crate::services::accounts::managed(&state.db, &crate::web::admin::actor(&user), id).await?;
    if !confirm::confirmed(&data) && account.mfa_enrolled {
        let who = named(&account);
        return confirm::ask_in(
            &state,
            &user,
            confirm::Ask {
                heading: format!("Reset the authenticator of {who}?"),
                consequence: format!(
                    "Their authenticator app and their recovery codes stop working at once. At their next sign-in \
                 they must set up an authenticator again (scan a new QR code) before any page opens. \
                 {} Sessions already open are not ended.",
                    signed_in_now(&state, &account).await?
                ),
                action: format!("/admin/users/{id}/reset-mfa"),
                yes: format!("Yes, reset the authenticator of {}", account.username),
                back: format!("/admin/users/{id}"),
                data: &data,
            },
            "users",
        )
        .await;
    }
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
    form: Sent,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let data = sent(form);
    let account = crate::services::accounts::managed(&state.db, &crate::web::admin::actor(&user), id).await?;
    if !confirm::confirmed(&data) && !account.api_only {
        let who = named(&account);
        return confirm::ask_in(
            &state,
            &user,
            confirm::Ask {
                heading: format!("Reset the password of {who}?"),
                consequence: format!(
                    "{} They are signed out at once everywhere: an officer in the middle of a booking must sign in \
                 again before sending it. Their password stops working; you get a temporary \
                 password, shown once, to give them in person; it works once, and they must then choose a \
                 new one.",
                    signed_in_now(&state, &account).await?
                ),
                action: format!("/admin/users/{id}/reset-password"),
                yes: format!("Yes, reset the password of {}", account.username),
                back: format!("/admin/users/{id}"),
                data: &data,
            },
            "users",
        )
        .await;
    }
    let temporary = identity::reset_password(&state.db, id, actor(&user), state.clock.now()).await?;
    Ok(SecretPage {
        layout: Layout::new(&state, &user, "Temporary password", "users").await?,
        heading: format!("Temporary password for {}", account.username),
        explanation: "Give it to the user in person. It works once: at the next sign-in they must choose a new \
                      password before anything else. Their sessions have ended. It is not shown again."
            .into(),
        secret: temporary,
        back: format!("/admin/users/{id}"),
    }
    .into_response())
}

pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Form(data): Form<FormData>,
) -> AppResult<SecretPage> {
    user.require(Area::Administration)?;
    let account = crate::services::accounts::managed(&state.db, &crate::web::admin::actor(&user), id).await?;
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
        // Another agency's token is answered as one that does not exist (issue 28).
        crate::services::accounts::managed(&state.db, &actor(&user), owner).await?;
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

/// Turns the facility's public page on or off (audited), after a confirmation naming the page and
/// what changes for the public.
pub async fn facility_public(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(code): axum::extract::Path<String>,
    form: Sent,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let data = sent(form);
    let f = crate::web::admin::managed_facility(&state, &user, &code).await?;
    let enabled = data.get("enabled") == Some("true");
    let page = format!("/public/{}", f.code);
    if !confirm::confirmed(&data) && enabled != f.public_enabled {
        let (heading, consequence, yes) = if enabled {
            (
                format!("Turn on the public page of {} ({})?", f.name, f.code),
                format!(
                    "Anyone on the internet can then read {page} without signing in: the program's monthly \
                     figures for {} (people booked with an ICE document, warrants served, transfers to ICE, \
                     releases, people held past the 48-hour limit): counts only, no names, counts from 1 to 4 \
                     shown as \"fewer than 5\". Once published, others may copy it.",
                    f.name
                ),
                format!("Yes, publish {page}"),
            )
        } else {
            (
                format!("Turn off the public page of {} ({})?", f.name, f.code),
                format!(
                    "{page} answers \"not found\" from now on: whoever links to it or reads it (the county's \
                     website, reporters, the public) finds nothing until it is turned on again."
                ),
                format!("Yes, take {page} down"),
            )
        };
        return confirm::ask_in(
            &state,
            &user,
            confirm::Ask {
                heading,
                consequence,
                action: format!("/admin/facilities/{}/public", f.code),
                yes,
                back: "/admin/facilities".into(),
                data: &data,
            },
            "facilities",
        )
        .await;
    }
    crate::web::api::reports::set_public_page(&state, &user.user, user.ip.as_deref(), &f.code, enabled).await?;
    let message = if enabled {
        format!("The public page {page} is on.")
    } else {
        format!("The public page of {} is off.", f.code)
    };
    session::set_flash(&user.session, "success", message).await?;
    Ok(Redirect::to("/admin/facilities").into_response())
}
