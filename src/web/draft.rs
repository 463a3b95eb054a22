//! Typed work is kept when a session ends (issue 13): a form posted at the booking desk after
//! the session expired is not refused with a bare 403 and lost. The sign-in form comes back
//! carrying what was typed (a hidden `draft`); once signed in again, the user lands on the same
//! form with every field as typed, to check and send again. Nothing is written before that:
//! the draft only fills a form, it never submits one.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::auth::session::{self, SignedIn};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{FormData, FormState};

const KEY: &str = "draft";
/// A draft larger than this is not kept (a booking form is a few hundred bytes).
pub const MAX_BYTES: usize = 64 * 1024;

/// What was typed into which form of which page.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Draft {
    pub page: String,
    pub form: String,
    pub fields: Vec<(String, String)>,
    /// Who typed it, when the ended session still said so: only they get it back.
    #[serde(default)]
    pub user_id: Option<i64>,
}

/// The page and form a post to `path` came from, for the forms whose work is kept: the
/// booking form and the forms of a case.
pub fn origin(path: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["bookings"] => Some(("/bookings/new".into(), "booking".into())),
        ["bookings", id, action] if id.parse::<i64>().is_ok() => {
            let form = match *action {
                "documents" => "document",
                "notifications" => "notification",
                "citizenship-claims" => "claim",
                "release-point" => "release_point",
                "service" => "serve",
                "transfer" => "transfer",
                "release" => "release",
                "igsa-hold" => "igsa",
                "corrections" => "correction",
                _ => return None,
            };
            Some((format!("/bookings/{id}"), form.into()))
        }
        ["bookings", id, "citizenship-claims", claim, "report"] if id.parse::<i64>().is_ok() => {
            Some((format!("/bookings/{id}"), format!("report-{claim}")))
        }
        _ => None,
    }
}

/// Layered on the pages: a form post to the booking desk from a browser whose session has
/// ended gets the sign-in form with the draft, instead of a refusal.
pub async fn keep_typed_work(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let Some((page, form)) = origin(request.uri().path()).filter(|_| request.method() == Method::POST && is_form)
    else {
        return next.run(request).await;
    };
    // Only a form of this site, sent by the browser itself: a page elsewhere could otherwise
    // post fields of its choosing and have them shown back as the user's own typing.
    let cross_site = request
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v != "same-origin");
    if cross_site {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let typist = match Session::from_request_parts(&mut parts, &state).await {
        Ok(s) => session::user_id_of(&s).await,
        Err(_) => None,
    };
    match SignedIn::from_request_parts(&mut parts, &state).await {
        Ok(_) => return next.run(Request::from_parts(parts, body)).await,
        Err(AppError::Unauthorized) => {}
        Err(e) => return e.into_response(),
    }
    let Ok(bytes) = to_bytes(body, MAX_BYTES).await else {
        return next.run(Request::from_parts(parts, Body::empty())).await;
    };
    let fields: Vec<(String, String)> = form_urlencoded::parse(&bytes)
        .filter(|(k, _)| k != crate::auth::csrf::FIELD && k != "confirm")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let draft = Draft {
        page,
        form,
        fields,
        user_id: typist,
    };
    let json = serde_json::to_string(&draft).unwrap_or_default();
    let login_cookie = crate::auth::csrf::login_cookie(&Request::from_parts(parts, Body::empty()));
    let page = crate::web::login::expired_page(&state, login_cookie, json);
    (StatusCode::UNAUTHORIZED, page).into_response()
}

/// Keeps a draft (from the sign-in form) in the session of `user_id`, who is signing in: only
/// their own (when it is known whose it is); any older draft goes.
pub async fn keep(session: &Session, json: Option<&str>, user_id: i64) -> AppResult<()> {
    session.remove::<Draft>(KEY).await.map_err(session::store_err)?;
    let Some(draft) = json
        .filter(|j| j.len() <= MAX_BYTES)
        .and_then(|j| serde_json::from_str::<Draft>(j).ok())
        .filter(|d| origin_page(&d.page) && d.user_id.is_none_or(|u| u == user_id))
    else {
        return Ok(());
    };
    session.insert(KEY, draft).await.map_err(session::store_err)
}

/// Only the pages drafts come from are accepted as where to go after signing in.
fn origin_page(page: &str) -> bool {
    page == "/bookings/new"
        || page
            .strip_prefix("/bookings/")
            .is_some_and(|id| id.parse::<i64>().is_ok())
}

/// Where to go after signing in, if a draft waits.
pub async fn waiting(session: &Session) -> Option<String> {
    session.get::<Draft>(KEY).await.ok().flatten().map(|d| d.page)
}

/// The draft for `page`, taken from the session, as the form state to show (with a note).
/// Called once the user may open the page; a booking draft only for a facility of theirs.
pub async fn take(session: &Session, page: &str, facilities: &[String]) -> AppResult<Option<FormState>> {
    let Some(draft) = session
        .get::<Draft>(KEY)
        .await
        .ok()
        .flatten()
        .filter(|d| d.page == page)
    else {
        return Ok(None);
    };
    let facility = draft
        .fields
        .iter()
        .find(|(k, _)| k == "facility")
        .map(|(_, v)| v.as_str());
    if draft.form == "booking" && facility.is_some_and(|f| !f.is_empty() && !facilities.iter().any(|c| c == f)) {
        session.remove::<Draft>(KEY).await.map_err(session::store_err)?;
        return Ok(None);
    }
    session.remove::<Draft>(KEY).await.map_err(session::store_err)?;
    session::set_flash(
        session,
        "info",
        "You were signed out before this was sent. What you typed is back in the form: check it and send it again.",
    )
    .await?;
    Ok(Some(FormState {
        name: draft.form,
        data: FormData(draft.fields),
        errors: vec![],
    }))
}
