//! A case's one next duty (issue 31) in each state of the case machine and under each of the
//! agreement's duties, boundaries to the second.

use chrono::{DateTime, Utc};

use super::case::Case;
use super::next_steps::{Binds, NextDuty, complaint_duty, due_order, duty};
use super::types::{DutyKind::*, Status};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

const BOOKED: &str = "2026-11-20T08:00:00Z";
const POINT: &str = "2026-11-21T08:00:00Z";
const SERVED: &str = "2026-11-21T09:00:00Z";
/// 48 elapsed hours after the service.
const DEADLINE: &str = "2026-11-23T09:00:00Z";

fn case(status: Status, point: bool, served: bool) -> Case {
    Case {
        status,
        booked_at: t(BOOKED),
        release_point_at: point.then(|| t(POINT)),
        served_at: served.then(|| t(SERVED)),
        igsa_at: (status == Status::IgsaHold).then(|| t("2026-11-22T09:00:00Z")),
    }
}

fn binds(active_warrant: bool, notice_logged: bool) -> Binds {
    Binds {
        active_warrant,
        notice_logged,
        claim_report_due: None,
    }
}

fn due(kind: super::types::DutyKind, at: Option<&str>) -> Option<NextDuty> {
    Some(NextDuty {
        kind,
        due_at: at.map(t),
    })
}

#[test]
fn a_booking_with_only_a_detainer_owes_no_duty_of_the_program_yet() {
    let booked = case(Status::InCustody, false, false);
    assert_eq!(duty(&booked, binds(false, false), t("2026-11-20T09:00:00Z")), None);
}

#[test]
fn a_warrant_in_force_asks_for_the_point_of_release_then_its_service_due_at_that_point() {
    let booked = case(Status::InCustody, false, false);
    assert_eq!(
        duty(&booked, binds(true, false), t("2026-11-20T09:00:00Z")),
        due(RecordReleasePoint, None)
    );
    let at_point = case(Status::InCustody, true, false);
    assert_eq!(
        duty(&at_point, binds(true, false), t("2026-11-21T07:59:59Z")),
        due(ServeWarrant, Some(POINT))
    );
    assert_eq!(
        duty(&at_point, binds(true, false), t("2026-11-21T08:00:01Z")),
        due(ServeWarrant, Some(POINT)),
        "still the service once it is due (late)"
    );
    // The warrant withdrawn: nothing to serve; the person's release is the jail's own business.
    assert_eq!(duty(&at_point, binds(false, false), t("2026-11-21T08:00:01Z")), None);
}

#[test]
fn a_service_asks_for_the_notice_to_ice_within_the_hour_then_the_pickup_by_the_deadline() {
    let held = case(Status::WsoHold, true, true);
    assert_eq!(
        duty(&held, binds(true, false), t("2026-11-21T09:00:00Z")),
        due(NotifyIceOfService, Some("2026-11-21T10:00:00Z"))
    );
    assert_eq!(
        duty(&held, binds(true, false), t("2026-11-21T10:00:01Z")),
        due(NotifyIceOfService, Some("2026-11-21T10:00:00Z")),
        "an overdue notice stays the duty"
    );
    assert_eq!(
        duty(&held, binds(true, true), t("2026-11-21T10:00:01Z")),
        due(TransferOrRelease, Some(DEADLINE))
    );
}

#[test]
fn at_the_deadline_s_second_the_release_leads_even_before_an_untold_notice() {
    let held = case(Status::WsoHold, true, true);
    assert_eq!(
        duty(&held, binds(true, false), t("2026-11-23T08:59:59Z")),
        due(NotifyIceOfService, Some("2026-11-21T10:00:00Z"))
    );
    assert_eq!(
        duty(&held, binds(true, false), t(DEADLINE)),
        due(TransferOrRelease, Some(DEADLINE))
    );
}

#[test]
fn an_unreported_citizenship_claim_comes_first_but_never_before_an_overdue_hold() {
    let claim = Binds {
        claim_report_due: Some(t("2026-11-21T08:30:00Z")),
        ..binds(true, false)
    };
    let at_point = case(Status::InCustody, true, false);
    assert_eq!(
        duty(&at_point, claim, t("2026-11-21T07:45:00Z")),
        due(ReportCitizenshipClaim, Some("2026-11-21T08:30:00Z"))
    );
    let held = case(Status::WsoHold, true, true);
    assert_eq!(
        duty(&held, claim, t("2026-11-21T09:30:00Z")),
        due(ReportCitizenshipClaim, Some("2026-11-21T08:30:00Z"))
    );
    assert_eq!(duty(&held, claim, t(DEADLINE)), due(TransferOrRelease, Some(DEADLINE)));
    let detainer_only = case(Status::InCustody, false, false);
    assert_eq!(
        duty(&detainer_only, claim, t("2026-11-20T09:00:00Z")),
        due(ReportCitizenshipClaim, Some("2026-11-21T08:30:00Z")),
        "a claim binds whatever the ICE document"
    );
}

#[test]
fn an_igsa_hold_awaits_the_pickup_with_no_deadline_and_a_closed_case_owes_nothing() {
    assert_eq!(
        duty(
            &case(Status::IgsaHold, true, true),
            binds(true, true),
            t("2026-11-25T00:00:00Z")
        ),
        due(TransferOrRelease, None)
    );
    for closed in [Status::Transferred, Status::Released] {
        let claim = Binds {
            claim_report_due: Some(t("2026-11-21T08:30:00Z")),
            ..binds(true, false)
        };
        assert_eq!(duty(&case(closed, true, true), claim, t(DEADLINE)), None, "{closed}");
    }
}

#[test]
fn a_complaint_is_due_at_its_weekday_hours_deadline_and_lists_sort_soonest_first_undated_last() {
    let c = complaint_duty(t("2026-11-24T17:00:00Z"));
    assert_eq!(c, due(AnswerComplaint, Some("2026-11-24T17:00:00Z")).unwrap());
    let mut dues = vec![None, Some(t(DEADLINE)), Some(t(POINT)), None];
    dues.sort_by_key(|d| due_order(*d));
    assert_eq!(dues, vec![Some(t(POINT)), Some(t(DEADLINE)), None, None]);
}
