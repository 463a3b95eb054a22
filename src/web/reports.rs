//! `/reports/program` (statistics with charts and CSV), `/reports/igsa` (day billing and CSV)
//! and the opt-in public page `/public/{facility_code}`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};

use crate::auth::CurrentUser;
use crate::db::{self, facilities::Facility};
use crate::domain::Role;
use crate::domain::stats::suppress;
use crate::error::{AppError, AppResult};
use crate::services::reports::{self, IgsaReport, ProgramReport, Scope};
use crate::state::AppState;
use crate::web::api::reports::ReportQuery;
use crate::web::charts::{self, Chart};
use crate::web::extract::Acting;
use crate::web::forms::duration_words;
use crate::web::layout::Layout;

fn charts_for(r: &ProgramReport) -> Vec<Chart> {
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
        .map(|(k, v)| (k.replace('_', " "), *v))
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

async fn visible_facilities(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Facility>> {
    Ok(db::facilities::all(&state.db)
        .await?
        .into_iter()
        .filter(|f| user.user.role == Role::Admin || user.user.facility_ids.contains(&f.id))
        .collect())
}

fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

pub async fn program_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let scope = scope_for(&state, &user, &q).await?;
    let r = reports::program(&state.db, &scope).await?;
    Ok(csv_response(
        &format!("program-{}-{}-{}.csv", r.facility, r.from, r.to),
        reports::program_csv(&r)?,
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/igsa.html")]
pub struct IgsaPage {
    layout: Layout,
    r: IgsaReport,
    facilities: Vec<Facility>,
}

impl IgsaPage {
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
    Ok(IgsaPage {
        layout: Layout::new(&state, &user, "IGSA day billing", "reports").await?,
        r,
        facilities,
    })
}

pub async fn igsa_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let r = reports::igsa(
        &state.db,
        &user.caller(),
        q.facility.as_deref(),
        q.month.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok(csv_response(
        &format!("igsa-{}-{}.csv", r.facility, r.month),
        reports::igsa_csv(&r)?,
    ))
}

/// One table of the public page, figures already suppressed.
pub struct PublicTable {
    pub title: String,
    pub rows: Vec<(&'static str, String)>,
    pub charges: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "public.html")]
pub struct PublicPage {
    facility: Facility,
    tables: Vec<PublicTable>,
    charts: Vec<Chart>,
}

fn public_table(title: String, r: &ProgramReport) -> PublicTable {
    let s = &r.stats;
    PublicTable {
        title,
        rows: vec![
            (
                "People booked with an ICE document",
                suppress(s.people_with_ice_documents),
            ),
            ("… with a detainer (I-247A)", suppress(s.with_detainer)),
            ("… with a warrant (I-200 or I-205)", suppress(s.with_warrant)),
            ("… with both", suppress(s.with_both)),
            ("Warrants served in the jail", suppress(s.served)),
            ("Transferred to ICE", suppress(s.transferred)),
            ("Released at the 48-hour limit", suppress(s.released_at_limit)),
            ("Released otherwise", suppress(s.released_other)),
            ("Held under the IGSA", suppress(s.igsa_holds)),
            ("Still held", suppress(s.still_held)),
            ("Held past the 48-hour limit", suppress(s.over_detained)),
        ],
        charges: s
            .charges_by_category
            .iter()
            .map(|(k, v)| (k.replace('_', " "), suppress(*v)))
            .collect(),
    }
}

/// No sign-in; aggregates only; off unless an admin turned it on. Figures are computed on each
/// request, so they are always current (including right after the page is turned on).
pub async fn public(State(state): State<AppState>, Path(code): Path<String>) -> AppResult<PublicPage> {
    let facility = db::facilities::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    if !db::facilities::is_public(&state.db, facility.id).await? {
        return Err(AppError::NotFound);
    }
    let tz = facility.tz();
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let ids = vec![facility.id];
    let last12 = Scope {
        label: facility.code.clone(),
        facility_ids: Some(ids.clone()),
        from: reports::last_twelve_months_from(today),
        to: today,
    };
    let recent = reports::program(&state.db, &last12).await?;
    let mut tables = vec![public_table(
        format!("The last 12 months ({} to {})", last12.from, last12.to),
        &recent,
    )];
    let first_year = db::reports::first_booking_year(&state.db, facility.id)
        .await?
        .unwrap_or(today.year());
    for year in (first_year.max(today.year() - 10)..today.year()).rev() {
        let scope = Scope {
            label: facility.code.clone(),
            facility_ids: Some(ids.clone()),
            from: NaiveDate::from_ymd_opt(year, 1, 1).expect("valid"),
            to: NaiveDate::from_ymd_opt(year, 12, 31).expect("valid"),
        };
        tables.push(public_table(
            year.to_string(),
            &reports::program(&state.db, &scope).await?,
        ));
    }
    // Charts of the last 12 months, with small counts suppressed the same way (drawn as 0).
    let mut suppressed = recent;
    for m in suppressed.stats.by_month.iter_mut() {
        for v in [
            &mut m.people_with_ice_documents,
            &mut m.transferred,
            &mut m.released_at_limit,
            &mut m.released_other,
            &mut m.igsa_holds,
            &mut m.still_held,
            &mut m.served,
        ] {
            if (1..5).contains(v) {
                *v = 0;
            }
        }
    }
    for v in suppressed.stats.charges_by_category.values_mut() {
        if (1..5).contains(v) {
            *v = 0;
        }
    }
    Ok(PublicPage {
        facility,
        tables,
        charts: charts_for(&suppressed),
    })
}

/// One line of the compliance report: the duty, what is counted, and the cases behind it.
pub struct ComplianceLine {
    pub duty: &'static str,
    pub what: &'static str,
    pub count: i64,
    pub ids: Vec<i64>,
    /// `bookings` or `complaints`: where the ids link to.
    pub link: &'static str,
    /// A breach when non-zero.
    pub breach: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/compliance.html")]
pub struct CompliancePage {
    layout: Layout,
    r: crate::services::compliance::ComplianceReport,
    lines: Vec<ComplianceLine>,
    facilities: Vec<Facility>,
    held_past: String,
}

pub async fn compliance(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> AppResult<CompliancePage> {
    let facilities = visible_facilities(&state, &user).await?;
    let code = q
        .facility
        .clone()
        .filter(|f| !f.is_empty() && f != "all")
        .or_else(|| facilities.first().map(|f| f.code.clone()));
    let r = crate::services::compliance::report(
        &state.db,
        &user.caller(),
        code.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
        state.clock.now(),
    )
    .await?;
    let line = |duty, what, f: &crate::services::compliance::Figure, link, breach| ComplianceLine {
        duty,
        what,
        count: f.count,
        ids: f.ids.clone(),
        link,
        breach,
    };
    let lines = vec![
        line("Who may serve", "Warrants served", &r.services, "bookings", false),
        line(
            "Who may serve",
            "Served by an officer not eligible at that instant",
            &r.services_by_ineligible_officers,
            "bookings",
            true,
        ),
        line(
            "Notice to ICE after service",
            "ICE told within one hour",
            &r.post_service_notice_on_time,
            "bookings",
            false,
        ),
        line(
            "Notice to ICE after service",
            "ICE told late",
            &r.post_service_notice_late,
            "bookings",
            true,
        ),
        line(
            "Notice to ICE after service",
            "No notification logged",
            &r.post_service_notice_missing,
            "bookings",
            true,
        ),
        line(
            "Citizenship claims",
            "Claims recorded",
            &r.citizenship_claims,
            "bookings",
            false,
        ),
        line(
            "Citizenship claims",
            "Reported to ICE within one hour",
            &r.citizenship_claims_reported_on_time,
            "bookings",
            false,
        ),
        line(
            "Citizenship claims",
            "Reported late",
            &r.citizenship_claims_reported_late,
            "bookings",
            true,
        ),
        line(
            "Citizenship claims",
            "Not reported",
            &r.citizenship_claims_unreported,
            "bookings",
            true,
        ),
        line("Complaints", "Received", &r.complaints, "complaints", false),
        line(
            "Complaints",
            "Sent to ICE within 48 weekday hours",
            &r.complaints_sent_on_time,
            "complaints",
            false,
        ),
        line("Complaints", "Sent late", &r.complaints_sent_late, "complaints", true),
        line("Complaints", "Not sent", &r.complaints_not_sent, "complaints", true),
        line(
            "Complaints",
            "Outcome recorded",
            &r.complaint_outcomes_recorded,
            "complaints",
            false,
        ),
        line(
            "Complaints",
            "Outcome reported to ICE",
            &r.complaint_outcomes_reported_to_ice,
            "complaints",
            false,
        ),
        line(
            "48-hour limit",
            "Held past the limit",
            &r.holds_past_48_hours,
            "bookings",
            true,
        ),
        line(
            "Interpreters",
            "Services with an interpreter named",
            &r.services_with_interpreter,
            "bookings",
            false,
        ),
        line(
            "Interpreters",
            "Citizenship claims with an interpreter named",
            &r.claims_with_interpreter,
            "bookings",
            false,
        ),
        line("Disclosures", "Recorded", &r.disclosures, "agreement", false),
        line(
            "Disclosures",
            "Cleared by ICE first",
            &r.disclosures_cleared_first,
            "agreement",
            false,
        ),
        line(
            "Disclosures",
            "Released before ICE's clearance",
            &r.disclosures_released_before_clearance,
            "agreement",
            true,
        ),
    ];
    Ok(CompliancePage {
        layout: Layout::new(&state, &user, format!("Compliance report {}", r.facility), "reports").await?,
        held_past: duration_words(r.holds_past_48_hours_seconds),
        lines,
        facilities,
        r,
    })
}
