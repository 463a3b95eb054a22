//! What an officer enters about a case, checked: bookings, ICE documents, ICE notifications.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::anumber::ANumber;
use super::case::to_second;
use super::input::{Checker, TimeInput};
use super::types::{ChargeCategory, DocumentKind, NotificationKind};
use crate::domain::input::FieldError;

/// A new booking (a missing or malformed field is refused naming it).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct BookingInput {
    /// The facility's code.
    #[schema(required, value_type = String, max_length = 16, examples("RCDC"))]
    pub facility: Option<String>,
    /// 1 to 32 letters, digits or dashes; unique in the facility.
    #[schema(required, value_type = String, pattern = "^[A-Za-z0-9-]{1,32}$", examples("2026-001"))]
    pub booking_number: Option<String>,
    #[schema(required, value_type = String, max_length = 100)]
    pub last_name: Option<String>,
    #[schema(required, value_type = String, max_length = 100)]
    pub first_name: Option<String>,
    /// A past date after 1900.
    #[schema(required, value_type = String, format = Date)]
    pub date_of_birth: Option<String>,
    /// RFC 3339 with an offset; not in the future.
    #[schema(required, value_type = String, format = DateTime)]
    pub booked_at: Option<String>,
    /// 1 to 50 charges.
    #[schema(required, value_type = Vec<ChargeInput>, min_items = 1, max_items = 50)]
    pub charges: Option<Vec<ChargeInput>>,
}

#[derive(Debug, Default, Deserialize, Clone, utoipa::ToSchema)]
pub struct ChargeInput {
    #[schema(required, value_type = String, max_length = 500)]
    pub description: Option<String>,
    #[schema(required, value_type = ChargeCategory)]
    pub category: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewBooking {
    pub facility: String,
    pub booking_number: String,
    pub last_name: String,
    pub first_name: String,
    pub date_of_birth: NaiveDate,
    pub booked_at: DateTime<Utc>,
    pub charges: Vec<(String, ChargeCategory)>,
}

pub const MAX_CHARGES: usize = 50;

fn booking_number_rule(v: &str) -> Result<String, String> {
    let ok = (1..=32).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(v.to_string())
    } else {
        Err("booking number must be 1 to 32 letters, digits or dashes".into())
    }
}

impl NewBooking {
    /// The `booking_created` audit entry's detail: the same for a booking typed or imported.
    pub fn created_detail(&self, facility: &str) -> serde_json::Value {
        let charges: Vec<_> = self
            .charges
            .iter()
            .map(|(d, c)| serde_json::json!({ "description": d, "category": c }))
            .collect();
        serde_json::json!({
            "facility": facility, "booking_number": self.booking_number, "last_name": self.last_name,
            "first_name": self.first_name, "date_of_birth": self.date_of_birth, "charges": charges,
        })
    }
}

impl BookingInput {
    pub fn check(&self, now: DateTime<Utc>, times: TimeInput) -> Result<NewBooking, Vec<FieldError>> {
        let mut c = Checker::new();
        let facility = c.text("facility", self.facility.as_deref(), 16);
        let number = c.required("booking_number", self.booking_number.as_deref());
        let booking_number = number.and_then(|n| c.check("booking_number", booking_number_rule(n)));
        let last_name = c.text("last_name", self.last_name.as_deref(), 100);
        let first_name = c.text("first_name", self.first_name.as_deref(), 100);
        let date_of_birth = c.date("date_of_birth", self.date_of_birth.as_deref());
        let booked_at = c.time("booked_at", self.booked_at.as_deref(), times).map(to_second);
        if let Some(dob) = date_of_birth {
            let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date");
            if dob > now.date_naive() || dob < earliest {
                c.errors.push(FieldError::new(
                    "date_of_birth",
                    "date of birth must be a past date after 1900",
                ));
            }
        }
        if let Some(t) = booked_at {
            if t > now {
                c.errors
                    .push(FieldError::new("booked_at", "booked at is in the future"));
            } else if date_of_birth.is_some_and(|d| t.date_naive() < d) {
                c.errors
                    .push(FieldError::new("booked_at", "booked at is before the date of birth"));
            }
        }
        let mut charges = Vec::new();
        match self.charges.as_deref() {
            None | Some([]) => c
                .errors
                .push(FieldError::new("charges", "at least one charge is required")),
            Some(list) if list.len() > MAX_CHARGES => c
                .errors
                .push(FieldError::new("charges", format!("at most {MAX_CHARGES} charges"))),
            Some(list) => {
                for (i, charge) in list.iter().enumerate() {
                    let d = c.text(&format!("charges[{i}].description"), charge.description.as_deref(), 500);
                    let k = c.word::<ChargeCategory>(&format!("charges[{i}].category"), charge.category.as_deref());
                    if let (Some(d), Some(k)) = (d, k) {
                        charges.push((d, k));
                    }
                }
            }
        }
        let (facility, booking_number, last_name, first_name, date_of_birth, booked_at) = c.values((
            facility,
            booking_number,
            last_name,
            first_name,
            date_of_birth,
            booked_at,
        ))?;
        Ok(NewBooking {
            facility,
            booking_number,
            last_name,
            first_name,
            date_of_birth,
            booked_at,
            charges,
        })
    }
}

/// An ICE document received (times RFC 3339, not in the future; received after issued).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DocumentInput {
    #[schema(required, value_type = DocumentKind)]
    pub kind: Option<String>,
    #[schema(required, value_type = String, max_length = 40)]
    pub number: Option<String>,
    /// The person's alien number, e.g. `A12-345-678` or `012345678`.
    #[schema(required, value_type = String, examples("A12-345-678"))]
    pub a_number: Option<String>,
    #[schema(required, value_type = String, format = DateTime)]
    pub issued_at: Option<String>,
    #[schema(required, value_type = String, format = DateTime)]
    pub received_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewDocument {
    pub kind: DocumentKind,
    pub number: String,
    pub a_number: ANumber,
    pub issued_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
}

impl DocumentInput {
    pub fn check(&self, now: DateTime<Utc>, times: TimeInput) -> Result<NewDocument, Vec<FieldError>> {
        let mut c = Checker::new();
        let kind = c.word::<DocumentKind>("kind", self.kind.as_deref());
        let number = c.text("number", self.number.as_deref(), 40);
        let a_number = c
            .required("a_number", self.a_number.as_deref())
            .and_then(|a| c.check("a_number", ANumber::parse(a)));
        let issued_at = c.time("issued_at", self.issued_at.as_deref(), times).map(to_second);
        let received_at = c.time("received_at", self.received_at.as_deref(), times).map(to_second);
        if issued_at.is_some_and(|t| t > now) {
            c.errors
                .push(FieldError::new("issued_at", "issued at is in the future"));
        }
        if let Some(r) = received_at {
            if r > now {
                c.errors
                    .push(FieldError::new("received_at", "received at is in the future"));
            } else if issued_at.is_some_and(|i| r < i) {
                c.errors.push(FieldError::new(
                    "received_at",
                    "received at is before the document was issued",
                ));
            }
        }
        let (kind, number, a_number, issued_at, received_at) =
            c.values((kind, number, a_number, issued_at, received_at))?;
        Ok(NewDocument {
            kind,
            number,
            a_number,
            issued_at,
            received_at,
        })
    }
}

/// A notification to ICE (time RFC 3339).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct NotificationInput {
    #[schema(required, value_type = String, format = DateTime)]
    pub at: Option<String>,
    #[schema(required, value_type = String, max_length = 100)]
    pub method: Option<String>,
    #[schema(required, value_type = String, max_length = 200)]
    pub contact: Option<String>,
    /// `in_custody` (default), `release_soon` or `post_service`.
    #[schema(value_type = Option<NotificationKind>)]
    pub kind: Option<String>,
    /// The interpreter used, if any.
    pub interpreter_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewNotification {
    pub at: DateTime<Utc>,
    pub method: String,
    pub contact: String,
    pub kind: NotificationKind,
    pub interpreter_id: Option<i64>,
}

impl NotificationInput {
    pub fn check(&self, times: TimeInput) -> Result<NewNotification, Vec<FieldError>> {
        let mut c = Checker::new();
        let at = c.time("at", self.at.as_deref(), times).map(to_second);
        let method = c.text("method", self.method.as_deref(), 100);
        let contact = c.text("contact", self.contact.as_deref(), 200);
        let kind = match self.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => c.check("kind", k.parse()),
            None => Some(NotificationKind::InCustody),
        };
        let (at, method, contact, kind) = c.values((at, method, contact, kind))?;
        Ok(NewNotification {
            at,
            method,
            contact,
            kind,
            interpreter_id: self.interpreter_id,
        })
    }
}

#[cfg(test)]
#[path = "booking_tests.rs"]
mod tests;
