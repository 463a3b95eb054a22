//! The alert rules: thresholds, their order, who is mailed.
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
    assert_eq!(kind("2026-11-22T21:00:10Z", Some(36)), None, "raised once");
    assert_eq!(
        kind("2026-11-23T09:00:00Z", Some(47)).as_deref(),
        Some("deadline_passed")
    );
    assert_eq!(kind("2026-11-23T10:00:00Z", Some(PASSED_URGENCY)), None);
}

#[test]
fn hours_changed_while_a_clock_runs_still_raise_the_deadline() {
    // "2 hours left" raised under 24,8,2; the agency's hours are now 12.
    let before = schedule(t("2026-11-21T09:00:00Z"), t("2026-11-23T09:00:00Z"), &[24, 8, 2]);
    let raised = before
        .iter()
        .find(|t| t.kind == AlertKind::HoursLeft(2))
        .unwrap()
        .urgency;
    let after = schedule(t("2026-11-21T09:00:00Z"), t("2026-11-23T09:00:00Z"), &[12]);
    assert_eq!(
        due(&after, t("2026-11-23T08:00:00Z"), Some(raised)),
        None,
        "12 h is less urgent"
    );
    assert_eq!(
        due(&after, t("2026-11-23T09:00:00Z"), Some(raised)).unwrap().kind,
        AlertKind::DeadlinePassed
    );
    // Each "hours left" is more urgent than any with more hours, whatever the list.
    assert!(
        schedule(t("2026-11-21T09:00:00Z"), t("2026-11-23T09:00:00Z"), &[47, 1])
            .windows(2)
            .all(|w| w[0].urgency < w[1].urgency)
    );
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
    assert_eq!(due(&s, t("2026-11-23T06:00:00Z"), Some(PASSED_URGENCY)), None);
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
    assert_eq!(listed.last(), Some(&AlertKind::PickupPlanMissed));
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
            (AlertKind::HoursLeft(4), 44, t("2026-11-23T05:00:00Z")),
            (AlertKind::DeadlinePassed, 48, t("2026-11-23T09:00:00Z")),
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
