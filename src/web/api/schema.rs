//! Schemas of the API's shapes that are not a Rust type of their own: words chosen at run time
//! (a clock's stage, a complaint's status), the shapes built with `json!`, and the parameters
//! every list shares. The types the API reads and writes derive `utoipa::ToSchema` where they
//! are defined; `openapi.rs` gathers them into the document.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

use crate::domain::stage::Stage;

/// A string that is one of `words`.
pub fn one_of(words: &[&str]) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words.iter().copied()))
        .build()
}

/// A running clock's stage (`PendingJson::stage`).
pub fn stage() -> Object {
    let words: Vec<&str> = [Stage::Ok, Stage::Within12h, Stage::Within4h, Stage::Overdue]
        .iter()
        .map(|s| s.word())
        .collect();
    one_of(&words)
}

/// Every status `complaint_status` gives.
pub const COMPLAINT_STATUSES: [&str; 4] = ["open", "due_soon", "overdue", "closed"];

pub fn complaint_status() -> Object {
    one_of(&COMPLAINT_STATUSES)
}

/// The reasons an officer may not serve (`domain::credentials::eligibility`).
pub const INELIGIBLE: [&str; 8] = [
    "no_certification",
    "certification_revoked",
    "certification_expired",
    "certification_not_yet_valid",
    "exam_failed_twice",
    "withdrawn_by_ice",
    "credentials_returned",
    "departed",
];

fn reasons() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(one_of(&INELIGIBLE))
        .build()
}

/// `GET /officers/{username}/eligibility` and every credential fact's answer.
#[derive(Serialize, ToSchema)]
pub struct EligibilityJson {
    pub username: String,
    /// The instant asked about.
    pub at: DateTime<Utc>,
    pub may_serve: bool,
    /// Why not, empty when the officer may serve.
    #[schema(schema_with = reasons)]
    pub reasons: Vec<&'static str>,
    /// Departure notices only: given less than 90 days before the departure.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub warning: Option<String>,
}

/// `POST /officers/{username}/certification/revoke`.
#[derive(Serialize, ToSchema)]
pub struct RevokedJson {
    pub username: String,
    pub revoked: bool,
}

/// `PUT /facilities/{code}/public`.
#[derive(Serialize, ToSchema)]
pub struct PublicPageJson {
    pub facility: String,
    pub public: bool,
    /// The public page's path, e.g. `/public/RCDC`.
    pub url: String,
}
