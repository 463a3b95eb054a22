//! Sign-in with the agency's identity provider (issue 29; `services::sso`, decision 0038):
//! `GET /login/{agency_code}/sso` sends the browser to the provider,
//! `GET /login/{agency_code}/sso/callback` receives it back, `POST /login/sso` finds the
//! provider by the e-mail's domain.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::{HOST, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::session;
use crate::db;
use crate::domain::sso::Refusal;
use crate::error::{AppError, AppResult};
use crate::services::signin::Client;
use crate::services::sso::{self, Callback};
use crate::state::AppState;
use crate::web::ClientIp;

/// The cookie that ties a provider's callback to the browser that started the sign-in
/// (SameSite=Lax: the provider's redirect back is a cross-site navigation, which a Strict
/// cookie would not make).
const BROWSER_COOKIE: &str = "wso_sso";
/// The session key naming the agency whose provider signed this session in (for sign-out).
pub const SIGNED_IN_WITH: &str = "sso_agency";

#[derive(Template, WebTemplate)]
#[template(path = "sso_refused.html")]
struct RefusedPage {
    words: &'static str,
    again: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sso_continue.html")]
struct ContinuePage {
    to: String,
}

/// The address people come back to: `WSO_PUBLIC_URL`, else this request's host over http (a
/// provider only sends people to a redirect URI registered with it, so a forged host leads
/// nowhere).
pub fn public_base_of(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

fn browser_cookie(state: &AppState, agency_code: &str, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if state.config.cookie_secure || state.config.https() {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{BROWSER_COOKIE}={value}; Path=/login/{agency_code}/sso; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    )
    .parse()
    .ok()
}

/// The browser's sign-in cookie, if it looks like one of ours.
fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    crate::auth::csrf::cookie(headers, name)
        .filter(|v| (1..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The page a refused sign-in shows: what happened in words a person can act on.
fn refused(refusal: Refusal, agency_code: Option<&str>) -> Response {
    let status = match refusal {
        Refusal::State => StatusCode::BAD_REQUEST,
        Refusal::ProviderUnreachable => StatusCode::BAD_GATEWAY,
        _ => StatusCode::FORBIDDEN,
    };
    let again = agency_code.map_or("/login".to_owned(), |c| format!("/login/{c}"));
    (
        status,
        RefusedPage {
            words: refusal.words(),
            again,
        },
    )
        .into_response()
}

/// `GET /login/{agency_code}/sso`: off to the agency's provider. An agency without one: 404.
pub async fn start(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> AppResult<Response> {
    let agency = db::agencies::by_code(&state.db, code.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    let provider = sso::provider_of(&state.db, agency.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let base = public_base_of(&state, &headers);
    match sso::start(&state.db, &state.sso, &state.config.secrets, &provider, &base, now).await? {
        Ok(started) => {
            let mut r = (StatusCode::SEE_OTHER, [(LOCATION, started.to.as_str())]).into_response();
            if let Some(c) = browser_cookie(&state, &agency.code, &started.browser, 600) {
                r.headers_mut().append(SET_COOKIE, c);
            }
            Ok(r)
        }
        Err(refusal) => {
            let detail = serde_json::json!({ "reason": refusal.reason(), "agency": agency.code });
            crate::db::audit::record(
                &state.db,
                crate::services::signin::entry(None, "sso_refused", ip.as_deref(), now, detail),
            )
            .await?;
            Ok(refused(refusal, Some(&agency.code)))
        }
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    iss: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// `GET /login/{agency_code}/sso/callback`: the agency's provider's answer. Signed in (or on to our authenticator step
/// when the provider did not assert its own), or a page saying why not.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let base = public_base_of(&state, &headers);
    let cb = Callback {
        agency_code: &code,
        state: q.state.as_deref(),
        iss: q.iss.as_deref(),
        code: q.code.as_deref(),
        error: q.error.as_deref(),
        browser: cookie_value(&headers, BROWSER_COOKIE),
        ip: ip.as_deref(),
    };
    let outcome = sso::finish(&state.db, &state.sso, &state.config.secrets, cb, &base, now).await?;
    let mut response = match outcome {
        Err(r) => refused(r.refusal, r.agency_code.as_deref()),
        Ok(entered) => {
            let client = crate::web::login::client(&ip, &headers);
            let to = after_provider(&state, &session, &entered, client).await?;
            session
                .insert(SIGNED_IN_WITH, &entered.agency_code)
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
            // A page of ours that moves on by itself: the session cookie (SameSite=Strict) is
            // then sent, which it would not be on a redirect straight from the provider's.
            ContinuePage { to }.into_response()
        }
    };
    if let Some(c) = browser_cookie(&state, &code, "", 0) {
        response.headers_mut().append(SET_COOKIE, c);
    }
    Ok(response)
}

/// After the provider: signed in when it asserted its second factor (or none is needed here),
/// else our authenticator step exactly as after a password. Returns where the browser goes.
async fn after_provider(
    state: &AppState,
    session: &Session,
    entered: &sso::Entered,
    client: Client<'_>,
) -> AppResult<String> {
    let user = &entered.user;
    let now = state.clock.now();
    if let Some(to) = crate::web::mfa::start_second_step(state, session, user, entered.provider_mfa, now).await? {
        return Ok(to.into());
    }
    let how = serde_json::json!({ "via": "sso", "agency": entered.agency_code, "provider_mfa": entered.provider_mfa });
    let sid = crate::services::signin::complete_with(&state.db, user, client, now, how).await?;
    session::sign_in(session, user.id, &sid, now).await?;
    Ok(crate::web::draft::waiting(session).await.unwrap_or_else(|| "/".into()))
}

#[derive(Deserialize)]
pub struct ByEmail {
    #[serde(default)]
    email: String,
    csrf_token: String,
}

/// `POST /login/sso`: the provider of the agency whose e-mail domain this is.
pub async fn by_email(State(state): State<AppState>, Form(form): Form<ByEmail>) -> AppResult<Response> {
    let domain = crate::domain::sso::domain_of(&form.email);
    let provider = match &domain {
        Some(d) => db::sso::by_domain(&state.db, d).await?,
        None => None,
    };
    Ok(match provider {
        Some(p) => Redirect::to(&format!("/login/{}/sso", p.agency_code)).into_response(),
        None => {
            let words = match domain {
                Some(d) => {
                    format!("No agency signs in with {d} addresses here. Sign in with your username and password.")
                }
                None => "That is not an e-mail address. Type your work e-mail address, e.g. jdoe@county.gov.".into(),
            };
            crate::web::login::with_error(&state, form.csrf_token, words)
                .await?
                .into_response()
        }
    })
}
