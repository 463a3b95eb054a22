//! The oversight view (issue 28; docs/oversight.md): per agency and for all granted agencies
//! together, by month, whether the program's time limits were kept. Aggregates only: no name,
//! booking number, A-number or birth date reaches this module. Small counts (1 to 4) are
//! suppressed, with complementary suppression so that no hidden count follows from the shown
//! ones and the totals (`publish::publish`).

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::publish::{Published, publish};
use super::types::{ReleaseReason, Status};

/// One served warrant (a WSO service), with what the view counts of it.
#[derive(Clone, Debug)]
pub struct Service {
    pub agency: String,
    pub tz: Tz,
    pub served_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub status: Status,
    pub closed_at: Option<DateTime<Utc>>,
    pub release_reason: Option<ReleaseReason>,
    pub over_detained_seconds: i64,
    /// The first post-service notice to ICE, if any.
    pub notice_at: Option<DateTime<Utc>>,
}

/// One citizenship claim.
#[derive(Clone, Debug)]
pub struct Claim {
    pub agency: String,
    pub tz: Tz,
    pub claimed_at: DateTime<Utc>,
    pub reported_at: Option<DateTime<Utc>>,
}

/// One complaint.
#[derive(Clone, Debug)]
pub struct Complaint {
    pub agency: String,
    pub tz: Tz,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A WSO certification that ran out with no other of the officer's taking over: `on`, the
/// first day the officer was no longer certified (the day after `expires_on`).
#[derive(Clone, Debug)]
pub struct Lapse {
    pub agency: String,
    pub on: chrono::NaiveDate,
}

/// The figures of one month, before suppression. The order of [`FIELDS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures(pub [i64; PUBLISHED]);

/// The figures' names: the JSON fields of `GET /api/v1/oversight` and the CSV's columns.
pub const FIELDS: [&str; PUBLISHED] = [
    "services",
    "transfers_within_48h",
    "released_at_deadline",
    "over_detentions",
    "over_detention_hours",
    "claims",
    "claims_reported_within_1h",
    "notices_on_time",
    "complaints",
    "complaints_answered_in_time",
    "certification_lapses",
];

const SERVICES: usize = 0;
const WITHIN_48H: usize = 1;
const AT_DEADLINE: usize = 2;
const OVER: usize = 3;
const OVER_HOURS: usize = 4;
const CLAIMS: usize = 5;
const CLAIMS_ON_TIME: usize = 6;
const NOTICES_ON_TIME: usize = 7;
const COMPLAINTS: usize = 8;
const COMPLAINTS_ON_TIME: usize = 9;
const LAPSES: usize = 10;

/// How many figures a month has.
pub const PUBLISHED: usize = 11;

/// A claim must be reported to ICE within this of the claim; a post-service notice within this
/// of the service (the agreement's hour).
pub const WITHIN: Duration = Duration::hours(1);

/// The longest period one view covers.
pub const MAX_MONTHS: usize = 60;

/// A view's months, and the UTC instants that surely hold them in any zone (a day either side;
/// [`tally`] keeps each fact to its local month).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub months: Vec<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The months `from` to `to` (`YYYY-MM`, both included). A problem names its field.
pub fn period(from: &str, to: &str) -> Result<Period, (&'static str, String)> {
    let parse = |field: &'static str, v: &str| {
        chrono::NaiveDate::parse_from_str(&format!("{}-01", v.trim()), "%Y-%m-%d")
            .map_err(|_| (field, format!("{field} is a month like 2026-01, not `{}`", v.trim())))
            .and_then(|d| super::input::in_years(d).map_err(|m| (field, m)))
    };
    let (first, last) = (parse("from", from)?, parse("to", to)?);
    if last < first {
        return Err(("to", "to is before from".into()));
    }
    let months = super::stats::months_between(first, last);
    if months.len() > MAX_MONTHS {
        return Err(("to", format!("a view covers at most {MAX_MONTHS} months")));
    }
    use chrono::Months;
    let end = last.checked_add_months(Months::new(1)).unwrap_or(last);
    let utc = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    Ok(Period {
        months,
        start: utc(first) - Duration::days(1),
        end: utc(end) + Duration::days(1),
    })
}

fn month(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m").to_string()
}

/// What the view counts: services, claims, complaints and certification lapses.
pub type Facts<'a> = (&'a [Service], &'a [Claim], &'a [Complaint], &'a [Lapse]);

/// Tallies each agency's months (`months`: every `YYYY-MM` of the period, so quiet months are
/// zeros) at `now` (a held person past the deadline counts as over-detained so far; a lapse
/// counts once its day has come, by UTC's date).
pub fn tally(
    agencies: &[String],
    months: &[String],
    (services, claims, complaints, lapses): Facts<'_>,
    now: DateTime<Utc>,
) -> Vec<(String, Vec<Figures>)> {
    let mut out: Vec<(String, Vec<Figures>)> = agencies
        .iter()
        .map(|a| (a.clone(), vec![Figures::default(); months.len()]))
        .collect();
    fn cell<'a>(
        out: &'a mut [(String, Vec<Figures>)],
        months: &[String],
        agency: &str,
        m: String,
    ) -> Option<&'a mut Figures> {
        let i = months.iter().position(|x| *x == m)?;
        out.iter_mut().find(|(a, _)| a == agency).map(|(_, f)| &mut f[i])
    }
    for s in services {
        let Some(f) = cell(&mut out, months, &s.agency, month(s.served_at, s.tz)) else {
            continue;
        };
        f.0[SERVICES] += 1;
        let transferred_in_time = s.status == Status::Transferred && s.over_detained_seconds == 0;
        f.0[WITHIN_48H] += transferred_in_time as i64;
        f.0[AT_DEADLINE] += (s.release_reason == Some(ReleaseReason::ClockExpired)) as i64;
        let over = match s.closed_at {
            Some(_) => s.over_detained_seconds,
            None if s.status == Status::WsoHold && now > s.deadline => (now - s.deadline).num_seconds(),
            None => 0,
        };
        if over > 0 {
            f.0[OVER] += 1;
            f.0[OVER_HOURS] += over;
        }
        f.0[NOTICES_ON_TIME] += s.notice_at.is_some_and(|n| n <= s.served_at + WITHIN) as i64;
    }
    for c in claims {
        let Some(f) = cell(&mut out, months, &c.agency, month(c.claimed_at, c.tz)) else {
            continue;
        };
        f.0[CLAIMS] += 1;
        f.0[CLAIMS_ON_TIME] += c.reported_at.is_some_and(|r| r <= c.claimed_at + WITHIN) as i64;
    }
    for c in complaints {
        let Some(f) = cell(&mut out, months, &c.agency, month(c.received_at, c.tz)) else {
            continue;
        };
        f.0[COMPLAINTS] += 1;
        f.0[COMPLAINTS_ON_TIME] += c.sent_at.is_some_and(|s| s <= c.due_at) as i64;
    }
    for l in lapses.iter().filter(|l| l.on <= now.date_naive()) {
        if let Some(f) = cell(&mut out, months, &l.agency, l.on.format("%Y-%m").to_string()) {
            f.0[LAPSES] += 1;
        }
    }
    // Over-detention seconds become whole hours, rounded up (a minute past is an hour begun).
    for (_, months) in out.iter_mut() {
        for f in months.iter_mut() {
            f.0[OVER_HOURS] = (f.0[OVER_HOURS] + 3599) / 3600;
        }
    }
    out
}

/// One published month: each figure, `None` when suppressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublishedMonth {
    pub month: String,
    pub services: Option<i64>,
    pub transfers_within_48h: Option<i64>,
    pub released_at_deadline: Option<i64>,
    pub over_detentions: Option<i64>,
    pub over_detention_hours: Option<i64>,
    pub claims: Option<i64>,
    pub claims_reported_within_1h: Option<i64>,
    pub notices_on_time: Option<i64>,
    pub complaints: Option<i64>,
    pub complaints_answered_in_time: Option<i64>,
    pub certification_lapses: Option<i64>,
    /// The names of the figures withheld (small, or withheld so a small one cannot be worked
    /// out); each is `null` above, never 0.
    pub suppressed: Vec<&'static str>,
}

impl PublishedMonth {
    fn of(month: &str, cells: &[Option<i64>]) -> Self {
        let suppressed = (0..PUBLISHED)
            .filter(|i| cells[*i].is_none())
            .map(|i| FIELDS[i])
            .collect();
        PublishedMonth {
            month: month.to_string(),
            services: cells[SERVICES],
            transfers_within_48h: cells[WITHIN_48H],
            released_at_deadline: cells[AT_DEADLINE],
            over_detentions: cells[OVER],
            over_detention_hours: cells[OVER_HOURS],
            claims: cells[CLAIMS],
            claims_reported_within_1h: cells[CLAIMS_ON_TIME],
            notices_on_time: cells[NOTICES_ON_TIME],
            complaints: cells[COMPLAINTS],
            complaints_answered_in_time: cells[COMPLAINTS_ON_TIME],
            certification_lapses: cells[LAPSES],
            suppressed,
        }
    }

    /// The figures in [`FIELDS`] order (the CSV's columns).
    pub fn cells(&self) -> [Option<i64>; PUBLISHED] {
        [
            self.services,
            self.transfers_within_48h,
            self.released_at_deadline,
            self.over_detentions,
            self.over_detention_hours,
            self.claims,
            self.claims_reported_within_1h,
            self.notices_on_time,
            self.complaints,
            self.complaints_answered_in_time,
            self.certification_lapses,
        ]
    }
}

/// The view: each agency's months and the total of all of them, suppressed.
///
/// The cells of one figure in one month are tied by an equation: the total is the sum of the
/// agencies. A small count (1 to 4) is hidden; where a month's figure then has exactly one
/// hidden cell among the agencies and the total, the smallest shown one is withheld too
/// (`publish`), so no hidden count follows by subtraction. Over-detention hours are hidden
/// wherever the over-detention count is (a small count's hours would tell about few people).
#[allow(clippy::needless_range_loop)] // cells[agency][month][field]: three indexes at once
pub fn published(
    tallied: &[(String, Vec<Figures>)],
    months: &[String],
) -> (Vec<(String, Vec<PublishedMonth>)>, Vec<PublishedMonth>) {
    let n = tallied.len();
    // cells[agency or n for the total][month][field]
    let mut cells: Vec<Vec<[Option<i64>; PUBLISHED]>> = vec![vec![[None; PUBLISHED]; months.len()]; n + 1];
    for m in 0..months.len() {
        for field in 0..PUBLISHED {
            let mut values: Vec<i64> = tallied.iter().map(|(_, f)| f[m].0[field]).collect();
            values.push(values.iter().sum());
            let all: Vec<usize> = (0..=n).collect();
            let shown = publish(&values, &[&all]);
            for (i, p) in shown.iter().enumerate() {
                cells[i][m][field] = match p {
                    Published::Count(v) => Some(*v),
                    Published::Small | Published::Withheld => None,
                };
            }
        }
        for row in cells.iter_mut() {
            if row[m][OVER].is_none() {
                row[m][OVER_HOURS] = None;
            }
        }
    }
    let per_agency = tallied
        .iter()
        .enumerate()
        .map(|(i, (code, _))| {
            let rows = months
                .iter()
                .enumerate()
                .map(|(m, month)| PublishedMonth::of(month, &cells[i][m]))
                .collect();
            (code.clone(), rows)
        })
        .collect();
    let total = months
        .iter()
        .enumerate()
        .map(|(m, month)| PublishedMonth::of(month, &cells[n][m]))
        .collect();
    (per_agency, total)
}

#[cfg(test)]
#[path = "oversight_tests.rs"]
mod tests;
