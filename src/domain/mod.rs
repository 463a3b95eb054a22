//! Pure rules: no I/O, no clock. Every function takes `now` (when it needs it) as an argument.

pub mod account;
pub mod alert_urgency;
pub mod alerts;
pub mod allowed;
pub mod anumber;
pub mod booking;
pub mod case;
#[cfg(test)]
mod case_tests;
pub mod chain;
pub mod claims;
#[cfg(test)]
mod clock_tests;
pub mod credentials;
pub mod db_link;
#[cfg(test)]
mod duty_tests;
pub mod events;
pub mod handover;
pub mod import;
pub mod input;
pub mod local_time;
pub mod next_steps;
pub mod notice;
pub mod oversight;
pub mod pickup;
pub mod publish;
#[cfg(test)]
mod record_tests;
pub mod refusals;
pub mod role;
pub mod roster;
pub mod rules;
#[cfg(test)]
mod rules_tests;
pub mod sso;
pub mod stage;
pub mod stats;
#[cfg(test)]
mod stats_tests;
pub mod tenancy;
#[cfg(test)]
mod test_support;
pub mod types;
pub mod webhook;
pub mod weekdays;

pub use role::Role;
