//! The compliance report: each duty of the agreement over a period at one facility, with its
//! figures and the cases behind any breach.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::db;
use crate::domain::Role;
use crate::domain::credentials::eligibility;
use crate::error::{AppError, AppResult};
use crate::services::Caller;

#[derive(Serialize, Default)]
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

#[derive(Serialize, Default)]
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

/// (claim id, booking id, report due at, reported at, interpreter id)
type ClaimFacts = (i64, i64, DateTime<Utc>, Option<DateTime<Utc>>, Option<i64>);

#[derive(sqlx::FromRow)]
struct Service {
    id: i64,
    served_at: DateTime<Utc>,
    served_by: i64,
    served_interpreter_id: Option<i64>,
    notified_at: Option<DateTime<Utc>>,
}

pub async fn report(
    pool: &PgPool,
    caller: &Caller<'_>,
    facility: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<ComplianceReport> {
    caller.require(&[Role::Supervisor, Role::Admin])?;
    let code = facility
        .map(str::trim)
        .filter(|f| !f.is_empty() && *f != "all")
        .ok_or_else(|| AppError::field("facility", "choose one facility"))?;
    let scope = crate::services::reports::scope(pool, caller, Some(code), from, to, now).await?;
    let f = db::facilities::by_code(pool, code).await?.ok_or(AppError::NotFound)?;
    let tz = f.tz();
    let at = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .expect("midnight exists")
    };
    let (start, end) = (at(scope.from), at(scope.to + Duration::days(1)));
    let mut r = ComplianceReport {
        facility: f.code.clone(),
        from: scope.from,
        to: scope.to,
        ..Default::default()
    };

    let services: Vec<Service> = sqlx::query_as(
        "SELECT b.id, b.served_at, b.served_by, b.served_interpreter_id,
                (SELECT min(n.at) FROM ice_notifications n WHERE n.booking_id = b.id AND n.kind = 'post_service') AS notified_at
         FROM bookings b WHERE b.facility_id = $1 AND b.served_at >= $2 AND b.served_at < $3 ORDER BY b.served_at",
    )
    .bind(f.id)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    let mut records = BTreeMap::new();
    for s in &services {
        r.services.push(s.id);
        if let std::collections::btree_map::Entry::Vacant(e) = records.entry(s.served_by) {
            e.insert(db::duties::credential_record(pool, s.served_by).await?);
        }
        if !eligibility(&records[&s.served_by], s.served_at, tz).may_serve {
            r.services_by_ineligible_officers.push(s.id);
        }
        match s.notified_at {
            Some(n) if n <= s.served_at + Duration::hours(1) => r.post_service_notice_on_time.push(s.id),
            Some(_) => r.post_service_notice_late.push(s.id),
            None => r.post_service_notice_missing.push(s.id),
        }
        if s.served_interpreter_id.is_some() {
            r.services_with_interpreter.push(s.id);
        }
    }

    let claims: Vec<ClaimFacts> = sqlx::query_as(
        "SELECT c.id, c.booking_id, c.report_due_at, c.reported_at, c.interpreter_id FROM citizenship_claims c JOIN bookings b ON b.id = c.booking_id
         WHERE b.facility_id = $1 AND c.claimed_at >= $2 AND c.claimed_at < $3 ORDER BY c.claimed_at",
    )
    .bind(f.id)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    for (_, booking, due, reported, interpreter) in claims {
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

    for c in db::agreement::complaints(pool, Some(&[f.id]))
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

    let over: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, over_detained_seconds FROM bookings WHERE facility_id = $1 AND over_detained_seconds > 0
           AND closed_at >= $2 AND closed_at < $3 ORDER BY closed_at",
    )
    .bind(f.id)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await?;
    for (id, seconds) in over {
        r.holds_past_48_hours.push(id);
        r.holds_past_48_hours_seconds += seconds;
    }

    for d in db::agreement::disclosures(pool, Some(&[f.id]))
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
    for officer in db::certifications::roster(pool, Some(&[f.id])).await? {
        let record = db::duties::credential_record(pool, officer.user_id).await?;
        r.officers_at_period_end
            .insert(officer.username, eligibility(&record, period_end, tz).reasons);
    }
    r.last_annual_review = db::agreement::reviews(pool, Some(&[f.id]))
        .await?
        .into_iter()
        .map(|x| x.held_on)
        .filter(|d| *d <= scope.to)
        .max();
    Ok(r)
}
