//! `/reports/program` (statistics with charts and CSV) and `/reports/igsa` (day billing and
//! CSV). The public page is `web/public.rs`, the compliance report `web/compliance.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, RawQuery, State};
use axum::response::Response;

use crate::auth::CurrentUser;
use crate::db::{self, facilities::Facility};
use crate::error::AppResult;
use crate::services::reports::{self, IgsaReport, ProgramReport, Scope};
use crate::state::AppState;
use crate::web::api::reports::ReportQuery;
use crate::web::charts::{self, Chart};
use crate::web::extract::Acting;
use crate::web::forms::duration_words;
use crate::web::layout::Layout;
use crate::web::{access, csv};

pub(crate) fn charts_for(r: &ProgramReport) -> Vec<Chart> {
    let months: Vec<charts::Column> = r
        .stats
        .by_month
        .iter()
        .map(|m| {
            (
                m.month.clone(),
                vec![(m.people_with_ice_documents, "series-1", "booked with ICE interest")],
            )
        })
        .collect();
    let outcomes: Vec<charts::Column> = r
        .stats
        .by_month
        .iter()
        .map(|m| {
            (
                m.month.clone(),
                vec![
                    (m.transferred, "series-1", "transferred"),
                    (m.released_at_limit, "series-2", "released at the limit"),
                    (m.released_other, "series-3", "released otherwise"),
                    (m.igsa_holds, "series-4", "IGSA hold"),
                    (m.still_held, "series-5", "still held"),
                ],
            )
        })
        .collect();
    let charges: Vec<(String, i64)> = r
        .stats
        .charges_by_category
        .iter()
        .map(|(k, v)| (category_words(k), *v))
        .collect();
    vec![
        charts::stacked("People booked with ICE interest, by month", &months, vec![]),
        charts::stacked(
            "Outcomes by month of booking",
            &outcomes,
            vec![
                ("series-1", "transferred"),
                ("series-2", "released at the limit"),
                ("series-3", "released otherwise"),
                ("series-4", "IGSA hold"),
                ("series-5", "still held"),
            ],
        ),
        charts::horizontal("Charges by category", &charges),
    ]
}

/// A charge category's stored word in words ("sex_offense" → "Sex offense").
pub(crate) fn category_words(word: &str) -> String {
    word.parse::<crate::domain::types::ChargeCategory>()
        .map_or_else(|_| word.replace('_', " "), |c| c.label().to_string())
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/program.html")]
pub struct ProgramPage {
    layout: Layout,
    r: ProgramReport,
    charts: Vec<Chart>,
    facilities: Vec<Facility>,
    query: String,
    median: Option<String>,
    longest: Option<String>,
    over_total: String,
}

async fn scope_for(state: &AppState, user: &CurrentUser, q: &ReportQuery) -> AppResult<Scope> {
    reports::scope(
        &state.db,
        &user.caller(),
        q.facility.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
        state.clock.now(),
    )
    .await
}

fn query_string(s: &Scope) -> String {
    format!("facility={}&from={}&to={}", s.label, s.from, s.to)
}

impl ProgramPage {
    fn month(&self, ym: &str) -> String {
        charts::month_words(ym)
    }

    fn category(&self, word: &str) -> String {
        category_words(word)
    }
}

pub async fn program(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> AppResult<ProgramPage> {
    let scope = scope_for(&state, &user, &q).await?;
    let r = reports::program(&state.db, &scope).await?;
    let facilities = visible_facilities(&state, &user).await?;
    Ok(ProgramPage {
        layout: Layout::new(&state, &user, "Program statistics", "reports").await?,
        charts: charts_for(&r),
        facilities,
        query: query_string(&scope),
        median: r.stats.median_service_to_transfer_seconds.map(duration_words),
        longest: r.stats.longest_service_to_transfer_seconds.map(duration_words),
        over_total: duration_words(r.stats.over_detained_seconds_total),
        r,
    })
}

pub(crate) async fn visible_facilities(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Facility>> {
    Ok(db::facilities::all(&state.db)
        .await?
        .into_iter()
        .filter(|f| crate::domain::rules::covers(user.user.role, &user.user.facility_ids, f.id))
        .collect())
}

pub async fn program_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let scope = scope_for(&state, &user, &q).await?;
    let r = reports::program(&state.db, &scope).await?;
    let name = format!("program-{}-{}-{}.csv", r.facility, r.from, r.to);
    let body = csv::program(&r)?;
    exported(&state, &user, &name, raw).await?;
    Ok(csv::respond(&name, body))
}

/// The `export_downloaded` entry of a CSV, with its query.
pub(crate) async fn exported(state: &AppState, user: &CurrentUser, name: &str, query: Option<String>) -> AppResult<()> {
    let detail = serde_json::json!({ "export": name, "query": query.unwrap_or_default() });
    access::record(state, &user.user, user.ip.as_deref(), "export_downloaded", None, detail).await
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/igsa.html")]
pub struct IgsaPage {
    layout: Layout,
    r: IgsaReport,
    facilities: Vec<Facility>,
    tz: chrono_tz::Tz,
}

impl IgsaPage {
    /// A time in the facility's zone, as every page writes it.
    fn local(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::web::local_time(*t, self.tz)
    }

    fn dollars(&self, cents: &Option<i64>) -> String {
        cents
            .map(|c| format!("${}.{:02}", c / 100, c % 100))
            .unwrap_or_else(|| "—".into())
    }
}

pub async fn igsa(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> AppResult<IgsaPage> {
    let facilities: Vec<Facility> = visible_facilities(&state, &user)
        .await?
        .into_iter()
        .filter(|f| f.igsa)
        .collect();
    let code = q
        .facility
        .clone()
        .or_else(|| facilities.first().map(|f| f.code.clone()));
    let r = reports::igsa(
        &state.db,
        &user.caller(),
        code.as_deref(),
        q.month.as_deref(),
        state.clock.now(),
    )
    .await?;
    let tz = facilities
        .iter()
        .find(|f| f.code == r.facility)
        .map_or(chrono_tz::UTC, Facility::tz);
    Ok(IgsaPage {
        layout: Layout::new(&state, &user, "IGSA day billing", "reports").await?,
        r,
        facilities,
        tz,
    })
}

pub async fn igsa_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    let r = reports::igsa(
        &state.db,
        &user.caller(),
        q.facility.as_deref(),
        q.month.as_deref(),
        state.clock.now(),
    )
    .await?;
    let name = format!("igsa-{}-{}.csv", r.facility, r.month);
    let body = csv::igsa(&r)?;
    exported(&state, &user, &name, raw).await?;
    Ok(csv::respond(&name, body))
}
