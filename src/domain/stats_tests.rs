//! Program statistics: each outcome counted once, in the totals and in its month.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::stats::*;
use super::types::{ChargeCategory, DocumentKind, ReleaseReason, Status};

const NY: Tz = chrono_tz::America::New_York;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A warrant case booked in March 2026 and served the next day.
fn served(status: Status) -> BookingFacts {
    BookingFacts {
        booked_at: t("2026-03-10T12:00:00Z"),
        tz: NY,
        status,
        document_kinds: vec![DocumentKind::WarrantOfArrest],
        charges: vec![ChargeCategory::Drug],
        served_at: Some(t("2026-03-11T12:00:00Z")),
        igsa_at: None,
        closed_at: None,
        release_reason: None,
        over_detained_seconds: 0,
    }
}

fn released(reason: ReleaseReason) -> BookingFacts {
    BookingFacts {
        release_reason: Some(reason),
        closed_at: Some(t("2026-03-13T12:00:00Z")),
        ..served(Status::Released)
    }
}

#[test]
fn a_release_counts_at_the_limit_only_when_the_clock_expired() {
    let table = [
        (served(Status::Transferred), Outcome::Transferred),
        (released(ReleaseReason::ClockExpired), Outcome::ReleasedAtLimit),
        (released(ReleaseReason::Other), Outcome::ReleasedOther),
        (released(ReleaseReason::WarrantWithdrawn), Outcome::ReleasedOther),
        (
            BookingFacts {
                release_reason: None,
                ..served(Status::Released)
            },
            Outcome::ReleasedOther,
        ),
        (served(Status::IgsaHold), Outcome::IgsaHold),
        (served(Status::WsoHold), Outcome::StillHeld),
        (served(Status::InCustody), Outcome::StillHeld),
    ];
    for (b, expected) in table {
        assert_eq!(outcome(&b), expected, "{:?} {:?}", b.status, b.release_reason);
    }
}

#[test]
fn each_outcome_is_counted_in_the_totals_and_in_the_booking_month() {
    let igsa = BookingFacts {
        igsa_at: Some(t("2026-03-12T12:00:00Z")),
        ..served(Status::IgsaHold)
    };
    let transferred_from_igsa = BookingFacts {
        igsa_at: Some(t("2026-03-12T12:00:00Z")),
        closed_at: Some(t("2026-03-20T12:00:00Z")),
        ..served(Status::Transferred)
    };
    let never_served = BookingFacts {
        served_at: None,
        ..served(Status::InCustody)
    };
    let bookings = [
        igsa,
        transferred_from_igsa,
        released(ReleaseReason::ClockExpired),
        released(ReleaseReason::Other),
        served(Status::WsoHold),
        never_served,
    ];
    let s = program(&bookings, &months_between(d("2026-03-01"), d("2026-04-30")));
    assert_eq!(
        (
            s.served,
            s.igsa_holds,
            s.transferred,
            s.released_at_limit,
            s.released_other,
            s.still_held
        ),
        (5, 2, 1, 1, 1, 2)
    );
    assert_eq!(
        s.by_month,
        vec![
            Month {
                month: "2026-03".into(),
                people_with_ice_documents: 6,
                served: 5,
                transferred: 1,
                released_at_limit: 1,
                released_other: 1,
                igsa_holds: 2,
                still_held: 2,
            },
            Month {
                month: "2026-04".into(),
                ..Month::default()
            },
        ]
    );
}

#[test]
fn months_run_across_the_new_year() {
    assert_eq!(
        months_between(d("2026-11-15"), d("2027-02-01")),
        vec!["2026-11", "2026-12", "2027-01", "2027-02"]
    );
    assert_eq!(months_between(d("2026-12-31"), d("2026-12-01")), vec!["2026-12"]);
    assert!(months_between(d("2027-01-01"), d("2026-12-31")).is_empty());
}

#[test]
fn an_igsa_hold_ending_at_local_midnight_does_not_bill_the_next_day() {
    // Held from Nov 10 09:00 to Dec 1 00:00 in New York: 21 November days, no December one.
    let (start, end) = (t("2026-11-10T14:00:00Z"), Some(t("2026-12-01T05:00:00Z")));
    let now = t("2027-01-01T00:00:00Z");
    assert_eq!(igsa_days_in_month(start, end, now, d("2026-11-01"), NY), 21);
    assert_eq!(igsa_days_in_month(start, end, now, d("2026-12-01"), NY), 0);
    let one_second_more = Some(t("2026-12-01T05:00:01Z"));
    assert_eq!(igsa_days_in_month(start, one_second_more, now, d("2026-12-01"), NY), 1);
}
