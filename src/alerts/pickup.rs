//! The planned-pickup alerts (issue 31), on the deadline watcher's round: each running hold whose
//! plan is after its deadline, whose planned time passed, or which has no plan with
//! `WSO_PICKUP_PLAN_HOURS` or fewer left (`domain::pickup::flag`), once per case and plan, to
//! the facility's supervisors and liaisons.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{Raise, raise};
use crate::clock::local_time;
use crate::db;
use crate::domain::pickup::{dedupe_key, flag};
use crate::error::AppResult;

/// Raises the pickup alerts due at `now`; returns how many were raised.
pub async fn check_pickups(
    pool: &PgPool,
    now: DateTime<Utc>,
    unplanned_hours: i64,
    mail_from: &str,
) -> AppResult<usize> {
    let running = db::bookings::pending_transfers(pool, None).await?;
    let ids: Vec<i64> = running.iter().map(|b| b.id).collect();
    let plans: HashMap<i64, db::pickup::PickupPlan> = db::pickup::for_bookings(pool, &ids)
        .await?
        .into_iter()
        .map(|p| (p.booking_id, p))
        .collect();
    let mut count = 0;
    for b in running {
        let Some(deadline) = b.custody_deadline else {
            continue;
        };
        if flag(deadline, plans.get(&b.id).map(|p| p.plan()), now, unplanned_hours).is_none() {
            continue;
        }
        let mut tx = pool.begin().await?;
        // Skipped this round if another process holds it, or it left the hold meanwhile; the
        // plan is read again under the lock (a liaison may have just changed it).
        let Some(b) = db::bookings::try_lock(&mut tx, b.id, true).await? else {
            continue;
        };
        let plan = db::pickup::get(&mut *tx, b.id).await?;
        let plan = plan.as_ref();
        let Some(deadline) = b.custody_deadline else {
            continue;
        };
        let Some(f) = flag(deadline, plan.map(|p| p.plan()), now, unplanned_hours) else {
            continue;
        };
        let detail = match plan {
            Some(p) => format!(
                "Pickup planned for {}{} (recorded by {}).",
                local_time(p.planned_at, b.tz()),
                p.officer.as_deref().map(|o| format!(" by {o}")).unwrap_or_default(),
                p.set_by
            ),
            None => "No pickup by ICE has been planned.".into(),
        };
        let r = Raise {
            kind: f.alert(),
            urgency: 0,
            dedupe_key: dedupe_key(b.id, f, plan.map(|p| p.plan())),
            detail,
        };
        if raise(&mut tx, &b, r, now, mail_from).await?.is_some() {
            count += 1;
        }
        tx.commit().await?;
    }
    Ok(count)
}
