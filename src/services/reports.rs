//! Reports shared by the pages, the CSV downloads and the API: which facilities, which period,
//! and the figures.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::db::{self, facilities::Facility};
use crate::domain::rules::Area;
use crate::domain::stats::{self, ProgramStats};
use crate::error::{AppError, AppResult};
use crate::services::Caller;

/// A period and the facilities it covers, as asked (`facility`, `from`, `to` strings).
pub struct Scope {
    /// The facility's code, or `all` (every facility the caller may see).
    pub label: String,
    /// The facilities covered (read once: the report needs each one's zone).
    pub facilities: Vec<Facility>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

pub async fn scope(
    pool: &PgPool,
    caller: &Caller<'_>,
    facility: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Scope> {
    caller.require(Area::Oversight)?;
    let (label, facilities) = match facility.map(str::trim).filter(|f| !f.is_empty() && *f != "all") {
        Some(code) => {
            let f = db::facilities::by_code(pool, code)
                .await?
                .ok_or_else(|| AppError::field("facility", format!("there is no facility `{code}`")))?;
            if !crate::domain::rules::covers(caller.user.role, &caller.user.facility_ids, f.id) {
                return Err(AppError::forbidden());
            }
            (f.code.clone(), vec![f])
        }
        None => {
            let mut mine = db::facilities::chosen(pool, caller.facility_scope()).await?;
            mine.retain(|f| crate::domain::rules::covers(caller.user.role, &caller.user.facility_ids, f.id));
            ("all".to_string(), mine)
        }
    };
    // "Today" of all one's facilities is the date where they are (the first one's zone), as for
    // one facility: never the UTC date, which is already tomorrow in the evening.
    let tz = facilities.first().map_or(chrono_tz::UTC, Facility::tz);
    let today = now.with_timezone(&tz).date_naive();
    let parse = |field: &str, v: Option<&str>| -> AppResult<Option<NaiveDate>> {
        match v.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| "use a date like 2026-01-31".to_string())
                .and_then(crate::domain::input::in_years)
                .map(Some)
                .map_err(|m| AppError::field(field, m)),
            None => Ok(None),
        }
    };
    let to = parse("to", to)?.unwrap_or(today);
    let from = parse("from", from)?.unwrap_or_else(|| last_twelve_months_from(to));
    if from > to {
        return Err(AppError::field("from", "from is after to"));
    }
    if (to - from).num_days() > 366 * 10 {
        return Err(AppError::field("from", "a report covers at most ten years"));
    }
    Ok(Scope {
        label,
        facilities,
        from,
        to,
    })
}

/// The first day of the twelve months ending on `to`.
pub fn last_twelve_months_from(to: NaiveDate) -> NaiveDate {
    to.checked_sub_months(Months::new(12))
        .and_then(|d| d.succ_opt())
        .unwrap_or(to)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProgramReport {
    pub facility: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(flatten)]
    pub stats: ProgramStats,
}

pub async fn program(pool: &PgPool, s: &Scope) -> AppResult<ProgramReport> {
    let facts = db::reports::program_facts(pool, &s.facilities, s.from, s.to).await?;
    let months = stats::months_between(s.from, s.to);
    Ok(ProgramReport {
        facility: s.label.clone(),
        from: s.from,
        to: s.to,
        stats: stats::program(&facts, &months),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IgsaRow {
    pub booking_id: i64,
    pub booking_number: String,
    pub name: String,
    pub held_from: DateTime<Utc>,
    pub held_until: Option<DateTime<Utc>>,
    pub days: i64,
    pub amount_cents: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IgsaReport {
    pub facility: String,
    pub month: String,
    pub daily_rate_cents: Option<i64>,
    pub rows: Vec<IgsaRow>,
    pub total_days: i64,
    pub total_cents: Option<i64>,
}

/// Days held under the IGSA in a month, per person, and the amount at the facility's rate.
pub async fn igsa(
    pool: &PgPool,
    caller: &Caller<'_>,
    facility: Option<&str>,
    month: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<IgsaReport> {
    caller.require(Area::Oversight)?;
    let code = facility
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| AppError::field("facility", "facility is required"))?;
    let f: Facility = db::facilities::by_code(pool, code)
        .await?
        .ok_or_else(|| AppError::field("facility", format!("there is no facility `{code}`")))?;
    if !crate::domain::rules::covers(caller.user.role, &caller.user.facility_ids, f.id) {
        return Err(AppError::forbidden());
    }
    let tz = f.tz();
    let first = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| "use a month like 2026-11".to_string())
            .and_then(crate::domain::input::in_years)
            .map_err(|m| AppError::field("month", m))?,
        None => {
            let today = now.with_timezone(&tz).date_naive();
            NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), chrono::Datelike::month(&today), 1).expect("valid")
        }
    };
    let next = first
        .checked_add_months(Months::new(1))
        .ok_or_else(|| AppError::field("month", "the month is out of range"))?;
    let at = |d: NaiveDate| crate::domain::input::start_of_day(d, tz);
    let rate = db::facilities::igsa_rate(pool, f.id).await?;
    let rows: Vec<IgsaRow> = db::reports::igsa_holds(pool, f.id, at(first), at(next))
        .await?
        .into_iter()
        .map(|h| {
            let days = stats::igsa_days_in_month(h.igsa_at, h.closed_at, now, first, tz);
            IgsaRow {
                booking_id: h.booking_id,
                booking_number: h.booking_number,
                name: format!("{}, {}", h.last_name, h.first_name),
                held_from: h.igsa_at,
                held_until: h.closed_at,
                days,
                amount_cents: rate.map(|r| r * days),
            }
        })
        .filter(|r| r.days > 0)
        .collect();
    let total_days = rows.iter().map(|r| r.days).sum();
    Ok(IgsaReport {
        facility: f.code,
        month: first.format("%Y-%m").to_string(),
        daily_rate_cents: rate,
        total_cents: rate.map(|r| r * total_days),
        total_days,
        rows,
    })
}
