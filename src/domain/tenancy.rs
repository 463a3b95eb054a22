//! Agencies (issue 28; docs/agencies.md): who belongs to an agency, and who may create an
//! account or grant a facility to whom. The services, the CLI and the pages ask these and never
//! decide again; the database holds the same lines (`users_agency_by_role`, the
//! `user_facilities_same_agency` trigger).

use super::Role;
use super::case::{RuleError, forbidden, unprocessable};

/// Who is granting: an account (its role, the operator flag, its agency), or the command line
/// (the installation's operator at the machine).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granter {
    Cli,
    Account {
        role: Role,
        operator: bool,
        agency: Option<i64>,
    },
}

impl Granter {
    /// Whether the granter acts across agencies on accounts and grants: the command line, or an
    /// `operator` account. (A single-agency install's first admin, flagged operator, lists the
    /// agencies and gets the installation's alerts, but manages accounts and facilities as its
    /// own agency's admin: the flag opens no other agency's people or cases.)
    fn operates(self) -> bool {
        match self {
            Granter::Cli => true,
            Granter::Account { role, .. } => role == Role::Operator,
        }
    }
}

/// Whether an account of `role` belongs to one agency (officers, supervisors, admins) or crosses
/// agencies (an ICE liaison by grants, the operator, oversight).
pub fn belongs_to_agency(role: Role) -> bool {
    matches!(role, Role::Officer | Role::Supervisor | Role::Admin)
}

/// Whether the account may act as the installation's operator (agencies and their first
/// admins): an `operator` account, or the admin a single-agency install started with.
pub fn may_operate(role: Role, operator: bool) -> Result<(), RuleError> {
    if role == Role::Operator || (role == Role::Admin && operator) {
        Ok(())
    } else {
        Err(forbidden("forbidden", "only the installation's operator may do this"))
    }
}

/// Whether `by` may create or change an account of `role` belonging to `agency` (`None` for the
/// roles that cross agencies). The operator: any account. An agency's admin: the staff of its
/// own agency, and ICE liaisons (whose facilities it then grants one by one). Nobody else.
pub fn may_manage_account(by: Granter, role: Role, agency: Option<i64>) -> Result<(), RuleError> {
    if belongs_to_agency(role) != agency.is_some() {
        return Err(unprocessable(
            "agency",
            "agency",
            if belongs_to_agency(role) {
                format!("an account with the role {role} belongs to one agency: name it")
            } else {
                format!("an account with the role {role} belongs to no agency")
            },
        ));
    }
    if by.operates() {
        return Ok(());
    }
    match by {
        Granter::Account {
            role: Role::Admin,
            agency: own,
            ..
        } if matches!(role, Role::Officer | Role::Supervisor | Role::Admin | Role::IceLiaison)
            && (agency.is_none() || agency == own) =>
        {
            Ok(())
        }
        _ => Err(forbidden("forbidden", "your role does not allow this")),
    }
}

/// The roles `by` may give an account (the admin pages offer exactly these).
pub fn assignable_roles(by: Granter) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|&r| {
            let own = match by {
                Granter::Account { agency: Some(a), .. } => a,
                _ => 0,
            };
            let agency = belongs_to_agency(r).then_some(own);
            may_manage_account(by, r, agency).is_ok()
        })
        .collect()
}

/// Whether `by` manages an existing account of `role` (with its operator flag) in `agency`
/// (disable, reset, edit, tokens): the operator every account; an agency's admin its own staff
/// but the installation's operator, and the liaisons granted one of its facilities (`granted`:
/// the agencies of their facilities; a liaison granted nothing yet is the operator's). Anyone
/// else's account is answered as if it did not exist.
pub fn manages(by: Granter, (role, operator): (Role, bool), agency: Option<i64>, granted: &[i64]) -> bool {
    if by.operates() {
        return true;
    }
    // The installation's operator is managed by the operator alone (an admin of its agency
    // resetting its password would become the operator).
    if may_operate(role, operator).is_ok() {
        return false;
    }
    match (by, agency) {
        (
            Granter::Account {
                role: Role::Admin,
                agency: Some(own),
                ..
            },
            Some(theirs),
        ) => own == theirs,
        (
            Granter::Account {
                role: Role::Admin,
                agency: Some(own),
                ..
            },
            None,
        ) => role == Role::IceLiaison && granted.contains(&own),
        _ => false,
    }
}

/// Whether someone sees an alert about no facility (an account's lock or inactivity, the audit
/// chain): an agency's admin those of its agency (`alert_agency`); the operator those of the
/// installation (`None`). `db::alerts::about_no_facility` is the same rule in SQL.
pub fn sees_alert_about_no_facility(
    role: Role,
    operator: bool,
    own_agency: Option<i64>,
    alert_agency: Option<i64>,
) -> bool {
    match alert_agency {
        Some(a) => role == Role::Admin && own_agency == Some(a),
        None => may_operate(role, operator).is_ok(),
    }
}

/// Which audit entries an account reads (`db::audit_search::AuditScope`): those about a case of
/// its facilities; of the others, those written by its agency's people (`Some(agency)`, for an
/// agency's admin) and, for the operator (`true`), those written by the command line, the server
/// and accounts of no agency. Entries about a case never reach the operator through this.
pub fn audit_reader(role: Role, operator: bool, agency: Option<i64>) -> (Option<i64>, bool) {
    let own = if role == Role::Admin { agency } else { None };
    (own, may_operate(role, operator).is_ok())
}

/// Whether `by` may change the settings of the agency `agency`: the operator (and the command
/// line) any agency's; an agency's admin (the flagged first admin too) its own.
pub fn may_set_agency(by: Granter, agency: i64) -> Result<(), RuleError> {
    match by {
        Granter::Cli => Ok(()),
        Granter::Account {
            role: Role::Operator, ..
        } => Ok(()),
        Granter::Account {
            role: Role::Admin,
            agency: Some(own),
            ..
        } if own == agency => Ok(()),
        _ => Err(forbidden(
            "forbidden",
            "only that agency's admin may change its settings",
        )),
    }
}

/// Whose rows the database answers an account (row-level security's scope, `db::scope`;
/// decision 0036).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowReach {
    /// The facilities it works at or was granted (an admin's: its agency's).
    OwnFacilities,
    /// The facilities of the agencies the operator granted it (oversight: it counts them).
    GrantedAgencies,
    /// None: the operator reads counts through the database's own function, never a row.
    Nothing,
}

/// The rows an account of `role` reaches in the database.
pub fn row_reach(role: Role) -> RowReach {
    match role {
        Role::Operator => RowReach::Nothing,
        Role::Oversight => RowReach::GrantedAgencies,
        Role::Officer | Role::Supervisor | Role::Admin | Role::IceLiaison => RowReach::OwnFacilities,
    }
}

/// Whether an account must sign in with an authenticator: the installation's floor
/// (`WSO_MFA_REQUIRED`) or an agency it works for or at that requires it. An agency can only
/// add to the floor, never take it away.
pub fn mfa_required(installation_floor: bool, an_agency_requires: bool) -> bool {
    installation_floor || an_agency_requires
}

/// Whether `by` may grant (or take back) a facility of `facility_agency` to an account of
/// `role` that belongs to `account_agency`: an agency's staff work only at its own facilities;
/// a liaison may be granted any agency's, but only by that agency's admin (or the operator).
pub fn may_grant_facility(
    by: Granter,
    role: Role,
    account_agency: Option<i64>,
    facility_agency: i64,
) -> Result<(), RuleError> {
    if matches!(role, Role::Operator | Role::Oversight) {
        return Err(unprocessable(
            "no_facilities",
            "facilities",
            format!("an account with the role {role} works at no facility"),
        ));
    }
    if account_agency.is_some_and(|a| a != facility_agency) {
        return Err(unprocessable(
            "other_agency",
            "facilities",
            "that facility belongs to another agency",
        ));
    }
    if by.operates() {
        return Ok(());
    }
    match by {
        Granter::Account {
            role: Role::Admin,
            agency: Some(own),
            ..
        } if own == facility_agency => Ok(()),
        _ => Err(forbidden("forbidden", "only that facility's agency may grant it")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    fn admin_of(agency: i64) -> Granter {
        Granter::Account {
            role: Admin,
            operator: false,
            agency: Some(agency),
        }
    }

    #[test]
    fn staff_belong_to_one_agency_and_the_crossing_roles_to_none() {
        let belongs: Vec<Role> = Role::ALL.into_iter().filter(|r| belongs_to_agency(*r)).collect();
        assert_eq!(belongs, [Officer, Supervisor, Admin]);
        assert!(may_manage_account(Granter::Cli, Officer, None).is_err());
        assert!(may_manage_account(Granter::Cli, IceLiaison, Some(1)).is_err());
        let e = may_manage_account(Granter::Cli, Supervisor, None).unwrap_err();
        assert_eq!((e.code, e.field), ("agency", Some("agency")));
        assert!(
            e.message.contains("the role supervisor belongs to one agency"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_operator_is_an_operator_account_or_the_flagged_admin() {
        assert!(may_operate(Operator, true).is_ok());
        assert!(may_operate(Admin, true).is_ok());
        assert!(may_operate(Admin, false).is_err());
        for role in [Officer, Supervisor, IceLiaison, Oversight] {
            assert!(may_operate(role, true).is_err(), "{role:?}");
        }
    }

    #[test]
    fn an_admin_manages_its_own_agency_s_staff_and_liaisons_only() {
        for role in [Officer, Supervisor, Admin] {
            assert!(may_manage_account(admin_of(1), role, Some(1)).is_ok(), "{role:?}");
            let e = may_manage_account(admin_of(1), role, Some(2)).unwrap_err();
            assert_eq!(e.kind, crate::domain::case::RuleKind::Forbidden);
        }
        assert!(may_manage_account(admin_of(1), IceLiaison, None).is_ok());
        assert!(may_manage_account(admin_of(1), Operator, None).is_err());
        assert!(may_manage_account(admin_of(1), Oversight, None).is_err());
        let operator = Granter::Account {
            role: Operator,
            operator: true,
            agency: None,
        };
        for (role, agency) in [(Admin, Some(2)), (Oversight, None), (Operator, None)] {
            assert!(may_manage_account(operator, role, agency).is_ok(), "{role:?}");
            assert!(may_manage_account(Granter::Cli, role, agency).is_ok(), "{role:?}");
        }
        let supervisor = Granter::Account {
            role: Supervisor,
            operator: false,
            agency: Some(1),
        };
        assert!(may_manage_account(supervisor, Officer, Some(1)).is_err());
    }

    #[test]
    fn an_admin_offers_its_staff_roles_and_the_operator_every_role() {
        assert_eq!(assignable_roles(admin_of(1)), [Officer, Supervisor, IceLiaison, Admin]);
        assert_eq!(assignable_roles(Granter::Cli), Role::ALL);
        let flagged = Granter::Account {
            role: Admin,
            operator: true,
            agency: Some(1),
        };
        assert_eq!(
            assignable_roles(flagged),
            [Officer, Supervisor, IceLiaison, Admin],
            "the flagged first admin manages accounts as its agency's admin"
        );
    }

    #[test]
    fn an_admin_manages_its_staff_and_its_liaisons_and_nobody_else() {
        assert!(manages(admin_of(1), (Officer, false), Some(1), &[1]));
        assert!(!manages(admin_of(1), (Officer, false), Some(2), &[2]));
        assert!(!manages(admin_of(1), (Admin, false), Some(2), &[]));
        assert!(manages(admin_of(1), (Admin, false), Some(1), &[]));
        assert!(
            !manages(admin_of(1), (Admin, true), Some(1), &[]),
            "its agency's operator is not its to manage"
        );
        assert!(manages(admin_of(1), (IceLiaison, false), None, &[2, 1]));
        assert!(
            !manages(admin_of(1), (IceLiaison, false), None, &[]),
            "a liaison granted nothing yet"
        );
        assert!(!manages(admin_of(1), (IceLiaison, false), None, &[2]));
        assert!(!manages(admin_of(1), (Operator, true), None, &[]));
        assert!(!manages(admin_of(1), (Oversight, false), None, &[]));
        assert!(manages(Granter::Cli, (Admin, true), Some(2), &[]));
        let flagged = Granter::Account {
            role: Admin,
            operator: true,
            agency: Some(1),
        };
        assert!(
            !manages(flagged, (Officer, false), Some(2), &[2]),
            "the flag opens no other agency's people"
        );
        let supervisor = Granter::Account {
            role: Supervisor,
            operator: false,
            agency: Some(1),
        };
        assert!(!manages(supervisor, (Officer, false), Some(1), &[1]));
    }

    #[test]
    fn alerts_about_no_facility_go_to_the_agency_s_admins_or_the_operator() {
        assert!(sees_alert_about_no_facility(Admin, false, Some(1), Some(1)));
        assert!(!sees_alert_about_no_facility(Admin, false, Some(1), Some(2)));
        assert!(!sees_alert_about_no_facility(Supervisor, false, Some(1), Some(1)));
        assert!(!sees_alert_about_no_facility(Admin, false, Some(1), None));
        assert!(sees_alert_about_no_facility(Admin, true, Some(1), None));
        assert!(sees_alert_about_no_facility(Operator, true, None, None));
        assert!(!sees_alert_about_no_facility(Operator, true, None, Some(1)));
    }

    #[test]
    fn an_agency_adds_to_the_installation_s_authenticator_floor_and_never_lowers_it() {
        assert!(mfa_required(true, false), "the floor holds whatever the agency says");
        assert!(mfa_required(false, true));
        assert!(mfa_required(true, true));
        assert!(!mfa_required(false, false));
    }

    #[test]
    fn a_facility_is_granted_by_its_own_agency_and_staff_stay_home() {
        // A liaison: any agency's facility, each by that agency's admin.
        assert!(may_grant_facility(admin_of(1), IceLiaison, None, 1).is_ok());
        let e = may_grant_facility(admin_of(1), IceLiaison, None, 2).unwrap_err();
        assert_eq!(e.code, "forbidden");
        assert!(may_grant_facility(Granter::Cli, IceLiaison, None, 2).is_ok());
        // Staff: only their own agency's, whoever asks.
        let e = may_grant_facility(Granter::Cli, Officer, Some(1), 2).unwrap_err();
        assert_eq!((e.code, e.field), ("other_agency", Some("facilities")));
        assert!(may_grant_facility(admin_of(1), Officer, Some(1), 1).is_ok());
        // The operator and oversight work at no facility.
        for role in [Operator, Oversight] {
            assert_eq!(
                may_grant_facility(Granter::Cli, role, None, 1).unwrap_err().code,
                "no_facilities"
            );
        }
    }
}
