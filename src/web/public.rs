//! The opt-in public page `/public/{facility_code}`: aggregates only, small cells suppressed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use chrono::{Datelike, NaiveDate};

use crate::db::{self, facilities::Facility};
use crate::domain::stats::suppress;
use crate::error::{AppError, AppResult};
use crate::services::reports::{self, ProgramReport, Scope};
use crate::state::AppState;
use crate::web::charts::Chart;
use crate::web::reports::charts_for;

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
