//! JSON API v1: bearer-token callers (jail systems, ICE-side tools, scripts).

pub mod me;
