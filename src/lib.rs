//! wso-tracker: booking-to-transfer case tracking for a county jail in ICE's Warrant Service
//! Officer program. See `docs/architecture.md` for the layout.

pub mod alerts;
pub mod auth;
pub mod boot;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod net;
pub mod routes;
pub mod secrets;
pub mod services;
pub mod state;
pub mod web;
