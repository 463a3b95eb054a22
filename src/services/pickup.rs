//! ICE's planned pickup (issue 31): recorded, changed or withdrawn by the facility's liaison or
//! supervisor while the case is on a WSO hold (`rules::Step::PlanPickup`), audited on the case's
//! timeline; the webhook `pickup.planned` is written by the database in the same transaction.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use super::{Caller, lock, record};
use crate::db;
use crate::domain::events::Action;
use crate::domain::pickup::NewPlan;
use crate::domain::rules::{self, Step};
use crate::error::{AppError, AppResult};

/// Records (or replaces) the case's plan.
pub async fn set(pool: &PgPool, caller: Caller<'_>, id: i64, plan: &NewPlan, now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let locked = locked(&mut tx, &caller, id).await?;
    let before = db::pickup::get(&mut *tx, id).await?;
    db::pickup::set(
        &mut *tx,
        id,
        plan.planned_at,
        plan.officer.as_deref(),
        plan.note.as_deref(),
        caller.user.id,
        now,
    )
    .await?;
    let detail = json!({
        "planned_at": plan.planned_at, "officer": plan.officer, "note": plan.note,
        "previously": before.map(|b| b.planned_at), "custody_deadline": locked.b.custody_deadline,
    });
    noted(&mut tx, &caller, id, Action::PickupPlanned, now, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws the case's plan (404 when it has none).
pub async fn clear(pool: &PgPool, caller: Caller<'_>, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    locked(&mut tx, &caller, id).await?;
    let Some(before) = db::pickup::get(&mut *tx, id).await? else {
        return Err(AppError::NotFound);
    };
    db::pickup::clear(&mut *tx, id).await?;
    let detail = json!({ "planned_at": before.planned_at });
    noted(&mut tx, &caller, id, Action::PickupPlanWithdrawn, now, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Locks the case for a plan: the rulebook's `PlanPickup` (who, at which facility, and only on a
/// WSO hold).
async fn locked(conn: &mut sqlx::PgConnection, caller: &Caller<'_>, id: i64) -> AppResult<super::Locked> {
    let locked = lock(&mut *conn, caller, id, Step::PlanPickup).await?;
    rules::may(Step::PlanPickup, locked.actor(caller, false), locked.facts())?;
    Ok(locked)
}

/// The plan's entry on the case's timeline.
async fn noted(
    conn: &mut sqlx::PgConnection,
    caller: &Caller<'_>,
    id: i64,
    action: Action,
    now: DateTime<Utc>,
    detail: serde_json::Value,
) -> AppResult<()> {
    record(conn, caller, Some(id), action.word(), now, now, detail).await
}
