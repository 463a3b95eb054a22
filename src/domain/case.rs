//! The case state machine and the 48-hour custody clock, as pure functions.
//!
//! in_custody ──release point──▶ in_custody (awaiting service) ──service──▶ wso_hold
//!     │ (no active warrant)                 │                          │    │    │
//!     └────────────▶ released ◀─────────────┴──── release ◀────────────┘    │  igsa_hold
//!                    transferred ◀──────────────── pickup ◀──────────────────┘◀──┘
//!
//! Each transition takes the case as it is, the time the event happened (`at`) and the app
//! clock's `now`, and either refuses with a [`RuleError`] a caller can match on, or says what
//! the new state is. The database repeats the essential rules as constraints.

use chrono::{DateTime, Duration, SubsecRound, Utc};

use super::events::{Action, Event, Transition};
use super::rules::{self, Actor, Facts, Step};
use super::types::{DocumentKind, ReleaseReason, Status};

/// ICE has 48 elapsed hours from service to take custody.
pub const CUSTODY_LIMIT_HOURS: i64 = 48;

pub fn custody_deadline(served_at: DateTime<Utc>) -> DateTime<Utc> {
    served_at + Duration::hours(CUSTODY_LIMIT_HOURS)
}

/// Event times are kept to the second: every second past a deadline counts, none is invented.
pub fn to_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// 403: the caller may not do this (role, certification).
    Forbidden,
    /// 409: the case is not in a state that allows it.
    Conflict,
    /// 422: a well-formed value breaks a rule.
    Unprocessable,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub kind: RuleKind,
    pub code: &'static str,
    pub message: String,
    pub field: Option<&'static str>,
}

pub(super) fn conflict(code: &'static str, message: impl Into<String>) -> RuleError {
    RuleError {
        kind: RuleKind::Conflict,
        code,
        message: message.into(),
        field: None,
    }
}

pub(super) fn unprocessable(code: &'static str, field: &'static str, message: impl Into<String>) -> RuleError {
    RuleError {
        kind: RuleKind::Unprocessable,
        code,
        message: message.into(),
        field: Some(field),
    }
}

pub(super) fn forbidden(code: &'static str, message: impl Into<String>) -> RuleError {
    RuleError {
        kind: RuleKind::Forbidden,
        code,
        message: message.into(),
        field: None,
    }
}

/// What the rules need to know about a case.
#[derive(Clone, Debug)]
pub struct Case {
    pub status: Status,
    pub booked_at: DateTime<Utc>,
    pub release_point_at: Option<DateTime<Utc>>,
    pub served_at: Option<DateTime<Utc>>,
    pub igsa_at: Option<DateTime<Utc>>,
}

impl Case {
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.served_at.map(custody_deadline)
    }

    /// The time of the last step, which the next one may not precede.
    fn last_step(&self) -> (DateTime<Utc>, &'static str) {
        if let Some(t) = self.igsa_at {
            (t, "the start of the IGSA hold")
        } else if let Some(t) = self.served_at {
            (t, "the warrant service")
        } else if let Some(t) = self.release_point_at {
            (t, "the point of release")
        } else {
            (self.booked_at, "the booking")
        }
    }
}

/// An event may be entered after the fact, but never for the future nor before `after`.
pub fn check_time(at: DateTime<Utc>, now: DateTime<Utc>, after: DateTime<Utc>, what: &str) -> Result<(), RuleError> {
    if at > now {
        return Err(unprocessable("in_the_future", "at", "the time is in the future"));
    }
    if at < after {
        return Err(unprocessable(
            "before_previous_step",
            "at",
            format!("the time is before {what}"),
        ));
    }
    Ok(())
}

/// The 48 hours have run out at `t` (from the deadline's second on): the person must be
/// released; the board says "Release required"; a release for `clock_expired` may be recorded.
pub fn clock_run_out(deadline: DateTime<Utc>, t: DateTime<Utc>) -> bool {
    t >= deadline
}

/// `t` is after the deadline: a pickup then is late (held past the limit), and no IGSA hold may
/// start. A pickup at the deadline's own second is in time.
pub fn past_deadline(deadline: DateTime<Utc>, t: DateTime<Utc>) -> bool {
    t > deadline
}

/// Seconds held past the deadline by an end of custody at `end` (0 when in time).
pub fn over_detained_seconds(deadline: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    (end - deadline).num_seconds().max(0)
}

/// The point of release: criminal custody ends. Without a warrant in force at `at`
/// (`active_warrant`) the person leaves.
pub fn record_release_point(
    facts: Facts<'_>,
    actor: Actor,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    active_warrant: bool,
) -> Result<Transition<Status>, RuleError> {
    rules::may(Step::ReleasePoint, actor, facts)?;
    check_time(at, now, facts.case.booked_at, "the booking")?;
    let mut t = Transition::one(Status::InCustody, Action::ReleasePointRecorded, at);
    if !active_warrant {
        t.value = Status::Released;
        t.events.push(Event {
            action: Action::Released,
            at,
        });
    }
    Ok(t)
}

/// An ICE document as the rules see it.
#[derive(Clone, Copy, Debug)]
pub struct IceDocument {
    pub kind: DocumentKind,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl IceDocument {
    /// A warrant (not a detainer) that ICE had not withdrawn at `at`: it can be served then,
    /// and it keeps the person in custody at the point of release.
    pub fn is_active_warrant_at(&self, at: DateTime<Utc>) -> bool {
        self.kind.is_warrant() && self.withdrawn_at.is_none_or(|w| w > at)
    }
}

/// Whether any of `documents` is an active warrant at `at`.
pub fn active_warrant(documents: &[IceDocument], at: DateTime<Utc>) -> bool {
    documents.iter().any(|d| d.is_active_warrant_at(at))
}

/// A notification to ICE (or any later fact about the case): at or after the booking.
pub fn notify(
    facts: Facts<'_>,
    actor: Actor,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Transition<()>, RuleError> {
    rules::may(Step::Notification, actor, facts)?;
    check_time(at, now, facts.case.booked_at, "the booking")?;
    Ok(Transition::one((), Action::IceNotified, at))
}

/// An ICE document received at `received_at` (its fields are checked as typed,
/// `booking::DocumentInput::check`).
pub fn add_document(facts: Facts<'_>, actor: Actor, received_at: DateTime<Utc>) -> Result<Transition<()>, RuleError> {
    rules::may(Step::Document, actor, facts)?;
    Ok(Transition::one((), Action::DocumentAdded, received_at))
}

/// A correction entered at `now` (it names the event it corrects; nothing is edited).
pub fn correct(facts: Facts<'_>, actor: Actor, now: DateTime<Utc>) -> Result<Transition<()>, RuleError> {
    rules::may(Step::Correct, actor, facts)?;
    Ok(Transition::one((), Action::CorrectionRecorded, now))
}

/// ICE withdrew a document received at `received_at`.
pub fn withdraw(
    facts: Facts<'_>,
    actor: Actor,
    document: &IceDocument,
    received_at: DateTime<Utc>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Transition<()>, RuleError> {
    rules::may(Step::Withdraw, actor, facts)?;
    if document.withdrawn_at.is_some() {
        return Err(conflict("already_withdrawn", "this document is already withdrawn"));
    }
    check_time(at, now, received_at, "the document was received")?;
    Ok(Transition::one((), Action::DocumentWithdrawn, at))
}

/// What a service changes: the case is on a WSO hold until `deadline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Served {
    pub status: Status,
    pub deadline: DateTime<Utc>,
}

/// Warrant service by a WSO (`actor.certified` at `at`): starts the custody clock; the case
/// goes on a WSO hold.
pub fn serve(
    facts: Facts<'_>,
    actor: Actor,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    document: &IceDocument,
) -> Result<Transition<Served>, RuleError> {
    rules::may(Step::Serve, actor, facts)?;
    if !document.kind.is_warrant() {
        return Err(unprocessable(
            "not_a_warrant",
            "document_id",
            "a detainer (I-247A) is a request, not a warrant: it cannot be served",
        ));
    }
    if !document.is_active_warrant_at(at) {
        return Err(conflict("document_withdrawn", "ICE has withdrawn this warrant"));
    }
    let release_point = facts
        .case
        .release_point_at
        .expect("rules::may: a release point is recorded");
    check_time(at, now, release_point, "the point of release")?;
    if !actor.certified {
        return Err(forbidden(
            "not_certified",
            "you do not hold a WSO certification current at the service time",
        ));
    }
    let served = Served {
        status: Status::WsoHold,
        deadline: custody_deadline(at),
    };
    Ok(Transition::one(served, Action::WarrantServed, at))
}

/// Pickup by ICE. Returns the seconds held past the deadline (0 when in time).
pub fn transfer(
    facts: Facts<'_>,
    actor: Actor,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    late_reason: Option<&str>,
) -> Result<Transition<i64>, RuleError> {
    rules::may(Step::Transfer, actor, facts)?;
    let case = facts.case;
    let (after, what) = case.last_step();
    check_time(at, now, after, what)?;
    let late = match (case.status, case.deadline()) {
        (Status::WsoHold, Some(deadline)) if past_deadline(deadline, at) => Some(deadline),
        _ => None,
    };
    let over = match (late, late_reason.map(str::trim).filter(|r| !r.is_empty())) {
        (None, _) => 0,
        (Some(_), None) => {
            return Err(conflict(
                "deadline_passed",
                "the pickup time is after the 48-hour deadline: the person must be released, or a supervisor records a late transfer with a written reason",
            ));
        }
        (Some(_), Some(_)) if !rules::may_transfer_late(actor.role) => {
            return Err(forbidden(
                "late_transfer_needs_supervisor",
                "only a supervisor may record a transfer after the deadline",
            ));
        }
        (Some(deadline), Some(_)) => over_detained_seconds(deadline, at),
    };
    Ok(Transition::one(over, Action::Transferred, at))
}

/// Release by a supervisor. Returns the seconds held past the deadline (0 when in time).
pub fn release(
    facts: Facts<'_>,
    actor: Actor,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    reason: ReleaseReason,
) -> Result<Transition<i64>, RuleError> {
    rules::may(Step::Release, actor, facts)?;
    let case = facts.case;
    let (after, what) = case.last_step();
    check_time(at, now, after, what)?;
    let deadline = case.deadline();
    if reason == ReleaseReason::ClockExpired {
        match (case.status, deadline) {
            (Status::WsoHold, Some(d)) if clock_run_out(d, at) => {}
            (Status::WsoHold, Some(_)) => {
                return Err(unprocessable(
                    "clock_not_expired",
                    "reason",
                    "the 48-hour clock has not run out at that time",
                ));
            }
            _ => {
                return Err(unprocessable(
                    "clock_not_running",
                    "reason",
                    "no custody clock is running on this case",
                ));
            }
        }
    }
    let over = match (case.status, deadline) {
        (Status::WsoHold, Some(d)) => over_detained_seconds(d, at),
        _ => 0,
    };
    Ok(Transition::one(over, Action::Released, at))
}

/// With an IGSA, a supervisor may keep the person as an ICE detainee, at or before the deadline.
pub fn start_igsa_hold(
    facts: Facts<'_>,
    actor: Actor,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Transition<()>, RuleError> {
    rules::may(Step::Igsa, actor, facts)?;
    let case = facts.case;
    let (after, what) = case.last_step();
    check_time(at, now, after, what)?;
    if case.deadline().is_some_and(|d| past_deadline(d, at)) {
        return Err(conflict(
            "deadline_passed",
            "an IGSA hold must start at or before the 48-hour deadline",
        ));
    }
    Ok(Transition::one((), Action::IgsaHoldStarted, at))
}
