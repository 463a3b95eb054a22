//! wso-tracker: booking-to-transfer case tracking for a county jail in ICE's Warrant Service
//! Officer program. See `docs/architecture.md` for the layout.

pub mod accounts;
pub mod alerts;
pub mod auth;
pub mod cases;
pub mod cli;
pub mod clock;
pub mod compliance;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod reports;
pub mod routes;
pub mod server;
pub mod state;
pub mod web;
