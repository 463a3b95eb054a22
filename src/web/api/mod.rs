//! JSON API v1: bearer-token callers (jail systems, ICE-side tools, scripts).

pub mod bookings;
pub mod duties;
pub mod json;
pub mod me;
pub mod reports;
pub mod roster;
pub mod views;
