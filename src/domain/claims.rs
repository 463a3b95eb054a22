//! A claim of U.S. citizenship: ICE must be told within one hour, the facility's supervisors are
//! warned half an hour before that, and no warrant is served while a claim is unreported
//! ([`super::rules`], step `Serve`).

use chrono::{DateTime, Duration, Utc};

use super::alerts::AlertKind;
use super::case::{RuleError, check_time, conflict};
use super::events::{Action, Transition};
use super::rules::{self, Actor, Facts, Step};

/// ICE must be told of a citizenship claim within this time of the claim.
pub const REPORT_WITHIN: Duration = Duration::hours(1);

/// The warning before a claim's report is due.
pub const WARN_BEFORE_DUE: Duration = Duration::minutes(30);

/// When ICE must have been told of a claim made at `claimed_at`.
pub fn report_due(claimed_at: DateTime<Utc>) -> DateTime<Utc> {
    claimed_at + REPORT_WITHIN
}

/// When the facility is warned that a claim's report will soon be due.
pub fn warning_at(report_due_at: DateTime<Utc>) -> DateTime<Utc> {
    report_due_at - WARN_BEFORE_DUE
}

/// An unreported claim whose report is past due at `now` (the due second itself is in time).
pub fn report_overdue(report_due_at: DateTime<Utc>, reported_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    reported_at.is_none() && now > report_due_at
}

/// The alerts an unreported claim raises and from when: the warning half an hour before the
/// report is due, the overdue alert from the first second past due (as [`report_overdue`]).
pub fn alerts(report_due_at: DateTime<Utc>) -> [(AlertKind, DateTime<Utc>); 2] {
    [
        (AlertKind::CitizenshipClaimReportDue, warning_at(report_due_at)),
        (
            AlertKind::CitizenshipClaimReportOverdue,
            report_due_at + Duration::seconds(1),
        ),
    ]
}

/// A report at `at` was in time.
pub fn reported_in_time(report_due_at: DateTime<Utc>, at: DateTime<Utc>) -> bool {
    at <= report_due_at
}

/// A claim made at `at`: returns when its report to ICE is due.
pub fn record(
    facts: Facts<'_>,
    actor: Actor,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Transition<DateTime<Utc>>, RuleError> {
    rules::may(Step::Claim, actor, facts)?;
    check_time(at, now, facts.case.booked_at, "the booking")?;
    Ok(Transition::one(report_due(at), Action::CitizenshipClaimRecorded, at))
}

/// A claim as its report sees it.
#[derive(Clone, Copy, Debug)]
pub struct ClaimFacts {
    pub claimed_at: DateTime<Utc>,
    pub report_due_at: DateTime<Utc>,
    pub reported_at: Option<DateTime<Utc>>,
}

/// The claim was reported to ICE at `at`: returns whether in time.
pub fn report(
    facts: Facts<'_>,
    actor: Actor,
    claim: ClaimFacts,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Transition<bool>, RuleError> {
    rules::may(Step::ReportClaim, actor, facts)?;
    if claim.reported_at.is_some() {
        return Err(conflict(
            "already_reported",
            "this claim has already been reported to ICE",
        ));
    }
    check_time(at, now, claim.claimed_at, "the claim")?;
    Ok(Transition::one(
        reported_in_time(claim.report_due_at, at),
        Action::CitizenshipClaimReported,
        at,
    ))
}

/// Whether any claim among `claims` is still unreported (a fact for [`rules::Facts`]).
pub fn any_unreported(claims: impl IntoIterator<Item = ClaimFacts>) -> bool {
    claims.into_iter().any(|c| c.reported_at.is_none())
}

/// When the earliest claim not yet reported to ICE must be reported (a case's next duty).
pub fn first_report_due(claims: impl IntoIterator<Item = ClaimFacts>) -> Option<DateTime<Utc>> {
    claims
        .into_iter()
        .filter(|c| c.reported_at.is_none())
        .map(|c| c.report_due_at)
        .min()
}
