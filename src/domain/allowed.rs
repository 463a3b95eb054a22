//! Which steps of a case a viewer may take now. The case page offers only these; the services
//! check each step again (with the rules in `case`) when it is submitted.

use chrono::{DateTime, Utc};

use super::Role;
use super::case::Case;
use super::types::Status;

/// Who is looking at a case: their role, and whether they work at its facility.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub role: Role,
    pub at_facility: bool,
}

/// What a viewer may do to a case now (the case page shows only these forms; the services
/// enforce the same rules when a step is submitted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allowed {
    pub correct: bool,
    pub add_document: bool,
    pub notify: bool,
    pub withdraw: bool,
    pub release_point: bool,
    pub serve: bool,
    pub transfer: bool,
    pub release: bool,
    pub igsa: bool,
}

impl Allowed {
    /// Any step of the case itself (corrections aside).
    pub fn any(&self) -> bool {
        self.add_document
            || self.notify
            || self.release_point
            || self.serve
            || self.transfer
            || self.release
            || self.igsa
    }
}

/// The steps open to `viewer` on `case` at `now`; `active_warrant`: one can be served now;
/// `facility_igsa`: the facility holds people under an IGSA.
pub fn allowed(case: &Case, viewer: Viewer, active_warrant: bool, facility_igsa: bool, now: DateTime<Utc>) -> Allowed {
    let here = viewer.at_facility;
    let staff = here && matches!(viewer.role, Role::Officer | Role::Supervisor);
    let supervisor = here && viewer.role == Role::Supervisor;
    let open = !case.status.is_closed();
    let held = matches!(case.status, Status::WsoHold | Status::IgsaHold);
    let awaiting_service = case.status == Status::InCustody && case.release_point_at.is_some();
    Allowed {
        correct: staff,
        add_document: staff && open,
        notify: staff,
        withdraw: staff && open,
        release_point: staff && case.status == Status::InCustody && case.release_point_at.is_none(),
        serve: staff && awaiting_service && active_warrant,
        transfer: here && held && matches!(viewer.role, Role::IceLiaison | Role::Supervisor),
        release: supervisor && (held || awaiting_service),
        igsa: supervisor
            && facility_igsa
            && case.status == Status::WsoHold
            && case.deadline().is_some_and(|d| now <= d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn awaiting_service() -> Case {
        Case {
            status: Status::InCustody,
            booked_at: t("2026-11-20T08:00:00Z"),
            release_point_at: Some(t("2026-11-21T08:00:00Z")),
            served_at: None,
            igsa_at: None,
        }
    }

    #[test]
    fn only_staff_of_the_facility_serve_and_only_with_an_active_warrant() {
        let now = t("2026-11-21T09:00:00Z");
        let officer = Viewer {
            role: Role::Officer,
            at_facility: true,
        };
        assert!(allowed(&awaiting_service(), officer, true, false, now).serve);
        assert!(!allowed(&awaiting_service(), officer, false, false, now).serve);
        let elsewhere = Viewer {
            role: Role::Officer,
            at_facility: false,
        };
        assert_eq!(
            allowed(&awaiting_service(), elsewhere, true, false, now),
            Allowed::default()
        );
        let liaison = Viewer {
            role: Role::IceLiaison,
            at_facility: true,
        };
        assert!(!allowed(&awaiting_service(), liaison, true, false, now).any());
    }

    #[test]
    fn a_held_case_is_transferred_by_a_liaison_and_put_on_igsa_only_before_the_deadline() {
        let held = Case {
            status: Status::WsoHold,
            served_at: Some(t("2026-11-21T09:00:00Z")),
            ..awaiting_service()
        };
        let liaison = Viewer {
            role: Role::IceLiaison,
            at_facility: true,
        };
        let supervisor = Viewer {
            role: Role::Supervisor,
            at_facility: true,
        };
        assert!(allowed(&held, liaison, false, true, t("2026-11-22T09:00:00Z")).transfer);
        assert!(allowed(&held, supervisor, false, true, t("2026-11-23T09:00:00Z")).igsa);
        assert!(!allowed(&held, supervisor, false, true, t("2026-11-23T09:00:01Z")).igsa);
        assert!(!allowed(&held, supervisor, false, false, t("2026-11-22T09:00:00Z")).igsa);
    }

    fn at(role: Role) -> Viewer {
        Viewer {
            role,
            at_facility: true,
        }
    }

    #[test]
    fn any_step_counts_but_a_correction_alone_does_not() {
        assert!(!Allowed::default().any());
        assert!(
            !Allowed {
                correct: true,
                withdraw: true,
                ..Allowed::default()
            }
            .any()
        );
        let one_step = [
            Allowed {
                add_document: true,
                ..Allowed::default()
            },
            Allowed {
                notify: true,
                ..Allowed::default()
            },
            Allowed {
                release_point: true,
                ..Allowed::default()
            },
            Allowed {
                serve: true,
                ..Allowed::default()
            },
            Allowed {
                transfer: true,
                ..Allowed::default()
            },
            Allowed {
                release: true,
                ..Allowed::default()
            },
            Allowed {
                igsa: true,
                ..Allowed::default()
            },
        ];
        for a in one_step {
            assert!(a.any(), "{a:?}");
        }
    }

    #[test]
    fn a_closed_case_takes_no_new_document_nor_withdrawal() {
        let now = t("2026-11-22T09:00:00Z");
        let officer = at(Role::Officer);
        let open = allowed(&awaiting_service(), officer, false, false, now);
        assert!(open.add_document && open.withdraw);
        let released = Case {
            status: Status::Released,
            ..awaiting_service()
        };
        let closed = allowed(&released, officer, false, false, now);
        assert!(!closed.add_document && !closed.withdraw);
        assert!(closed.correct && closed.notify, "corrections and notices stay open");
        assert!(!closed.release, "nothing left to release");
    }

    #[test]
    fn the_point_of_release_is_recorded_once_by_staff_while_in_custody() {
        let now = t("2026-11-21T09:00:00Z");
        let booked = Case {
            release_point_at: None,
            ..awaiting_service()
        };
        assert!(allowed(&booked, at(Role::Officer), false, false, now).release_point);
        assert!(allowed(&booked, at(Role::Supervisor), false, false, now).release_point);
        assert!(!allowed(&booked, at(Role::IceLiaison), false, false, now).release_point);
        assert!(!allowed(&awaiting_service(), at(Role::Officer), false, false, now).release_point);
        let released_at_booking = Case {
            status: Status::Released,
            ..booked
        };
        assert!(!allowed(&released_at_booking, at(Role::Officer), false, false, now).release_point);
    }

    #[test]
    fn before_the_point_of_release_nothing_is_served_nor_released() {
        let now = t("2026-11-21T09:00:00Z");
        let booked = Case {
            release_point_at: None,
            ..awaiting_service()
        };
        let a = allowed(&booked, at(Role::Supervisor), true, false, now);
        assert!(!a.serve && !a.release && !a.transfer, "{a:?}");
    }

    #[test]
    fn a_supervisor_releases_a_held_case_or_one_awaiting_service() {
        let supervisor = at(Role::Supervisor);
        let now = t("2026-11-22T09:00:00Z");
        assert!(allowed(&awaiting_service(), supervisor, false, false, now).release);
        let held = Case {
            status: Status::WsoHold,
            served_at: Some(t("2026-11-21T09:00:00Z")),
            ..awaiting_service()
        };
        assert!(allowed(&held, supervisor, false, false, now).release);
        let igsa = Case {
            status: Status::IgsaHold,
            igsa_at: Some(t("2026-11-22T08:00:00Z")),
            ..held
        };
        assert!(allowed(&igsa, supervisor, false, false, now).release);
        assert!(!allowed(&held, at(Role::Officer), false, false, now).release);
        assert!(!allowed(&held, at(Role::IceLiaison), false, false, now).release);
    }
}
