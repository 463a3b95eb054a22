//! The served person's notice (issue 31): `GET /bookings/{id}/notice?lang=en|es`, printable, in
//! the language chosen (`services::notice`); `POST /bookings/{id}/notice/given` records which
//! language was given (audited on the case's timeline).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::services::{self, notice};
use crate::state::AppState;
use crate::web::case_actions::CaseForm;
use crate::web::extract::{Acting, PathId};
use crate::web::local_time;

#[derive(Template, WebTemplate)]
#[template(path = "bookings/notice.html")]
pub struct NoticePage {
    id: i64,
    notice: notice::Rendered,
    languages: Vec<String>,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    lang: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    Query(q): Query<NoticeQuery>,
) -> AppResult<NoticePage> {
    let caller = user.caller();
    let b = services::view(&state.db, &caller, id).await?;
    let at_facility = caller.user.facility_ids.contains(&b.facility_id);
    crate::domain::notice::may_give_notice(caller.user.role, at_facility, b.served_at.is_some())?;
    let (Some(served), Some(deadline)) = (b.served_at, b.custody_deadline) else {
        return Err(AppError::NotFound);
    };
    let facility = db::facilities::by_code(&state.db, &b.facility_code)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = b.tz();
    let (served, deadline) = (local_time(served, tz), local_time(deadline, tz));
    let contact = facility
        .contact
        .clone()
        .unwrap_or_else(|| format!("ask any officer at {}", facility.name));
    let facts = notice::Facts {
        facility: &facility.name,
        booking: &b.booking_number,
        served: &served,
        deadline: &deadline,
        contact: &contact,
        igsa: facility.igsa,
    };
    let dir = state.config.notice_dir.as_deref();
    let lang = q
        .lang
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or("en");
    let languages = notice::languages(dir);
    let refused = || AppError::field("lang", format!("the notice is offered in: {}", languages.join(", ")));
    if !languages.iter().any(|l| l == lang) {
        return Err(refused());
    }
    let notice = notice::render(dir, lang, &facts).ok_or_else(refused)?;
    Ok(NoticePage { id, notice, languages })
}

/// Records that the notice was given, and in which language.
pub async fn given(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let lang = f.data.get("lang").map(str::trim).unwrap_or_default().to_string();
    let languages = notice::languages(state.config.notice_dir.as_deref());
    let result = if languages.contains(&lang) {
        services::case::notice_given(&state.db, user.caller(), f.id, &lang, f.now).await
    } else {
        Err(AppError::field(
            "lang",
            format!("choose one of: {}", languages.join(", ")),
        ))
    };
    let done = format!("Recorded: the written notice was given ({lang}).");
    f.respond(&state, &user, "notice", result, &done).await
}
