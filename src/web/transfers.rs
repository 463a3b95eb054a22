//! `/transfers/pending`: every running custody clock, soonest deadline first.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::{self, bookings::Booking, facilities::Facility};
use crate::domain::Role;
use crate::domain::case::Stage;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::case_view::ClockView;
use crate::web::extract::Acting;
use crate::web::layout::Layout;
use crate::web::local_time;

pub struct PendingRow {
    pub b: Booking,
    /// The person has claimed to be a U.S. citizen.
    pub claim: bool,
    pub served: String,
    pub clock: ClockView,
}

pub struct WaitingRow {
    pub b: Booking,
    pub since: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "transfers/pending.html")]
pub struct PendingPage {
    layout: Layout,
    rows: Vec<PendingRow>,
    waiting: Vec<WaitingRow>,
    facilities: Vec<Facility>,
    facility: String,
    counts: [(Stage, usize); 4],
    overdue: usize,
    supervisor: bool,
}

#[derive(Deserialize)]
pub struct PendingQuery {
    #[serde(default)]
    facility: String,
}

pub async fn pending(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PendingQuery>,
) -> AppResult<PendingPage> {
    let caller = user.caller();
    let now = state.clock.now();
    let facilities: Vec<Facility> = db::facilities::all(&state.db)
        .await?
        .into_iter()
        .filter(|f| caller.facility_scope().is_none_or(|ids| ids.contains(&f.id)))
        .collect();
    let chosen: Vec<i64> = facilities
        .iter()
        .filter(|f| f.code == query.facility)
        .map(|f| f.id)
        .collect();
    let scope: Option<&[i64]> = if chosen.is_empty() {
        caller.facility_scope()
    } else {
        Some(&chosen)
    };
    let Board { rows, counts, overdue } = board(&state, scope, now).await?;
    let waiting = if user.user.role == Role::IceLiaison {
        vec![]
    } else {
        db::bookings::awaiting(&state.db, scope)
            .await?
            .into_iter()
            .map(|b| {
                let since = b
                    .igsa_at
                    .or(b.release_point_at)
                    .map(|t| local_time(t, b.tz()))
                    .unwrap_or_default();
                WaitingRow { since, b }
            })
            .collect()
    };
    let title = if overdue > 0 {
        format!("({overdue} overdue) Pending transfers")
    } else {
        "Pending transfers".into()
    };
    Ok(PendingPage {
        layout: Layout::new(&state, &user, title, "pending").await?,
        rows,
        waiting,
        facilities,
        facility: if chosen.is_empty() {
            String::new()
        } else {
            query.facility
        },
        counts,
        overdue,
        supervisor: user.user.role == Role::Supervisor,
    })
}

/// The running clocks of the facilities in `scope` (all when `None`), soonest deadline first,
/// with citizenship-claim flags and the count per stage.
pub struct Board {
    pub rows: Vec<PendingRow>,
    pub counts: [(Stage, usize); 4],
    pub overdue: usize,
}

pub async fn board(state: &AppState, scope: Option<&[i64]>, now: chrono::DateTime<chrono::Utc>) -> AppResult<Board> {
    let rows: Vec<PendingRow> = db::bookings::pending_transfers(&state.db, scope)
        .await?
        .into_iter()
        .filter_map(|b| {
            let (served, deadline, tz) = (b.served_at?, b.custody_deadline?, b.tz());
            Some(PendingRow {
                served: local_time(served, tz),
                clock: ClockView::new(deadline, now, tz),
                claim: false,
                b,
            })
        })
        .collect();
    let ids: Vec<i64> = rows.iter().map(|r| r.b.id).collect();
    let flagged = db::claims::flagged(&state.db, &ids).await?;
    let rows: Vec<PendingRow> = rows
        .into_iter()
        .map(|r| PendingRow {
            claim: flagged.contains(&r.b.id),
            ..r
        })
        .collect();
    let count = |s: Stage| rows.iter().filter(|r| r.clock.stage == s).count();
    let counts = [Stage::Overdue, Stage::Within4h, Stage::Within12h, Stage::Ok].map(|s| (s, count(s)));
    let overdue = count(Stage::Overdue);
    Ok(Board { rows, counts, overdue })
}
