use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::CurrentUser;
use crate::db;
use crate::domain::rules::{self, Step};
use crate::domain::stage::{self, Stage};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract::Acting;
use crate::web::layout::Layout;
use crate::web::transfers::PendingRow;

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    /// Running clocks by stage, most urgent first (admins: every facility's).
    clocks: Option<[(Stage, usize); 5]>,
    awaiting: usize,
    overdue: usize,
    /// Running holds whose post-service notice to ICE is not logged.
    notices: Vec<PendingRow>,
    /// Each open case's next duty at the viewer's facilities, soonest due first (issue 31).
    duties: Vec<DutyRow>,
    can_book: bool,
}

/// One next duty as the dashboard lists it.
pub struct DutyRow {
    pub href: String,
    pub what: String,
    pub label: &'static str,
    pub due: Option<String>,
    pub overdue: bool,
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> AppResult<axum::response::Response> {
    use axum::response::{IntoResponse, Redirect};
    // The roles that see no case start where their work is (issue 28).
    if rules::may_open(rules::Area::Board, user.user.role).is_err() {
        let home = match rules::may_open(rules::Area::Aggregates, user.user.role) {
            Ok(()) => "/oversight",
            Err(_) => "/agencies",
        };
        return Ok(Redirect::to(home).into_response());
    }
    let caller = user.caller();
    let now = state.clock.now();
    let board = crate::web::transfers::board(&state, caller.facility_scope(), now).await?;
    let awaiting = if !rules::sees_awaiting(user.user.role) {
        0
    } else {
        db::bookings::awaiting(&state.db, caller.facility_scope()).await?.len()
    };
    let title = format!("{}Dashboard", stage::title_prefix(board.overdue, board.last_hour));
    // The post-service notices to ICE not yet logged, soonest due first (issue 25).
    let tells_ice = rules::permitted(Step::Notification, user.user.role).is_ok();
    let mut notices: Vec<PendingRow> = board
        .rows
        .into_iter()
        .filter(|r| tells_ice && r.notice.is_some())
        .collect();
    notices.sort_by_key(|r| r.b.served_at);
    let duties = crate::services::duties::list(&state.db, &caller, caller.facility_scope(), now)
        .await?
        .into_iter()
        .map(|l| DutyRow {
            href: match (l.booking_id, l.complaint_id) {
                (Some(id), _) => format!("/bookings/{id}#next-duty"),
                _ => "/complaints".into(),
            },
            what: l.booking_number.unwrap_or_else(|| "A complaint".into()),
            label: l.duty.kind.label(),
            due: l.duty.due_at.map(|t| crate::web::local_time(t, l.tz)),
            overdue: l.duty.due_at.is_some_and(|t| now > t),
        })
        .collect();
    Ok(DashboardPage {
        layout: Layout::new(&state, &user, title, "dashboard").await?,
        clocks: Some(board.counts),
        awaiting,
        overdue: board.overdue,
        notices,
        duties,
        can_book: rules::may_book(user.user.role).is_ok(),
    }
    .into_response())
}
