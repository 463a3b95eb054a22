//! Which alert comes first on `/alerts`, and which ones "acknowledge all" leaves alone
//! (issue 25): a passed deadline or an unreported citizenship claim must never sit under
//! routine notices, nor be cleared with them in one click.

use super::alerts::AlertKind;

impl AlertKind {
    /// How urgent an alert of this kind is: 0 first. A passed deadline (a person held past the
    /// limit) and a tampered audit log lead; then what is overdue; then the last hour; then
    /// what is due soon; routine notices last.
    pub fn urgency(self) -> u8 {
        use AlertKind::*;
        match self {
            DeadlinePassed | AuditChainBroken => 0,
            CitizenshipClaimReportOverdue => 1,
            // A plan after the deadline or a missed pickup: a person heads past the limit.
            PostServiceNoticeOverdue | ComplaintIceOverdue | PickupPlanAfterDeadline | PickupPlanMissed => 2,
            HoursLeft(h) if h <= 1 => 3,
            CitizenshipClaimReportDue | PickupNotPlanned => 4,
            HoursLeft(h) if h <= 4 => 5,
            PostServiceNotice | ComplaintIceDue | AccountLocked => 6,
            HoursLeft(_) | AnnualReviewDue | AccountDisabledInactive => 7,
            ClockStarted | IceDocumentRecorded => 8,
        }
    }

    /// Whether an open alert of this kind still asks someone to act (release, report, tell
    /// ICE): "acknowledge all" leaves these out; each is acknowledged on its own.
    pub fn needs_action(self) -> bool {
        self.urgency() <= 3
    }
}

/// `kinds` (their words) most urgent first, the order the alert list sorts by.
pub fn by_urgency(mut kinds: Vec<AlertKind>) -> Vec<String> {
    kinds.sort_by_key(|k| k.urgency());
    kinds.into_iter().map(|k| k.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passed_deadline_leads_and_routine_notices_trail() {
        let order = by_urgency(AlertKind::listed(&[12, 4, 1]));
        assert_eq!(order[0], "deadline_passed");
        let at = |w: &str| order.iter().position(|k| k == w).unwrap();
        assert!(at("citizenship_claim_report_overdue") < at("deadline_1h"));
        assert!(at("deadline_1h") < at("deadline_4h"));
        assert!(at("deadline_4h") < at("deadline_12h"));
        assert!(at("deadline_12h") < at("deadline_at_service"));
        assert!(at("post_service_notice_overdue") < at("post_service_notice"));
    }

    #[test]
    fn acknowledge_all_leaves_what_still_needs_action() {
        for k in [
            AlertKind::DeadlinePassed,
            AlertKind::CitizenshipClaimReportOverdue,
            AlertKind::PostServiceNoticeOverdue,
            AlertKind::HoursLeft(1),
            AlertKind::AuditChainBroken,
        ] {
            assert!(k.needs_action(), "{k}");
        }
        for k in [
            AlertKind::ClockStarted,
            AlertKind::HoursLeft(4),
            AlertKind::IceDocumentRecorded,
            AlertKind::PostServiceNotice,
        ] {
            assert!(!k.needs_action(), "{k}");
        }
    }
}
