//! ICE's planned arrival for a case on a WSO hold (issue 31): what a plan may say, and when it
//! needs someone's attention. Who may plan, and on which case, is the rulebook's
//! (`rules::Step::PlanPickup`).

use chrono::{DateTime, Duration, Utc};

use super::alerts::AlertKind;
use super::case::{past_deadline, to_second};
use super::input::{Checker, FieldError, TimeInput};

/// How far ahead a plan may be: a hold lasts 48 hours, and a typing slip of a month is caught.
pub const LATEST_AHEAD: Duration = Duration::days(7);

/// A pickup plan as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub planned_at: DateTime<Utc>,
}

/// Why a planned time cannot be recorded at `now` (the field is `planned_at`): not before now
/// (a plan is for a time to come: one already passed would be flagged missed at once), and not
/// more than a week ahead.
pub fn check_time(planned_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if planned_at < now {
        return Err("planned_at is in the past: a pickup is planned for a time to come".into());
    }
    if planned_at > now + LATEST_AHEAD {
        return Err("planned_at is more than 7 days ahead".into());
    }
    Ok(())
}

/// A plan as entered, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPlan {
    pub planned_at: DateTime<Utc>,
    pub officer: Option<String>,
    pub note: Option<String>,
}

/// Checks a plan as entered (the page's local time or the API's RFC 3339): every problem named
/// by its field.
pub fn input(
    planned_at: Option<&str>,
    officer: Option<&str>,
    note: Option<&str>,
    time: TimeInput,
    now: DateTime<Utc>,
) -> Result<NewPlan, Vec<FieldError>> {
    let mut c = Checker::new();
    let at = c.time("planned_at", planned_at, time);
    let at = at.and_then(|at| c.check("planned_at", check_time(at, now).map(|()| to_second(at))));
    let officer = c.optional_text("officer", officer, 200);
    let note = c.optional_text("note", note, 1000);
    let (planned_at,) = c.values((at,))?;
    Ok(NewPlan {
        planned_at,
        officer,
        note,
    })
}

/// What needs attention about a running hold's pickup at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// The plan is after the deadline: the person would be held past the limit.
    AfterDeadline,
    /// No plan, and `unplanned_hours` or fewer left.
    NotPlanned,
    /// The planned time passed and the person is still held.
    Missed,
}

impl Flag {
    pub fn alert(self) -> AlertKind {
        match self {
            Flag::AfterDeadline => AlertKind::PickupPlanAfterDeadline,
            Flag::NotPlanned => AlertKind::PickupNotPlanned,
            Flag::Missed => AlertKind::PickupPlanMissed,
        }
    }

    /// In words, for the board, the case page and the wall display.
    pub fn words(self) -> &'static str {
        match self {
            Flag::AfterDeadline => "Pickup planned AFTER the deadline",
            Flag::NotPlanned => "No pickup planned",
            Flag::Missed => "Planned pickup time passed",
        }
    }
}

/// The flags of a running hold with `deadline` and `plan` at `now` (at most one: a plan after
/// the deadline, else a plan whose time passed, else no plan with `unplanned_hours` or fewer
/// left). A pickup at the deadline's own second is in time; a planned time is missed from the
/// second after it.
pub fn flag(deadline: DateTime<Utc>, plan: Option<Plan>, now: DateTime<Utc>, unplanned_hours: i64) -> Option<Flag> {
    match plan {
        Some(p) if past_deadline(deadline, p.planned_at) => Some(Flag::AfterDeadline),
        Some(p) if now > p.planned_at => Some(Flag::Missed),
        Some(_) => None,
        None if deadline - now <= Duration::hours(unplanned_hours) => Some(Flag::NotPlanned),
        None => None,
    }
}

/// The alert's de-duplication key: once per case for "not planned", once per planned time for
/// the others (a new plan that is late or missed again is told again).
pub fn dedupe_key(booking_id: i64, flag: Flag, plan: Option<Plan>) -> String {
    let when = plan.map_or(0, |p| p.planned_at.timestamp());
    match flag {
        Flag::NotPlanned => format!("booking:{booking_id}:pickup_not_planned"),
        Flag::AfterDeadline => format!("booking:{booking_id}:pickup_plan_after_deadline:{when}"),
        Flag::Missed => format!("booking:{booking_id}:pickup_plan_missed:{when}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const DEADLINE: &str = "2026-11-23T09:00:00Z";

    fn plan(at: &str) -> Option<Plan> {
        Some(Plan { planned_at: t(at) })
    }

    #[test]
    fn a_plan_at_the_deadline_s_second_is_in_time_and_one_second_later_is_not() {
        let d = t(DEADLINE);
        let now = t("2026-11-22T09:00:00Z");
        assert_eq!(flag(d, plan(DEADLINE), now, 12), None);
        assert_eq!(
            flag(d, plan("2026-11-23T09:00:01Z"), now, 12),
            Some(Flag::AfterDeadline)
        );
    }

    #[test]
    fn no_plan_is_flagged_from_the_threshold_s_second() {
        let d = t(DEADLINE);
        assert_eq!(flag(d, None, t("2026-11-22T20:59:59Z"), 12), None);
        assert_eq!(flag(d, None, t("2026-11-22T21:00:00Z"), 12), Some(Flag::NotPlanned));
        assert_eq!(flag(d, None, t("2026-11-22T08:59:59Z"), 24), None);
        assert_eq!(flag(d, None, t("2026-11-22T09:00:00Z"), 24), Some(Flag::NotPlanned));
    }

    #[test]
    fn a_planned_time_is_missed_from_the_second_after_it() {
        let d = t(DEADLINE);
        let p = plan("2026-11-22T15:00:00Z");
        assert_eq!(flag(d, p, t("2026-11-22T15:00:00Z"), 12), None);
        assert_eq!(flag(d, p, t("2026-11-22T15:00:01Z"), 12), Some(Flag::Missed));
        assert_eq!(Flag::Missed.alert(), AlertKind::PickupPlanMissed);
    }

    #[test]
    fn a_plan_is_for_the_coming_week_from_now() {
        let now = t("2026-11-22T14:00:40Z");
        assert!(check_time(t("2026-11-22T14:00:40Z"), now).is_ok());
        assert!(check_time(t("2026-11-22T14:00:39Z"), now).unwrap_err().contains("past"));
        assert!(check_time(t("2026-11-29T14:00:40Z"), now).is_ok());
        assert!(
            check_time(t("2026-11-29T14:00:41Z"), now)
                .unwrap_err()
                .contains("7 days")
        );
    }

    #[test]
    fn each_late_or_missed_plan_is_told_once_and_no_plan_once_per_case() {
        let (a, b) = (plan("2026-11-22T15:00:00Z"), plan("2026-11-22T16:00:00Z"));
        assert_ne!(dedupe_key(1, Flag::Missed, a), dedupe_key(1, Flag::Missed, b));
        assert_eq!(dedupe_key(1, Flag::NotPlanned, None), "booking:1:pickup_not_planned");
    }
}
