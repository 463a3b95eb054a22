//! Unit tests of `booking.rs`: a booking, a document and a notification at their limits.

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
