//! The 48-hour clock: elapsed hours, and the board's stages.

use chrono::Duration;

use super::case::*;
use super::stage::*;
use super::test_support::t;

#[test]
fn the_clock_runs_48_elapsed_hours_across_a_daylight_saving_change() {
    let ny = chrono_tz::America::New_York;
    let served = t("2027-03-13T10:00:00-05:00");
    let deadline = custody_deadline(served);
    assert_eq!(deadline - served, Duration::hours(48));
    assert_eq!(
        deadline.with_timezone(&ny).format("%Y-%m-%d %H:%M %Z").to_string(),
        "2027-03-15 11:00 EDT"
    );
}

#[test]
fn stages_follow_the_time_left() {
    let deadline = t("2026-11-23T09:00:00Z");
    let at = |h: i64, m: i64| deadline - Duration::hours(h) - Duration::minutes(m);
    assert_eq!(stage(deadline, at(12, 1)), Stage::Ok);
    assert_eq!(stage(deadline, at(12, 0)), Stage::Within12h);
    assert_eq!(stage(deadline, at(4, 0)), Stage::Within4h);
    // One hour left is still "4 h or less"; the last hour starts a second later.
    assert_eq!(stage(deadline, at(1, 0)), Stage::Within4h);
    assert_eq!(stage(deadline, at(0, 59) - Duration::seconds(59)), Stage::Within1h);
    assert_eq!(stage(deadline, at(0, 1)), Stage::Within1h);
    assert_eq!(stage(deadline, deadline - Duration::seconds(1)), Stage::Within1h);
    assert_eq!(stage(deadline, deadline), Stage::Overdue);
    assert_eq!(stage(deadline, deadline + Duration::seconds(1)), Stage::Overdue);
}

#[test]
fn the_clock_runs_out_at_the_deadline_second_and_a_pickup_then_is_still_in_time() {
    let deadline = t("2026-11-23T09:00:00Z");
    let before = deadline - Duration::seconds(1);
    let after = deadline + Duration::seconds(1);
    assert!(!clock_run_out(deadline, before) && clock_run_out(deadline, deadline) && clock_run_out(deadline, after));
    assert!(!past_deadline(deadline, deadline) && past_deadline(deadline, after));
    assert_eq!(over_detained_seconds(deadline, deadline), 0);
    assert_eq!(over_detained_seconds(deadline, after), 1);
    assert_eq!(over_detained_seconds(deadline, before), 0);
}

#[test]
fn the_last_hour_keeps_the_api_s_word_and_leads_the_title() {
    use crate::domain::stage::title_prefix;
    assert_eq!(Stage::Within1h.word(), "within_4h", "the API's four words stay");
    assert_eq!(title_prefix(0, 0), "");
    assert_eq!(title_prefix(2, 0), "(2 overdue) ");
    assert_eq!(title_prefix(0, 1), "(1 under 1 h) ");
    assert_eq!(title_prefix(2, 1), "(2 overdue, 1 under 1 h) ");
}
