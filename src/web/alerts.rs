//! `/alerts`: each user's alerts (unread first), with what happened to their e-mail, and
//! acknowledgement. Without SMTP configured this is where the messages are kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Redirect;
use serde_json::json;

use crate::auth::{CurrentUser, session};
use crate::db::{self, audit::NewEntry};
use crate::domain::Role;
use crate::domain::alerts::{AlertKind, seen_by};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::{Acting, PathId};
use crate::web::forms::{Pager, ROWS_PER_PAGE};
use crate::web::layout::Layout;
use crate::web::local_time;

pub struct AlertRow {
    pub a: db::alerts::Listed,
    pub raised: String,
    pub delivery: String,
    pub acked: Option<String>,
}

impl AlertRow {
    /// How loud an unread alert looks: red once the deadline passed, amber in the last hours.
    fn urgency_class(&self) -> Option<&'static str> {
        match self.a.kind {
            AlertKind::DeadlinePassed => Some("overdue"),
            AlertKind::HoursLeft(h) if h <= 4 => Some("stage-4h"),
            _ => None,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    layout: Layout,
    rows: Vec<AlertRow>,
    smtp: bool,
    pager: Pager,
}

#[derive(serde::Deserialize)]
pub struct AlertsQuery {
    page: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<AlertsQuery>,
) -> AppResult<AlertsPage> {
    let caller = user.caller();
    let smtp = state.config.smtp_url.is_some();
    let (page, offset) = Pager::offset(q.page);
    let mut listed = db::alerts::list(
        &state.db,
        caller.facility_scope(),
        seen_by(user.user.role).as_ref(),
        user.user.id,
        ROWS_PER_PAGE + 1,
        offset,
    )
    .await?;
    let pager = Pager::new("/alerts", page, listed.len() as i64 > ROWS_PER_PAGE);
    listed.truncate(ROWS_PER_PAGE as usize);
    let rows = listed
        .into_iter()
        .map(|a| {
            let tz = a.facility_timezone.0;
            let delivery = match (&a.delivered_at, a.recipients.is_empty(), smtp) {
                (Some(t), _, _) => format!("e-mailed {} to {}", local_time(*t, tz), a.recipients.join(", ")),
                (None, true, _) => "not e-mailed: nobody at the facility has an e-mail address for it".into(),
                (None, false, false) => {
                    format!("kept here: e-mail is not configured (for {})", a.recipients.join(", "))
                }
                (None, false, true) => match &a.last_error {
                    Some(e) => format!("waiting to be e-mailed after {} attempt(s): {e}", a.attempts),
                    None => "waiting to be e-mailed".into(),
                },
            };
            AlertRow {
                raised: local_time(a.raised_at, tz),
                acked: a.acked_at.map(|t| local_time(t, tz)),
                delivery,
                a,
            }
        })
        .collect();
    Ok(AlertsPage {
        layout: Layout::new(&state, &user, "Alerts", "alerts").await?,
        rows,
        smtp,
        pager,
    })
}

pub async fn acknowledge(State(state): State<AppState>, user: CurrentUser, PathId(id): PathId) -> AppResult<Redirect> {
    let (facility_id, kind) = db::alerts::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let allowed_kind = kind.seen_by(user.user.role);
    let allowed_facility =
        user.user.role == Role::Admin || facility_id.is_some_and(|f| user.user.facility_ids.contains(&f));
    if !allowed_kind || !allowed_facility {
        return Err(AppError::forbidden());
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if db::alerts::acknowledge(&mut *tx, id, user.user.id, now).await? {
        let entry = NewEntry {
            at: now,
            recorded_at: now,
            actor_id: Some(user.user.id),
            actor: Some(&user.user.username),
            action: "alert_acknowledged",
            ip: user.ip.clone(),
            detail: json!({ "alert_id": id, "kind": kind.to_string() }),
            booking_id: None,
        };
        db::audit::record(&mut *tx, entry).await?;
    }
    tx.commit().await?;
    session::set_flash(&user.session, "success", "Alert acknowledged.").await?;
    Ok(Redirect::to("/alerts"))
}
