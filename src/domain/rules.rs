//! The rulebook of a case: **who** may take which step, and **when**. This is the one place
//! that decides it. Every transition in [`super::case`] and [`super::claims`] starts by asking
//! [`may`]; the services call those transitions inside their transaction, after locking the
//! case; what the case page offers ([`super::allowed`]) is derived from [`may`] too, so the page
//! and the API cannot answer differently. Handlers may ask [`permitted`] before reading the
//! body (a 403 before a 422), never decide themselves.

use super::Role;
use super::case::{Case, RuleError, conflict, forbidden};
use super::types::Status;

/// Every step that changes a case, as the page's forms and the API's operations name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// Record an ICE document (detainer or warrant).
    Document,
    /// Record that ICE withdrew a document.
    Withdraw,
    /// Log a notification to ICE.
    Notification,
    /// Record a claim of U.S. citizenship.
    Claim,
    /// Record that a citizenship claim was reported to ICE.
    ReportClaim,
    /// Record the point of release (criminal custody ends).
    ReleasePoint,
    /// Serve a warrant (starts the 48-hour clock).
    Serve,
    /// Pickup by ICE.
    Transfer,
    /// Release by a supervisor.
    Release,
    /// Keep the person under an IGSA.
    Igsa,
    /// Correct an earlier event.
    Correct,
    /// Record (or change, or withdraw) when ICE plans to pick the person up (issue 31).
    PlanPickup,
}

const STAFF: &[Role] = &[Role::Officer, Role::Supervisor];

impl Step {
    pub const ALL: [Step; 12] = [
        Step::Document,
        Step::Withdraw,
        Step::Notification,
        Step::Claim,
        Step::ReportClaim,
        Step::ReleasePoint,
        Step::Serve,
        Step::Transfer,
        Step::Release,
        Step::Igsa,
        Step::Correct,
        Step::PlanPickup,
    ];

    /// The roles that may take this step at their own facility.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Step::Transfer | Step::PlanPickup => &[Role::IceLiaison, Role::Supervisor],
            Step::Release | Step::Igsa => &[Role::Supervisor],
            _ => STAFF,
        }
    }
}

/// Who acts on a case: their role, whether they work at the case's facility, and whether they
/// hold a WSO certification current at the time of the step (only `case::serve` asks, after
/// the service's own input).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    pub at_facility: bool,
    pub certified: bool,
}

/// What the rules know of a case besides its own state.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    pub case: &'a Case,
    /// The facility holds people for ICE under an Intergovernmental Service Agreement.
    pub facility_igsa: bool,
    /// A citizenship claim of the person has not yet been reported to ICE.
    pub unreported_claim: bool,
}

/// The role alone: whether `role` may ever take `step` (refused with 403 before any input is
/// read or any case is looked at).
pub fn permitted(step: Step, role: Role) -> Result<(), RuleError> {
    if step.roles().contains(&role) {
        Ok(())
    } else {
        Err(forbidden("forbidden", "your role does not allow this"))
    }
}

/// Whether `actor` may take `step` on the case now: the role, the facility, then the state of
/// the case. The input of the step (its time, its document, its reason) is checked afterwards
/// by the step's own transition.
pub fn may(step: Step, actor: Actor, facts: Facts<'_>) -> Result<(), RuleError> {
    who(step, actor)?;
    when(step, facts)
}

/// Whether someone with `role`, whose facilities are `own`, covers the facility `facility_id`.
/// An admin's facilities are every facility of their agency, a liaison's the facilities granted
/// to them, everyone else's their own (`db::users::SELECT` loads them so); the operator and
/// oversight have none: no case data (issue 28).
pub fn covers(role: Role, own: &[i64], facility_id: i64) -> bool {
    !matches!(role, Role::Operator | Role::Oversight) && own.contains(&facility_id)
}

/// The facilities someone's lists are limited to: always their own (an admin's are their
/// agency's); `None`, every facility of every agency, is left to the server's own work.
pub fn scope(role: Role, own: &[i64]) -> Option<&[i64]> {
    Some(if matches!(role, Role::Operator | Role::Oversight) {
        &[]
    } else {
        own
    })
}

/// Whether `role` sees the people past their point of release who await a service (still in
/// the jail's custody: not an ICE liaison's to see).
pub fn sees_awaiting(role: Role) -> bool {
    may_see(role, true, Status::InCustody)
}

/// Whether `role` sees the whole of a case it may see (charges, notifications, the timeline);
/// an ICE liaison sees the booking and its ICE documents only.
pub fn sees_whole_case(role: Role) -> bool {
    role != Role::IceLiaison
}

/// Whether `role` may book a person (at a facility they are assigned to, which the booking's
/// own checks ask).
pub fn may_book(role: Role) -> Result<(), RuleError> {
    if STAFF.contains(&role) {
        Ok(())
    } else {
        Err(forbidden("forbidden", "your role does not allow this"))
    }
}

/// The agreement's duties outside a case: complaints, disclosures, annual reviews.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duty {
    RecordComplaint,
    SendComplaintToIce,
    ComplaintOutcome,
    Disclosure,
    Review,
    /// Read the complaints of one's facilities (admins: all).
    ReadComplaints,
    /// Read the disclosures and annual reviews of one's facilities (admins: all).
    ReadAgreementRecords,
}

impl Duty {
    pub fn roles(self) -> &'static [Role] {
        match self {
            Duty::RecordComplaint | Duty::SendComplaintToIce => STAFF,
            Duty::ComplaintOutcome | Duty::Disclosure | Duty::Review => &[Role::Supervisor],
            Duty::ReadComplaints => &[Role::Officer, Role::Supervisor, Role::Admin],
            Duty::ReadAgreementRecords => &[Role::Supervisor, Role::Admin],
        }
    }
}

/// Whether `role` may do `duty` (at a facility they are assigned to, which the duty's own
/// service asks).
pub fn may_do(duty: Duty, role: Role) -> Result<(), RuleError> {
    if duty.roles().contains(&role) {
        Ok(())
    } else {
        Err(forbidden("forbidden", "your role does not allow this"))
    }
}

/// The parts of the application beyond a case's steps, each open to some roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// The running clocks: the pending-transfers board and its stream.
    Board,
    /// Cases at all (a person's name, booking number, A-number): not the operator's nor
    /// oversight's, whatever the facility (issue 28).
    Cases,
    /// An officer's eligibility to serve (their own; a supervisor's officers; admins all).
    Eligibility,
    /// The facility's oversight: the WSO roster, the agreement's records, the reports, the
    /// compliance report, booking imports, officers' certifications and credentials.
    Oversight,
    /// The agency: its accounts, facilities, wall displays, webhooks, the audit log.
    Administration,
    /// The aggregates of whole agencies, month by month (`/oversight`): a state or oversight
    /// body's view, never a person (issue 28).
    Aggregates,
}

impl Area {
    pub fn roles(self) -> &'static [Role] {
        match self {
            Area::Board | Area::Cases => &[Role::Officer, Role::Supervisor, Role::IceLiaison, Role::Admin],
            Area::Eligibility => &[Role::Officer, Role::Supervisor, Role::Admin],
            Area::Oversight => &[Role::Supervisor, Role::Admin],
            Area::Administration => &[Role::Admin],
            Area::Aggregates => &[Role::Oversight],
        }
    }
}

/// Whether `role` may open `area` (the navigation shows it exactly then).
pub fn may_open(area: Area, role: Role) -> Result<(), RuleError> {
    if area.roles().contains(&role) {
        Ok(())
    } else {
        Err(forbidden("forbidden", "your role does not allow this"))
    }
}

/// Whether a reader knows an officer: reads their eligibility to serve, and (with the roster's
/// role) certifies them and records their credentials. An officer knows their own only; a
/// supervisor the officers sharing one of their facilities; an admin its agency's officers
/// (`reader_facilities`: the reader's, an admin's being its agency's). Anyone else's is
/// answered as an unknown name.
pub fn reads_eligibility(
    (role, reader_facilities, reader_agency): (Role, &[i64], Option<i64>),
    (officer_facilities, officer_agency): (&[i64], Option<i64>),
) -> bool {
    match role {
        Role::Supervisor => officer_facilities.iter().any(|f| reader_facilities.contains(f)),
        Role::Admin => reader_agency.is_some() && officer_agency == reader_agency,
        _ => false,
    }
}

/// The agency whose officers a roster lists whatever their facilities: an admin's own (its
/// officers at no facility yet included, as [`reads_eligibility`] lets it know them); `None`
/// for anyone else, whose roster is their facilities'.
pub fn roster_agency(role: Role, agency: Option<i64>) -> Option<i64> {
    if role == Role::Admin { agency } else { None }
}

/// The roles whose holders may be certified as WSOs (the roster lists them).
pub const CERTIFIABLE: [Role; 2] = [Role::Officer, Role::Supervisor];

/// Whether `role` may add interpreters to a facility's list.
pub fn may_manage_interpreters(role: Role) -> Result<(), RuleError> {
    if role == Role::Supervisor {
        Ok(())
    } else {
        Err(forbidden("forbidden", "your role does not allow this"))
    }
}

/// The role and the facility: a service asks this as soon as the case is locked, before it
/// reads anything else of the case ([`may`] asks it again).
pub fn who(step: Step, actor: Actor) -> Result<(), RuleError> {
    permitted(step, actor.role)?;
    if !actor.at_facility {
        return Err(forbidden(
            "forbidden",
            "this case belongs to a facility you are not assigned to",
        ));
    }
    Ok(())
}

/// What an ICE liaison sees: cases held for pickup, or transferred.
pub const LIAISON_STATUSES: [Status; 3] = [Status::WsoHold, Status::IgsaHold, Status::Transferred];

/// Whether someone may see a case at all: admins the cases of their agency's facilities; staff
/// those of their facilities; ICE liaisons only those of their granted facilities that concern
/// ICE; the operator and oversight none.
pub fn may_see(role: Role, at_facility: bool, status: Status) -> bool {
    match role {
        Role::Operator | Role::Oversight => false,
        Role::Admin => at_facility,
        Role::IceLiaison => at_facility && LIAISON_STATUSES.contains(&status),
        Role::Officer | Role::Supervisor => at_facility,
    }
}

/// Whether only a supervisor may record a pickup after the deadline (with a written reason).
pub fn may_transfer_late(role: Role) -> bool {
    role == Role::Supervisor
}

fn closed(case: &Case) -> Result<(), RuleError> {
    if case.status.is_closed() {
        Err(conflict(
            "case_closed",
            format!("the case is closed ({})", case.status.label()),
        ))
    } else {
        Ok(())
    }
}

/// The state of the case each step needs.
fn when(step: Step, facts: Facts<'_>) -> Result<(), RuleError> {
    let case = facts.case;
    let held = matches!(case.status, Status::WsoHold | Status::IgsaHold);
    match step {
        // New facts about the person are recorded while the case is open.
        Step::Document | Step::Claim => closed(case),
        // A withdrawal ICE sends after the person left, a notice, a claim's report and a
        // correction are facts about the past: recorded on any case (decision 0030).
        Step::Withdraw | Step::Notification | Step::ReportClaim | Step::Correct => Ok(()),
        Step::ReleasePoint => {
            if case.status == Status::InCustody && case.release_point_at.is_none() {
                Ok(())
            } else {
                Err(conflict(
                    "release_point_already_recorded",
                    "the point of release has already been recorded",
                ))
            }
        }
        Step::Serve => {
            if case.served_at.is_some() {
                return Err(conflict(
                    "already_served",
                    "a warrant has already been served on this case",
                ));
            }
            if case.status != Status::InCustody {
                return Err(conflict(
                    "invalid_state",
                    format!("the case is {}", case.status.label()),
                ));
            }
            if case.release_point_at.is_none() {
                return Err(conflict(
                    "no_release_point",
                    "a warrant is served at the point of release, which has not been recorded",
                ));
            }
            if facts.unreported_claim {
                return Err(conflict(
                    "citizenship_claim_unreported",
                    "the person claims to be a U.S. citizen and ICE has not been told: report the claim before serving",
                ));
            }
            Ok(())
        }
        // ICE's arrival is planned while the 48-hour clock runs: an IGSA hold has no deadline
        // to plan against, and a case in custody or closed has no hold.
        Step::PlanPickup if case.status == Status::WsoHold => Ok(()),
        Step::PlanPickup => Err(conflict(
            "invalid_state",
            format!(
                "the case is {}: a pickup is planned only for a WSO hold",
                case.status.label()
            ),
        )),
        Step::Transfer if held => Ok(()),
        Step::Transfer => Err(conflict(
            "invalid_state",
            format!("the case is {}: there is no hold to transfer", case.status.label()),
        )),
        Step::Release => match case.status {
            _ if held => Ok(()),
            Status::InCustody if case.release_point_at.is_some() => Ok(()),
            Status::InCustody => Err(conflict(
                "no_release_point",
                "criminal custody has not ended: record the point of release",
            )),
            other => Err(conflict(
                "invalid_state",
                format!("the case is already {}", other.label()),
            )),
        },
        Step::Igsa => {
            if !facts.facility_igsa {
                return Err(conflict(
                    "no_igsa",
                    "this facility has no Intergovernmental Service Agreement with ICE",
                ));
            }
            if case.status != Status::WsoHold {
                return Err(conflict(
                    "invalid_state",
                    format!(
                        "the case is {}: only a WSO hold can become an IGSA hold",
                        case.status.label()
                    ),
                ));
            }
            // The hold must start at or before the deadline: a rule of its time (`at`), checked
            // by `case::start_igsa_hold`; one that did may be entered afterwards.
            Ok(())
        }
    }
}
