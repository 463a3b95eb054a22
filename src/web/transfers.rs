//! `/transfers/pending`: every running custody clock, soonest deadline first.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::auth::CurrentUser;
use chrono::{DateTime, Utc};

use crate::db::board::{BoardBooking, BoardCase, FacilityOption};
use crate::domain::stage::{Moment, Stage, title_prefix};
use crate::error::AppResult;
use crate::services::board::Row;
use crate::state::AppState;
use crate::web::case_view::ClockView;
use crate::web::extract::Acting;
use crate::web::layout::Layout;
use crate::web::local_time;
use std::sync::Arc;

pub struct PendingRow {
    pub b: BoardCase,
    /// Changes whenever anything the row shows changes (live.js leaves an unchanged row be).
    pub version: String,
    /// The person has claimed to be a U.S. citizen.
    pub claim: bool,
    pub served: String,
    pub clock: ClockView,
    /// The post-service notice to ICE is not logged: when it is (was) due.
    pub notice: Option<NoticeDue>,
    /// ICE's planned pickup (local time), and what needs attention about it (issue 31).
    pub pickup: Option<String>,
    pub pickup_flag: Option<&'static str>,
}

/// A post-service notice to ICE not yet logged (issue 25): due one hour after service.
pub struct NoticeDue {
    /// `21:03 EST`.
    pub by: String,
    pub overdue: bool,
}

impl NoticeDue {
    pub fn new(served: DateTime<Utc>, logged: bool, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<Self> {
        (!logged).then(|| {
            let due = crate::domain::notice::post_service_notice_due(served);
            NoticeDue {
                by: crate::clock::local_clock(due, tz),
                overdue: now > due,
            }
        })
    }
}

pub struct WaitingRow {
    pub b: BoardCase,
    /// Changes whenever anything the row shows changes.
    pub version: String,
    pub since: String,
    /// The list's order as one string (status, since, id), for placing a pushed row.
    pub sort: String,
}

#[derive(Template)]
#[template(path = "transfers/pending.html")]
pub struct PendingPage {
    layout: Layout,
    /// The running clocks' rows, drawn ([`pending_row_html`]).
    rows: Vec<Arc<str>>,
    waiting: Vec<WaitingRow>,
    facilities: Vec<FacilityOption>,
    facility: String,
    /// The agencies of the caller's facilities when there are several (a liaison granted by
    /// more than one agency): (code, name). Empty otherwise: no agency filter is shown.
    agencies: Vec<(String, String)>,
    agency: String,
    counts: [(Stage, usize); 5],
    overdue: usize,
}

#[derive(Deserialize)]
pub struct PendingQuery {
    #[serde(default)]
    pub facility: String,
    /// One agency's facilities only (its code; '' for all of the caller's).
    #[serde(default)]
    pub agency: String,
}

pub async fn pending(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<PendingQuery>,
) -> AppResult<PendingPage> {
    let caller = user.caller();
    let now = state.clock.now();
    let mut scope = caller.facility_scope().map(<[i64]>::to_vec);
    let agency = query.agency.trim().to_string();
    if !agency.is_empty() {
        let mine = scope.unwrap_or_default();
        scope = Some(crate::services::agencies::facilities_within(&state.db, &mine, &agency).await?);
    }
    let agencies = crate::services::agencies::of_facilities(&state.db, &user.user.facility_agencies).await?;
    let liaison = !crate::domain::rules::sees_awaiting(user.user.role);
    // The facilities to filter by, the running clocks, the people awaiting service: held in
    // memory (or, while the held boards are not current, one statement).
    let b = state
        .board
        .page(&state.db, scope.as_deref(), &query.facility, !liaison)
        .await?;
    let supervisor = crate::domain::rules::permitted(crate::domain::rules::Step::Release, user.user.role).is_ok();
    // The title counts what the rows show; the layout is read first for the caller's token.
    let mut layout = Layout::new(&state, &user, String::new(), "pending").await?;
    let mut drawn = Vec::with_capacity(b.pending.len());
    for r in &b.pending {
        drawn.extend(pending_row_html(
            r,
            now,
            state.config.pickup_plan_hours,
            supervisor,
            &layout.csrf,
        )?);
    }
    let (stages, rows): (Vec<Stage>, Vec<Arc<str>>) = drawn.into_iter().unzip();
    let (counts, overdue, last_hour) = counts(&stages);
    let waiting = b.awaiting.iter().map(|r| WaitingRow::new(r)).collect();
    layout.title = format!("{}Pending transfers", title_prefix(overdue, last_hour));
    let facility = if b.facilities.iter().any(|f| f.code == query.facility) {
        query.facility
    } else {
        String::new()
    };
    Ok(PendingPage {
        layout,
        rows,
        waiting,
        facilities: b.facilities,
        facility,
        agencies,
        agency,
        counts,
        overdue,
    })
}

impl IntoResponse for PendingPage {
    /// Rendered into a string of about the right size: a board of 200 rows is some 300 KB of
    /// HTML, and growing a string to that by doubling copies it over and over.
    fn into_response(self) -> Response {
        let mut html = String::with_capacity(16 * 1024 + self.rows.len() * 1536 + self.waiting.len() * 768);
        match self.render_into(&mut html) {
            Ok(()) => Html(html).into_response(),
            Err(e) => crate::error::AppError::Internal(e.into()).into_response(),
        }
    }
}

impl PendingRow {
    /// A running clock as the board shows it at `now` (`None` if it is not running).
    pub fn new(r: &BoardBooking, now: DateTime<Utc>, pickup_hours: i64) -> Option<Self> {
        let (served, deadline, tz) = (r.b.served_at?, r.b.custody_deadline?, r.b.tz());
        let clock = ClockView::new(deadline, now, tz);
        let notice = NoticeDue::new(served, r.notice_logged, now, tz);
        let pickup_flag = moment(r, now, pickup_hours)?.pickup.map(|f| f.words());
        // Of the values themselves (formatting times only to hash them was a measurable part
        // of a 200-row page).
        let version = version(&(
            &r.b.booking_number,
            &r.b.last_name,
            &r.b.first_name,
            &r.b.facility_code,
            tz.name(),
            served.timestamp_micros(),
            deadline.timestamp_micros(),
            clock.stage.css(),
            r.claim,
            notice.as_ref().map(|n| n.overdue),
            r.pickup_planned_at.map(|t| t.timestamp()),
            pickup_flag,
        ));
        Some(PendingRow {
            version,
            served: local_time(served, tz),
            clock,
            notice,
            pickup: r.pickup_planned_at.map(|t| local_time(t, tz)),
            pickup_flag,
            claim: r.claim,
            b: r.b.clone(),
        })
    }
}

impl WaitingRow {
    pub fn new(r: &BoardBooking) -> Self {
        let since =
            r.b.igsa_at
                .or(r.b.release_point_at)
                .map(|t| local_time(t, r.b.tz()))
                .unwrap_or_default();
        let at =
            r.b.igsa_at
                .or(r.b.release_point_at)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default();
        let sort = format!("{} {at} {:020}", r.b.status.as_str(), r.b.id);
        let version = version(&(
            &r.b.booking_number,
            &r.b.last_name,
            &r.b.first_name,
            &r.b.facility_code,
            &sort,
            &since,
        ));
        WaitingRow {
            since,
            sort,
            version,
            b: r.b.clone(),
        }
    }
}

/// What a running clock's row shows that changes with the time alone (`None`: not running).
pub fn moment(r: &BoardBooking, now: DateTime<Utc>, pickup_hours: i64) -> Option<Moment> {
    let plan = r
        .pickup_planned_at
        .map(|planned_at| crate::domain::pickup::Plan { planned_at });
    Some(Moment::at(
        r.b.served_at?,
        r.b.custody_deadline?,
        r.notice_logged,
        plan,
        now,
        pickup_hours,
    ))
}

/// A running clock's row of the page at `now`, with its stage (`None`: not running). Drawn once
/// per [`Moment`] of the row and kept with it (decision 0043's addendum), unless it carries the
/// caller's own form: a supervisor's "Release now" on an overdue row holds their CSRF token. A
/// row that cannot be drawn fails the page (never a board with a person missing).
pub fn pending_row_html(
    r: &Row,
    now: DateTime<Utc>,
    pickup_hours: i64,
    supervisor: bool,
    csrf: &str,
) -> AppResult<Option<(Stage, Arc<str>)>> {
    let Some(m) = moment(r, now, pickup_hours) else {
        return Ok(None);
    };
    let own_form = supervisor && m.stage.is_overdue();
    if !own_form
        && let Some((at, html)) = &*r.made.page.lock().expect("row lock")
        && *at == m
    {
        return Ok(Some((m.stage, html.clone())));
    }
    let Some(row) = PendingRow::new(r, now, pickup_hours) else {
        return Ok(None);
    };
    let html: Arc<str> = PendingRowHtml {
        r: &row,
        supervisor,
        csrf,
    }
    .render()
    .map_err(|e| crate::error::AppError::Internal(e.into()))?
    .into();
    if !own_form {
        *r.made.page.lock().expect("row lock") = Some((m, html.clone()));
    }
    Ok(Some((m.stage, html)))
}

/// One row of the board's table, for a pushed change (the page renders the same template).
#[derive(Template)]
#[template(path = "transfers/pending_row.html")]
pub struct PendingRowHtml<'a> {
    pub r: &'a PendingRow,
    pub supervisor: bool,
    pub csrf: &'a str,
}

/// One row of the "Also held" table, for a pushed change.
#[derive(Template)]
#[template(path = "transfers/waiting_row.html")]
pub struct WaitingRowHtml<'a> {
    pub w: &'a WaitingRow,
}

/// A short fingerprint of what a row shows.
fn version(parts: &impl std::hash::Hash) -> String {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// The count per stage (most urgent first), the overdue and the last-hour counts.
fn counts(stages: &[Stage]) -> ([(Stage, usize); 5], usize, usize) {
    let count = |s: Stage| stages.iter().filter(|&&t| t == s).count();
    let counts = Stage::BY_URGENCY.map(|s| (s, count(s)));
    (counts, count(Stage::Overdue), count(Stage::Within1h))
}

/// The running clocks of the facilities in `scope` (all when `None`), soonest deadline first,
/// with citizenship-claim flags and the count per stage.
pub struct Board {
    pub rows: Vec<PendingRow>,
    pub counts: [(Stage, usize); 5],
    pub overdue: usize,
    pub last_hour: usize,
}

impl Board {
    /// Running clocks flagged for having no pickup planned (the wall display counts them).
    pub fn unplanned(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.pickup.is_none() && r.pickup_flag.is_some())
            .count()
    }
}

pub async fn board(state: &AppState, scope: Option<&[i64]>, now: DateTime<Utc>) -> AppResult<Board> {
    let rows: Vec<PendingRow> = state
        .board
        .pending(&state.db, scope)
        .await?
        .iter()
        .filter_map(|r| PendingRow::new(r, now, state.config.pickup_plan_hours))
        .collect();
    let stages: Vec<Stage> = rows.iter().map(|r| r.clock.stage).collect();
    let (counts, overdue, last_hour) = counts(&stages);
    Ok(Board {
        rows,
        counts,
        overdue,
        last_hour,
    })
}
