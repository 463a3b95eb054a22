//! `GET /api/v1/transfers/pending`: every running clock the caller may see.

use axum::Json;
use axum::extract::State;

use super::views::PendingJson;
use crate::auth::ApiUser;
use crate::db;
use crate::domain::Role;
use crate::domain::case;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::extract::Acting;

pub async fn pending(State(state): State<AppState>, api: ApiUser) -> ApiResult<Json<Vec<PendingJson>>> {
    let caller = api.caller();
    caller.require(&[Role::Officer, Role::Supervisor, Role::IceLiaison, Role::Admin])?;
    let now = state.clock.now();
    let rows = db::bookings::pending_transfers(&state.db, caller.facility_scope()).await?;
    let ids: Vec<i64> = rows.iter().map(|b| b.id).collect();
    let flagged = db::claims::flagged(&state.db, &ids).await?;
    Ok(Json(
        rows.into_iter()
            .filter_map(|b| {
                let (served_at, deadline) = (b.served_at?, b.custody_deadline?);
                let seconds_remaining = (deadline - now).num_seconds();
                Some(PendingJson {
                    booking_id: b.id,
                    booking_number: b.booking_number,
                    last_name: b.last_name,
                    first_name: b.first_name,
                    facility: b.facility_code,
                    served_at,
                    custody_deadline: deadline,
                    seconds_remaining,
                    overdue: case::stage(deadline, now).is_overdue(),
                    citizenship_claim: flagged.contains(&b.id),
                })
            })
            .collect(),
    ))
}
