use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::CurrentUser;
use crate::db;
use crate::domain::stage::{self, Stage};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract::Acting;
use crate::web::layout::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    /// Running clocks by stage, most urgent first (admins: every facility's).
    clocks: Option<[(Stage, usize); 4]>,
    awaiting: usize,
    overdue: usize,
    can_book: bool,
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> AppResult<DashboardPage> {
    let caller = user.caller();
    let now = state.clock.now();
    let running = db::bookings::pending_transfers(&state.db, caller.facility_scope()).await?;
    let count = |s: Stage| {
        running
            .iter()
            .filter(|b| b.custody_deadline.is_some_and(|d| stage::stage(d, now) == s))
            .count()
    };
    let awaiting = if !crate::domain::rules::sees_awaiting(user.user.role) {
        0
    } else {
        db::bookings::awaiting(&state.db, caller.facility_scope()).await?.len()
    };
    let clocks = Some([Stage::Overdue, Stage::Within4h, Stage::Within12h, Stage::Ok].map(|s| (s, count(s))));
    let overdue = clocks.map(|c| c[0].1).unwrap_or(0);
    let title = if overdue > 0 {
        format!("({overdue} overdue) Dashboard")
    } else {
        "Dashboard".into()
    };
    Ok(DashboardPage {
        layout: Layout::new(&state, &user, title, "dashboard").await?,
        clocks,
        awaiting,
        overdue,
        can_book: crate::domain::rules::may_book(user.user.role).is_ok(),
    })
}
