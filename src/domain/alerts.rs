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
}

/// The kinds with a fixed word, and the word.
const NAMED: [(AlertKind, &str); 13] = [
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
    for (i, h) in hours.iter().enumerate() {
        // A threshold before the service (e.g. "60 h left" on a 48 h clock) falls due at service.
        let at = (deadline - Duration::hours(i64::from(*h))).max(served_at);
        out.push(Threshold {
            kind: AlertKind::HoursLeft(*h),
            urgency: i as i32 + 1,
            at,
        });
    }
    out.push(Threshold {
        kind: AlertKind::DeadlinePassed,
        urgency: hours.len() as i32 + 1,
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
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn clock() -> Vec<Threshold> {
        schedule(t("2026-11-21T09:00:00Z"), t("2026-11-23T09:00:00Z"), &[1, 12, 4])
    }

    #[test]
    fn the_default_schedule() {
        let kinds: Vec<(String, DateTime<Utc>)> = clock().into_iter().map(|t| (t.kind.to_string(), t.at)).collect();
        assert_eq!(
            kinds,
            vec![
                ("deadline_at_service".into(), t("2026-11-21T09:00:00Z")),
                ("deadline_12h".into(), t("2026-11-22T21:00:00Z")),
                ("deadline_4h".into(), t("2026-11-23T05:00:00Z")),
                ("deadline_1h".into(), t("2026-11-23T08:00:00Z")),
                ("deadline_passed".into(), t("2026-11-23T09:00:00Z")),
            ]
        );
    }

    #[test]
    fn each_threshold_falls_due_in_turn() {
        let s = clock();
        let kind = |now: &str, raised: Option<i32>| due(&s, t(now), raised).map(|t| t.kind.to_string());
        assert_eq!(
            kind("2026-11-21T09:00:00Z", None).as_deref(),
            Some("deadline_at_service")
        );
        assert_eq!(kind("2026-11-22T20:59:59Z", Some(0)), None);
        assert_eq!(kind("2026-11-22T21:00:00Z", Some(0)).as_deref(), Some("deadline_12h"));
        assert_eq!(kind("2026-11-22T21:00:10Z", Some(1)), None, "raised once");
        assert_eq!(
            kind("2026-11-23T09:00:00Z", Some(3)).as_deref(),
            Some("deadline_passed")
        );
        assert_eq!(kind("2026-11-23T10:00:00Z", Some(4)), None);
    }

    #[test]
    fn a_late_entered_service_raises_only_the_most_urgent_threshold() {
        let s = clock();
        assert_eq!(
            due(&s, t("2026-11-23T06:00:00Z"), None).unwrap().kind,
            AlertKind::HoursLeft(4)
        );
        assert_eq!(
            due(&s, t("2026-11-23T09:30:00Z"), None).unwrap().kind,
            AlertKind::DeadlinePassed
        );
        // And a less urgent one never follows a more urgent one.
        assert_eq!(due(&s, t("2026-11-23T06:00:00Z"), Some(4)), None);
    }

    #[test]
    fn every_kind_has_one_word_and_reads_back() {
        for (k, w) in NAMED {
            assert_eq!(k.to_string(), w);
            assert_eq!(w.parse::<AlertKind>().unwrap(), k);
        }
        assert_eq!("deadline_6h".parse::<AlertKind>().unwrap(), AlertKind::HoursLeft(6));
        assert_eq!(AlertKind::HoursLeft(2).to_string(), "deadline_2h");
        for bad in ["deadline_0h", "deadline_h", "deadline_xh", "nothing"] {
            assert!(bad.parse::<AlertKind>().is_err(), "{bad}");
        }
        for (k, w) in NAMED {
            assert_eq!(k.is_clock(), w.starts_with(CLOCK_PREFIX), "{w}");
        }
    }

    #[test]
    fn any_configured_threshold_is_seen_by_supervisors_liaisons_and_officers() {
        for role in [Role::Supervisor, Role::IceLiaison, Role::Officer, Role::Admin] {
            assert!(AlertKind::HoursLeft(6).seen_by(role));
            assert!(AlertKind::HoursLeft(2).seen_by(role));
        }
        let liaison = seen_by(Role::IceLiaison).unwrap();
        assert!(liaison.clock);
        assert!(liaison.named.contains(&AlertKind::PostServiceNotice));
        assert!(!liaison.named.contains(&AlertKind::ComplaintIceDue));
        assert!(seen_by(Role::Admin).is_none());
        assert!(!AlertKind::AnnualReviewDue.seen_by(Role::Officer));
    }

    #[test]
    fn one_hour_is_singular() {
        assert_eq!(AlertKind::HoursLeft(1).words(), "1 hour left on the 48-hour clock");
        assert_eq!(AlertKind::HoursLeft(4).words(), "4 hours left on the 48-hour clock");
    }

    #[test]
    fn the_filter_lists_every_kind_with_the_configured_hours_largest_first() {
        let listed = AlertKind::listed(&[4, 12, -1, 1]);
        assert_eq!(listed.len(), 3 + NAMED.len());
        assert_eq!(
            listed[..5],
            [
                AlertKind::ClockStarted,
                AlertKind::HoursLeft(12),
                AlertKind::HoursLeft(4),
                AlertKind::HoursLeft(1),
                AlertKind::DeadlinePassed,
            ]
        );
        assert_eq!(listed.last(), Some(&AlertKind::AuditChainBroken));
        assert_eq!(
            listed.iter().filter(|k| **k == AlertKind::ClockStarted).count(),
            1,
            "the start once"
        );
    }

    #[test]
    fn supervisors_and_liaisons_are_mailed_what_they_see() {
        assert_eq!(
            AlertKind::HoursLeft(4).mailed_to(),
            [Role::Supervisor, Role::IceLiaison]
        );
        assert_eq!(AlertKind::PostServiceNotice.mailed_to(), [Role::IceLiaison]);
        assert_eq!(AlertKind::ComplaintIceOverdue.mailed_to(), [Role::Supervisor]);
        assert_eq!(AlertKind::AuditChainBroken.mailed_to(), []);
    }

    #[test]
    fn thresholds_of_zero_negative_or_repeated_hours_are_left_out() {
        let s = schedule(t("2026-11-21T09:00:00Z"), t("2026-11-23T09:00:00Z"), &[0, 4, -3, 4, 60]);
        let got: Vec<(AlertKind, i32, DateTime<Utc>)> = s.into_iter().map(|t| (t.kind, t.urgency, t.at)).collect();
        assert_eq!(
            got,
            vec![
                (AlertKind::ClockStarted, 0, t("2026-11-21T09:00:00Z")),
                // 60 hours before a 48-hour deadline: due at the service.
                (AlertKind::HoursLeft(60), 1, t("2026-11-21T09:00:00Z")),
                (AlertKind::HoursLeft(4), 2, t("2026-11-23T05:00:00Z")),
                (AlertKind::DeadlinePassed, 3, t("2026-11-23T09:00:00Z")),
            ]
        );
    }

    #[test]
    fn the_most_urgent_due_is_the_last_listed_already_due() {
        let list = [
            (AlertKind::ComplaintIceDue, t("2026-11-23T09:00:00Z")),
            (AlertKind::ComplaintIceOverdue, t("2026-11-23T10:00:00Z")),
        ];
        assert_eq!(most_urgent_due(t("2026-11-23T08:59:59Z"), &list), None);
        assert_eq!(
            most_urgent_due(t("2026-11-23T09:00:00Z"), &list),
            Some(AlertKind::ComplaintIceDue)
        );
        assert_eq!(
            most_urgent_due(t("2026-11-23T10:00:00Z"), &list),
            Some(AlertKind::ComplaintIceOverdue)
        );
    }
}
