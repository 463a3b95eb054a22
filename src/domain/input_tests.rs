//! Unit tests of `input.rs`: fields, limits, control characters, times and amounts.

use super::*;

#[test]
fn local_times_use_the_facility_zone_across_daylight_saving() {
    let ny = TimeInput::Local(chrono_tz::America::New_York);
    assert_eq!(
        parse_time("2027-03-13T10:00", ny).unwrap().to_rfc3339(),
        "2027-03-13T15:00:00+00:00"
    );
    assert_eq!(
        parse_time("2027-03-15T11:00", ny).unwrap().to_rfc3339(),
        "2027-03-15T15:00:00+00:00"
    );
    assert!(
        parse_time("2027-03-14T02:30", ny)
            .unwrap_err()
            .contains("does not exist")
    );
}

#[test]
fn api_times_need_an_offset() {
    assert!(parse_time("2027-03-13T10:00:00-05:00", TimeInput::Rfc3339).is_ok());
    assert!(parse_time("2027-03-13T10:00:00", TimeInput::Rfc3339).is_err());
    assert!(parse_time("yesterday", TimeInput::Rfc3339).is_err());
}

#[test]
fn missing_and_overlong_text_name_the_field() {
    let mut c = Checker::new();
    assert!(c.text("last_name", Some("  "), 10).is_none());
    assert!(c.text("first_name", Some("x".repeat(11).as_str()), 10).is_none());
    assert_eq!(c.text("note", Some(" <b>hi</b> "), 10).as_deref(), Some("<b>hi</b>"));
    let errors = c.finish().unwrap_err();
    assert_eq!(errors[0].field, "last_name");
    assert_eq!(errors[1].field, "first_name");
}

#[test]
fn amounts_are_read_as_typed_at_a_desk_in_exact_cents() {
    let max = 10_000_000;
    for (typed, cents) in [
        ("92.50", 9250),
        ("$92.50", 9250),
        (" $ 92.5 ", 9250),
        ("92", 9200),
        ("1,250", 125_000),
        ("$1,250.05", 125_005),
        ("0.07", 7),
        ("100000", max),
    ] {
        assert_eq!(super::money_cents(typed, max), Ok(cents), "{typed}");
    }
    for typed in [
        "",
        "$",
        "92.505",
        "9,25",
        "12,34,567",
        "-5",
        "1e3",
        "92.5x",
        "abc",
        ".",
        "100000.01",
    ] {
        assert!(super::money_cents(typed, max).is_err(), "{typed}");
    }
}

#[test]
fn field_names_read_as_words() {
    assert_eq!(super::human("booked_at"), "booked at");
    assert_eq!(super::human("charges[0].category"), "charge 1 category");
    assert_eq!(super::human("charges[11].description"), "charge 12 description");
}

fn fields(c: Checker) -> Vec<(String, String)> {
    c.finish()
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.field, e.message))
        .collect()
}

#[test]
fn text_at_its_limit_controls_refused_tab_and_newline_kept() {
    let mut c = Checker::new();
    assert_eq!(c.text("note", Some("x".repeat(10).as_str()), 10), Some("x".repeat(10)));
    assert_eq!(c.text("note", Some("a\tb\r\nc"), 10).as_deref(), Some("a\tb\r\nc"));
    assert!(c.done().is_ok(), "ten characters, a tab and a line break are allowed");
    let mut c = Checker::new();
    assert!(c.text("last_name", Some("Doe\u{0}"), 10).is_none());
    assert!(c.text("first_name", Some("Jo\u{7f}hn"), 10).is_none());
    assert!(c.text("city", None, 10).is_none());
    assert_eq!(
        fields(c),
        [
            (
                "last_name".into(),
                "last name contains a control character (U+0000), which is not allowed".into()
            ),
            (
                "first_name".into(),
                "first name contains a control character (U+007F), which is not allowed".into()
            ),
            ("city".into(), "city is required".into()),
        ]
    );
    assert_eq!(control_character("tab\there\r\n"), None);
    assert_eq!(control_character("bell\u{7}"), Some('\u{7}'));
}

#[test]
fn optional_fields_and_ids() {
    let mut c = Checker::new();
    assert_eq!(c.optional_text("note", Some("  "), 5), None);
    assert_eq!(c.optional_text("note", None, 5), None);
    assert_eq!(c.optional_id("interpreter", Some(" "), "choose one"), None);
    assert_eq!(c.optional_id("interpreter", Some(" 12 "), "choose one"), Some(12));
    assert_eq!(c.id("document_id", Some("7"), "choose one"), Some(7));
    assert_eq!(c.present("count", Some(3)), Some(3));
    assert!(c.done().is_ok(), "nothing refused");
    let mut c = Checker::new();
    assert_eq!(c.optional_text("note", Some("too long"), 5), None);
    assert_eq!(c.optional_id("interpreter", Some("x"), "choose one"), None);
    assert_eq!(c.id("document_id", None, "choose one"), None);
    assert_eq!(c.present::<i64>("count", None), None);
    assert_eq!(
        fields(c),
        [
            ("note".into(), "note must be at most 5 characters".into()),
            ("interpreter".into(), "choose one".into()),
            ("document_id".into(), "document id is required".into()),
            ("count".into(), "count is required".into()),
        ]
    );
}

#[test]
fn dates_and_times_between_1900_and_2100() {
    let mut c = Checker::new();
    assert!(c.date("d", Some("1900-01-01")).is_some());
    assert!(c.date("d", Some("2100-12-31")).is_some());
    assert!(c.done().is_ok());
    let mut c = Checker::new();
    assert!(c.date("d", Some("1899-12-31")).is_none());
    assert!(c.date("d", Some("2101-01-01")).is_none());
    assert!(c.date("d", Some("30/04/1990")).is_none());
    assert!(c.time("at", Some("2101-01-01T00:00:00Z"), TimeInput::Rfc3339).is_none());
    let e = fields(c);
    assert_eq!(e[0].1, "the year must be between 1900 and 2100");
    assert_eq!(e[2].1, "use a date like 1990-04-30");
    assert_eq!(e[3], ("at".into(), "the year must be between 1900 and 2100".into()));
    assert_eq!(e.len(), 4);
}

#[test]
fn values_come_only_when_every_field_passed_and_is_there() {
    let c = Checker::new();
    assert_eq!(c.values((Some(1), Some("a"))), Ok((1, "a")));
    let c = Checker::new();
    assert_eq!(
        c.values((Some(1), None::<i64>)).unwrap_err(),
        [FieldError::new("form", "a required field is missing")]
    );
    let mut c = Checker::new();
    assert_eq!(c.word::<crate::domain::types::ChargeCategory>("n", Some("x")), None);
    assert_eq!(
        c.word::<crate::domain::types::ChargeCategory>("m", Some("dwi")),
        Some(crate::domain::types::ChargeCategory::Dwi)
    );
    assert_eq!(c.values((Some(1),)).unwrap_err()[0].field, "n");
}

#[test]
fn a_reasoned_event_checks_its_time_reason_and_note() {
    #[derive(Debug, PartialEq)]
    struct Why;
    impl std::str::FromStr for Why {
        type Err = String;
        fn from_str(s: &str) -> Result<Self, String> {
            (s == "bond_posted")
                .then_some(Why)
                .ok_or_else(|| "no such reason".into())
        }
    }
    let r = reasoned::<Why>(
        Some("2026-11-23T10:00:00.750Z"),
        Some("bond_posted"),
        Some(" paid "),
        TimeInput::Rfc3339,
    )
    .unwrap();
    assert_eq!(r.at.to_rfc3339(), "2026-11-23T10:00:00+00:00", "to the second");
    assert_eq!((r.reason, r.note.as_deref()), (Why, Some("paid")));
    assert_eq!(
        reasoned::<Why>(None, Some("x"), Some(&"n".repeat(1001)), TimeInput::Rfc3339)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect::<Vec<_>>(),
        [
            ("at".to_string(), "the time is required".to_string()),
            ("reason".into(), "no such reason".into()),
            ("note".into(), "note must be at most 1000 characters".into()),
        ]
    );
}

#[test]
fn a_control_character_in_a_form_is_named_by_its_field() {
    assert_eq!(control_in_pairs(b"a=1&b=ok"), None);
    assert_eq!(
        control_in_pairs(b"a=1&note=x%00y"),
        Some(vec![FieldError::new(
            "note",
            "note contains a control character (U+0000), which is not allowed"
        )])
    );
    assert_eq!(control_in_pairs(b"a%01=1").unwrap()[0].field, "a\u{1}");
}

#[test]
fn a_day_starts_at_midnight_or_the_first_hour_after_it() {
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(
        start_of_day(day("2026-11-23"), chrono_tz::America::New_York).to_rfc3339(),
        "2026-11-23T05:00:00+00:00"
    );
    // Cuba moves its clocks at midnight: 2026-03-08 begins at 01:00 CDT (UTC-4).
    assert_eq!(
        start_of_day(day("2026-03-08"), chrono_tz::America::Havana).to_rfc3339(),
        "2026-03-08T05:00:00+00:00"
    );
}

#[test]
fn amounts_at_their_limits() {
    assert_eq!(super::money_cents("999,999,999,999", i64::MAX), Ok(99_999_999_999_900));
    assert!(super::money_cents("1,000,000,000,000", i64::MAX).is_err(), "13 digits");
    assert!(super::money_cents("1234,567", i64::MAX).is_err());
    assert!(super::money_cents(",123", i64::MAX).is_err());
    assert!(super::money_cents("12,3a4", i64::MAX).is_err());
    assert_eq!(super::money_cents("123.45", 12_345), Ok(12_345));
    assert_eq!(super::money_cents("123.46", 12_345), Err("at most $123.45".to_string()));
    assert_eq!(super::human("at"), "the time");
    assert_eq!(super::human("list[x]"), "list[x]");
}

#[test]
fn done_refuses_with_every_field_error_found() {
    let mut c = Checker::new();
    assert!(c.date("date_of_birth", Some("1990-02-30")).is_none());
    assert!(c.text("last_name", Some(""), 10).is_none());
    let errors = c.done().unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["date_of_birth", "last_name"]);
}
