//! When the custody clock's alerts are due. Pure: the schedule and "which one now".

use chrono::{DateTime, Duration, Utc};

/// One alert threshold of a running clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Threshold {
    /// `deadline_at_service`, `deadline_12h`, …, `deadline_passed`.
    pub kind: String,
    /// Higher = more urgent.
    pub urgency: i32,
    /// When it falls due.
    pub at: DateTime<Utc>,
}

/// The thresholds of a clock served at `served_at` with `deadline`, least urgent first:
/// at service, then each of `hours_left` (e.g. 12, 4, 1) before the deadline, then the deadline.
pub fn schedule(served_at: DateTime<Utc>, deadline: DateTime<Utc>, hours_left: &[i64]) -> Vec<Threshold> {
    let mut hours: Vec<i64> = hours_left.iter().copied().filter(|h| *h > 0).collect();
    hours.sort_unstable_by(|a, b| b.cmp(a));
    hours.dedup();
    let mut out = vec![Threshold {
        kind: "deadline_at_service".into(),
        urgency: 0,
        at: served_at,
    }];
    for (i, h) in hours.iter().enumerate() {
        // A threshold before the service (e.g. "60 h left" on a 48 h clock) falls due at service.
        let at = (deadline - Duration::hours(*h)).max(served_at);
        out.push(Threshold {
            kind: format!("deadline_{h}h"),
            urgency: i as i32 + 1,
            at,
        });
    }
    out.push(Threshold {
        kind: "deadline_passed".into(),
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

/// Words for the stage of an alert, for e-mail subjects and the alert list.
pub fn stage_words(kind: &str) -> String {
    match kind {
        "deadline_at_service" => "warrant served, 48-hour clock started".into(),
        "deadline_passed" => "48-hour deadline PASSED: release required".into(),
        "ice_document_recorded" => "ICE document recorded".into(),
        "post_service_notice" => "warrant served: ICE to be notified now".into(),
        "post_service_notice_overdue" => "ICE not yet notified one hour after service".into(),
        "citizenship_claim_report_due" => "U.S. citizenship claim: report to ICE due within 30 minutes".into(),
        "citizenship_claim_report_overdue" => "U.S. citizenship claim NOT reported to ICE within one hour".into(),
        "complaint_ice_due" => "complaint: 12 weekday hours left to send it to ICE".into(),
        "complaint_ice_overdue" => "complaint NOT sent to ICE within 48 weekday hours".into(),
        "annual_review_due" => "annual review of the agreement with ICE is due".into(),
        k => match k.strip_prefix("deadline_").and_then(|h| h.strip_suffix('h')) {
            Some(h) => format!("{h} hours left on the 48-hour clock"),
            None => k.to_string(),
        },
    }
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
        let kinds: Vec<(String, DateTime<Utc>)> = clock().into_iter().map(|t| (t.kind, t.at)).collect();
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
        let kind = |now: &str, raised: Option<i32>| due(&s, t(now), raised).map(|t| t.kind.clone());
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
        assert_eq!(due(&s, t("2026-11-23T06:00:00Z"), None).unwrap().kind, "deadline_4h");
        assert_eq!(
            due(&s, t("2026-11-23T09:30:00Z"), None).unwrap().kind,
            "deadline_passed"
        );
        // And a less urgent one never follows a more urgent one.
        assert_eq!(due(&s, t("2026-11-23T06:00:00Z"), Some(4)), None);
    }
}
