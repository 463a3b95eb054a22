//! The case page's pickup-plan form (issue 31): `POST /bookings/{id}/pickup-plan` records or
//! changes ICE's planned arrival (local time), `POST /bookings/{id}/pickup-plan/withdraw` withdraws it.

use axum::extract::State;
use axum::response::Response;

use crate::auth::CurrentUser;
use crate::domain::pickup;
use crate::error::AppResult;
use crate::services;
use crate::state::AppState;
use crate::web::case_actions::CaseForm;
use crate::web::extract::Acting;

pub async fn set(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let d = &f.data;
    let result = match pickup::input(d.get("planned_at"), d.get("officer"), d.get("note"), f.times, f.now) {
        Ok(plan) => services::pickup::set(&state.db, user.caller(), f.id, &plan, f.now).await,
        Err(errors) => Err(errors.into()),
    };
    f.respond(&state, &user, "pickup_plan", result, "Pickup plan recorded.")
        .await
}

pub async fn withdraw(State(state): State<AppState>, user: CurrentUser, f: CaseForm) -> AppResult<Response> {
    let result = services::pickup::clear(&state.db, user.caller(), f.id, f.now).await;
    f.respond(&state, &user, "pickup_plan", result, "Pickup plan withdrawn.")
        .await
}
