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
mod tests {
    use super::*;
    use crate::domain::input::TimeInput::Rfc3339;

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn input() -> BookingInput {
        BookingInput {
            facility: Some("RCDC".into()),
            booking_number: Some("2026-001".into()),
            last_name: Some("Doe".into()),
            first_name: Some("John".into()),
            date_of_birth: Some("1990-04-30".into()),
            booked_at: Some("2026-11-23T06:30:00-05:00".into()),
            charges: Some(vec![ChargeInput {
                description: Some("DWI".into()),
                category: Some("dwi".into()),
            }]),
        }
    }

    #[test]
    fn a_complete_booking_is_accepted() {
        let b = input().check(now(), Rfc3339).unwrap();
        assert_eq!(b.booked_at.to_rfc3339(), "2026-11-23T11:30:00+00:00");
        assert_eq!(b.charges, vec![("DWI".to_string(), ChargeCategory::Dwi)]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut b = input();
        b.last_name = None;
        b.booked_at = Some("2026-11-23T13:00:00Z".into());
        b.charges = Some(vec![ChargeInput {
            description: Some("x".into()),
            category: Some("murder".into()),
        }]);
        let fields: Vec<String> = b
            .check(now(), Rfc3339)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["last_name", "booked_at", "charges[0].category"]);
    }

    #[test]
    fn a_booking_needs_a_charge() {
        let mut b = input();
        b.charges = Some(vec![]);
        assert_eq!(b.check(now(), Rfc3339).unwrap_err()[0].field, "charges");
    }

    #[test]
    fn documents_are_received_after_issue_and_not_in_the_future() {
        let d = DocumentInput {
            kind: Some("I-200".into()),
            number: Some("W-1".into()),
            a_number: Some("A123-456-789".into()),
            issued_at: Some("2026-11-23T10:00:00Z".into()),
            received_at: Some("2026-11-23T09:00:00Z".into()),
        };
        assert_eq!(d.check(now(), Rfc3339).unwrap_err()[0].field, "received_at");
        let d = DocumentInput {
            kind: Some("I-9".into()),
            ..d
        };
        assert_eq!(d.check(now(), Rfc3339).unwrap_err()[0].field, "kind");
    }

    fn refused(b: &BookingInput, at: DateTime<Utc>) -> Vec<String> {
        match b.check(at, Rfc3339) {
            Ok(_) => vec![],
            Err(errors) => errors.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn a_booking_number_is_1_to_32_letters_digits_or_dashes() {
        let with = |n: &str| {
            let mut b = input();
            b.booking_number = Some(n.into());
            b
        };
        let b = with(&"A".repeat(32)).check(now(), Rfc3339).unwrap();
        assert_eq!(b.booking_number, "A".repeat(32));
        assert_eq!(input().check(now(), Rfc3339).unwrap().booking_number, "2026-001");
        for bad in ["A".repeat(33), "2026 001".into(), "2026_001".into(), "Nº1".into()] {
            assert_eq!(refused(&with(&bad), now()), ["booking_number"], "{bad}");
        }
    }

    #[test]
    fn birth_and_booking_dates_at_their_limits() {
        let with = |dob: &str, booked: &str| {
            let mut b = input();
            b.date_of_birth = Some(dob.into());
            b.booked_at = Some(booked.into());
            b
        };
        let now = now();
        // Born today, booked this very second: accepted.
        assert!(refused(&with("2026-11-23", "2026-11-23T12:00:00Z"), now).is_empty());
        assert_eq!(
            refused(&with("2026-11-24", "2026-11-23T11:00:00Z"), now)[0],
            "date_of_birth"
        );
        assert!(refused(&with("1900-01-01", "2026-11-23T12:00:00Z"), now).is_empty());
        assert_eq!(
            refused(&with("1899-12-31", "2026-11-23T12:00:00Z"), now),
            ["date_of_birth"]
        );
        assert_eq!(refused(&with("1990-04-30", "2026-11-23T12:00:01Z"), now), ["booked_at"]);
        // Booked on the day of birth: accepted; the day before: refused.
        assert!(refused(&with("2020-05-01", "2020-05-01T00:00:00Z"), now).is_empty());
        assert_eq!(refused(&with("2020-05-01", "2020-04-30T23:59:59Z"), now), ["booked_at"]);
    }

    #[test]
    fn at_most_50_charges() {
        let with = |n: usize| {
            let mut b = input();
            b.charges = Some(vec![
                ChargeInput {
                    description: Some("DWI".into()),
                    category: Some("dwi".into()),
                };
                n
            ]);
            b
        };
        assert_eq!(with(50).check(now(), Rfc3339).unwrap().charges.len(), 50);
        assert_eq!(refused(&with(51), now()), ["charges"]);
        assert_eq!(refused(&with(1), now()), Vec::<String>::new());
    }

    #[test]
    fn the_created_entry_holds_what_was_typed() {
        let b = input().check(now(), Rfc3339).unwrap();
        assert_eq!(
            b.created_detail("RCDC"),
            serde_json::json!({
                "facility": "RCDC", "booking_number": "2026-001", "last_name": "Doe",
                "first_name": "John", "date_of_birth": "1990-04-30",
                "charges": [{ "description": "DWI", "category": "dwi" }],
            })
        );
    }

    #[test]
    fn document_times_at_their_limits() {
        let with = |issued: &str, received: &str| DocumentInput {
            kind: Some("I-200".into()),
            number: Some("W-1".into()),
            a_number: Some("A123-456-789".into()),
            issued_at: Some(issued.into()),
            received_at: Some(received.into()),
        };
        let fields = |d: DocumentInput| match d.check(now(), Rfc3339) {
            Ok(_) => vec![],
            Err(errors) => errors.into_iter().map(|e| e.field).collect::<Vec<_>>(),
        };
        // Issued and received at the same second, now: accepted.
        assert!(fields(with("2026-11-23T12:00:00Z", "2026-11-23T12:00:00Z")).is_empty());
        let d = with("2026-11-23T10:00:00Z", "2026-11-23T11:00:00Z")
            .check(now(), Rfc3339)
            .unwrap();
        assert_eq!(d.number, "W-1");
        assert_eq!(
            fields(with("2026-11-23T12:00:01Z", "2026-11-23T11:00:00Z")),
            ["issued_at", "received_at"]
        );
        assert_eq!(
            fields(with("2026-11-23T10:00:00Z", "2026-11-23T12:00:01Z")),
            ["received_at"]
        );
    }

    #[test]
    fn a_notification_is_in_custody_unless_another_kind_is_named() {
        let with = |kind: Option<&str>| NotificationInput {
            at: Some("2026-11-23T10:00:00Z".into()),
            method: Some("phone".into()),
            contact: Some("SDDO Rivera".into()),
            kind: kind.map(Into::into),
            interpreter_id: Some(4),
        };
        let kind = |k| with(k).check(Rfc3339).unwrap().kind;
        assert_eq!(kind(None), NotificationKind::InCustody);
        assert_eq!(kind(Some(" ")), NotificationKind::InCustody);
        assert_eq!(kind(Some("post_service")), NotificationKind::PostService);
        assert_eq!(kind(Some(" release_soon ")), NotificationKind::ReleaseSoon);
        assert_eq!(with(None).check(Rfc3339).unwrap().interpreter_id, Some(4));
        assert_eq!(with(Some("fax")).check(Rfc3339).unwrap_err()[0].field, "kind");
    }
}
