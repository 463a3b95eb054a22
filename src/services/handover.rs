//! The shift handover (issue 31): for a facility and a period (the current shift unless chosen),
//! what comes due before the next shift ends and what happened in the shift that ends, each list
//! in time order; and the audited record of who handed over to whom.

use chrono::{DateTime, Days, NaiveTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use super::Caller;
use crate::db;
use crate::db::facilities::Facility;
use crate::domain::alerts::{hours_left_for, schedule};
use crate::domain::handover::{self, Period};
use crate::domain::notice::post_service_notice_due;
use crate::domain::rules;
use crate::error::{AppError, AppResult};

/// Certifications expiring within this many days are listed.
pub const CERTIFICATION_DAYS: u64 = 30;

/// One line of a handover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub at: DateTime<Utc>,
    /// The booking number (an officer's username for a certification; none for a complaint).
    pub about: Option<String>,
    pub what: String,
    /// Already past due (coming due), or late (happened).
    pub late: bool,
}

pub struct Handover {
    pub facility: Facility,
    pub period: Period,
    pub due: Vec<Item>,
    pub happened: Vec<Item>,
}

/// The facility `code` for `caller`: 404 when unknown, 403 when not theirs or not the jail's staff.
pub async fn facility(pool: &PgPool, caller: &Caller<'_>, code: &str) -> AppResult<Facility> {
    let f = db::facilities::by_code(pool, code).await?.ok_or(AppError::NotFound)?;
    crate::domain::handover::may_hand_over(caller.user.role, caller.user.facility_ids.contains(&f.id))?;
    Ok(f)
}

/// The handover of `facility` at `now` (`chosen`: a period of its own, from..to).
pub async fn read(
    pool: &PgPool,
    facility: Facility,
    chosen: Option<(DateTime<Utc>, DateTime<Utc>)>,
    now: DateTime<Utc>,
    hours_left: &[i64],
) -> AppResult<Handover> {
    let tz = facility.timezone.0;
    let starts: Vec<NaiveTime> = db::handover::shift_starts(pool, facility.id).await?;
    let period = match chosen {
        None => handover::current(now, tz, &starts),
        Some((from, to)) => handover::chosen(from, to, tz, &starts).map_err(|m| AppError::field("to", m))?,
    };
    // The clock's thresholds as the watcher raises them: the agency's hours, else the installation's.
    let agency = db::agencies::of(pool, Some(facility.id), None).await?;
    let agency_hours = agency.and_then(|a| a.hours_left());
    let hours_left = hours_left_for(agency_hours.as_deref(), hours_left);
    // From now (or the period's end, if it is past) until the next shift ends.
    let due_from = now.min(period.to);
    let until = period.due_until;
    let mut due = Vec::new();
    let item = |at, about: Option<String>, what: String| Item {
        at,
        about,
        what,
        late: at < now,
    };
    for (number, served, deadline, told, pickup) in db::handover::holds(pool, facility.id).await? {
        // A hold already past its deadline: a person held past the limit, first of all.
        if deadline < due_from {
            due.push(item(
                deadline,
                Some(number.clone()),
                "Clock: 48-hour deadline PASSED: release required".into(),
            ));
        }
        for th in schedule(served, deadline, hours_left) {
            if th.at >= due_from && th.at < until {
                due.push(item(th.at, Some(number.clone()), format!("Clock: {}", th.kind.words())));
            }
        }
        let notice = post_service_notice_due(served);
        if !told && notice < until {
            due.push(item(notice, Some(number.clone()), "Notify ICE of the service".into()));
        }
        if let Some(p) = pickup.filter(|p| *p < until) {
            due.push(item(p, Some(number.clone()), "ICE pickup planned".into()));
        }
    }
    for (at, about, kind) in db::handover::open_duties(pool, facility.id, until).await? {
        let what = match kind {
            "claim" => "Report the citizenship claim to ICE",
            _ => "Send the complaint to ICE",
        };
        due.push(item(at, about, what.into()));
    }
    // Certifications by their last valid day (the facility's date), never as late.
    let today = now.with_timezone(&tz).date_naive();
    let window = (today, today + Days::new(CERTIFICATION_DAYS));
    for (last_day, who) in db::handover::expiring_certifications(pool, facility.id, window).await? {
        let at = handover::local_midnight(last_day, tz);
        due.push(Item {
            at,
            about: Some(who),
            what: format!("WSO certification expires after {}", last_day.format("%Y-%m-%d")),
            late: false,
        });
    }
    due.sort_by(|a, b| (a.at, &a.about).cmp(&(b.at, &b.about)));
    let mut happened: Vec<Item> = db::handover::happened(pool, facility.id, (period.from, period.to))
        .await?
        .into_iter()
        .map(|(at, about, kind)| {
            let (what, late) = match kind {
                "served" => ("Warrant served: 48-hour clock started", false),
                "transferred" => ("Transferred to ICE", false),
                "transferred_late" => ("Transferred to ICE AFTER the deadline", true),
                "released" => ("Released", false),
                "released_late" => ("Released AFTER the deadline", true),
                _ => ("Citizenship claim reported to ICE late", true),
            };
            Item {
                at,
                about,
                what: what.into(),
                late,
            }
        })
        .collect();
    happened.sort_by(|a, b| (a.at, &a.about).cmp(&(b.at, &b.about)));
    Ok(Handover {
        facility,
        period,
        due,
        happened,
    })
}

/// Records that `caller` handed the facility's shift over to `received_by` (audited).
pub async fn record(
    pool: &PgPool,
    caller: &Caller<'_>,
    facility: &Facility,
    period: Period,
    received_by: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let receiver = db::users::by_username(pool, received_by)
        .await?
        .filter(|u| u.disabled_at.is_none() && u.facility_ids.contains(&facility.id) && rules::may_book(u.role).is_ok())
        .ok_or_else(|| AppError::field("received_by", "name a staff member of this facility"))?;
    if receiver.id == caller.user.id {
        return Err(AppError::field("received_by", "a shift is handed over to someone else"));
    }
    let mut tx = pool.begin().await?;
    let detail = json!({
        "facility": facility.code, "from": period.from, "to": period.to,
        "handed_over_by": caller.user.username, "received_by": receiver.username,
    });
    super::record(&mut tx, caller, None, "shift_handed_over", now, now, detail).await?;
    tx.commit().await?;
    Ok(())
}
