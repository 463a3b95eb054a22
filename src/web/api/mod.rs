//! JSON API v1: bearer-token callers (jail systems, ICE-side tools, scripts).

pub mod bookings;
pub mod complaints;
pub mod duties;
mod error;
pub mod json;
pub mod me;
pub mod officers;
pub mod reports;
pub mod roster;
pub mod transfers;
pub mod views;

/// An optional date field: empty or absent is `None`.
pub fn optional_date(c: &mut crate::domain::input::Checker, field: &str, v: Option<&str>) -> Option<chrono::NaiveDate> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|v| c.date(field, Some(v)))
}
