//! Facility-level deadlines on the same watcher: complaints to ICE within 48 weekday hours, and
//! the annual review 11 months after the last one.

use chrono::{DateTime, Duration, Months, NaiveTime, TimeZone, Utc};
use sqlx::PgPool;

use super::{Generic, raise_generic};
use crate::clock::local_time;
use crate::db;
use crate::domain::alerts::{AlertKind, most_urgent_due};
use crate::domain::weekdays::add_weekday_hours;
use crate::error::AppResult;

/// The complaint alert comes when 12 of the 48 weekday hours are left.
pub const COMPLAINT_WARNING_WEEKDAY_HOURS: i64 = 36;

pub async fn check_complaints(pool: &PgPool, now: DateTime<Utc>, mail_from: &str) -> AppResult<usize> {
    let mut count = 0;
    for c in db::agreement::open_complaints(pool).await? {
        let tz = c.tz();
        let thresholds = [
            (
                AlertKind::ComplaintIceDue,
                add_weekday_hours(c.received_at, COMPLAINT_WARNING_WEEKDAY_HOURS, tz),
            ),
            (AlertKind::ComplaintIceOverdue, c.ice_due_at),
        ];
        let Some(kind) = most_urgent_due(now, &thresholds) else {
            continue;
        };
        let mut tx = pool.begin().await?;
        if !db::agreement::try_lock_open_complaint(&mut *tx, c.id).await? {
            continue;
        }
        let g = Generic {
            facility_id: Some(c.facility_id),
            agency_id: None,
            to: None,
            booking_id: None,
            complaint_id: Some(c.id),
            kind,
            urgency: 0,
            dedupe_key: format!("complaint:{}:{kind}", c.id),
            title: format!("Complaint {} ({}): {}", c.id, c.facility, kind.words()),
            body: format!(
                "{}\n\nComplaint {} received {}.\nIt must reach ICE by {} (48 hours, weekends excluded).\n\nComplaint: /complaints#complaint-{}\n",
                kind.words(),
                c.id,
                local_time(c.received_at, tz),
                local_time(c.ice_due_at, tz),
                c.id
            ),
            subject_header: Some(("X-WSO-Complaint", c.id.to_string())),
        };
        if raise_generic(&mut tx, g, now, mail_from).await?.is_some() {
            count += 1;
        }
        tx.commit().await?;
    }
    Ok(count)
}

pub async fn check_reviews(pool: &PgPool, now: DateTime<Utc>, mail_from: &str) -> AppResult<usize> {
    let mut count = 0;
    for (facility_id, code, timezone, since) in db::agreement::review_baselines(pool).await? {
        let tz = timezone.0;
        let Some(due_day) = since.checked_add_months(Months::new(11)) else {
            continue;
        };
        let due = tz
            .from_local_datetime(&due_day.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc));
        if due.is_none_or(|d| d > now) {
            continue;
        }
        let mut tx = pool.begin().await?;
        let g = Generic {
            facility_id: Some(facility_id),
            agency_id: None,
            to: None,
            booking_id: None,
            complaint_id: None,
            kind: AlertKind::AnnualReviewDue,
            urgency: 0,
            dedupe_key: format!("review:{facility_id}:{due_day}"),
            title: format!("{code}: {}", AlertKind::AnnualReviewDue.words()),
            body: format!(
                "The agreement with ICE is reviewed at least once a year. The last review (or the agreement's start) was {since}; \
                 schedule the next one before {}.\n",
                (due_day + Duration::days(31)).format("%Y-%m-%d")
            ),
            subject_header: None,
        };
        if raise_generic(&mut tx, g, now, mail_from).await?.is_some() {
            count += 1;
        }
        tx.commit().await?;
    }
    Ok(count)
}
