//! The deadline watcher: every few seconds, the most urgent due threshold of each running clock.
//! Any number of server processes may run it on one database: a case locked by another
//! process is skipped this round (`FOR UPDATE SKIP LOCKED`), and each alert's unique key keeps
//! it to one row however the processes interleave.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{Raise, raise};
use crate::db;
use crate::domain::alerts::{AlertKind, due, hours_left_for, most_urgent_due, schedule};
use crate::error::AppResult;

/// Raises every alert due at `now` (custody clocks, citizenship claims, post-service notices,
/// complaints, annual reviews); returns how many were raised.
pub async fn check_deadlines(
    pool: &PgPool,
    now: DateTime<Utc>,
    hours_left: &[i64],
    mail_from: &str,
) -> AppResult<usize> {
    let mut count = check_clocks(pool, now, hours_left, mail_from).await?;
    count += check_claims(pool, now, mail_from).await?;
    count += check_post_service(pool, now, mail_from).await?;
    count += super::agreement::check_complaints(pool, now, mail_from).await?;
    count += super::agreement::check_reviews(pool, now, mail_from).await?;
    Ok(count)
}

async fn check_claims(pool: &PgPool, now: DateTime<Utc>, mail_from: &str) -> AppResult<usize> {
    let mut count = 0;
    for claim in db::claims::unreported_claims(pool).await? {
        let thresholds = crate::domain::claims::alerts(claim.report_due_at);
        let Some(kind) = most_urgent_due(now, &thresholds) else {
            continue;
        };
        let mut tx = pool.begin().await?;
        let Some(b) = db::bookings::try_lock(&mut tx, claim.booking_id, false).await? else {
            continue;
        };
        let r = Raise {
            kind,
            urgency: 0,
            dedupe_key: format!("claim:{}:{kind}", claim.id),
            detail: format!(
                "A U.S. citizenship claim was made at {}. ICE must be told within one hour: by {}.",
                crate::clock::local_time(claim.claimed_at, b.tz()),
                crate::clock::local_time(claim.report_due_at, b.tz())
            ),
        };
        if raise(&mut tx, &b, r, now, mail_from).await?.is_some() {
            count += 1;
        }
        tx.commit().await?;
    }
    Ok(count)
}

async fn check_post_service(pool: &PgPool, now: DateTime<Utc>, mail_from: &str) -> AppResult<usize> {
    let mut count = 0;
    // A notice is overdue once the hour after its service has passed; the watcher looks back a week.
    let served_by = crate::domain::notice::overdue_if_served_by(now);
    for id in
        db::documents::without_post_service_notice(pool, now - crate::domain::notice::OVERDUE_LOOK_BACK, served_by)
            .await?
    {
        let mut tx = pool.begin().await?;
        let Some(b) = db::bookings::try_lock(&mut tx, id, false).await? else {
            continue;
        };
        let r = Raise {
            kind: AlertKind::PostServiceNoticeOverdue,
            urgency: 0,
            dedupe_key: format!("booking:{id}:post_service_notice_overdue"),
            detail: "No ICE notification of kind post_service has been logged since the service.".into(),
        };
        if raise(&mut tx, &b, r, now, mail_from).await?.is_some() {
            count += 1;
        }
        tx.commit().await?;
    }
    Ok(count)
}

async fn check_clocks(pool: &PgPool, now: DateTime<Utc>, hours_left: &[i64], mail_from: &str) -> AppResult<usize> {
    let running = db::bookings::pending_transfers(pool, None).await?;
    if running.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = running.iter().map(|b| b.id).collect();
    let raised: HashMap<i64, i32> = db::alerts::raised_urgency(pool, &ids).await?.into_iter().collect();
    // The agencies that set their own alert hours, by facility (the rest: `hours_left`).
    let own: HashMap<i64, Vec<i64>> = db::agencies::alert_hours_by_facility(pool)
        .await?
        .into_iter()
        .map(|(f, h)| (f, h.into_iter().map(i64::from).collect()))
        .collect();
    let mut count = 0;
    for b in running {
        let (Some(served), Some(deadline)) = (b.served_at, b.custody_deadline) else {
            continue;
        };
        let hours = hours_left_for(own.get(&b.facility_id).map(Vec::as_slice), hours_left);
        let plan = schedule(served, deadline, hours);
        let Some(threshold) = due(&plan, now, raised.get(&b.id).copied()) else {
            continue;
        };
        let mut tx = pool.begin().await?;
        if db::bookings::try_lock(&mut tx, b.id, true).await?.is_none() {
            continue;
        }
        // Another process may have raised a more urgent one since we looked.
        let now_raised = db::alerts::raised_urgency(&mut *tx, &[b.id])
            .await?
            .first()
            .map(|(_, u)| *u);
        if due(&plan, now, now_raised).is_none() {
            continue;
        }
        let r = Raise {
            kind: threshold.kind,
            urgency: threshold.urgency,
            dedupe_key: format!("booking:{}:{}", b.id, threshold.kind),
            detail: String::new(),
        };
        if raise(&mut tx, &b, r, now, mail_from).await?.is_some() {
            count += 1;
        }
        tx.commit().await?;
    }
    Ok(count)
}

/// The alert due at service time (in the service's own transaction): normally
/// `deadline_at_service`, or the most urgent threshold already past when the service is
/// entered late.
pub async fn raise_at_service(
    conn: &mut sqlx::PgConnection,
    b: &db::bookings::Booking,
    now: DateTime<Utc>,
    hours_left: &[i64],
    mail_from: &str,
) -> AppResult<()> {
    let (Some(served), Some(deadline)) = (b.served_at, b.custody_deadline) else {
        return Ok(());
    };
    let own = db::agencies::of(&mut *conn, Some(b.facility_id), None)
        .await?
        .and_then(|a| a.hours_left());
    let plan = schedule(served, deadline, hours_left_for(own.as_deref(), hours_left));
    if let Some(t) = due(&plan, now, None) {
        let r = Raise {
            kind: t.kind,
            urgency: t.urgency,
            dedupe_key: format!("booking:{}:{}", b.id, t.kind),
            detail: String::new(),
        };
        raise(conn, b, r, now, mail_from).await?;
    }
    Ok(())
}
