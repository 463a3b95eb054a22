//! JSON API v1: bearer-token callers (jail systems, ICE-side tools, scripts).

pub mod agreement;
pub mod audit;
pub mod bookings;
pub mod claims;
pub mod complaints;
mod error;
pub mod json;
pub mod me;
pub mod officers;
pub mod reports;
pub mod roster;
pub mod transfers;
pub mod views;

use serde::Deserialize;

use crate::db;
use crate::error::AppError;
use crate::services::Caller;
use crate::state::AppState;

/// Lists take `limit`: 100 unless given, 1 to 1000.
pub const PAGE_DEFAULT: i64 = 100;
pub const PAGE_MAX: i64 = 1000;

pub fn page_limit(limit: Option<i64>) -> Result<i64, AppError> {
    match limit {
        None => Ok(PAGE_DEFAULT),
        Some(n) if (1..=PAGE_MAX).contains(&n) => Ok(n),
        Some(_) => Err(AppError::field("limit", format!("limit is 1 to {PAGE_MAX}"))),
    }
}

/// An optional date field: empty or absent is `None`.
pub fn optional_date(c: &mut crate::domain::input::Checker, field: &str, v: Option<&str>) -> Option<chrono::NaiveDate> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|v| c.date(field, Some(v)))
}

#[derive(Deserialize)]
pub struct FacilityQuery {
    pub facility: Option<String>,
}

/// Facility ids the caller may read, narrowed to `?facility=` when given.
pub async fn facility_scope(
    state: &AppState,
    caller: &Caller<'_>,
    facility: Option<&str>,
) -> Result<Option<Vec<i64>>, AppError> {
    let mine = caller.facility_scope().map(<[i64]>::to_vec);
    match facility.filter(|f| !f.is_empty()) {
        None => Ok(mine),
        Some(code) => {
            let f = db::facilities::by_code(&state.db, code)
                .await?
                .ok_or(AppError::field("facility", "no such facility"))?;
            if mine.as_ref().is_some_and(|m| !m.contains(&f.id)) {
                return Err(AppError::forbidden());
            }
            Ok(Some(vec![f.id]))
        }
    }
}
