//! A case's one next duty and the order in which the case page offers its steps: the most
//! urgent first (issues 25 and 31; one function decides both). An overdue hold leads with the
//! release; an unreported citizenship claim with its report (due within the hour); a served
//! warrant whose post-service notice to ICE is not logged with that notice (due within the hour);
//! a running hold with the pickup or release by the deadline; a warrant whose point of release is
//! recorded with the service (due then); a warrant in force with the point of release. A booking
//! without a warrant offers the ICE document before the point of release (which would release
//! the person) and owes no duty of the program yet.

use chrono::{DateTime, Utc};

use super::allowed::Allowed;
use super::case::{Case, clock_run_out};
use super::notice::post_service_notice_due;
use super::rules::Step;
use super::types::{DutyKind, Status};

/// What binds a case besides its own state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Binds {
    /// A warrant is in force now.
    pub active_warrant: bool,
    /// A post-service notice to ICE is logged.
    pub notice_logged: bool,
    /// When the earliest citizenship claim not yet reported to ICE must be reported.
    pub claim_report_due: Option<DateTime<Utc>>,
}

/// A duty and when it is due (`None`: it has no deadline of its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NextDuty {
    pub kind: DutyKind,
    pub due_at: Option<DateTime<Utc>>,
}

/// Whether the 48 hours of a running hold have run out at `now` (the board says "Release
/// required"): the release then leads.
pub fn release_required(case: &Case, now: DateTime<Utc>) -> bool {
    case.status == Status::WsoHold && case.deadline().is_some_and(|d| clock_run_out(d, now))
}

/// The case's one next duty at `now`, or none (closed, or nothing of the program owed yet).
pub fn duty(case: &Case, binds: Binds, now: DateTime<Utc>) -> Option<NextDuty> {
    use DutyKind::*;
    let at = |kind, due_at| Some(NextDuty { kind, due_at });
    if case.status.is_closed() {
        return None;
    }
    if release_required(case, now) {
        return at(TransferOrRelease, case.deadline());
    }
    if let Some(due) = binds.claim_report_due {
        return at(ReportCitizenshipClaim, Some(due));
    }
    match case.status {
        Status::WsoHold if !binds.notice_logged => at(NotifyIceOfService, case.served_at.map(post_service_notice_due)),
        Status::WsoHold => at(TransferOrRelease, case.deadline()),
        Status::IgsaHold => at(TransferOrRelease, None),
        Status::InCustody if binds.active_warrant => match case.release_point_at {
            Some(point) => at(ServeWarrant, Some(point)),
            None => at(RecordReleasePoint, None),
        },
        _ => None,
    }
}

/// A complaint's duty: sent to ICE by its weekday-hours deadline.
pub fn complaint_duty(ice_due_at: DateTime<Utc>) -> NextDuty {
    NextDuty {
        kind: DutyKind::AnswerComplaint,
        due_at: Some(ice_due_at),
    }
}

/// How a list of duties is sorted: by due time, soonest first; those without one last.
pub fn due_order(due_at: Option<DateTime<Utc>>) -> (bool, Option<DateTime<Utc>>) {
    (due_at.is_none(), due_at)
}

/// The steps `can` allows, most urgent first: the duty's own step leads.
pub fn order(case: &Case, can: &Allowed, binds: Binds, now: DateTime<Utc>) -> Vec<Step> {
    use Step::*;
    let sequence: &[Step] = match case.status {
        Status::WsoHold if release_required(case, now) => &[Release, Transfer, Igsa, Claim, Notification, Document],
        Status::WsoHold if !binds.notice_logged => &[Notification, Transfer, Release, Igsa, Claim, Document],
        Status::WsoHold | Status::IgsaHold => &[Transfer, Release, Igsa, Claim, Notification, Document],
        Status::InCustody if case.release_point_at.is_some() => &[Serve, Release, Claim, Notification, Document],
        Status::InCustody if binds.active_warrant => &[ReleasePoint, Notification, Claim, Document],
        _ => &[Document, Notification, Claim, ReleasePoint],
    };
    sequence.iter().copied().filter(|&s| can.offers(s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Step::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn binds(active_warrant: bool, notice_logged: bool) -> Binds {
        Binds {
            active_warrant,
            notice_logged,
            claim_report_due: None,
        }
    }

    fn all() -> Allowed {
        Allowed {
            correct: true,
            add_document: true,
            notify: true,
            withdraw: true,
            claim: true,
            report_claim: true,
            release_point: true,
            serve: true,
            transfer: true,
            late_transfer: true,
            release: true,
            igsa: true,
            plan_pickup: true,
        }
    }

    fn case(status: Status, release_point: bool, served: bool) -> Case {
        Case {
            status,
            booked_at: t("2026-11-20T08:00:00Z"),
            release_point_at: release_point.then(|| t("2026-11-21T08:00:00Z")),
            served_at: served.then(|| t("2026-11-21T09:00:00Z")),
            igsa_at: None,
        }
    }

    #[test]
    fn a_service_not_yet_told_to_ice_offers_the_notice_first() {
        let held = case(Status::WsoHold, true, true);
        let at = t("2026-11-21T09:30:00Z");
        assert_eq!(
            order(&held, &all(), binds(true, false), at)[..2],
            [Notification, Transfer]
        );
        assert_eq!(order(&held, &all(), binds(true, true), at)[..2], [Transfer, Release]);
        // Past the deadline the release leads, told or not.
        assert_eq!(
            order(&held, &all(), binds(true, false), t("2026-11-23T09:00:00Z"))[0],
            Release
        );
    }

    #[test]
    fn an_overdue_hold_offers_the_release_first() {
        let held = case(Status::WsoHold, true, true);
        // The deadline is 2026-11-23T09:00Z: from its second on the release leads.
        assert_eq!(
            order(&held, &all(), binds(true, true), t("2026-11-23T08:59:59Z"))[..2],
            [Transfer, Release]
        );
        assert_eq!(
            order(&held, &all(), binds(true, true), t("2026-11-23T09:00:00Z"))[..2],
            [Release, Transfer]
        );
        assert_eq!(
            order(&held, &all(), binds(true, true), t("2026-11-23T09:00:00Z")),
            [Release, Transfer, Igsa, Claim, Notification, Document],
            "an IGSA hold that began in time may still be entered"
        );
        assert!(release_required(&held, t("2026-11-23T09:00:00Z")));
        assert!(!release_required(&held, t("2026-11-23T08:59:59Z")));
        let igsa = Case {
            status: Status::IgsaHold,
            ..held
        };
        assert!(
            !release_required(&igsa, t("2026-11-24T09:00:00Z")),
            "no clock runs under an IGSA"
        );
    }

    #[test]
    fn a_booking_without_a_warrant_offers_the_document_before_the_point_of_release() {
        let new = case(Status::InCustody, false, false);
        assert_eq!(
            order(&new, &all(), binds(false, true), t("2026-11-21T00:00:00Z")),
            [Document, Notification, Claim, ReleasePoint]
        );
        assert_eq!(
            order(&new, &all(), binds(true, true), t("2026-11-21T00:00:00Z"))[0],
            ReleasePoint
        );
        let awaiting = case(Status::InCustody, true, false);
        assert_eq!(
            order(&awaiting, &all(), binds(true, true), t("2026-11-21T09:00:00Z"))[0],
            Serve
        );
    }

    #[test]
    fn only_allowed_steps_are_offered_and_a_closed_case_takes_no_claim() {
        let held = case(Status::WsoHold, true, true);
        let liaison = Allowed {
            transfer: true,
            ..Allowed::default()
        };
        assert_eq!(
            order(&held, &liaison, binds(true, true), t("2026-11-22T00:00:00Z")),
            [Transfer]
        );
        let closed = case(Status::Released, true, true);
        let notify_only = Allowed {
            notify: true,
            withdraw: true,
            report_claim: true,
            correct: true,
            ..Allowed::default()
        };
        assert_eq!(
            order(&closed, &notify_only, binds(false, true), t("2026-11-22T00:00:00Z")),
            [Notification]
        );
    }
}
