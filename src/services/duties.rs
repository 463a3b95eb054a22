//! A facility's next duties (issue 31; `GET /api/v1/duties`, the dashboards): each open case's
//! one next duty (`domain::next_steps::duty`, the same that leads the case page) and each
//! complaint still owed to ICE, soonest due first, those with no deadline last.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::db;
use crate::domain::case::IceDocument;
use crate::domain::claims::{self, ClaimFacts};
use crate::domain::next_steps::{self, Binds, NextDuty, complaint_duty};
use crate::domain::rules::{self, Duty};
use crate::error::AppResult;
use crate::services::Caller;

/// One duty of a facility: a case's (with its booking) or a complaint's (without).
#[derive(Debug, Clone)]
pub struct Listed {
    pub booking_id: Option<i64>,
    pub booking_number: Option<String>,
    pub complaint_id: Option<i64>,
    pub facility_id: i64,
    /// The facility's zone, for showing `due_at`.
    pub tz: chrono_tz::Tz,
    pub duty: NextDuty,
}

/// The duties of `facilities` (`None`: every one the caller's scope shows) at `now`.
pub async fn list(
    db: &PgPool,
    caller: &Caller<'_>,
    facilities: Option<&[i64]>,
    now: DateTime<Utc>,
) -> AppResult<Vec<Listed>> {
    let cases: Vec<_> = db::duties::open_cases(db, facilities)
        .await?
        .into_iter()
        .filter(|c| {
            rules::may_see(
                caller.user.role,
                caller.user.facility_ids.contains(&c.facility_id),
                c.status,
            )
        })
        .collect();
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let mut documents: HashMap<i64, Vec<IceDocument>> = HashMap::new();
    for (id, d) in db::duties::documents(db, &ids).await? {
        documents.entry(id).or_default().push(d);
    }
    let mut claim_facts: HashMap<i64, Vec<ClaimFacts>> = HashMap::new();
    for (id, c) in db::duties::unreported_claims(db, &ids).await? {
        claim_facts.entry(id).or_default().push(c);
    }
    let mut listed: Vec<Listed> = cases
        .into_iter()
        .filter_map(|c| {
            let binds = Binds {
                active_warrant: crate::domain::case::active_warrant(
                    documents.get(&c.id).map_or(&[], Vec::as_slice),
                    now,
                ),
                notice_logged: c.notice_logged,
                claim_report_due: claims::first_report_due(claim_facts.remove(&c.id).unwrap_or_default()),
            };
            let duty = next_steps::duty(&c.case(), binds, now)?;
            Some(Listed {
                booking_id: Some(c.id),
                booking_number: Some(c.booking_number),
                complaint_id: None,
                facility_id: c.facility_id,
                tz: c.facility_timezone.0,
                duty,
            })
        })
        .collect();
    if rules::may_do(Duty::ReadComplaints, caller.user.role).is_ok() {
        for c in db::agreement::open_complaints(db).await? {
            if facilities.is_none_or(|f| f.contains(&c.facility_id)) {
                listed.push(Listed {
                    booking_id: None,
                    booking_number: None,
                    complaint_id: Some(c.id),
                    facility_id: c.facility_id,
                    tz: c.tz(),
                    duty: complaint_duty(c.ice_due_at),
                });
            }
        }
    }
    listed.sort_by_key(|l| (next_steps::due_order(l.duty.due_at), l.booking_id, l.complaint_id));
    Ok(listed)
}
