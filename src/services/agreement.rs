//! Facility-level duties of the agreement: complaints, disclosures, annual reviews.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::PgPool;

use super::Caller;
use crate::db::{self, agreement::Complaint, agreement::NewDisclosure, facilities::Facility};
use crate::domain::case::check_time;
use crate::domain::rules::{self, Duty};
use crate::domain::weekdays::add_weekday_hours;
use crate::error::{AppError, AppResult};

/// Complaints reach ICE within 48 hours, weekends excluded.
pub const COMPLAINT_WEEKDAY_HOURS: i64 = 48;

async fn my_facility(pool: &PgPool, caller: &Caller<'_>, code: &str) -> AppResult<Facility> {
    let f = db::facilities::by_code(pool, code)
        .await?
        .ok_or_else(|| AppError::field("facility", format!("there is no facility `{code}`")))?;
    if !caller.user.facility_ids.contains(&f.id) {
        return Err(AppError::Forbidden {
            code: "forbidden",
            message: format!("you are not assigned to {}", f.code),
        });
    }
    Ok(f)
}

pub struct NewComplaint<'a> {
    pub facility: &'a str,
    pub received_at: DateTime<Utc>,
    pub complainant: &'a str,
    pub officers: &'a [String],
    pub summary: &'a str,
}

pub async fn record_complaint(
    pool: &PgPool,
    caller: Caller<'_>,
    c: NewComplaint<'_>,
    now: DateTime<Utc>,
) -> AppResult<Complaint> {
    rules::may_do(Duty::RecordComplaint, caller.user.role)?;
    let f = my_facility(pool, &caller, c.facility).await?;
    if c.received_at > now {
        return Err(AppError::Rule {
            code: "in_the_future",
            message: "the time is in the future".into(),
            field: Some("received_at".into()),
        });
    }
    for username in c.officers {
        if db::users::by_username(pool, username).await?.is_none() {
            return Err(AppError::field("officers", format!("there is no user `{username}`")));
        }
    }
    let due = add_weekday_hours(c.received_at, COMPLAINT_WEEKDAY_HOURS, f.tz());
    let mut tx = pool.begin().await?;
    let id = db::agreement::insert_complaint(
        &mut *tx,
        f.id,
        c.received_at,
        c.complainant,
        c.officers,
        c.summary,
        due,
        caller.user.id,
        now,
    )
    .await?;
    let detail = json!({ "complaint_id": id, "facility": f.code, "officers": c.officers, "ice_due_at": due });
    super::record(&mut tx, &caller, None, "complaint_recorded", c.received_at, now, detail).await?;
    tx.commit().await?;
    db::agreement::complaint(pool, id).await?.ok_or(AppError::NotFound)
}

async fn lock_complaint(conn: &mut sqlx::PgConnection, caller: &Caller<'_>, id: i64) -> AppResult<Complaint> {
    let Some(c) = db::agreement::lock_complaint(&mut *conn, id).await? else {
        // Beyond the caller's row scope (decision 0036) it is refused like one it sees.
        return Err(if db::agreement::complaint_exists_anywhere(&mut *conn, id).await? {
            AppError::Hidden
        } else {
            AppError::NotFound
        });
    };
    if !caller.user.facility_ids.contains(&c.facility_id) {
        // Another facility's complaint: a 404 like one that does not exist (issue 26, 15).
        return Err(AppError::Hidden);
    }
    Ok(c)
}

pub async fn complaint_sent_to_ice(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    at: DateTime<Utc>,
    method: &str,
    contact: &str,
    now: DateTime<Utc>,
) -> AppResult<Complaint> {
    rules::may_do(Duty::SendComplaintToIce, caller.user.role)?;
    let mut tx = pool.begin().await?;
    let c = lock_complaint(&mut tx, &caller, id).await?;
    if c.ice_notified_at.is_some() {
        return Err(AppError::Conflict {
            code: "already_notified",
            message: "ICE has already been told of this complaint".into(),
        });
    }
    check_time(at, now, c.received_at, "the complaint was received")?;
    db::agreement::complaint_notified(&mut *tx, id, at, method, contact).await?;
    let detail = json!({ "complaint_id": id, "method": method, "ice_contact": contact, "on_time": at <= c.ice_due_at });
    super::record(&mut tx, &caller, None, "complaint_sent_to_ice", at, now, detail).await?;
    tx.commit().await?;
    db::agreement::complaint(pool, id).await?.ok_or(AppError::NotFound)
}

pub async fn complaint_outcome(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    at: DateTime<Utc>,
    summary: &str,
    reported_to_ice_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<Complaint> {
    rules::may_do(Duty::ComplaintOutcome, caller.user.role)?;
    let mut tx = pool.begin().await?;
    let c = lock_complaint(&mut tx, &caller, id).await?;
    if c.outcome_at.is_some() {
        return Err(AppError::Conflict {
            code: "outcome_recorded",
            message: "the outcome is already recorded".into(),
        });
    }
    if c.ice_notified_at.is_none() {
        return Err(AppError::Conflict {
            code: "not_sent_to_ice",
            message: "send the complaint to ICE (and record it) before recording the outcome".into(),
        });
    }
    check_time(at, now, c.received_at, "the complaint was received")?;
    if let Some(r) = reported_to_ice_at {
        check_time(r, now, at, "the outcome").map_err(|mut e| {
            e.field = Some("reported_to_ice_at");
            e
        })?;
    }
    db::agreement::complaint_outcome(&mut *tx, id, at, summary, reported_to_ice_at).await?;
    let detail = json!({ "complaint_id": id, "summary": summary, "reported_to_ice_at": reported_to_ice_at });
    super::record(&mut tx, &caller, None, "complaint_outcome_recorded", at, now, detail).await?;
    tx.commit().await?;
    db::agreement::complaint(pool, id).await?.ok_or(AppError::NotFound)
}

pub struct DisclosureInput<'a> {
    pub facility: &'a str,
    pub what: &'a str,
    pub recipient: &'a str,
    pub requested_on: NaiveDate,
    pub clearance_requested_on: Option<NaiveDate>,
    pub cleared_on: Option<NaiveDate>,
    pub released_on: Option<NaiveDate>,
    pub early_release_reason: Option<&'a str>,
}

/// Information produced under the agreement is ICE's: a release before ICE cleared it is allowed
/// only with a written reason, and is flagged.
pub async fn record_disclosure(
    pool: &PgPool,
    caller: Caller<'_>,
    d: DisclosureInput<'_>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    rules::may_do(Duty::Disclosure, caller.user.role)?;
    let f = my_facility(pool, &caller, d.facility).await?;
    let early = d.released_on.is_some_and(|r| d.cleared_on.is_none_or(|c| r < c));
    let reason = d.early_release_reason.map(str::trim).filter(|r| !r.is_empty());
    if early && reason.is_none() {
        return Err(AppError::Rule {
            code: "clearance_required",
            message: "a release before ICE's clearance needs a written reason".into(),
            field: Some("early_release_reason".into()),
        });
    }
    for (field, date) in [
        ("clearance_requested_on", d.clearance_requested_on),
        ("cleared_on", d.cleared_on),
        ("released_on", d.released_on),
    ] {
        if date.is_some_and(|x| x < d.requested_on) {
            return Err(AppError::field(field, "this date is before the request"));
        }
    }
    let mut tx = pool.begin().await?;
    let new = NewDisclosure {
        facility_id: f.id,
        what: d.what,
        recipient: d.recipient,
        requested_on: d.requested_on,
        clearance_requested_on: d.clearance_requested_on,
        cleared_on: d.cleared_on,
        released_on: d.released_on,
        early_release_reason: reason,
    };
    let id = db::agreement::insert_disclosure(&mut *tx, &new, caller.user.id, now).await?;
    let detail = json!({ "disclosure_id": id, "facility": f.code, "recipient": d.recipient, "released_before_clearance": early });
    super::record(&mut tx, &caller, None, "disclosure_recorded", now, now, detail).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn record_review(
    pool: &PgPool,
    caller: Caller<'_>,
    facility: &str,
    held_on: NaiveDate,
    attendees: &str,
    notes: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    rules::may_do(Duty::Review, caller.user.role)?;
    let f = my_facility(pool, &caller, facility).await?;
    if held_on > now.with_timezone(&f.tz()).date_naive() {
        return Err(AppError::field("held_on", "the review date is in the future"));
    }
    let mut tx = pool.begin().await?;
    let id = db::agreement::insert_review(&mut *tx, f.id, held_on, attendees, notes, caller.user.id, now).await?;
    super::record(
        &mut tx,
        &caller,
        None,
        "annual_review_recorded",
        now,
        now,
        json!({ "review_id": id, "facility": f.code, "held_on": held_on }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
