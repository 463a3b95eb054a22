//! The opt-in public page `/public/{facility_code}`: aggregates only, small cells suppressed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use chrono::{Datelike, NaiveDate};

use crate::db::{self, facilities::Facility};
use crate::domain::publish::publish;
use crate::error::{AppError, AppResult};
use crate::services::reports::{self, ProgramReport, Scope};
use crate::state::AppState;
use crate::web::charts::{self, Chart};
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

/// The rows of a public table and the equations that tie them: total = detainer + warrant −
/// both; total = the outcomes (with the IGSA holds, conservatively).
const ROW_GROUPS: &[&[usize]] = &[&[0, 1, 2, 3], &[0, 5, 6, 7, 8, 9]];

fn public_table(title: String, r: &ProgramReport) -> PublicTable {
    let s = &r.stats;
    let labels = [
        "People booked with an ICE document",
        "… with a detainer (I-247A)",
        "… with a warrant (I-200 or I-205)",
        "… with both",
        "Warrants served in the jail",
        "Transferred to ICE",
        "Released at the 48-hour limit",
        "Released otherwise",
        "Held under the IGSA",
        "Still held",
        "Held past the 48-hour limit",
    ];
    let values = [
        s.people_with_ice_documents,
        s.with_detainer,
        s.with_warrant,
        s.with_both,
        s.served,
        s.transferred,
        s.released_at_limit,
        s.released_other,
        s.igsa_holds,
        s.still_held,
        s.over_detained,
    ];
    let shown = publish(&values, ROW_GROUPS);
    // Charges: every category with a small count, and never exactly one hidden.
    let charge_values: Vec<i64> = s.charges_by_category.values().copied().collect();
    let all: Vec<usize> = (0..charge_values.len()).collect();
    let charges_shown = publish(&charge_values, &[all.as_slice()]);
    PublicTable {
        title,
        rows: labels.into_iter().zip(shown.iter().map(|p| p.to_string())).collect(),
        charges: s
            .charges_by_category
            .keys()
            .zip(charges_shown)
            .map(|(k, p)| (k.replace('_', " "), p.to_string()))
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
    // Aggregates of this facility only: the rows the database answers from here.
    db::scope::narrow_to(&[facility.id]);
    let tz = facility.tz();
    let today = state.clock.now().with_timezone(&tz).date_naive();
    // Complete calendar months only: the month in progress would let a reader watch one
    // person's booking appear.
    let month_start = today.with_day(1).unwrap_or(today);
    let last_month_end = month_start.pred_opt().unwrap_or(month_start);
    let last12 = Scope {
        label: facility.code.clone(),
        facilities: vec![facility.clone()],
        from: month_start
            .checked_sub_months(chrono::Months::new(12))
            .unwrap_or(month_start),
        to: last_month_end,
    };
    let recent = reports::program(&state.db, &last12).await?;
    let mut tables = vec![public_table(
        format!("The last 12 complete months ({} to {})", last12.from, last12.to),
        &recent,
    )];
    let first_year = db::reports::first_booking_year(&state.db, facility.id)
        .await?
        .unwrap_or(today.year());
    for year in (first_year.max(today.year() - 10)..today.year()).rev() {
        let scope = Scope {
            label: facility.code.clone(),
            facilities: vec![facility.clone()],
            from: NaiveDate::from_ymd_opt(year, 1, 1).expect("valid"),
            to: NaiveDate::from_ymd_opt(year, 12, 31).expect("valid"),
        };
        tables.push(public_table(
            year.to_string(),
            &reports::program(&state.db, &scope).await?,
        ));
    }
    // Charts of the last 12 complete months. Each series is published like a table whose
    // total is shown: small months are hidden, and more when one could be had as the total
    // minus the others; a hidden month is drawn as a "fewer than 5" mark (a negative value,
    // see `web::charts`), never as 0.
    let mut suppressed = recent;
    let months = suppressed.stats.by_month.len();
    // For each value: `None` (published as it is), or the mark a chart draws instead: `-1`
    // "fewer than 5", `-2` withheld to protect another count (see `web::charts`).
    let hide = |values: Vec<i64>| -> Vec<Option<i64>> {
        let total: i64 = values.iter().sum();
        let mut cells = vec![total];
        cells.extend(values);
        let group: Vec<usize> = (0..cells.len()).collect();
        publish(&cells, &[group.as_slice()])
            .into_iter()
            .skip(1)
            .map(|p| match p {
                crate::domain::publish::Published::Count(_) => None,
                crate::domain::publish::Published::Small => Some(charts::FEWER_THAN_5),
                crate::domain::publish::Published::Withheld => Some(charts::WITHHELD_OTHER),
            })
            .collect()
    };
    type Field = fn(&mut crate::domain::stats::Month) -> &mut i64;
    let fields: [Field; 7] = [
        |m| &mut m.people_with_ice_documents,
        |m| &mut m.transferred,
        |m| &mut m.released_at_limit,
        |m| &mut m.released_other,
        |m| &mut m.igsa_holds,
        |m| &mut m.still_held,
        |m| &mut m.served,
    ];
    for field in fields {
        let values: Vec<i64> = suppressed.stats.by_month.iter_mut().map(|m| *field(m)).collect();
        for (i, hidden) in hide(values).into_iter().enumerate().take(months) {
            if let Some(mark) = hidden {
                *field(&mut suppressed.stats.by_month[i]) = mark;
            }
        }
    }
    let charge_values: Vec<i64> = suppressed.stats.charges_by_category.values().copied().collect();
    for (v, hidden) in suppressed
        .stats
        .charges_by_category
        .values_mut()
        .zip(hide(charge_values))
    {
        if let Some(mark) = hidden {
            *v = mark;
        }
    }
    Ok(PublicPage {
        facility,
        tables,
        charts: charts_for(&suppressed),
    })
}
