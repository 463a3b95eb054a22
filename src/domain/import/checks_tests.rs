//! The row checks and the comparison with a stored booking (issue 27: the mutants of
//! `import/mod.rs` that the unit tests did not notice).

use chrono_tz::America::New_York as NY;

use super::*;

fn now() -> DateTime<Utc> {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

fn row(booked_at: &str, date_of_birth: &str) -> RawBooking {
    RawBooking {
        at: Position::Line(2),
        booking_number: "B-1".into(),
        last_name: "Doe".into(),
        first_name: "Jane".into(),
        date_of_birth: date_of_birth.into(),
        booked_at: booked_at.into(),
        charges: vec![RawCharge {
            at: Some(Position::Line(2)),
            description: "DWI".into(),
            category: "".into(),
        }],
        immigration_hold: None,
    }
}

#[test]
fn the_format_words_are_those_the_command_line_takes() {
    for f in [Format::Csv, Format::Niem] {
        assert_eq!(Format::parse(f.word()), Ok(f));
    }
    assert_eq!((Format::Csv.word(), Format::Niem.word()), ("csv", "niem"));
}

#[test]
fn a_repeated_hour_may_be_chosen_with_earlier_or_later() {
    // 2026-11-01 01:30 happens twice in New York: EDT (05:30Z), then EST (06:30Z).
    assert_eq!(
        booked_at("2026-11-01 01:30 later", NY).unwrap().to_rfc3339(),
        "2026-11-01T06:30:00+00:00"
    );
    assert_eq!(
        booked_at("2026-11-01 01:30 earlier", NY).unwrap().to_rfc3339(),
        "2026-11-01T05:30:00+00:00"
    );
}

#[test]
fn a_good_row_is_a_booking_with_its_charges_and_the_default_category() {
    let b = check(&row("2026-11-20 08:00", "1990-04-30"), "RCDC", NY, now()).unwrap();
    assert_eq!((b.facility.as_str(), b.booking_number.as_str()), ("RCDC", "B-1"));
    assert_eq!(b.booked_at.to_rfc3339(), "2026-11-20T13:00:00+00:00");
    assert_eq!(b.charges, [("DWI".to_string(), ChargeCategory::Other)]);
}

#[test]
fn a_time_that_cannot_be_read_is_named_once_with_its_own_words_beside_the_other_problems() {
    let problems = check(&row("2026-03-08 02:30", "1990-02-30"), "RCDC", NY, now()).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["booked_at", "date_of_birth"], "{problems:?}");
    assert!(problems[0].message.contains("does not exist"), "{problems:?}");
    // No time at all: the form's own words ("required").
    let problems = check(&row("", "1990-04-30"), "RCDC", NY, now()).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "booked_at");
    assert!(!problems[0].message.contains("does not exist"), "{problems:?}");
}

#[test]
fn each_fact_that_differs_from_the_stored_booking_is_named() {
    let b = check(&row("2026-11-20 08:00", "1990-04-30"), "RCDC", NY, now()).unwrap();
    let stored = StoredFacts {
        last_name: b.last_name.clone(),
        first_name: b.first_name.clone(),
        date_of_birth: b.date_of_birth,
        booked_at: b.booked_at,
        charges: b.charges.clone(),
    };
    assert!(differences(&b, &stored).is_empty(), "the same booking");
    type Change = Box<dyn Fn(&mut StoredFacts)>;
    let cases: [(&str, Change); 5] = [
        ("last_name", Box::new(|s| s.last_name = "Roe".into())),
        ("first_name", Box::new(|s| s.first_name = "Janet".into())),
        (
            "date_of_birth",
            Box::new(|s| s.date_of_birth = s.date_of_birth.succ_opt().unwrap()),
        ),
        ("booked_at", Box::new(|s| s.booked_at += chrono::Duration::minutes(1))),
        (
            "charges",
            Box::new(|s| s.charges.push(("Speeding".into(), ChargeCategory::Traffic))),
        ),
    ];
    for (field, change) in cases {
        let mut other = stored.clone();
        change(&mut other);
        assert_eq!(differences(&b, &other), [field]);
    }
}
