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
    /// Every granted agency together, month by month (also when `agency` narrows the list).
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
    let granted = db::oversight::granted(pool, caller.user.id).await?;
    let only = agency.map(str::trim).filter(|c| !c.is_empty());
    if let Some(code) = only
        && !granted.iter().any(|(_, c)| c == code)
    {
        return Err(AppError::Forbidden {
            code: "forbidden",
            message: format!("the agency `{code}` is not one you are granted"),
        });
    }
    let ids: Vec<i64> = granted.iter().map(|(id, _)| *id).collect();
    let codes: Vec<String> = granted.into_iter().map(|(_, c)| c).collect();
    let span = (start, end);
    let mut tx = pool.begin().await?;
    db::read_snapshot(&mut tx).await?;
    let services = db::oversight::services(&mut *tx, &ids, span).await?;
    let claims = db::oversight::claims(&mut *tx, &ids, span).await?;
    let complaints = db::oversight::complaints(&mut *tx, &ids, span).await?;
    let lapses = db::oversight::lapses(&mut *tx, &ids, span).await?;
    tx.commit().await?;
    let tallied = oversight::tally(&codes, &months, (&services, &claims, &complaints, &lapses), now);
    let (per_agency, state) = oversight::published(&tallied, &months);
    // Suppressed over every granted agency, then narrowed: suppressing the one agency alone
    // against a total of its own would show a cell the whole view withholds.
    let view = OversightView {
        agencies: per_agency
            .into_iter()
            .filter(|(code, _)| only.is_none_or(|o| o == code))
            .map(|(code, months)| AgencyMonths { code, months })
            .collect(),
        state,
    };
    let detail = json!({ "from": from.trim(), "to": to.trim(), "agencies": codes });
    let actor = crate::services::accounts::Actor::user(caller.user, caller.ip);
    db::audit::record(pool, actor.entry("oversight_viewed", now, detail)).await?;
    Ok(view)
}
