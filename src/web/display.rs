//! `/display/{token}`: a facility's board on a wall screen (no sign-in; see
//! `services::displays`), and `/admin/displays` where admins create and revoke displays.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{CurrentUser, session};
use crate::db::{self, displays::Display, facilities::Facility};
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult};
use crate::net::ClientAddr;
use crate::services;
use crate::state::AppState;
use crate::web::admin::actor;
use crate::web::extract::PathId;
use crate::web::forms::{FormData, FormState};
use crate::web::layout::Layout;
use crate::web::transfers::{Board, board};

#[derive(Template, WebTemplate)]
#[template(path = "display.html")]
pub struct DisplayPage {
    title: String,
    facility_name: String,
    facility_code: String,
    zone: String,
    /// The zone in words, for people (`zone` is for the page script).
    zone_name: String,
    updated: String,
    server_now: String,
    board: Board,
    /// The running clocks beyond what the screen shows (`WALL_ROWS`), summarised.
    more: Option<More>,
}

/// A wall shows this many running clocks, the most urgent first, and summarises the rest: the
/// screen cannot be scrolled, and its type is sized (in vw/vh, static/app.css) so that this many
/// rows fit any landscape screen, 1280×720 to 1920×1080 and beyond.
pub const WALL_ROWS: usize = 10;

/// The running clocks a wall does not show.
pub struct More {
    pub count: usize,
    /// The soonest of their deadlines, and the time left until it.
    pub next_deadline: String,
    pub next_remaining: String,
}

/// A deadline as a wall shows it: the weekday and the time, `Tue 04:12 EST`.
fn wall_time(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%a %H:%M %Z").to_string()
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    Path(secret): Path<String>,
) -> AppResult<DisplayPage> {
    let now = state.clock.now();
    let address = addr.map(|a| a.to_string());
    let d = services::displays::open(&state.db, &secret, address.as_deref(), now).await?;
    let facility = db::facilities::by_id(&state.db, d.facility_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = facility.tz();
    let mut board = board(&state, Some(&[d.facility_id]), now).await?;
    let more = board.rows.get(WALL_ROWS).map(|next| More {
        count: board.rows.len() - WALL_ROWS,
        next_deadline: wall_time(next.b.custody_deadline.unwrap_or(now), tz),
        next_remaining: next.clock.remaining.clone(),
    });
    board.rows.truncate(WALL_ROWS);
    for r in &mut board.rows {
        if let Some(d) = r.b.custody_deadline {
            r.clock.deadline = wall_time(d, tz);
        }
    }
    let title = format!(
        "{}{} board",
        crate::domain::stage::title_prefix(board.overdue, board.last_hour),
        facility.code
    );
    Ok(DisplayPage {
        title,
        zone: tz.name().to_string(),
        zone_name: crate::domain::local_time::zone_name(tz),
        updated: now.with_timezone(&tz).format("%H:%M:%S %Z").to_string(),
        server_now: now.to_rfc3339(),
        facility_name: facility.name,
        facility_code: facility.code,
        board,
        more,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/displays.html")]
pub struct DisplaysPage {
    layout: Layout,
    displays: Vec<Display>,
    facilities: Vec<Facility>,
    form: FormState,
    /// The path of the display just created (shown once).
    created: Option<String>,
}

impl DisplaysPage {
    async fn new(state: &AppState, user: &CurrentUser, form: FormState, created: Option<String>) -> AppResult<Self> {
        Ok(DisplaysPage {
            layout: Layout::new(state, user, "Wall displays", "displays").await?,
            displays: db::displays::all(&state.db, crate::web::admin::actor(user).managed_agency()).await?,
            facilities: db::facilities::of_agency(&state.db, crate::web::admin::actor(user).managed_agency()).await?,
            form,
            created,
        })
    }

    fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::clock::local_time(*t, chrono_tz::UTC)
    }
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<DisplaysPage> {
    user.require(Area::Administration)?;
    DisplaysPage::new(&state, &user, FormState::default(), None).await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::Form(data): axum::Form<FormData>,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let now = state.clock.now();
    let (code, name) = (data.get("facility").unwrap_or(""), data.get("name"));
    match services::displays::create(&state.db, code, name, actor(&user), now).await {
        Ok((_, path)) => Ok(DisplaysPage::new(&state, &user, FormState::default(), Some(path))
            .await?
            .into_response()),
        Err(e) => {
            let status = crate::web::error_page::status(&e);
            let form = FormState::failed("display", data, e)?;
            Ok((status, DisplaysPage::new(&state, &user, form, None).await?).into_response())
        }
    }
}

/// Revokes a display after a confirmation naming it (the screen goes blank at once).
pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    axum::Form(data): axum::Form<FormData>,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    if !crate::web::confirm::confirmed(&data) {
        let d = db::displays::all(&state.db, crate::web::admin::actor(&user).managed_agency())
            .await?
            .into_iter()
            .find(|d| d.id == id && d.revoked_at.is_none())
            .ok_or(AppError::NotFound)?;
        return crate::web::confirm::ask(&state, &user, crate::web::confirm::Ask {
            heading: format!("Revoke display {} ({}, {})?", d.id, d.name, d.facility_code),
            consequence: "Its screen stops showing the board at its next update, and its address never works again. It cannot be undone: a new display needs a new address.".into(),
            action: format!("/admin/displays/{id}/revoke"),
            yes: format!("Yes, revoke display {}", d.id),
            back: "/admin/displays".into(),
            data: &data,
        })
        .await;
    }
    let d = services::displays::revoke(&state.db, id, actor(&user), state.clock.now()).await?;
    let message = format!(
        "Display {} ({}, {}) revoked: it shows nothing from now on.",
        d.id, d.name, d.facility_code
    );
    session::set_flash(&user.session, "success", message).await?;
    Ok(Redirect::to("/admin/displays").into_response())
}
