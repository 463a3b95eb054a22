//! The oversight view (issue 28; docs/oversight.md): an oversight account reads, for the
//! agencies it is granted, each month's figures and their total, suppressed. Every view is
//! audited (`oversight_viewed`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;

use crate::db;
use crate::domain::oversight::{self, PublishedMonth};
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult};
use crate::services::Caller;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyMonths {
    pub code: String,
    pub months: Vec<PublishedMonth>,
}

/// `GET /api/v1/oversight`'s answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OversightView {
    pub agencies: Vec<AgencyMonths>,
    /// The granted agencies (or the one asked for) together, month by month.
    pub state: Vec<PublishedMonth>,
}

/// The view of `from` to `to` (`YYYY-MM`) for the caller's granted agencies, or the one
/// `agency` names (403 when it is not granted to them).
pub async fn view(
    pool: &PgPool,
    caller: &Caller<'_>,
    (from, to): (&str, &str),
    agency: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<OversightView> {
    caller.require(Area::Aggregates)?;
    let oversight::Period { months, start, end } =
        oversight::period(from, to).map_err(|(field, m)| AppError::field(field, m))?;
    let mut granted = db::oversight::granted(pool, caller.user.id).await?;
    if let Some(code) = agency.map(str::trim).filter(|c| !c.is_empty()) {
        granted.retain(|(_, c)| c == code);
        if granted.is_empty() {
            return Err(AppError::Forbidden {
                code: "forbidden",
                message: format!("the agency `{code}` is not one you are granted"),
            });
        }
    }
    let ids: Vec<i64> = granted.iter().map(|(id, _)| *id).collect();
    let codes: Vec<String> = granted.into_iter().map(|(_, c)| c).collect();
    let span = (start, end);
    let mut tx = pool.begin().await?;
    db::read_snapshot(&mut tx).await?;
    let services = db::oversight::services(&mut *tx, &ids, span).await?;
    let claims = db::oversight::claims(&mut *tx, &ids, span).await?;
    let complaints = db::oversight::complaints(&mut *tx, &ids, span).await?;
    tx.commit().await?;
    let tallied = oversight::tally(&codes, &months, (&services, &claims, &complaints), now);
    let (per_agency, state) = oversight::published(&tallied, &months);
    let view = OversightView {
        agencies: per_agency
            .into_iter()
            .map(|(code, months)| AgencyMonths { code, months })
            .collect(),
        state,
    };
    let detail = json!({ "from": from.trim(), "to": to.trim(), "agencies": codes });
    let actor = crate::services::accounts::Actor::user(caller.user, caller.ip);
    db::audit::record(pool, actor.entry("oversight_viewed", now, detail)).await?;
    Ok(view)
}
