//! `/reports/compliance`: each duty of the agreement over a period at one facility.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};

use crate::auth::CurrentUser;
use crate::db::facilities::Facility;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::api::reports::ReportQuery;
use crate::web::extract::Acting;
use crate::web::forms::duration_words;
use crate::web::layout::Layout;
use crate::web::reports::visible_facilities;

/// One line of the compliance report: the duty, what is counted, and the cases behind it.
pub struct ComplianceLine {
    pub duty: &'static str,
    pub what: &'static str,
    pub count: i64,
    /// Each case behind the figure: its id and how it is named (a booking number, `#id` for
    /// complaints and reviews).
    pub ids: Vec<(i64, String)>,
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

impl CompliancePage {
    /// Why an officer may not serve, in words ("no WSO certification recorded").
    fn why_not(&self, reasons: &[&str]) -> String {
        reasons
            .iter()
            .map(|r| crate::domain::credentials::reason_words(r))
            .collect::<Vec<_>>()
            .join("; ")
    }
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
    let mut lines = compliance_lines(&r);
    let booking_ids: Vec<i64> = lines
        .iter()
        .filter(|l| l.link == "bookings")
        .flat_map(|l| l.ids.iter().map(|(id, _)| *id))
        .collect();
    let numbers = crate::db::bookings::numbers(&state.db, &booking_ids).await?;
    for l in lines.iter_mut().filter(|l| l.link == "bookings") {
        for (id, name) in l.ids.iter_mut() {
            if let Some(n) = numbers.get(id) {
                *name = n.clone();
            }
        }
    }

    Ok(CompliancePage {
        layout: Layout::new(&state, &user, format!("Compliance report {}", r.facility), "reports").await?,
        held_past: duration_words(r.holds_past_48_hours_seconds),
        lines,
        facilities,
        r,
    })
}

/// The report's figures, each with the cases behind it (named by id until the caller names
/// them).
fn compliance_lines(r: &crate::services::compliance::ComplianceReport) -> Vec<ComplianceLine> {
    let line = |duty, what, f: &crate::services::compliance::Figure, link, breach| ComplianceLine {
        duty,
        what,
        count: f.count,
        ids: f.ids.iter().map(|id| (*id, format!("#{id}"))).collect(),
        link,
        breach,
    };
    vec![
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
    ]
}
