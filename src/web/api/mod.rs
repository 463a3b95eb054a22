//! JSON API v1: bearer-token callers (jail systems, ICE-side tools, scripts).

pub mod bookings;
pub mod complaints;
pub mod duties;
pub mod json;
pub mod me;
pub mod officers;
pub mod reports;
pub mod roster;
pub mod views;

use crate::auth::ApiUser;
use crate::error::AppError;
use crate::services::Caller;

/// The API caller as the case operations see it.
pub fn caller(api: &ApiUser) -> Caller<'_> {
    Caller {
        user: &api.user,
        ip: api.ip.as_deref(),
    }
}

/// Ids in paths: anything but a number is simply not found.
pub fn id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// An optional date field: empty or absent is `None`.
pub fn optional_date(c: &mut crate::domain::input::Checker, field: &str, v: Option<&str>) -> Option<chrono::NaiveDate> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|v| c.date(field, Some(v)))
}
