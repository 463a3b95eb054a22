//! What the case page offers a viewer now. Nothing here is a rule of its own: each field is
//! [`rules::may`] for its step (the serve form also needs a document that [`case::serve`] would
//! accept now), so the page offers a form exactly when the service would accept the step.

use chrono::{DateTime, Utc};

use super::case::{self, IceDocument};
use super::rules::{self, Actor, Facts, Step};

/// What a viewer may do to a case now (the case page shows only these forms).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allowed {
    pub correct: bool,
    pub add_document: bool,
    pub notify: bool,
    pub withdraw: bool,
    pub claim: bool,
    pub report_claim: bool,
    pub release_point: bool,
    pub serve: bool,
    pub transfer: bool,
    /// The transfer form takes a written reason for a pickup after the deadline.
    pub late_transfer: bool,
    pub release: bool,
    pub igsa: bool,
    /// Record when ICE plans to pick the person up (issue 31).
    pub plan_pickup: bool,
}

impl Allowed {
    /// Whether the page offers `step`.
    pub fn offers(&self, step: Step) -> bool {
        match step {
            Step::Document => self.add_document,
            Step::Withdraw => self.withdraw,
            Step::Notification => self.notify,
            Step::Claim => self.claim,
            Step::ReportClaim => self.report_claim,
            Step::ReleasePoint => self.release_point,
            Step::Serve => self.serve,
            Step::Transfer => self.transfer,
            Step::Release => self.release,
            Step::Igsa => self.igsa,
            Step::Correct => self.correct,
            Step::PlanPickup => self.plan_pickup,
        }
    }
}

/// The steps open to `actor` on the case at `now`; `documents`: the case's ICE documents.
pub fn allowed(actor: Actor, facts: Facts<'_>, documents: &[IceDocument], now: DateTime<Utc>) -> Allowed {
    let may = |step| rules::may(step, actor, facts).is_ok();
    Allowed {
        correct: may(Step::Correct),
        add_document: may(Step::Document),
        notify: may(Step::Notification),
        withdraw: may(Step::Withdraw),
        claim: may(Step::Claim),
        report_claim: may(Step::ReportClaim),
        release_point: may(Step::ReleasePoint),
        serve: serveable(actor, facts, documents, now).next().is_some(),
        transfer: may(Step::Transfer),
        late_transfer: may(Step::Transfer) && rules::may_transfer_late(actor.role),
        release: may(Step::Release),
        igsa: may(Step::Igsa),
        plan_pickup: may(Step::PlanPickup),
    }
}

/// The positions in `documents` of those a service by `actor` at `now` would accept.
pub fn serveable<'a>(
    actor: Actor,
    facts: Facts<'a>,
    documents: &'a [IceDocument],
    now: DateTime<Utc>,
) -> impl Iterator<Item = usize> + 'a {
    documents
        .iter()
        .enumerate()
        .filter(move |(_, d)| case::serve(facts, actor, now, now, d).is_ok())
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use crate::domain::case::Case;
    use crate::domain::types::{DocumentKind, Status};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const WARRANT: IceDocument = IceDocument {
        kind: DocumentKind::WarrantOfArrest,
        withdrawn_at: None,
    };

    const DETAINER: IceDocument = IceDocument {
        kind: DocumentKind::Detainer,
        withdrawn_at: None,
    };

    fn awaiting_service() -> Case {
        Case {
            status: Status::InCustody,
            booked_at: t("2026-11-20T08:00:00Z"),
            release_point_at: Some(t("2026-11-21T08:00:00Z")),
            served_at: None,
            igsa_at: None,
        }
    }

    fn held() -> Case {
        Case {
            status: Status::WsoHold,
            served_at: Some(t("2026-11-21T09:00:00Z")),
            ..awaiting_service()
        }
    }

    fn at(role: Role) -> Actor {
        Actor {
            role,
            at_facility: true,
            certified: true,
        }
    }

    fn facts(case: &Case) -> Facts<'_> {
        Facts {
            case,
            facility_igsa: false,
            unreported_claim: false,
        }
    }

    fn of(case: &Case, actor: Actor, documents: &[IceDocument], now: &str) -> Allowed {
        allowed(actor, facts(case), documents, t(now))
    }

    #[test]
    fn only_certified_staff_of_the_facility_serve_and_only_an_active_warrant() {
        let now = "2026-11-21T09:00:00Z";
        let case = awaiting_service();
        assert!(of(&case, at(Role::Officer), &[WARRANT], now).serve);
        assert!(!of(&case, at(Role::Officer), &[DETAINER], now).serve);
        assert!(!of(&case, at(Role::Officer), &[], now).serve);
        let withdrawn = IceDocument {
            withdrawn_at: Some(t("2026-11-21T08:30:00Z")),
            ..WARRANT
        };
        assert!(!of(&case, at(Role::Officer), &[withdrawn], now).serve);
        assert_eq!(
            serveable(at(Role::Officer), facts(&case), &[DETAINER, withdrawn, WARRANT], t(now)).collect::<Vec<_>>(),
            [2]
        );
        let uncertified = Actor {
            certified: false,
            ..at(Role::Officer)
        };
        assert!(!of(&case, uncertified, &[WARRANT], now).serve);
        let elsewhere = Actor {
            at_facility: false,
            ..at(Role::Officer)
        };
        assert_eq!(of(&case, elsewhere, &[WARRANT], now), Allowed::default());
        assert_eq!(of(&case, at(Role::IceLiaison), &[WARRANT], now), Allowed::default());
        assert_eq!(of(&case, at(Role::Admin), &[WARRANT], now), Allowed::default());
    }

    #[test]
    fn no_service_while_a_citizenship_claim_is_unreported() {
        let case = awaiting_service();
        let claimed = Facts {
            unreported_claim: true,
            ..facts(&case)
        };
        let a = allowed(at(Role::Officer), claimed, &[WARRANT], t("2026-11-21T09:00:00Z"));
        assert!(!a.serve && a.report_claim && a.claim);
    }

    #[test]
    fn a_held_case_is_transferred_by_a_liaison_or_supervisor_and_only_a_supervisor_records_it_late() {
        let now = "2026-11-22T09:00:00Z";
        let liaison = of(&held(), at(Role::IceLiaison), &[], now);
        assert!(liaison.transfer && !liaison.late_transfer && !liaison.release);
        let supervisor = of(&held(), at(Role::Supervisor), &[], now);
        assert!(supervisor.transfer && supervisor.late_transfer && supervisor.release);
        assert!(!of(&held(), at(Role::Officer), &[], now).transfer);
        assert!(!of(&awaiting_service(), at(Role::Supervisor), &[], now).transfer);
    }

    #[test]
    fn an_igsa_hold_is_offered_to_a_supervisor_of_an_igsa_facility() {
        let case = held();
        let igsa = Facts {
            facility_igsa: true,
            ..facts(&case)
        };
        let supervisor = at(Role::Supervisor);
        assert!(allowed(supervisor, igsa, &[], t("2026-11-23T09:00:00Z")).igsa);
        assert!(
            allowed(supervisor, igsa, &[], t("2026-11-23T09:00:01Z")).igsa,
            "after the deadline, for a hold that started by it"
        );
        assert!(!allowed(supervisor, facts(&case), &[], t("2026-11-22T09:00:00Z")).igsa);
        assert!(!allowed(at(Role::Officer), igsa, &[], t("2026-11-22T09:00:00Z")).igsa);
    }

    #[test]
    fn a_closed_case_takes_no_new_document_nor_claim_but_records_a_withdrawal() {
        let now = "2026-11-22T09:00:00Z";
        let officer = at(Role::Officer);
        let open = of(&awaiting_service(), officer, &[], now);
        assert!(open.add_document && open.withdraw && open.claim);
        let released = Case {
            status: Status::Released,
            ..awaiting_service()
        };
        let closed = of(&released, officer, &[], now);
        assert!(!closed.add_document && !closed.claim);
        assert!(
            closed.correct && closed.notify && closed.withdraw && closed.report_claim,
            "facts about the past stay open: {closed:?}"
        );
        assert!(!closed.release, "nothing left to release");
    }

    #[test]
    fn the_point_of_release_is_recorded_once_by_staff_while_in_custody() {
        let now = "2026-11-21T09:00:00Z";
        let booked = Case {
            release_point_at: None,
            ..awaiting_service()
        };
        assert!(of(&booked, at(Role::Officer), &[], now).release_point);
        assert!(of(&booked, at(Role::Supervisor), &[], now).release_point);
        assert!(!of(&booked, at(Role::IceLiaison), &[], now).release_point);
        assert!(!of(&awaiting_service(), at(Role::Officer), &[], now).release_point);
        let released_at_booking = Case {
            status: Status::Released,
            ..booked.clone()
        };
        assert!(!of(&released_at_booking, at(Role::Officer), &[], now).release_point);
        let a = of(&booked, at(Role::Supervisor), &[WARRANT], now);
        assert!(
            !a.serve && !a.release && !a.transfer,
            "before the point of release: {a:?}"
        );
    }

    #[test]
    fn a_supervisor_releases_a_held_case_or_one_awaiting_service() {
        let supervisor = at(Role::Supervisor);
        let now = "2026-11-22T09:00:00Z";
        assert!(of(&awaiting_service(), supervisor, &[], now).release);
        assert!(of(&held(), supervisor, &[], now).release);
        let igsa = Case {
            status: Status::IgsaHold,
            igsa_at: Some(t("2026-11-22T08:00:00Z")),
            ..held()
        };
        assert!(of(&igsa, supervisor, &[], now).release);
        assert!(!of(&held(), at(Role::Officer), &[], now).release);
    }

    #[test]
    fn each_field_answers_for_its_own_step() {
        let everything = Allowed {
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
        };
        for step in Step::ALL {
            assert!(everything.offers(step));
            assert!(!Allowed::default().offers(step));
        }
        let one = |s: Step| {
            Step::ALL
                .iter()
                .filter(|&&x| {
                    let mut a = Allowed::default();
                    match s {
                        Step::Document => a.add_document = true,
                        Step::Withdraw => a.withdraw = true,
                        Step::Notification => a.notify = true,
                        Step::Claim => a.claim = true,
                        Step::ReportClaim => a.report_claim = true,
                        Step::ReleasePoint => a.release_point = true,
                        Step::Serve => a.serve = true,
                        Step::Transfer => a.transfer = true,
                        Step::Release => a.release = true,
                        Step::Igsa => a.igsa = true,
                        Step::Correct => a.correct = true,
                        Step::PlanPickup => a.plan_pickup = true,
                    }
                    a.offers(x)
                })
                .copied()
                .collect::<Vec<_>>()
        };
        for step in Step::ALL {
            assert_eq!(one(step), [step], "{step:?}");
        }
    }
}
