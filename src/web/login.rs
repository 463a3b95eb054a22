//! Sign-in and sign-out: the password (`/login`), then the second factor (`web/mfa.rs`).
//! Unknown user, wrong password, locked and disabled accounts all read the same; throttled
//! addresses get 429 with `Retry-After`; a flood that outruns the hashing permits gets 503.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::header::{COOKIE, RETRY_AFTER, SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use crate::auth::csrf::{LOGIN_COOKIE, login_cookie};
use crate::auth::session::{self, SignedIn};
use crate::db::{self, audit::NewEntry, users::User};
use crate::error::AppResult;
use crate::services::signin::{self, Client, Outcome};
use crate::state::AppState;
use crate::web::ClientIp;

pub const BAD_CREDENTIALS: &str = "The username or password is incorrect.";

/// The username of this browser's last sign-in, so that the form after an ended session (idle,
/// too old, ended by an admin) comes back with it filled in (issue 25). Set when a password is
/// accepted, HttpOnly, SameSite=Strict, only sent to `/login`, gone with the longest a session
/// may live; an explicit sign-out clears it. It holds only what the browser's own user typed and
/// proved with the password: no one else can make a browser show a name of their choosing to
/// someone else, nor read it (no query parameter carries it).
pub const LAST_USER_COOKIE: &str = "wso_last_user";

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    notice: String,
    csrf: String,
    username: String,
    error: Option<String>,
    info: Option<&'static str>,
    /// What was typed into a form when the session ended (`web::draft`), carried through.
    draft: Option<String>,
    /// Single sign-on (issue 29): the agency page's "Sign in with <provider>".
    sso: Option<SsoButton>,
    /// Whether the page asks for an e-mail address to find the agency's provider.
    sso_by_email: bool,
    /// After signing out of a session begun at a provider: its end-session address.
    sso_sign_out: Option<(String, String)>,
}

/// "Sign in with <name>" on an agency's sign-in page.
pub struct SsoButton {
    pub name: String,
    pub href: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    signed_out: Option<String>,
    /// The session that ended had begun at the agency's provider.
    #[serde(default)]
    sso: Option<String>,
}

/// The username remembered by this browser, if it looks like a username.
fn last_user(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(LAST_USER_COOKIE)?.strip_prefix('='))
        .find(|u| {
            (1..=64).contains(&u.len())
                && u.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        })
        .map(str::to_owned)
}

/// Remembers `username` for the next sign-in form of this browser (`max_age` seconds; 0 forgets).
fn last_user_cookie(state: &AppState, username: &str, max_age: i64) -> Option<axum::http::HeaderValue> {
    let secure = if state.config.cookie_secure || state.config.https() {
        "; Secure"
    } else {
        ""
    };
    format!("{LAST_USER_COOKIE}={username}; Path=/login; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
        .parse()
        .ok()
}

/// The sign-in form's token: the cookie's value when the browser already has one, else a new
/// one set with the page. Nothing is stored on the server.
fn login_token(request_token: Option<String>, secure: bool) -> (String, Option<String>) {
    match request_token {
        Some(t) => (t, None),
        None => {
            let t = session::new_csrf_token();
            let secure = if secure { "; Secure" } else { "" };
            let cookie = format!("{LOGIN_COOKIE}={t}; Path=/login; HttpOnly; SameSite=Strict{secure}");
            (t, Some(cookie))
        }
    }
}

fn page(
    state: &AppState,
    csrf: String,
    username: String,
    error: Option<String>,
    info: Option<&'static str>,
) -> LoginPage {
    LoginPage {
        notice: state.config.system_use_notice.clone(),
        csrf,
        username,
        error,
        info,
        draft: None,
        sso: None,
        sso_by_email: false,
        sso_sign_out: None,
    }
}

/// The sign-in form with `error` (from the e-mail form of single sign-on).
pub async fn with_error(state: &AppState, csrf: String, error: String) -> AppResult<LoginPage> {
    Ok(LoginPage {
        sso_by_email: db::sso::any_enabled(&state.db).await?,
        ..page(state, csrf, String::new(), Some(error), None)
    })
}

/// The sign-in form for a form posted after the session ended, carrying what was typed.
pub fn expired_page(state: &AppState, request_token: Option<String>, draft: String) -> Response {
    let (csrf, cookie) = login_token(request_token, state.config.cookie_secure || state.config.https());
    let info = Some(
        "Your session ended before the form was sent, so nothing was saved. Sign in again: what you typed is kept and will be back in the form.",
    );
    let login = LoginPage {
        draft: Some(draft),
        ..page(state, csrf, String::new(), None, info)
    };
    let mut response = login.into_response();
    if let Some(cookie) = cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

/// `GET /login/{agency_code}`: the sign-in form on the agency's own page, under the agency's
/// system-use notice (the installation's when it set none). An unknown agency: 404.
pub async fn show_for_agency(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<LoginQuery>,
    request: Request,
) -> Result<Response, crate::error::AppError> {
    let agency = crate::db::agencies::by_code(&state.db, code.trim())
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let provider = crate::services::sso::provider_of(&state.db, agency.id).await?;
    // Signed out of a session begun at the provider: offer to end the provider's session too
    // (RP-initiated logout), where it has an end-session endpoint.
    let sign_out = match (&provider, q.signed_out.is_some() && q.sso.is_some()) {
        (Some(p), true) => state.sso.end_session(p).await.map(|mut end| {
            let back = format!(
                "{}/login/{}",
                crate::web::sso::public_base_of(&state, request.headers()),
                agency.code
            );
            end.query_pairs_mut()
                .append_pair("client_id", &p.client_id)
                .append_pair("post_logout_redirect_uri", &back);
            (p.name.clone(), end.to_string())
        }),
        _ => None,
    };
    let sso = provider.map(|p| SsoButton {
        name: p.name,
        href: format!("/login/{}/sso", agency.code),
    });
    let notice = agency
        .system_use_notice
        .unwrap_or_else(|| state.config.system_use_notice.clone());
    Ok(sign_in_form(&state, q, &request, notice, sso, sign_out, false))
}

pub async fn show(State(state): State<AppState>, Query(q): Query<LoginQuery>, request: Request) -> AppResult<Response> {
    let notice = state.config.system_use_notice.clone();
    let by_email = db::sso::any_enabled(&state.db).await?;
    Ok(sign_in_form(&state, q, &request, notice, None, None, by_email))
}

/// The sign-in form under `notice`.
fn sign_in_form(
    state: &AppState,
    q: LoginQuery,
    request: &Request,
    notice: String,
    sso: Option<SsoButton>,
    sso_sign_out: Option<(String, String)>,
    sso_by_email: bool,
) -> Response {
    let (csrf, cookie) = login_token(
        login_cookie(request),
        state.config.cookie_secure || state.config.https(),
    );
    let info = q.signed_out.map(|_| "You have been signed out.");
    // After an ended session: the name this browser last signed in with (not after a sign-out,
    // which forgets it).
    let username = last_user(request.headers()).unwrap_or_default();
    let login = LoginPage {
        notice,
        sso,
        sso_sign_out,
        sso_by_email,
        ..page(state, csrf, username, None, info)
    };
    let mut response = login.into_response();
    if let Some(cookie) = cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    draft: Option<String>,
}

/// The client of a sign-in step, for throttling, the audit log and the session list.
pub fn client<'a>(ip: &'a Option<String>, headers: &'a HeaderMap) -> Client<'a> {
    Client {
        ip: ip.as_deref(),
        user_agent: headers.get(USER_AGENT).and_then(|v| v.to_str().ok()),
    }
}

/// The answer to a refused, throttled or busy step, on the step's own page.
pub fn refusal(outcome: &Outcome, page: impl IntoResponse) -> Response {
    match outcome {
        Outcome::Throttled { retry_after } => {
            let mut r = (StatusCode::TOO_MANY_REQUESTS, page).into_response();
            if let Ok(v) = retry_after.to_string().parse() {
                r.headers_mut().insert(RETRY_AFTER, v);
            }
            r
        }
        Outcome::Busy => {
            let mut r = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
            r.headers_mut().insert(RETRY_AFTER, BUSY_RETRY_AFTER.into());
            r
        }
        _ => (StatusCode::UNAUTHORIZED, page).into_response(),
    }
}

/// The seconds a sign-in refused as busy (the password checks' queue full) is told to wait.
const BUSY_RETRY_AFTER: u16 = 5;

pub fn refusal_words(outcome: &Outcome, wrong: &str) -> String {
    match outcome {
        Outcome::Throttled { retry_after } => {
            format!("Too many failed sign-ins from this address. Try again in {retry_after} seconds.")
        }
        Outcome::Busy => "The server is busy checking other sign-ins. Try again in a moment.".into(),
        _ => wrong.into(),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let client = client(&ip, &headers);
    let outcome = signin::check_password(&state.db, &state.config, &form.username, form.password, client, now).await?;
    let user = match outcome {
        Outcome::Accepted(user) => *user,
        refused => {
            let words = refusal_words(&refused, BAD_CREDENTIALS);
            let username = form.username.trim().to_lowercase();
            let again = LoginPage {
                draft: form.draft,
                ..page(&state, form.csrf_token, username, Some(words), None)
            };
            return Ok(refusal(&refused, again));
        }
    };
    crate::web::draft::keep(&session, form.draft.as_deref(), user.id).await?;
    let mut response = second_step(&state, &session, &user, client, now).await?;
    let remember = last_user_cookie(&state, &user.username, state.config.session_max_hours * 3600);
    if let Some(cookie) = remember {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// After the password: the authenticator's code, enrolment, or (without MFA) signed in.
async fn second_step(
    state: &AppState,
    session: &Session,
    user: &User,
    client: Client<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Response> {
    match crate::web::mfa::start_second_step(state, session, user, false, now).await? {
        Some(to) => Ok(Redirect::to(to).into_response()),
        None => finish(state, session, user, client).await,
    }
}

/// Both steps done: the session becomes the user's; a reset password is changed first.
pub async fn finish(state: &AppState, session: &Session, user: &User, client: Client<'_>) -> AppResult<Response> {
    let to = sign_in(state, session, user, client).await?;
    Ok(Redirect::to(&to).into_response())
}

/// Signs the user in; returns where they go next (a form whose typed work waits, if any).
pub async fn sign_in(state: &AppState, session: &Session, user: &User, client: Client<'_>) -> AppResult<String> {
    let now = state.clock.now();
    let sid = signin::complete(&state.db, user, client, now).await?;
    session::sign_in(session, user.id, &sid, now).await?;
    Ok(if user.must_change_password {
        "/account/password".into()
    } else {
        crate::web::draft::waiting(session).await.unwrap_or_else(|| "/".into())
    })
}

/// Signs out; the browser forgets the username too (a shared workstation shows the next person
/// an empty form).
pub async fn logout(State(state): State<AppState>, user: SignedIn) -> AppResult<Response> {
    let now = state.clock.now();
    db::sessions::end(&state.db, &user.sid, "logout", now).await?;
    db::audit::record(
        &state.db,
        NewEntry {
            at: now,
            recorded_at: now,
            actor_id: Some(user.user.id),
            actor: Some(&user.user.username),
            action: "logout",
            ip: user.ip.clone(),
            detail: json!({}),
            booking_id: None,
        },
    )
    .await?;
    let provider_agency: Option<String> = user.session.get(crate::web::sso::SIGNED_IN_WITH).await.ok().flatten();
    session::sign_out(&user.session).await?;
    let to = match provider_agency {
        Some(code) => format!("/login/{code}?signed_out=1&sso=1"),
        None => "/login?signed_out=1".into(),
    };
    let mut response = Redirect::to(&to).into_response();
    if let Some(forget) = last_user_cookie(&state, "", 0) {
        response.headers_mut().append(SET_COOKIE, forget);
    }
    Ok(response)
}

#[cfg(test)]
#[path = "login_tests.rs"]
mod busy_tests;
