//! Facts recorded about a case: a withdrawal by ICE, a notification to ICE.

use chrono::{DateTime, Duration, Utc};

use super::Role;
use super::case::*;
use super::rules::{Actor, Facts};
use super::types::{DocumentKind, Status};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn booked() -> Case {
    Case {
        status: Status::InCustody,
        booked_at: t("2026-11-20T08:00:00Z"),
        release_point_at: None,
        served_at: None,
        igsa_at: None,
    }
}

fn facts(case: &Case) -> Facts<'_> {
    Facts {
        case,
        facility_igsa: false,
        unreported_claim: false,
    }
}

fn acting(role: Role) -> Actor {
    Actor {
        role,
        at_facility: true,
        certified: true,
    }
}

const WARRANT: IceDocument = IceDocument {
    kind: DocumentKind::WarrantOfArrest,
    withdrawn_at: None,
};

#[test]
fn a_withdrawal_is_recorded_once_at_or_after_the_document_arrived() {
    let received = t("2026-11-20T16:00:00Z");
    let now = t("2026-11-25T12:00:00Z");
    let officer = acting(Role::Officer);
    let closed = Case {
        status: Status::Released,
        ..booked()
    };
    for case in [booked(), closed] {
        assert_eq!(
            withdraw(facts(&case), officer, &WARRANT, received, received, now),
            Ok(())
        );
    }
    let e = withdraw(
        facts(&booked()),
        officer,
        &WARRANT,
        received,
        received - Duration::seconds(1),
        now,
    );
    assert_eq!(e.unwrap_err().code, "before_previous_step");
    let e = withdraw(
        facts(&booked()),
        officer,
        &WARRANT,
        received,
        now + Duration::seconds(1),
        now,
    );
    assert_eq!(e.unwrap_err().code, "in_the_future");
    let withdrawn = IceDocument {
        withdrawn_at: Some(received),
        ..WARRANT
    };
    let e = withdraw(facts(&booked()), officer, &withdrawn, received, now, now);
    assert_eq!(e.unwrap_err().code, "already_withdrawn");
    let e = withdraw(facts(&booked()), acting(Role::IceLiaison), &WARRANT, received, now, now);
    assert_eq!(e.unwrap_err().code, "forbidden");
}

#[test]
fn ice_is_notified_of_something_at_or_after_the_booking() {
    let officer = acting(Role::Officer);
    let booked_at = t("2026-11-20T08:00:00Z");
    let now = t("2026-11-25T12:00:00Z");
    assert_eq!(notify(facts(&booked()), officer, booked_at, now), Ok(()));
    assert_eq!(notify(facts(&booked()), officer, now, now), Ok(()));
    let e = notify(facts(&booked()), officer, booked_at - Duration::seconds(1), now);
    assert_eq!(e.unwrap_err().code, "before_previous_step");
    let e = notify(facts(&booked()), acting(Role::Admin), now, now);
    assert_eq!(e.unwrap_err().code, "forbidden");
}
