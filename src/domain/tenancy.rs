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

/// Whether an account reaches the installation's own rows (alerts about no agency, the
/// installation's audit chain): whoever operates it ([`may_operate`]: an `operator` account, or
/// a single-agency install's first admin).
pub fn reaches_installation(role: Role, operator: bool) -> bool {
    may_operate(role, operator).is_ok()
}

/// Whether an account must sign in with an authenticator: the installation's floor
/// (`WSO_MFA_REQUIRED`) or an agency it works for or at that requires it. An agency can only
/// add to the floor, never take it away.
pub fn mfa_required(installation_floor: bool, an_agency_requires: bool) -> bool {
    installation_floor || an_agency_requires
}

/// Whether `by` may name the ID token claim that counts as the provider's second factor (which
/// then skips ours): whoever sets the agency's settings ([`may_set_agency`]), but under the
/// installation's floor (`WSO_MFA_REQUIRED`) only the operator, since an agency's admin could
/// otherwise name a claim every token carries and so take the floor away.
pub fn may_set_mfa_claim(by: Granter, agency: i64, installation_floor: bool) -> Result<(), RuleError> {
    may_set_agency(by, agency)?;
    match by {
        Granter::Account { role, operator, .. } if installation_floor => may_operate(role, operator).map_err(|_| {
            forbidden(
                "forbidden",
                "with WSO_MFA_REQUIRED on, only the installation's operator may say which claim is the provider's second factor",
            )
        }),
        _ => Ok(()),
    }
}

/// The second step of a sign-in after its first (a password, or the agency's provider).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondStep {
    /// Signed in now.
    None,
    /// The code of the enrolled authenticator.
    Code,
    /// Enrolling an authenticator first (required, none enrolled yet).
    Enrol,
}

/// Which second step follows: none when the agency's provider asserted its own second factor;
/// else the authenticator's code when one is enrolled, enrolment when one is required
/// ([`mfa_required`]), nothing otherwise.
pub fn second_step(provider_did_mfa: bool, enrolled: bool, required: bool) -> SecondStep {
    match (provider_did_mfa, enrolled, required) {
        (true, _, _) => SecondStep::None,
        (false, true, _) => SecondStep::Code,
        (false, false, true) => SecondStep::Enrol,
        (false, false, false) => SecondStep::None,
    }
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
#[path = "tenancy_tests.rs"]
mod tests;
