//! `/oversight` and `/oversight.csv` (issue 28): the oversight body's view of its granted
//! agencies, month by month, suppressed; `GET /api/v1/oversight` is `web/api/oversight.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::domain::oversight::{FIELDS, PublishedMonth};
use crate::error::AppResult;
use crate::services::oversight::{self, OversightView};
use crate::state::AppState;
use crate::web::charts::{self, Chart};
use crate::web::extract::Acting;
use crate::web::layout::Layout;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct OversightQuery {
    /// The first month, `YYYY-MM` (default: twelve months before `to`).
    pub from: Option<String>,
    /// The last month, `YYYY-MM` (default: this month in UTC).
    pub to: Option<String>,
    /// One granted agency's code (default: every granted agency).
    pub agency: Option<String>,
}

impl OversightQuery {
    /// The period asked for, or the last twelve months.
    pub fn period(&self, now: chrono::DateTime<chrono::Utc>) -> (String, String) {
        use chrono::Months;
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let to = text(&self.to).unwrap_or_else(|| now.format("%Y-%m").to_string());
        let from = text(&self.from).unwrap_or_else(|| {
            chrono::NaiveDate::parse_from_str(&format!("{to}-01"), "%Y-%m-%d")
                .ok()
                .and_then(|d| d.checked_sub_months(Months::new(11)))
                .map_or_else(|| to.clone(), |d| d.format("%Y-%m").to_string())
        });
        (from, to)
    }
}

/// A figure as the page shows it: the number, or a dash for a suppressed one.
pub fn shown(v: &Option<i64>) -> String {
    v.map_or_else(|| "–".to_string(), |n| n.to_string())
}

/// The figures' headings, in [`FIELDS`] order.
pub const HEADINGS: [&str; crate::domain::oversight::PUBLISHED] = [
    "Services",
    "Transferred within 48 h",
    "Released at the deadline",
    "Held past 48 h",
    "Hours past 48 h",
    "Citizenship claims",
    "… reported within 1 h",
    "Notices to ICE within 1 h",
    "Complaints",
    "… sent to ICE in time",
    "Certification lapses",
];

#[derive(Template, WebTemplate)]
#[template(path = "oversight.html")]
pub struct OversightPage {
    layout: Layout,
    view: OversightView,
    from: String,
    to: String,
    agency: String,
    headings: [&'static str; crate::domain::oversight::PUBLISHED],
    charts: Vec<Chart>,
}

impl OversightPage {
    fn cells(&self, m: &PublishedMonth) -> Vec<String> {
        m.cells().iter().map(shown).collect()
    }
}

fn charts_of(view: &OversightView) -> Vec<Chart> {
    let columns: Vec<charts::Column> = view
        .state
        .iter()
        .map(|m| {
            (
                m.month.clone(),
                vec![
                    (
                        m.transfers_within_48h.unwrap_or(0),
                        "series-1",
                        "transferred within 48 h",
                    ),
                    (
                        m.released_at_deadline.unwrap_or(0),
                        "series-2",
                        "released at the deadline",
                    ),
                    (m.over_detentions.unwrap_or(0), "series-5", "held past 48 h"),
                ],
            )
        })
        .collect();
    vec![charts::stacked(
        "Services by outcome, all granted agencies (suppressed figures count as 0 here)",
        &columns,
        vec![
            ("series-1", "transferred within 48 h"),
            ("series-2", "released at the deadline"),
            ("series-5", "held past 48 h"),
        ],
    )]
}

/// The view asked for (the period, default the last twelve months), as the page and the CSV
/// show it.
async fn asked(state: &AppState, user: &CurrentUser, q: &OversightQuery) -> AppResult<(String, String, OversightView)> {
    let now = state.clock.now();
    let (from, to) = q.period(now);
    let view = oversight::view(&state.db, &user.caller(), (&from, &to), q.agency.as_deref(), now).await?;
    Ok((from, to, view))
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OversightQuery>,
) -> AppResult<Response> {
    let (from, to, view) = asked(&state, &user, &q).await?;
    Ok(OversightPage {
        layout: Layout::new(&state, &user, "Oversight", "oversight").await?,
        charts: charts_of(&view),
        view,
        from,
        to,
        agency: q.agency.unwrap_or_default(),
        headings: HEADINGS,
    }
    .into_response())
}

/// The open-data export: one row per agency (and `ALL`) and month, the figures as in the API,
/// a suppressed one empty (docs/oversight.md is its dictionary).
pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OversightQuery>,
) -> AppResult<Response> {
    let (from, to, view) = asked(&state, &user, &q).await?;
    let mut out = crate::web::csv::Csv::new();
    let mut header = vec!["agency", "month"];
    header.extend(FIELDS);
    header.push("suppressed");
    out.record(header)
        .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    let rows = view
        .agencies
        .iter()
        .flat_map(|a| a.months.iter().map(move |m| (a.code.as_str(), m)))
        .chain(view.state.iter().map(|m| ("ALL", m)));
    for (agency, m) in rows {
        let mut cells = vec![agency.to_string(), m.month.clone()];
        cells.extend(m.cells().iter().map(|v| v.map(|n| n.to_string()).unwrap_or_default()));
        cells.push(m.suppressed.join(" "));
        out.record(cells)
            .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    }
    Ok(crate::web::csv::respond(
        &format!("oversight-{from}-{to}.csv"),
        out.finish()?,
    ))
}
