//! The case rules, one story each.

use chrono::{DateTime, Duration, Utc};

use super::Role;
use super::case::*;
use super::rules::{Actor, Facts};
use super::stage::*;
use super::test_support::{WARRANT, acting, booked, facts, t};
use super::types::{DocumentKind, ReleaseReason, Status};

// The transitions as these stories call them: by staff of the case's facility (the rulebook's
// own checks of who and when are in `rules_tests`).
fn record_release_point(
    case: &Case,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    warrant: bool,
) -> Result<Status, RuleError> {
    super::case::record_release_point(facts(case), acting(Role::Officer), at, now, warrant).map(|t| t.value)
}

fn serve(
    case: &Case,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    doc: &IceDocument,
    certified: bool,
) -> Result<Served, RuleError> {
    let wso = Actor {
        certified,
        ..acting(Role::Officer)
    };
    super::case::serve(facts(case), wso, at, now, doc).map(|t| t.value)
}

fn transfer(
    case: &Case,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    role: Role,
    late: Option<&str>,
) -> Result<i64, RuleError> {
    super::case::transfer(facts(case), acting(role), at, now, late).map(|t| t.value)
}

fn release(case: &Case, at: DateTime<Utc>, now: DateTime<Utc>, reason: ReleaseReason) -> Result<i64, RuleError> {
    super::case::release(facts(case), acting(Role::Supervisor), at, now, reason).map(|t| t.value)
}

fn start_igsa_hold(case: &Case, at: DateTime<Utc>, now: DateTime<Utc>, igsa: bool) -> Result<(), RuleError> {
    let facts = Facts {
        facility_igsa: igsa,
        ..facts(case)
    };
    super::case::start_igsa_hold(facts, acting(Role::Supervisor), at, now).map(|t| t.value)
}

fn at_release_point() -> Case {
    Case {
        release_point_at: Some(t("2026-11-21T08:00:00Z")),
        ..booked()
    }
}

fn on_hold() -> Case {
    Case {
        status: Status::WsoHold,
        served_at: Some(t("2026-11-21T09:00:00Z")),
        ..at_release_point()
    }
}

const NOW: &str = "2026-11-25T12:00:00Z";
#[test]
fn without_an_active_warrant_the_person_leaves_at_the_point_of_release() {
    let now = t(NOW);
    assert_eq!(
        record_release_point(&booked(), t("2026-11-21T08:00:00Z"), now, false),
        Ok(Status::Released)
    );
    assert_eq!(
        record_release_point(&booked(), t("2026-11-21T08:00:00Z"), now, true),
        Ok(Status::InCustody)
    );
    let twice = record_release_point(&at_release_point(), t("2026-11-21T09:00:00Z"), now, true).unwrap_err();
    assert_eq!(twice.code, "release_point_already_recorded");
}

#[test]
fn event_times_are_never_in_the_future_nor_before_the_step_they_follow() {
    let now = t(NOW);
    let e = record_release_point(&booked(), now + Duration::seconds(1), now, true).unwrap_err();
    assert_eq!((e.code, e.field), ("in_the_future", Some("at")));
    let e = record_release_point(&booked(), t("2026-11-20T07:59:59Z"), now, true).unwrap_err();
    assert_eq!(e.code, "before_previous_step");
    let e = serve(&at_release_point(), t("2026-11-21T07:00:00Z"), now, &WARRANT, true).unwrap_err();
    assert_eq!(e.code, "before_previous_step");
}

#[test]
fn a_certified_officer_serves_a_warrant_at_the_point_of_release() {
    let served = serve(&at_release_point(), t("2026-11-21T09:00:00Z"), t(NOW), &WARRANT, true).unwrap();
    assert_eq!(served.deadline, t("2026-11-23T09:00:00Z"));
    assert_eq!(
        served.status,
        Status::WsoHold,
        "the service puts the person on a WSO hold"
    );
}

#[test]
fn service_is_refused_before_the_point_of_release_for_detainers_withdrawn_warrants_and_the_uncertified() {
    let now = t(NOW);
    let at = t("2026-11-21T09:00:00Z");
    assert_eq!(
        serve(&booked(), at, now, &WARRANT, true).unwrap_err().code,
        "no_release_point"
    );
    let detainer = IceDocument {
        kind: DocumentKind::Detainer,
        withdrawn_at: None,
    };
    let e = serve(&at_release_point(), at, now, &detainer, true).unwrap_err();
    assert_eq!((e.kind, e.code), (RuleKind::Unprocessable, "not_a_warrant"));
    let withdrawn = IceDocument {
        kind: DocumentKind::WarrantOfRemoval,
        withdrawn_at: Some(t("2026-11-21T08:30:00Z")),
    };
    assert_eq!(
        serve(&at_release_point(), at, now, &withdrawn, true).unwrap_err().code,
        "document_withdrawn"
    );
    let e = serve(&at_release_point(), at, now, &WARRANT, false).unwrap_err();
    assert_eq!((e.kind, e.code), (RuleKind::Forbidden, "not_certified"));
    assert_eq!(
        serve(&on_hold(), at, now, &WARRANT, true).unwrap_err().code,
        "already_served"
    );
}

#[test]
fn a_pickup_in_time_transfers_even_when_entered_late() {
    let deadline = t("2026-11-23T09:00:00Z");
    assert_eq!(transfer(&on_hold(), deadline, t(NOW), Role::IceLiaison, None), Ok(0));
}

#[test]
fn a_pickup_after_the_deadline_needs_a_supervisor_and_a_written_reason() {
    let late = t("2026-11-23T10:30:05Z");
    let now = t(NOW);
    let e = transfer(&on_hold(), late, now, Role::IceLiaison, None).unwrap_err();
    assert_eq!((e.kind, e.code), (RuleKind::Conflict, "deadline_passed"));
    assert_eq!(
        transfer(&on_hold(), late, now, Role::Supervisor, Some("  "))
            .unwrap_err()
            .code,
        "deadline_passed"
    );
    let e = transfer(&on_hold(), late, now, Role::IceLiaison, Some("ICE van broke down")).unwrap_err();
    assert_eq!(e.kind, RuleKind::Forbidden);
    assert_eq!(
        transfer(&on_hold(), late, now, Role::Supervisor, Some("ICE van broke down")),
        Ok(5405)
    );
}

#[test]
fn a_release_after_the_deadline_counts_every_second_past_it() {
    let now = t(NOW);
    assert_eq!(
        release(&on_hold(), t("2026-11-23T09:00:00Z"), now, ReleaseReason::ClockExpired),
        Ok(0)
    );
    assert_eq!(
        release(&on_hold(), t("2026-11-23T09:00:01Z"), now, ReleaseReason::ClockExpired),
        Ok(1)
    );
    assert_eq!(
        release(&on_hold(), t("2026-11-23T11:00:00Z"), now, ReleaseReason::Other),
        Ok(7200)
    );
    assert_eq!(
        release(
            &on_hold(),
            t("2026-11-22T09:00:00Z"),
            now,
            ReleaseReason::WarrantWithdrawn
        ),
        Ok(0)
    );
}

#[test]
fn clock_expired_is_refused_before_the_deadline() {
    let e = release(
        &on_hold(),
        t("2026-11-23T08:59:59Z"),
        t(NOW),
        ReleaseReason::ClockExpired,
    )
    .unwrap_err();
    assert_eq!(
        (e.kind, e.code, e.field),
        (RuleKind::Unprocessable, "clock_not_expired", Some("reason"))
    );
    let e = release(
        &at_release_point(),
        t("2026-11-22T08:00:00Z"),
        t(NOW),
        ReleaseReason::ClockExpired,
    )
    .unwrap_err();
    assert_eq!(e.code, "clock_not_running");
}

#[test]
fn a_person_never_served_is_released_by_a_supervisor_but_not_before_the_point_of_release() {
    assert_eq!(
        release(
            &at_release_point(),
            t("2026-11-21T10:00:00Z"),
            t(NOW),
            ReleaseReason::Other
        ),
        Ok(0)
    );
    assert_eq!(
        release(&booked(), t("2026-11-21T10:00:00Z"), t(NOW), ReleaseReason::Other)
            .unwrap_err()
            .code,
        "no_release_point"
    );
}

#[test]
fn closed_cases_take_no_more_events() {
    let closed = Case {
        status: Status::Transferred,
        ..on_hold()
    };
    let at = t("2026-11-22T10:00:00Z");
    assert_eq!(
        release(&closed, at, t(NOW), ReleaseReason::Other).unwrap_err().code,
        "invalid_state"
    );
    assert_eq!(
        transfer(&closed, at, t(NOW), Role::Supervisor, None).unwrap_err().code,
        "invalid_state"
    );
}

#[test]
fn an_igsa_hold_starts_at_or_before_the_deadline_where_an_agreement_exists() {
    let now = t(NOW);
    let deadline = t("2026-11-23T09:00:00Z");
    assert_eq!(start_igsa_hold(&on_hold(), deadline, deadline, true), Ok(()));
    let late = deadline + Duration::seconds(1);
    assert_eq!(
        start_igsa_hold(&on_hold(), late, late, true).unwrap_err().code,
        "deadline_passed"
    );
    assert_eq!(
        start_igsa_hold(&on_hold(), deadline, late, true),
        Ok(()),
        "a hold that started at the deadline may be entered a second later"
    );
    assert_eq!(
        start_igsa_hold(&on_hold(), t("2026-11-22T09:00:00Z"), now, false)
            .unwrap_err()
            .code,
        "no_igsa"
    );
    let igsa = Case {
        status: Status::IgsaHold,
        igsa_at: Some(t("2026-11-22T09:00:00Z")),
        ..on_hold()
    };
    // Days later, ICE picks up: no deadline applies any more.
    assert_eq!(
        transfer(&igsa, t("2026-11-25T09:00:00Z"), now, Role::IceLiaison, None),
        Ok(0)
    );
    assert_eq!(
        release(&igsa, t("2026-11-25T09:00:00Z"), now, ReleaseReason::Other),
        Ok(0)
    );
}

#[test]
fn an_event_may_be_entered_at_the_very_second_of_now_and_of_the_step_before() {
    let now = t(NOW);
    assert_eq!(record_release_point(&booked(), now, now, false), Ok(Status::Released));
    assert_eq!(
        record_release_point(&booked(), t("2026-11-20T08:00:00Z"), now, true),
        Ok(Status::InCustody),
        "the point of release may be the booking's second"
    );
    let release_point = t("2026-11-21T08:00:00Z");
    let served = serve(&at_release_point(), release_point, now, &WARRANT, true).unwrap();
    assert_eq!(served.deadline, t("2026-11-23T08:00:00Z"));
}

#[test]
fn a_warrant_withdrawn_at_the_service_second_cannot_be_served() {
    let at = t("2026-11-21T09:00:00Z");
    let withdrawn = |w: &str| IceDocument {
        kind: DocumentKind::WarrantOfArrest,
        withdrawn_at: Some(t(w)),
    };
    assert!(!withdrawn("2026-11-21T09:00:00Z").is_active_warrant_at(at));
    assert!(withdrawn("2026-11-21T09:00:01Z").is_active_warrant_at(at));
    assert!(WARRANT.is_active_warrant_at(at));
    let detainer = IceDocument {
        kind: DocumentKind::Detainer,
        withdrawn_at: None,
    };
    assert!(!detainer.is_active_warrant_at(at));
}

#[test]
fn a_case_has_an_active_warrant_only_when_one_of_its_documents_is_one() {
    let at = t("2026-11-21T09:00:00Z");
    let detainer = IceDocument {
        kind: DocumentKind::Detainer,
        withdrawn_at: None,
    };
    let withdrawn = IceDocument {
        kind: DocumentKind::WarrantOfRemoval,
        withdrawn_at: Some(t("2026-11-21T08:00:00Z")),
    };
    assert!(!active_warrant(&[], at));
    assert!(!active_warrant(&[detainer, withdrawn], at));
    assert!(active_warrant(&[detainer, withdrawn, WARRANT], at));
}

#[test]
fn each_stage_has_its_words_and_colour() {
    let table = [
        (Stage::Ok, "stage-ok", "More than 12 h left", false, false),
        (Stage::Within12h, "stage-12h", "12 h or less", false, false),
        (Stage::Within4h, "stage-4h", "4 h or less", true, false),
        (Stage::Within1h, "stage-1h", "▲ Under 1 h left", true, false),
        (Stage::Overdue, "overdue", "Release required", false, true),
    ];
    for (stage, css, label, urgent, overdue) in table {
        assert_eq!(
            (stage.css(), stage.label(), stage.is_urgent(), stage.is_overdue()),
            (css, label, urgent, overdue),
            "{stage:?}"
        );
    }
}
