//! The JSON shapes of the API (the integration contract: field names are fixed).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::db::audit::Entry;
use crate::db::bookings::{Booking, Charge};
use crate::db::documents::{Document, Notification};
use crate::domain::types::{ChargeCategory, DocumentKind, NotificationKind, ReleasePointReason, ReleaseReason, Status};

#[derive(Serialize, utoipa::ToSchema)]
pub struct BookingJson {
    pub id: i64,
    pub facility: String,
    pub booking_number: String,
    pub last_name: String,
    pub first_name: String,
    pub date_of_birth: NaiveDate,
    pub booked_at: DateTime<Utc>,
    /// Omitted for ICE liaisons, who see only what a pickup needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charges: Option<Vec<ChargeJson>>,
    pub status: Status,
    pub release_point_at: Option<DateTime<Utc>>,
    pub release_point_reason: Option<ReleasePointReason>,
    pub release_point_note: Option<String>,
    pub served_at: Option<DateTime<Utc>>,
    pub served_by: Option<String>,
    pub served_document_id: Option<i64>,
    /// The interpreter used at service (see `GET /api/v1/interpreters`).
    pub served_interpreter_id: Option<i64>,
    pub custody_deadline: Option<DateTime<Utc>>,
    pub igsa_hold_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub release_reason: Option<ReleaseReason>,
    pub release_note: Option<String>,
    pub receiving_officer: Option<String>,
    pub late_reason: Option<String>,
    pub over_detained_seconds: i64,
    /// The latest citizenship claim (every claim is in `events`), or null.
    pub citizenship_claim: Option<ClaimSummary>,
    /// The notice to ICE due one hour after service, or null before service.
    pub post_service_notice: Option<PostServiceNotice>,
    /// ICE's planned pickup (`PUT /bookings/{id}/pickup-plan`), or null.
    pub pickup_plan: Option<crate::db::pickup::PickupPlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<DocumentJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Vec<NotificationJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventJson>>,
}

impl BookingJson {
    /// The summary used in lists: no documents, notifications or events.
    pub fn summary(b: Booking) -> Self {
        Self {
            id: b.id,
            facility: b.facility_code,
            booking_number: b.booking_number,
            last_name: b.last_name,
            first_name: b.first_name,
            date_of_birth: b.date_of_birth,
            booked_at: b.booked_at,
            charges: None,
            status: b.status,
            release_point_at: b.release_point_at,
            release_point_reason: b.release_point_reason,
            release_point_note: b.release_point_note,
            served_at: b.served_at,
            served_by: b.served_by_username,
            served_document_id: b.served_document_id,
            served_interpreter_id: b.served_interpreter_id,
            custody_deadline: b.custody_deadline,
            igsa_hold_at: b.igsa_at,
            closed_at: b.closed_at,
            release_reason: b.release_reason,
            release_note: b.release_note,
            receiving_officer: b.receiving_officer,
            late_reason: b.late_reason,
            over_detained_seconds: b.over_detained_seconds,
            citizenship_claim: None,
            post_service_notice: None,
            pickup_plan: None,
            documents: None,
            notifications: None,
            events: None,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ClaimSummary {
    pub id: i64,
    pub claimed_at: DateTime<Utc>,
    pub report_due_at: DateTime<Utc>,
    pub reported_at: Option<DateTime<Utc>>,
}

impl From<&crate::db::claims::Claim> for ClaimSummary {
    fn from(c: &crate::db::claims::Claim) -> Self {
        Self {
            id: c.id,
            claimed_at: c.claimed_at,
            report_due_at: c.report_due_at,
            reported_at: c.reported_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PostServiceNotice {
    pub due_at: DateTime<Utc>,
    pub notified_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ChargeJson {
    pub description: String,
    pub category: ChargeCategory,
}

impl From<Charge> for ChargeJson {
    fn from(c: Charge) -> Self {
        Self {
            description: c.description,
            category: c.category,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentJson {
    pub id: i64,
    pub kind: DocumentKind,
    pub number: String,
    pub a_number: String,
    pub issued_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
    pub recorded_by: String,
}

impl From<Document> for DocumentJson {
    fn from(d: Document) -> Self {
        Self {
            id: d.id,
            kind: d.kind,
            number: d.number,
            a_number: d.a_number,
            issued_at: d.issued_at,
            received_at: d.received_at,
            withdrawn_at: d.withdrawn_at,
            withdrawn_by: d.withdrawn_by,
            recorded_by: d.recorded_by,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationJson {
    pub id: i64,
    pub kind: NotificationKind,
    pub at: DateTime<Utc>,
    pub method: String,
    pub contact: String,
    pub recorded_by: String,
}

impl From<Notification> for NotificationJson {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            at: n.at,
            method: n.method,
            contact: n.contact,
            recorded_by: n.recorded_by,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventJson {
    /// The event's id, which a correction names.
    pub id: i64,
    pub at: DateTime<Utc>,
    /// When the entry joined the audit log, by the database's clock (decision 0034).
    pub recorded_at: DateTime<Utc>,
    /// When the application wrote it, by its own clock (the clock of `at`); absent on entries
    /// written before decision 0034.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub entered_at: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    pub action: String,
    pub detail: Value,
}

impl From<Entry> for EventJson {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            recorded_at: e.recorded_at,
            entered_at: e.entered_at,
            actor: e.actor,
            action: e.action,
            detail: e.detail,
        }
    }
}

/// Borrowed from the board's row: a 200-row list copies no string.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PendingJson<'a> {
    pub booking_id: i64,
    pub booking_number: &'a str,
    pub last_name: &'a str,
    pub first_name: &'a str,
    pub facility: &'a str,
    pub served_at: DateTime<Utc>,
    pub custody_deadline: DateTime<Utc>,
    pub seconds_remaining: i64,
    pub overdue: bool,
    /// The person has claimed to be a U.S. citizen.
    pub citizenship_claim: bool,
    /// `more_than_12h`, `within_12h`, `within_4h` or `overdue` at the time of the answer.
    #[schema(schema_with = super::schema::stage)]
    pub stage: &'static str,
    /// When ICE plans to take custody (`PUT /bookings/{id}/pickup-plan`), or null.
    pub pickup_planned_at: Option<DateTime<Utc>>,
}

impl<'a> PendingJson<'a> {
    /// A running clock at `now` (`None` if it is not running).
    pub fn new(r: &'a crate::db::board::BoardBooking, now: DateTime<Utc>) -> Option<Self> {
        let (served_at, deadline) = (r.b.served_at?, r.b.custody_deadline?);
        let stage = crate::domain::stage::stage(deadline, now);
        Some(PendingJson {
            booking_id: r.b.id,
            booking_number: &r.b.booking_number,
            last_name: &r.b.last_name,
            first_name: &r.b.first_name,
            facility: &r.b.facility_code,
            served_at,
            custody_deadline: deadline,
            seconds_remaining: (deadline - now).num_seconds(),
            overdue: stage.is_overdue(),
            citizenship_claim: r.claim,
            stage: stage.word(),
            pickup_planned_at: r.pickup_planned_at,
        })
    }
}
