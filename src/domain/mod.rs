//! Pure rules: no I/O, no clock. Every function takes `now` (when it needs it) as an argument.

pub mod account;
pub mod role;

pub use role::Role;
