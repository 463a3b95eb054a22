//! The compliance report: each duty of the agreement over a period at one facility, with its
//! figures and the cases behind any breach.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::db;
use crate::domain::credentials::eligibility;
use crate::domain::notice::{NoticeTiming, post_service_notice_timing};
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult};
use crate::services::Caller;

#[derive(Serialize, Default, utoipa::ToSchema)]
pub struct Figure {
    pub count: i64,
    /// The cases (booking ids) or complaints (ids) behind the figure.
    pub ids: Vec<i64>,
}

impl Figure {
    fn push(&mut self, id: i64) {
        self.count += 1;
        self.ids.push(id);
    }
}

#[derive(Serialize, Default, utoipa::ToSchema)]
pub struct ComplianceReport {
    pub facility: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub services: Figure,
    pub services_by_ineligible_officers: Figure,
    pub post_service_notice_on_time: Figure,
    pub post_service_notice_late: Figure,
    pub post_service_notice_missing: Figure,
    pub citizenship_claims: Figure,
    pub citizenship_claims_reported_on_time: Figure,
    pub citizenship_claims_reported_late: Figure,
    pub citizenship_claims_unreported: Figure,
    pub complaints: Figure,
    pub complaints_sent_on_time: Figure,
    pub complaints_sent_late: Figure,
    pub complaints_not_sent: Figure,
    pub complaint_outcomes_recorded: Figure,
    pub complaint_outcomes_reported_to_ice: Figure,
    pub holds_past_48_hours: Figure,
    pub holds_past_48_hours_seconds: i64,
    pub services_with_interpreter: Figure,
    pub claims_with_interpreter: Figure,
    pub disclosures: Figure,
    pub disclosures_cleared_first: Figure,
    pub disclosures_released_before_clearance: Figure,
    /// At the end of the period: each officer and supervisor, and why they may not serve.
    pub officers_at_period_end: BTreeMap<String, Vec<&'static str>>,
    pub last_annual_review: Option<NaiveDate>,
}

pub async fn report(
    pool: &PgPool,
    caller: &Caller<'_>,
    facility: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<ComplianceReport> {
    caller.require(Area::Oversight)?;
    let code = facility
        .map(str::trim)
        .filter(|f| !f.is_empty() && *f != "all")
        .ok_or_else(|| AppError::field("facility", "choose one facility"))?;
    let scope = crate::services::reports::scope(pool, caller, Some(code), from, to, now).await?;
    let f = db::facilities::by_code(pool, code).await?.ok_or(AppError::NotFound)?;
    let tz = f.tz();
    let at = |d: NaiveDate| crate::domain::input::start_of_day(d, tz);
    let (start, end) = (at(scope.from), at(scope.to + Duration::days(1)));
    let mut r = ComplianceReport {
        facility: f.code.clone(),
        from: scope.from,
        to: scope.to,
        ..Default::default()
    };

    // One read-only transaction: every figure from one snapshot, in a fixed number of
    // statements however many cases the period holds.
    let mut tx = pool.begin().await?;
    db::read_snapshot(&mut tx).await?;
    let services = db::compliance::services(&mut *tx, f.id, start, end).await?;
    let roster = db::certifications::roster(&mut *tx, Some(&[f.id]), None).await?;
    let mut officers: Vec<i64> = services.iter().map(|s| s.served_by).collect();
    officers.extend(roster.iter().map(|o| o.user_id));
    officers.sort_unstable();
    officers.dedup();
    let records = db::credentials::records(&mut tx, &officers).await?;
    for s in &services {
        r.services.push(s.id);
        let record = records.get(&s.served_by).cloned().unwrap_or_default();
        if !eligibility(&record, s.served_at, tz).may_serve {
            r.services_by_ineligible_officers.push(s.id);
        }
        match post_service_notice_timing(s.served_at, s.notified_at) {
            NoticeTiming::OnTime => r.post_service_notice_on_time.push(s.id),
            NoticeTiming::Late => r.post_service_notice_late.push(s.id),
            NoticeTiming::Missing => r.post_service_notice_missing.push(s.id),
        }
        if s.served_interpreter_id.is_some() {
            r.services_with_interpreter.push(s.id);
        }
    }

    for (_, booking, due, reported, interpreter) in db::compliance::claims(&mut *tx, f.id, start, end).await? {
        r.citizenship_claims.push(booking);
        match reported {
            Some(t) if t <= due => r.citizenship_claims_reported_on_time.push(booking),
            Some(_) => r.citizenship_claims_reported_late.push(booking),
            None => r.citizenship_claims_unreported.push(booking),
        }
        if interpreter.is_some() {
            r.claims_with_interpreter.push(booking);
        }
    }

    for c in db::agreement::complaints(&mut *tx, Some(&[f.id]))
        .await?
        .into_iter()
        .filter(|c| c.received_at >= start && c.received_at < end)
    {
        r.complaints.push(c.id);
        match c.ice_notified_at {
            Some(t) if t <= c.ice_due_at => r.complaints_sent_on_time.push(c.id),
            Some(_) => r.complaints_sent_late.push(c.id),
            None => r.complaints_not_sent.push(c.id),
        }
        if c.outcome_at.is_some() {
            r.complaint_outcomes_recorded.push(c.id);
        }
        if c.outcome_reported_to_ice_at.is_some() {
            r.complaint_outcomes_reported_to_ice.push(c.id);
        }
    }

    for (id, seconds) in db::compliance::holds_past_deadline(&mut *tx, f.id, start, end).await? {
        r.holds_past_48_hours.push(id);
        r.holds_past_48_hours_seconds += seconds;
    }

    for d in db::agreement::disclosures(&mut *tx, Some(&[f.id]))
        .await?
        .into_iter()
        .filter(|d| d.requested_on >= scope.from && d.requested_on <= scope.to)
    {
        r.disclosures.push(d.id);
        if d.released_before_clearance {
            r.disclosures_released_before_clearance.push(d.id);
        } else if d.cleared_on.is_some() {
            r.disclosures_cleared_first.push(d.id);
        }
    }

    let period_end = end - Duration::seconds(1);
    for officer in roster {
        let record = records.get(&officer.user_id).cloned().unwrap_or_default();
        r.officers_at_period_end
            .insert(officer.username, eligibility(&record, period_end, tz).reasons);
    }
    r.last_annual_review = db::agreement::reviews(&mut *tx, Some(&[f.id]))
        .await?
        .into_iter()
        .map(|x| x.held_on)
        .filter(|d| *d <= scope.to)
        .max();
    tx.commit().await?;
    Ok(r)
}
