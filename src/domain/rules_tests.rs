//! The rulebook: who may take each step, and in which state of the case.

use super::Role;
use super::alerts::AlertKind;
use super::case::{Case, RuleError, RuleKind};
use super::claims::{self, ClaimFacts};
use super::events::Action;
use super::rules::{Actor, Facts, Step, may, may_transfer_late, permitted};
use super::test_support::{acting, booked, t};
use super::types::Status;

const NOW: &str = "2026-11-22T12:00:00Z";

fn awaiting_service() -> Case {
    Case {
        release_point_at: Some(t("2026-11-21T08:00:00Z")),
        ..booked()
    }
}

fn on_hold() -> Case {
    Case {
        status: Status::WsoHold,
        served_at: Some(t("2026-11-21T09:00:00Z")),
        ..awaiting_service()
    }
}

fn igsa_hold() -> Case {
    Case {
        status: Status::IgsaHold,
        igsa_at: Some(t("2026-11-22T09:00:00Z")),
        ..on_hold()
    }
}

fn closed(status: Status) -> Case {
    Case { status, ..on_hold() }
}

fn facts(case: &Case) -> Facts<'_> {
    Facts {
        case,
        facility_igsa: true,
        unreported_claim: false,
    }
}

fn code(r: Result<(), RuleError>) -> &'static str {
    r.err().map_or("ok", |e| e.code)
}

#[test]
fn each_step_belongs_to_its_roles() {
    use Role::*;
    for step in Step::ALL {
        let expected: &[Role] = match step {
            Step::Transfer | Step::PlanPickup => &[IceLiaison, Supervisor],
            Step::Release | Step::Igsa => &[Supervisor],
            _ => &[Officer, Supervisor],
        };
        for role in Role::ALL {
            let r = permitted(step, role);
            assert_eq!(r.is_ok(), expected.contains(&role), "{step:?} by {role:?}");
            if let Err(e) = r {
                assert_eq!((e.kind, e.code), (RuleKind::Forbidden, "forbidden"));
            }
        }
    }
}

#[test]
fn nobody_acts_on_a_case_of_another_facility() {
    let case = on_hold();
    for step in Step::ALL {
        for role in Role::ALL {
            let elsewhere = Actor {
                at_facility: false,
                ..acting(role)
            };
            let e = may(step, elsewhere, facts(&case)).unwrap_err();
            assert_eq!(e.kind, RuleKind::Forbidden, "{step:?} by {role:?}");
        }
    }
}

#[test]
fn new_facts_only_on_an_open_case_and_facts_about_the_past_on_any() {
    let officer = acting(Role::Officer);
    for status in [Status::Released, Status::Transferred] {
        let case = closed(status);
        for step in [Step::Document, Step::Claim] {
            assert_eq!(code(may(step, officer, facts(&case))), "case_closed", "{step:?}");
        }
        for step in [Step::Withdraw, Step::Notification, Step::ReportClaim, Step::Correct] {
            assert_eq!(code(may(step, officer, facts(&case))), "ok", "{step:?}");
        }
    }
    for case in [booked(), awaiting_service(), on_hold(), igsa_hold()] {
        for step in [Step::Document, Step::Claim] {
            assert_eq!(code(may(step, officer, facts(&case))), "ok", "{step:?}");
        }
    }
}

#[test]
fn the_point_of_release_once_while_in_custody() {
    let officer = acting(Role::Officer);
    let step = Step::ReleasePoint;
    assert_eq!(code(may(step, officer, facts(&booked()))), "ok");
    for case in [awaiting_service(), on_hold(), igsa_hold(), closed(Status::Released)] {
        assert_eq!(
            code(may(step, officer, facts(&case))),
            "release_point_already_recorded",
            "{:?}",
            case.status
        );
    }
    let released_at_booking = Case {
        status: Status::Released,
        ..booked()
    };
    assert_eq!(
        code(may(step, officer, facts(&released_at_booking))),
        "release_point_already_recorded"
    );
}

#[test]
fn a_service_at_the_point_of_release_by_a_certified_officer_with_every_claim_reported() {
    let wso = acting(Role::Officer);
    let serve = |case: &Case, actor: Actor, unreported_claim: bool| {
        let f = Facts {
            unreported_claim,
            ..facts(case)
        };
        code(may(Step::Serve, actor, f))
    };
    assert_eq!(serve(&awaiting_service(), wso, false), "ok");
    assert_eq!(serve(&booked(), wso, false), "no_release_point");
    assert_eq!(serve(&on_hold(), wso, false), "already_served");
    let released = Case {
        status: Status::Released,
        ..awaiting_service()
    };
    assert_eq!(serve(&released, wso, false), "invalid_state");
    assert_eq!(serve(&awaiting_service(), wso, true), "citizenship_claim_unreported");
    let uncertified = Actor {
        certified: false,
        ..wso
    };
    assert_eq!(
        serve(&awaiting_service(), uncertified, false),
        "ok",
        "the certification at the service time is the transition's last check (case::serve)"
    );
    assert_eq!(serve(&on_hold(), uncertified, false), "already_served");
}

#[test]
fn a_transfer_needs_a_hold_and_only_a_supervisor_records_one_late() {
    for case in [on_hold(), igsa_hold()] {
        for role in [Role::IceLiaison, Role::Supervisor] {
            assert_eq!(code(may(Step::Transfer, acting(role), facts(&case))), "ok");
        }
    }
    for case in [booked(), awaiting_service(), closed(Status::Transferred)] {
        assert_eq!(
            code(may(Step::Transfer, acting(Role::Supervisor), facts(&case))),
            "invalid_state"
        );
    }
    assert!(may_transfer_late(Role::Supervisor));
    assert!(!may_transfer_late(Role::IceLiaison));
}

#[test]
fn a_release_after_the_point_of_release_while_the_case_is_open() {
    let sgt = acting(Role::Supervisor);
    for case in [awaiting_service(), on_hold(), igsa_hold()] {
        assert_eq!(code(may(Step::Release, sgt, facts(&case))), "ok");
    }
    assert_eq!(code(may(Step::Release, sgt, facts(&booked()))), "no_release_point");
    for status in [Status::Released, Status::Transferred] {
        assert_eq!(code(may(Step::Release, sgt, facts(&closed(status)))), "invalid_state");
    }
}

#[test]
fn an_igsa_hold_from_a_wso_hold_where_an_agreement_exists() {
    let sgt = acting(Role::Supervisor);
    let held = on_hold();
    assert_eq!(code(may(Step::Igsa, sgt, facts(&held))), "ok");
    assert_eq!(code(may(Step::Igsa, acting(Role::Officer), facts(&held))), "forbidden");
    let no_agreement = Facts {
        facility_igsa: false,
        ..facts(&held)
    };
    assert_eq!(code(may(Step::Igsa, sgt, no_agreement)), "no_igsa");
    for case in [awaiting_service(), igsa_hold(), closed(Status::Released)] {
        assert_eq!(code(may(Step::Igsa, sgt, facts(&case))), "invalid_state");
    }
}

#[test]
fn a_claim_is_reported_within_the_hour_once() {
    let claimed_at = t("2026-11-22T10:00:00Z");
    let due = claims::report_due(claimed_at);
    assert_eq!(due, t("2026-11-22T11:00:00Z"));
    assert_eq!(claims::warning_at(due), t("2026-11-22T10:30:00Z"));
    assert_eq!(
        claims::alerts(due),
        [
            (AlertKind::CitizenshipClaimReportDue, t("2026-11-22T10:30:00Z")),
            (AlertKind::CitizenshipClaimReportOverdue, t("2026-11-22T11:00:01Z")),
        ],
        "the overdue alert from the first second past due, as report_overdue"
    );
    assert!(!claims::report_overdue(due, None, due));
    assert!(claims::report_overdue(due, None, t("2026-11-22T11:00:01Z")));
    assert!(!claims::report_overdue(due, Some(due), t("2026-11-22T12:00:00Z")));
    let officer = acting(Role::Officer);
    let case = awaiting_service();
    let claim = ClaimFacts {
        claimed_at,
        report_due_at: due,
        reported_at: None,
    };
    let in_time = claims::report(facts(&case), officer, claim, due, t(NOW)).unwrap();
    assert!(in_time.value);
    assert_eq!(in_time.actions(), [Action::CitizenshipClaimReported]);
    assert_eq!(in_time.events[0].at, due);
    assert_eq!(
        claims::report(facts(&case), officer, claim, t("2026-11-22T11:00:01Z"), t(NOW)).map(|t| t.value),
        Ok(false)
    );
    let early = claims::report(facts(&case), officer, claim, t("2026-11-22T09:59:59Z"), t(NOW));
    assert_eq!(early.unwrap_err().code, "before_previous_step");
    let reported = ClaimFacts {
        reported_at: Some(due),
        ..claim
    };
    assert_eq!(
        claims::report(facts(&case), officer, reported, due, t(NOW))
            .unwrap_err()
            .code,
        "already_reported"
    );
    let recorded = claims::record(facts(&case), officer, claimed_at, t(NOW)).unwrap();
    assert_eq!(recorded.value, due);
    assert_eq!(recorded.actions(), [Action::CitizenshipClaimRecorded]);
    assert_eq!(recorded.events[0].at, claimed_at);
    assert_eq!(
        claims::record(facts(&closed(Status::Released)), officer, claimed_at, t(NOW))
            .unwrap_err()
            .code,
        "case_closed"
    );
    assert!(claims::any_unreported([reported, claim]));
    assert!(!claims::any_unreported([reported]));
}

#[test]
fn who_sees_what_and_where() {
    use super::rules::{covers, may_see, scope, sees_awaiting, sees_whole_case};
    use Role::*;
    let own = [1, 2];
    // An admin's own facilities are their agency's (issue 28): no longer every facility.
    assert!(covers(Admin, &own, 2) && !covers(Admin, &[], 7));
    assert!(covers(Officer, &own, 2) && !covers(Supervisor, &own, 3));
    assert!(!covers(Operator, &own, 1) && !covers(Oversight, &own, 1));
    assert_eq!(scope(Admin, &own), Some(&own[..]));
    assert_eq!(scope(IceLiaison, &own), Some(&own[..]));
    assert_eq!(scope(Operator, &own), Some(&[][..]));
    assert_eq!(scope(Oversight, &own), Some(&[][..]));
    for status in [Status::InCustody, Status::Released] {
        assert!(may_see(Officer, true, status) && may_see(Admin, true, status));
        assert!(!may_see(Admin, false, status), "another agency's case");
        assert!(!may_see(Operator, true, status) && !may_see(Oversight, true, status));
        assert!(!may_see(IceLiaison, true, status), "{status:?}");
    }
    for status in [Status::WsoHold, Status::IgsaHold, Status::Transferred] {
        assert!(may_see(IceLiaison, true, status) && !may_see(IceLiaison, false, status));
    }
    assert!(!may_see(Supervisor, false, Status::WsoHold));
    assert!(!sees_awaiting(IceLiaison) && sees_awaiting(Officer) && sees_awaiting(Admin));
    assert!(!sees_whole_case(IceLiaison) && sees_whole_case(Supervisor));
}

#[test]
fn bookings_interpreters_and_the_agreement_s_duties_belong_to_their_roles() {
    use super::rules::{Duty, may_book, may_do, may_manage_interpreters};
    use Role::*;
    let roles = |ok: &dyn Fn(Role) -> bool| Role::ALL.into_iter().filter(|&r| ok(r)).collect::<Vec<_>>();
    assert_eq!(roles(&|r| may_book(r).is_ok()), [Officer, Supervisor]);
    assert_eq!(roles(&|r| may_manage_interpreters(r).is_ok()), [Supervisor]);
    let duty = |d: Duty| roles(&|r| may_do(d, r).is_ok());
    assert_eq!(duty(Duty::RecordComplaint), [Officer, Supervisor]);
    assert_eq!(duty(Duty::SendComplaintToIce), [Officer, Supervisor]);
    assert_eq!(duty(Duty::ComplaintOutcome), [Supervisor]);
    assert_eq!(duty(Duty::Disclosure), [Supervisor]);
    assert_eq!(duty(Duty::Review), [Supervisor]);
    assert_eq!(duty(Duty::ReadComplaints), [Officer, Supervisor, Admin]);
    assert_eq!(duty(Duty::ReadAgreementRecords), [Supervisor, Admin]);
}

#[test]
fn a_service_is_refused_for_its_document_and_time_before_the_officer_s_certification() {
    use super::case::{IceDocument, serve};
    use super::types::DocumentKind;
    let case = awaiting_service();
    let (at, now) = (t("2026-11-21T09:00:00Z"), t(NOW));
    let uncertified = Actor {
        certified: false,
        ..acting(Role::Officer)
    };
    let warrant = IceDocument {
        kind: DocumentKind::WarrantOfArrest,
        withdrawn_at: None,
    };
    let code = |doc: &IceDocument, at| serve(facts(&case), uncertified, at, now, doc).unwrap_err().code;
    let detainer = IceDocument {
        kind: DocumentKind::Detainer,
        ..warrant
    };
    assert_eq!(code(&detainer, at), "not_a_warrant");
    let withdrawn = IceDocument {
        withdrawn_at: Some(t("2026-11-21T08:30:00Z")),
        ..warrant
    };
    assert_eq!(code(&withdrawn, at), "document_withdrawn");
    assert_eq!(code(&warrant, t("2026-11-21T07:59:59Z")), "before_previous_step");
    assert_eq!(code(&warrant, at), "not_certified");
    let certified = acting(Role::Officer);
    assert!(serve(facts(&case), certified, at, now, &warrant).is_ok());
}

#[test]
fn each_area_opens_to_its_roles() {
    use super::rules::{Area, may_open};
    use Role::*;
    let open_to = |a: Area| {
        Role::ALL
            .into_iter()
            .filter(|&r| may_open(a, r).is_ok())
            .collect::<Vec<_>>()
    };
    assert_eq!(open_to(Area::Board), [Officer, Supervisor, IceLiaison, Admin]);
    assert_eq!(open_to(Area::Eligibility), [Officer, Supervisor, Admin]);
    assert_eq!(open_to(Area::Oversight), [Supervisor, Admin]);
    assert_eq!(open_to(Area::Administration), [Admin]);
    let e = may_open(Area::Administration, Supervisor).unwrap_err();
    assert_eq!((e.kind, e.code), (RuleKind::Forbidden, "forbidden"));
}

#[test]
fn eligibility_is_read_by_the_officer_s_supervisors_and_its_agency_s_admins() {
    use super::rules::reads_eligibility;
    use Role::*;
    let officer = (&[1, 2][..], Some(10));
    assert!(reads_eligibility((Supervisor, &[2, 3], Some(10)), officer));
    assert!(!reads_eligibility((Supervisor, &[3], Some(10)), officer));
    assert!(
        reads_eligibility((Admin, &[7], Some(10)), officer),
        "an admin: the agency, whatever the facility"
    );
    assert!(
        !reads_eligibility((Admin, &[1, 2], Some(11)), officer),
        "another agency's admin"
    );
    assert!(!reads_eligibility((Admin, &[], None), officer));
    for role in [Officer, IceLiaison, Operator, Oversight] {
        assert!(!reads_eligibility((role, &[1, 2], Some(10)), officer), "{role:?}");
    }
}
