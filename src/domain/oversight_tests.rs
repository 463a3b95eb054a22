//! The oversight view's arithmetic and suppression, on hand-built facts.

use chrono::{DateTime, Utc};
use chrono_tz::America::New_York as NY;

use super::*;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn service(agency: &str, served: &str, status: Status, over: i64) -> Service {
    let served_at = t(served);
    Service {
        agency: agency.into(),
        tz: NY,
        served_at,
        deadline: served_at + Duration::hours(48),
        status,
        closed_at: (status != Status::WsoHold).then(|| served_at + Duration::hours(30)),
        release_reason: None,
        over_detained_seconds: over,
        notice_at: Some(served_at + Duration::minutes(30)),
    }
}

fn months() -> Vec<String> {
    vec!["2026-10".into(), "2026-11".into()]
}

#[test]
fn each_figure_counts_its_month_in_the_facility_s_zone() {
    let mut late_notice = service("A", "2026-11-02T12:00:00Z", Status::Transferred, 0);
    late_notice.notice_at = Some(late_notice.served_at + Duration::minutes(61));
    let mut at_deadline = service("A", "2026-11-03T12:00:00Z", Status::Released, 0);
    at_deadline.release_reason = Some(ReleaseReason::ClockExpired);
    let services = [
        service("A", "2026-11-01T12:00:00Z", Status::Transferred, 0),
        late_notice,
        at_deadline,
        service("A", "2026-11-04T12:00:00Z", Status::Transferred, 90), // 90 s late: 1 hour begun
        // 2026-11-01 03:00Z is still October 31 in New York.
        service("A", "2026-11-01T03:00:00Z", Status::Transferred, 0),
        // Still held, 3 hours past its deadline at `now`.
        service("A", "2026-11-20T09:00:00Z", Status::WsoHold, 0),
    ];
    let claims = [
        Claim {
            agency: "A".into(),
            tz: NY,
            claimed_at: t("2026-11-05T12:00:00Z"),
            reported_at: Some(t("2026-11-05T13:00:00Z")),
        },
        Claim {
            agency: "A".into(),
            tz: NY,
            claimed_at: t("2026-11-06T12:00:00Z"),
            reported_at: Some(t("2026-11-06T13:00:01Z")),
        },
        Claim {
            agency: "A".into(),
            tz: NY,
            claimed_at: t("2026-11-07T12:00:00Z"),
            reported_at: None,
        },
    ];
    let complaints = [
        Complaint {
            agency: "A".into(),
            tz: NY,
            received_at: t("2026-11-09T12:00:00Z"),
            due_at: t("2026-11-11T12:00:00Z"),
            sent_at: Some(t("2026-11-11T12:00:00Z")),
        },
        Complaint {
            agency: "A".into(),
            tz: NY,
            received_at: t("2026-11-09T12:00:00Z"),
            due_at: t("2026-11-11T12:00:00Z"),
            sent_at: Some(t("2026-11-11T12:00:01Z")),
        },
    ];
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let lapses = [
        Lapse {
            agency: "A".into(),
            on: day("2026-10-31"),
        },
        Lapse {
            agency: "A".into(),
            on: day("2026-11-01"),
        },
        Lapse {
            agency: "A".into(),
            on: day("2026-11-22"),
        },
        // Not yet: its day has not come.
        Lapse {
            agency: "A".into(),
            on: day("2026-11-23"),
        },
    ];
    let now = t("2026-11-22T12:00:00Z");
    let out = tally(
        &["A".into()],
        &months(),
        (&services, &claims, &complaints, &lapses),
        now,
    );
    let [october, november] = [out[0].1[0], out[0].1[1]];
    assert_eq!(october.0[0], 1, "served on October 31 local time");
    let expect = |field: &str| november.0[FIELDS.iter().position(|f| *f == field).unwrap()];
    assert_eq!(expect("services"), 5);
    assert_eq!(
        expect("transfers_within_48h"),
        2,
        "the 90 s late one is not within 48 h"
    );
    assert_eq!(expect("released_at_deadline"), 1);
    assert_eq!(
        expect("over_detentions"),
        2,
        "90 s late, and the one held 3 h past its deadline"
    );
    assert_eq!(
        expect("over_detention_hours"),
        4,
        "90 s + 3 h = 3 h 1 min 30 s: 4 hours begun"
    );
    assert_eq!(expect("notices_on_time"), 4, "one notice 61 minutes after service");
    assert_eq!((expect("claims"), expect("claims_reported_within_1h")), (3, 1));
    assert_eq!((expect("complaints"), expect("complaints_answered_in_time")), (2, 1));
    let lapsed = |f: Figures| f.0[FIELDS.iter().position(|f| *f == "certification_lapses").unwrap()];
    assert_eq!(
        (lapsed(october), lapsed(november)),
        (1, 2),
        "by the day's month, once it has come"
    );
}

fn figures(services: i64) -> Figures {
    let mut f = Figures::default();
    f.0[0] = services;
    f
}

#[test]
fn small_counts_are_null_and_a_second_cell_is_withheld_so_the_total_tells_nothing() {
    // November's services: A 3 (small), B 10, C 12; total 25.
    let tallied = vec![
        ("A".to_string(), vec![figures(0), figures(3)]),
        ("B".to_string(), vec![figures(0), figures(10)]),
        ("C".to_string(), vec![figures(7), figures(12)]),
    ];
    let (agencies, total) = published(&tallied, &months());
    let nov = |i: usize| agencies[i].1[1].services;
    assert_eq!(
        (nov(0), nov(1), nov(2)),
        (None, None, Some(12)),
        "A small, B (the smallest shown) withheld"
    );
    assert_eq!(total[1].services, Some(25));
    assert_eq!(agencies[0].1[1].suppressed, ["services"]);
    // October: zeros are shown as 0, and 7 alone (with two zeros) is not small.
    assert_eq!(
        (agencies[0].1[0].services, agencies[2].1[0].services, total[0].services),
        (Some(0), Some(7), Some(7))
    );
    assert!(agencies[0].1[0].suppressed.is_empty());
}

#[test]
fn over_detention_hours_are_hidden_with_a_hidden_count() {
    let mut a = Figures::default();
    a.0[3] = 2; // over_detentions: small
    a.0[4] = 30; // hours: not small, but about two people
    let mut b = Figures::default();
    b.0[3] = 9;
    b.0[4] = 40;
    let tallied = vec![
        ("A".to_string(), vec![Figures::default(), a]),
        ("B".to_string(), vec![Figures::default(), b]),
    ];
    let (agencies, total) = published(&tallied, &months());
    let a_nov = &agencies[0].1[1];
    assert_eq!((a_nov.over_detentions, a_nov.over_detention_hours), (None, None));
    assert!(a_nov.suppressed.contains(&"over_detention_hours"));
    // B's count is withheld by the complementary rule, and its hours with it.
    assert_eq!(
        (agencies[1].1[1].over_detentions, agencies[1].1[1].over_detention_hours),
        (None, None)
    );
    assert_eq!(
        (total[1].over_detentions, total[1].over_detention_hours),
        (Some(11), Some(70))
    );
}

#[test]
fn a_period_is_whole_months_and_its_words_name_the_field() {
    let p = period("2026-10", "2026-12").unwrap();
    assert_eq!(p.months, ["2026-10", "2026-11", "2026-12"]);
    assert_eq!((p.start, p.end), (t("2026-09-30T00:00:00Z"), t("2027-01-02T00:00:00Z")));
    assert_eq!(period("2026-13", "2026-12").unwrap_err().0, "from");
    assert_eq!(
        period("2026-10", "2026-09").unwrap_err(),
        ("to", "to is before from".to_string())
    );
    assert_eq!(period("2020-01", "2024-12").unwrap().months.len(), 60);
    assert!(
        period("2020-01", "2025-01")
            .unwrap_err()
            .1
            .contains("at most 60 months")
    );
    assert_eq!(period("1850-01", "1850-02").unwrap_err().0, "from");
}
