//! HTTP handlers, one file per page area, each beside its template struct.

pub mod access;
pub mod account;
pub mod admin;
pub mod admin_accounts;
pub mod agencies;
pub mod agreement;
pub mod alerts;
pub mod api;
pub mod api_docs;
pub mod assets;
pub mod audit;
pub mod board_events;
pub mod bookings;
pub mod case_actions;
pub mod case_page;
pub mod case_view;
pub mod charts;
pub mod client;
pub mod complaints;
pub mod compliance;
pub mod confirm;
pub mod csv;
pub mod dashboard;
pub mod detail;
pub mod display;
pub mod draft;
pub mod error_page;
pub mod extract;
pub mod forms;
pub mod handover;
pub mod health;
pub mod hostile;
pub mod imports;
pub mod layout;
pub mod login;
pub mod mfa;
pub mod middleware;
pub mod notice;
pub mod oversight;
pub mod pickup;
pub mod public;
pub mod records;
pub mod reports;
pub mod roster;
pub mod sso;
pub mod sso_admin;
pub mod transfers;
pub mod webhooks;

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The peer address of the request, for the audit log.
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(crate::auth::session::client_ip(parts)))
    }
}

pub use crate::clock::local_time;
