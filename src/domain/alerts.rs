//! Alerts: their kinds (one type, one spelling everywhere), who sees each, and when the custody
//! clock's alerts are due. Pure: the schedule and "which one now".

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use crate::domain::Role;

/// What an alert is about. The words (`Display`/`FromStr`) are a contract: they are stored,
/// e-mailed in `X-WSO-Alert`, and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlertKind {
    /// `deadline_at_service`: the 48-hour clock started.
    ClockStarted,
    /// `deadline_{h}h`: `h` hours left (the hours come from `WSO_ALERT_HOURS_LEFT`).
    HoursLeft(u32),
    /// `deadline_passed`.
    DeadlinePassed,
    IceDocumentRecorded,
    PostServiceNotice,
    PostServiceNoticeOverdue,
    CitizenshipClaimReportDue,
    CitizenshipClaimReportOverdue,
    ComplaintIceDue,
    ComplaintIceOverdue,
    AnnualReviewDue,
    /// An account locked after failed sign-ins (e-mailed to its owner; admins see it).
    AccountLocked,
    /// An account disabled after `WSO_INACTIVE_DAYS` without use (admins see it).
    AccountDisabledInactive,
    /// `audit verify` failed: an audit entry was changed, removed or inserted (admins see it).
    AuditChainBroken,
    /// ICE's planned pickup is after the 48-hour deadline (issue 31).
    PickupPlanAfterDeadline,
    /// No pickup planned and the deadline is near.
    PickupNotPlanned,
    /// The planned pickup time passed and the person is still held.
    PickupPlanMissed,
}

/// The kinds with a fixed word, and the word.
const NAMED: [(AlertKind, &str); 16] = [
    (AlertKind::ClockStarted, "deadline_at_service"),
    (AlertKind::DeadlinePassed, "deadline_passed"),
    (AlertKind::IceDocumentRecorded, "ice_document_recorded"),
    (AlertKind::PostServiceNotice, "post_service_notice"),
    (AlertKind::PostServiceNoticeOverdue, "post_service_notice_overdue"),
    (AlertKind::CitizenshipClaimReportDue, "citizenship_claim_report_due"),
    (
        AlertKind::CitizenshipClaimReportOverdue,
        "citizenship_claim_report_overdue",
    ),
    (AlertKind::ComplaintIceDue, "complaint_ice_due"),
    (AlertKind::ComplaintIceOverdue, "complaint_ice_overdue"),
    (AlertKind::AnnualReviewDue, "annual_review_due"),
    (AlertKind::AccountLocked, "account_locked"),
    (AlertKind::AccountDisabledInactive, "account_disabled_inactive"),
    (AlertKind::AuditChainBroken, "audit_chain_broken"),
    (AlertKind::PickupPlanAfterDeadline, "pickup_plan_after_deadline"),
    (AlertKind::PickupNotPlanned, "pickup_not_planned"),
    (AlertKind::PickupPlanMissed, "pickup_plan_missed"),
];

/// Every custody-clock kind's word starts with this (and no other kind's does).
pub const CLOCK_PREFIX: &str = "deadline_";

impl AlertKind {
    /// An alert about the 48-hour clock (whatever the configured thresholds).
    pub fn is_clock(self) -> bool {
        matches!(
            self,
            AlertKind::ClockStarted | AlertKind::HoursLeft(_) | AlertKind::DeadlinePassed
        )
    }

    /// Who sees it on `/alerts` and in the unread count: the clock to everyone on the case's
    /// facility; ICE's notices to liaisons; the jail's own duties to supervisors; admins all.
    pub fn seen_by(self, role: Role) -> bool {
        use AlertKind::*;
        match role {
            Role::Admin => true,
            Role::Operator | Role::Oversight => false,
            _ if self.is_clock() => true,
            // ICE's pickup plan: the facility's supervisors and the liaisons (issue 31).
            Role::IceLiaison | Role::Supervisor
                if matches!(self, PickupPlanAfterDeadline | PickupNotPlanned | PickupPlanMissed) =>
            {
                true
            }
            Role::IceLiaison => matches!(self, IceDocumentRecorded | PostServiceNotice),
            Role::Supervisor => matches!(
                self,
                PostServiceNoticeOverdue
                    | CitizenshipClaimReportDue
                    | CitizenshipClaimReportOverdue
                    | ComplaintIceDue
                    | ComplaintIceOverdue
                    | AnnualReviewDue
            ),
            Role::Officer => false,
        }
    }

    /// Every kind, the clock ones with the configured hours (largest first), for a filter.
    pub fn listed(hours_left: &[i64]) -> Vec<AlertKind> {
        let mut hours: Vec<u32> = hours_left.iter().filter_map(|h| u32::try_from(*h).ok()).collect();
        hours.sort_unstable_by(|a, b| b.cmp(a));
        let mut all = vec![AlertKind::ClockStarted];
        all.extend(hours.into_iter().map(AlertKind::HoursLeft));
        all.extend(NAMED.iter().map(|(k, _)| *k).filter(|k| *k != AlertKind::ClockStarted));
        all
    }

    /// Who is e-mailed: the supervisors and liaisons of the facility who see it (officers see
    /// the clock on the board and on `/alerts`, but are not e-mailed).
    pub fn mailed_to(self) -> Vec<Role> {
        [Role::Supervisor, Role::IceLiaison]
            .into_iter()
            .filter(|r| self.seen_by(*r))
            .collect()
    }

    /// Words for the stage of an alert, for e-mail subjects and the alert list.
    pub fn words(self) -> String {
        use AlertKind::*;
        match self {
            ClockStarted => "warrant served, 48-hour clock started".into(),
            HoursLeft(1) => "1 hour left on the 48-hour clock".into(),
            HoursLeft(h) => format!("{h} hours left on the 48-hour clock"),
            DeadlinePassed => "48-hour deadline PASSED: release required".into(),
            IceDocumentRecorded => "ICE document recorded".into(),
            PostServiceNotice => "warrant served: ICE to be notified now".into(),
            PostServiceNoticeOverdue => "ICE not yet notified one hour after service".into(),
            CitizenshipClaimReportDue => "U.S. citizenship claim: report to ICE due within 30 minutes".into(),
            CitizenshipClaimReportOverdue => "U.S. citizenship claim NOT reported to ICE within one hour".into(),
            ComplaintIceDue => "complaint: 12 weekday hours left to send it to ICE".into(),
            ComplaintIceOverdue => "complaint NOT sent to ICE within 48 weekday hours".into(),
            AnnualReviewDue => "annual review of the agreement with ICE is due".into(),
            AccountLocked => "account locked after failed sign-ins".into(),
            AccountDisabledInactive => "account disabled after a long time unused".into(),
            AuditChainBroken => "AUDIT LOG TAMPERED: an entry was changed, removed or inserted".into(),
            PickupPlanAfterDeadline => "ICE's pickup is planned AFTER the 48-hour deadline".into(),
            PickupNotPlanned => "no pickup by ICE planned and the 48-hour deadline is near".into(),
            PickupPlanMissed => "ICE's planned pickup time passed and the person is still held".into(),
        }
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertKind::HoursLeft(h) => write!(f, "{CLOCK_PREFIX}{h}h"),
            k => f.write_str(NAMED.iter().find(|(n, _)| n == k).map_or("", |(_, w)| *w)),
        }
    }
}

impl FromStr for AlertKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some((k, _)) = NAMED.iter().find(|(_, w)| *w == s) {
            return Ok(*k);
        }
        s.strip_prefix(CLOCK_PREFIX)
            .and_then(|h| h.strip_suffix('h'))
            .and_then(|h| h.parse::<u32>().ok())
            .filter(|h| *h > 0)
            .map(AlertKind::HoursLeft)
            .ok_or_else(|| format!("`{s}` is not an alert kind"))
    }
}

/// The alerts a role sees, as a database filter: every clock alert (any threshold) and the
/// named kinds. `None`: everything (admins).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub clock: bool,
    pub named: Vec<AlertKind>,
}

pub fn seen_by(role: Role) -> Option<Seen> {
    (role != Role::Admin).then(|| Seen {
        clock: AlertKind::HoursLeft(1).seen_by(role),
        named: NAMED.iter().map(|(k, _)| *k).filter(|k| k.seen_by(role)).collect(),
    })
}

/// One alert threshold of a running clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Threshold {
    /// `deadline_at_service`, `deadline_12h`, …, `deadline_passed`.
    pub kind: AlertKind,
    /// Higher = more urgent.
    pub urgency: i32,
    /// When it falls due.
    pub at: DateTime<Utc>,
}

/// The hours before a deadline at which a clock raises its alerts: its agency's, when the agency
/// set them, else the installation's (`WSO_ALERT_HOURS_LEFT`).
pub fn hours_left_for<'a>(agency: Option<&'a [i64]>, installation: &'a [i64]) -> &'a [i64] {
    agency.unwrap_or(installation)
}

/// The thresholds of a clock served at `served_at` with `deadline`, least urgent first:
/// at service, then each of `hours_left` (e.g. 12, 4, 1) before the deadline, then the deadline.
///
/// A threshold's urgency is fixed by what it says, not by its place in the list: 0 at service,
/// `48 - h` for "h hours left", 48 past the deadline. An agency may change its hours while clocks
/// run (`agency set --alert-hours-left`): a clock that raised "2 hours left" under 24,8,2 still
/// raises "deadline passed" under 12 (with urgencies by place, 3 would have hidden 2).
/// The urgency of "deadline passed", above every "hours left" (1 to 47 hours).
pub const PASSED_URGENCY: i32 = 48;

pub fn schedule(served_at: DateTime<Utc>, deadline: DateTime<Utc>, hours_left: &[i64]) -> Vec<Threshold> {
    let mut hours: Vec<u32> = hours_left
        .iter()
        .filter_map(|h| u32::try_from(*h).ok())
        .filter(|h| *h > 0)
        .collect();
    hours.sort_unstable_by(|a, b| b.cmp(a));
    hours.dedup();
    let mut out = vec![Threshold {
        kind: AlertKind::ClockStarted,
        urgency: 0,
        at: served_at,
    }];
    for h in &hours {
        // A threshold before the service (e.g. "60 h left" on a 48 h clock) falls due at service.
        let at = (deadline - Duration::hours(i64::from(*h))).max(served_at);
        out.push(Threshold {
            kind: AlertKind::HoursLeft(*h),
            urgency: PASSED_URGENCY - (*h).min(47) as i32,
            at,
        });
    }
    out.push(Threshold {
        kind: AlertKind::DeadlinePassed,
        urgency: PASSED_URGENCY,
        at: deadline,
    });
    out
}

/// The one alert to raise now: the most urgent threshold already due, unless an alert at least
/// as urgent was raised before (`raised_urgency`). A service entered late, with several
/// thresholds already past, raises only the most urgent one.
pub fn due(schedule: &[Threshold], now: DateTime<Utc>, raised_urgency: Option<i32>) -> Option<&Threshold> {
    let most_urgent = schedule.iter().filter(|t| t.at <= now).max_by_key(|t| t.urgency)?;
    match raised_urgency {
        Some(u) if u >= most_urgent.urgency => None,
        _ => Some(most_urgent),
    }
}

/// The most urgent of (kind, due at), listed least urgent first, already due at `now`.
pub fn most_urgent_due(now: DateTime<Utc>, thresholds: &[(AlertKind, DateTime<Utc>)]) -> Option<AlertKind> {
    thresholds.iter().rev().find(|(_, at)| *at <= now).map(|(k, _)| *k)
}

#[cfg(test)]
#[path = "alerts_tests.rs"]
mod tests;
