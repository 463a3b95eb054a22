//! The bodies of the steps on a case (`api/bookings.rs`). Every field is read as text or a
//! number and checked by the handler, so a missing or malformed one is a 422 naming it; the
//! `schema` attributes say what is accepted (the OpenAPI document).

use serde::Deserialize;

use crate::domain::types::{ReleasePointReason, ReleaseReason};

/// A step at a time (RFC 3339).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct AtInput {
    #[schema(required, value_type = String, format = DateTime)]
    pub at: Option<String>,
    /// Who at ICE withdrew the document (withdraw only).
    pub by: Option<String>,
}

/// The point of release: when criminal custody ended, and why.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReleasePointInput {
    #[schema(required, value_type = String, format = DateTime)]
    pub at: Option<String>,
    #[schema(required, value_type = ReleasePointReason)]
    pub reason: Option<String>,
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// A release from a WSO hold: when, and why.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReleaseInput {
    #[schema(required, value_type = String, format = DateTime)]
    pub at: Option<String>,
    #[schema(required, value_type = ReleaseReason)]
    pub reason: Option<String>,
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// A warrant served: which document, when (RFC 3339), with which interpreter if any.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ServiceInput {
    #[schema(required, value_type = i64)]
    pub document_id: Option<i64>,
    #[schema(required, value_type = String, format = DateTime)]
    pub at: Option<String>,
    pub interpreter_id: Option<i64>,
}

/// ICE took custody: when, who received the person, and why late if past the deadline.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TransferInput {
    #[schema(required, value_type = String, format = DateTime)]
    pub at: Option<String>,
    #[schema(required, value_type = String, max_length = 200)]
    pub receiving_officer: Option<String>,
    #[schema(max_length = 2000)]
    pub late_reason: Option<String>,
}

/// A correction of one event of the case (the event stays; the correction is appended).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CorrectionInput {
    #[schema(required, value_type = i64)]
    pub event_id: Option<i64>,
    #[schema(required, value_type = String, max_length = 2000)]
    pub note: Option<String>,
}
