//! Facts recorded about a case: a withdrawal by ICE, a notification to ICE.

use chrono::{DateTime, Duration, Utc};

use super::Role;
use super::case::*;
use super::events::{Action, Event};
use super::rules::Facts;
use super::test_support::{WARRANT, acting, booked, facts, t};
use super::types::{ReleaseReason, Status};

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
        let t = withdraw(facts(&case), officer, &WARRANT, received, received, now).unwrap();
        assert_eq!(
            t.events,
            [Event {
                action: Action::DocumentWithdrawn,
                at: received
            }]
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
    let t = notify(facts(&booked()), officer, booked_at, now).unwrap();
    assert_eq!(
        t.events,
        [Event {
            action: Action::IceNotified,
            at: booked_at
        }]
    );
    assert!(notify(facts(&booked()), officer, now, now).is_ok());
    let e = notify(facts(&booked()), officer, booked_at - Duration::seconds(1), now);
    assert_eq!(e.unwrap_err().code, "before_previous_step");
    let e = notify(facts(&booked()), acting(Role::Admin), now, now);
    assert_eq!(e.unwrap_err().code, "forbidden");
}

#[test]
fn each_step_appends_its_events_at_the_time_it_happened() {
    let now = t("2026-11-25T12:00:00Z");
    let (rp, served, later) = (
        t("2026-11-21T08:00:00Z"),
        t("2026-11-21T09:00:00Z"),
        t("2026-11-22T09:00:00Z"),
    );
    let officer = acting(Role::Officer);
    let supervisor = acting(Role::Supervisor);
    let events = |e: &[(Action, DateTime<Utc>)]| e.iter().map(|&(action, at)| Event { action, at }).collect::<Vec<_>>();
    let b = booked();
    let held_for_warrant = record_release_point(facts(&b), officer, rp, now, true).unwrap();
    assert_eq!(held_for_warrant.events, events(&[(Action::ReleasePointRecorded, rp)]));
    let released = record_release_point(facts(&b), officer, rp, now, false).unwrap();
    assert_eq!(
        released.events,
        events(&[(Action::ReleasePointRecorded, rp), (Action::Released, rp)]),
        "without a warrant the person leaves at the point of release: two events"
    );
    let awaiting = Case {
        release_point_at: Some(rp),
        ..booked()
    };
    let s = serve(facts(&awaiting), officer, served, now, &WARRANT).unwrap();
    assert_eq!(s.events, events(&[(Action::WarrantServed, served)]));
    let held = Case {
        status: Status::WsoHold,
        served_at: Some(served),
        ..awaiting
    };
    let igsa_facts = Facts {
        facility_igsa: true,
        ..facts(&held)
    };
    let steps = [
        (
            transfer(facts(&held), supervisor, later, now, None).unwrap().events,
            Action::Transferred,
        ),
        (
            release(facts(&held), supervisor, later, now, ReleaseReason::Other)
                .unwrap()
                .events,
            Action::Released,
        ),
        (
            start_igsa_hold(igsa_facts, supervisor, later, now).unwrap().events,
            Action::IgsaHoldStarted,
        ),
    ];
    for (got, action) in steps {
        assert_eq!(got, events(&[(action, later)]));
    }
    let doc = add_document(facts(&b), officer, rp).unwrap();
    assert_eq!(doc.events, events(&[(Action::DocumentAdded, rp)]));
    assert_eq!(
        correct(facts(&b), officer, now).unwrap().events,
        events(&[(Action::CorrectionRecorded, now)])
    );
    let closed = Case {
        status: Status::Released,
        ..awaiting
    };
    assert_eq!(
        add_document(facts(&closed), officer, rp).unwrap_err().code,
        "case_closed"
    );
    assert_eq!(
        correct(facts(&closed), acting(Role::IceLiaison), now).unwrap_err().code,
        "forbidden"
    );
}
