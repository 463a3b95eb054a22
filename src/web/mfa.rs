//! The second step of signing in: `/login/mfa` (a TOTP code or a recovery code) and, for an
//! account without an authenticator, `/account/mfa/setup` (scan the QR code, confirm a code,
//! see the recovery codes once). Until it passes, the session holds no signed-in identity.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::login::{client, finish, refusal, refusal_words, sign_in};
use crate::auth::session::{self, Pending, PendingStage};
use crate::auth::totp;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::services::signin::{self, Outcome};
use crate::state::AppState;
use crate::web::ClientIp;

const WRONG_CODE: &str = "The code is incorrect, or it was already used.";

#[derive(Template, WebTemplate)]
#[template(path = "login_mfa.html")]
pub struct CodePage {
    csrf: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_setup.html")]
pub struct SetupPage {
    csrf: String,
    username: String,
    secret: String,
    qr: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_recovery.html")]
pub struct RecoveryPage {
    codes: Vec<String>,
    next: String,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// The pending step of `stage`, or back to the password.
async fn pending(state: &AppState, session: &Session, stage: PendingStage) -> AppResult<Result<Pending, Response>> {
    match session::pending(session, state.clock.now()).await? {
        Some(p) if p.stage == stage => Ok(Ok(p)),
        _ => Ok(Err(Redirect::to("/login").into_response())),
    }
}

pub async fn code_page(State(state): State<AppState>, session: Session) -> AppResult<Response> {
    if let Err(to_login) = pending(&state, &session, PendingStage::Code).await? {
        return Ok(to_login);
    }
    let csrf = session::csrf_token(&session).await?;
    Ok(CodePage { csrf, error: None }.into_response())
}

pub async fn submit_code(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let p = match pending(&state, &session, PendingStage::Code).await? {
        Ok(p) => p,
        Err(to_login) => return Ok(to_login),
    };
    let client = client(&ip, &headers);
    let now = state.clock.now();
    match signin::check_code(&state.db, &state.config, p.user_id, &form.code, client, now).await? {
        Outcome::Accepted(user) => finish(&state, &session, &user, client).await,
        refused => {
            let csrf = session::csrf_token(&session).await?;
            let error = Some(refusal_words(&refused, WRONG_CODE));
            Ok(refusal(&refused, CodePage { csrf, error }))
        }
    }
}

/// The secret offered on the setup page, kept in the pending sign-in (a session row in the
/// database) sealed like an enrolled one (decision 0033): a dump of the sessions does not give
/// the secret an account is about to enrol. Stored as `KEYID:BASE64`.
fn seal_pending(state: &AppState, user_id: i64, secret: &str) -> AppResult<String> {
    use base64::Engine as _;
    let sealed = state
        .config
        .secrets
        .seal(&pending_aad(user_id), secret.as_bytes())
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(format!(
        "{}:{}",
        sealed.key_id,
        base64::engine::general_purpose::STANDARD.encode(&sealed.bytes)
    ))
}

fn open_pending(state: &AppState, user_id: i64, stored: &str) -> AppResult<String> {
    use base64::Engine as _;
    let damaged = || AppError::Internal(anyhow::anyhow!("a pending enrolment's sealed secret is damaged"));
    let (key_id, b64) = stored.split_once(':').ok_or_else(damaged)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| damaged())?;
    state
        .config
        .secrets
        .open_text(&pending_aad(user_id), key_id, &bytes)
        .map_err(|e| AppError::Internal(e.into()))
}

fn pending_aad(user_id: i64) -> String {
    format!("pending-mfa-setup:{user_id}")
}

async fn setup_page(state: &AppState, session: &Session, p: &Pending, error: Option<String>) -> AppResult<SetupPage> {
    let user = db::users::by_id(&state.db, p.user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let secret = p
        .setup_secret
        .as_deref()
        .map(|sealed| open_pending(state, p.user_id, sealed))
        .transpose()?
        .ok_or(AppError::Unauthorized)?;
    let uri =
        totp::otpauth_uri(&secret, &user.username).ok_or_else(|| AppError::Internal(anyhow::anyhow!("TOTP URI")))?;
    Ok(SetupPage {
        csrf: session::csrf_token(session).await?,
        qr: totp::qr_svg(&uri).unwrap_or_default(),
        username: user.username,
        secret,
        error,
    })
}

pub async fn setup(State(state): State<AppState>, session: Session) -> AppResult<Response> {
    let mut p = match pending(&state, &session, PendingStage::Setup).await? {
        Ok(p) => p,
        Err(to_login) => return Ok(to_login),
    };
    if p.setup_secret.is_none() {
        p.setup_secret = Some(seal_pending(&state, p.user_id, &totp::new_secret())?);
        session::set_pending(&session, &p).await?;
    }
    Ok(setup_page(&state, &session, &p, None).await?.into_response())
}

pub async fn confirm_setup(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    let p = match pending(&state, &session, PendingStage::Setup).await? {
        Ok(p) => p,
        Err(to_login) => return Ok(to_login),
    };
    let Some(sealed) = p.setup_secret.as_deref() else {
        return Ok(Redirect::to("/account/mfa/setup").into_response());
    };
    let secret = open_pending(&state, p.user_id, sealed)?;
    let client = client(&ip, &headers);
    let now = state.clock.now();
    match signin::enrol(&state.db, &state.config, p.user_id, &secret, &form.code, client, now).await? {
        Ok((mut user, codes)) => {
            user.mfa_enrolled = true;
            let next = sign_in(&state, &session, &user, client).await?;
            Ok(RecoveryPage { codes, next }.into_response())
        }
        Err(refused) => {
            let error = Some(refusal_words(
                &refused,
                "The code is incorrect: check the time on your device and try the next code.",
            ));
            let page = setup_page(&state, &session, &p, error).await?;
            Ok(refusal(&refused, page))
        }
    }
}

/// Starts the second step that follows the first (`domain::tenancy::second_step`); returns
/// where it is answered, or `None` when none follows (the caller signs the user in).
pub async fn start_second_step(
    state: &AppState,
    session: &Session,
    user: &crate::db::users::User,
    provider_did_mfa: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<&'static str>> {
    use crate::domain::tenancy::{SecondStep, mfa_required, second_step};
    let required = mfa_required(state.config.mfa_required, user.agency_mfa_required);
    let (stage, to) = match second_step(provider_did_mfa, user.mfa_enrolled, required) {
        SecondStep::None => return Ok(None),
        SecondStep::Code => (PendingStage::Code, "/login/mfa"),
        SecondStep::Enrol => (PendingStage::Setup, "/account/mfa/setup"),
    };
    let pending = Pending {
        user_id: user.id,
        stage,
        since: now,
        setup_secret: None,
    };
    session::start_pending(session, &pending).await?;
    Ok(Some(to))
}
