//! The shift handover (issue 31): a facility's shifts from its local start times (07:00 and
//! 19:00 unless set), across daylight-saving changes, and which period a handover covers.

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::Role;
use super::case::{RuleError, forbidden};

/// Who reads a facility's shift handover and records one: the jail's staff of the facility.
pub fn may_hand_over(role: Role, at_facility: bool) -> Result<(), RuleError> {
    super::rules::may_book(role)?;
    if !at_facility {
        return Err(forbidden("forbidden", "you are not assigned to this facility"));
    }
    Ok(())
}

/// The shifts a facility has unless it sets its own.
pub fn default_starts() -> Vec<NaiveTime> {
    vec![
        NaiveTime::from_hms_opt(7, 0, 0).expect("a time"),
        NaiveTime::from_hms_opt(19, 0, 0).expect("a time"),
    ]
}

/// A shift's start on `date` at local `time` in UTC. A local time a spring-forward change skips
/// starts at the first instant after the gap; one a fall-back change repeats, at its first.
fn start_on(date: chrono::NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let local = date.and_time(time);
    let mut probe = local;
    for _ in 0..4 {
        if let Some(t) = tz.from_local_datetime(&probe).earliest() {
            return t.with_timezone(&Utc);
        }
        probe += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&local)
}

/// The first instant of a local `date` in `tz`, in UTC.
pub fn local_midnight(date: chrono::NaiveDate, tz: Tz) -> DateTime<Utc> {
    start_on(date, NaiveTime::MIN, tz)
}

/// The shift containing `at`: its start and its end (the next shift's start), in UTC.
pub fn shift_at(at: DateTime<Utc>, tz: Tz, starts: &[NaiveTime]) -> (DateTime<Utc>, DateTime<Utc>) {
    let starts = if starts.is_empty() {
        default_starts()
    } else {
        starts.to_vec()
    };
    let day = at.with_timezone(&tz).date_naive();
    let mut instants: Vec<DateTime<Utc>> = [day - Days::new(1), day, day + Days::new(1), day + Days::new(2)]
        .iter()
        .flat_map(|d| starts.iter().map(move |s| start_on(*d, *s, tz)))
        .collect();
    instants.sort();
    instants.dedup();
    let start = instants.iter().rev().find(|s| **s <= at).copied().unwrap_or(at);
    let end = instants.iter().find(|s| **s > at).copied().unwrap_or(at);
    (start, end)
}

/// What a handover covers: what happened in the shift that ends (`from`..`to`), and what comes
/// due from the handover until the next shift ends (`to`..`due_until`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub due_until: DateTime<Utc>,
}

/// The handover at `now`: the current shift, and the next one for what comes due.
pub fn current(now: DateTime<Utc>, tz: Tz, starts: &[NaiveTime]) -> Period {
    let (from, to) = shift_at(now, tz, starts);
    let (_, due_until) = shift_at(to, tz, starts);
    Period { from, to, due_until }
}

/// A handover of a chosen period (`from`..`to`): what comes due until the end of the shift
/// that follows `to`.
pub fn chosen(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz, starts: &[NaiveTime]) -> Result<Period, String> {
    if to <= from {
        return Err("to must be after from".into());
    }
    if to - from > chrono::Duration::days(7) {
        return Err("a handover covers at most 7 days".into());
    }
    let (_, due_until) = shift_at(to, tz, starts);
    Ok(Period { from, to, due_until })
}

/// Parses a facility's shift starts, `07:00,19:00` (1 to 6 distinct times).
pub fn parse_starts(s: &str) -> Result<Vec<NaiveTime>, String> {
    let mut times = s
        .split(',')
        .map(|t| {
            NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| format!("`{}` is not a time like 07:00", t.trim()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    times.sort();
    times.dedup();
    if times.is_empty() || times.len() > 6 {
        return Err("give 1 to 6 shift start times, like 07:00,19:00".into());
    }
    Ok(times)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const NY: Tz = chrono_tz::America::New_York;

    #[test]
    fn the_default_shifts_are_seven_to_seven_local_and_a_boundary_belongs_to_the_new_shift() {
        // 2026-11-22 is EST (UTC-5): 07:00 local is 12:00Z, 19:00 local is 00:00Z.
        assert_eq!(
            shift_at(t("2026-11-22T15:00:00Z"), NY, &[]),
            (t("2026-11-22T12:00:00Z"), t("2026-11-23T00:00:00Z"))
        );
        assert_eq!(
            shift_at(t("2026-11-23T00:00:00Z"), NY, &[]).0,
            t("2026-11-23T00:00:00Z")
        );
        assert_eq!(
            shift_at(t("2026-11-22T23:59:59Z"), NY, &[]).1,
            t("2026-11-23T00:00:00Z")
        );
        let p = current(t("2026-11-22T15:00:00Z"), NY, &[]);
        assert_eq!(p.due_until, t("2026-11-23T12:00:00Z"), "until the next shift ends");
    }

    #[test]
    fn the_night_shift_of_a_fall_back_change_lasts_thirteen_hours_and_of_spring_forward_eleven() {
        // 2026-11-01 02:00 EDT falls back to 01:00 EST.
        let (from, to) = shift_at(t("2026-11-01T06:00:00Z"), NY, &[]);
        assert_eq!((from, to), (t("2026-10-31T23:00:00Z"), t("2026-11-01T12:00:00Z")));
        assert_eq!((to - from).num_hours(), 13);
        // 2026-03-08 02:00 EST springs forward to 03:00 EDT.
        let (from, to) = shift_at(t("2026-03-08T06:00:00Z"), NY, &[]);
        assert_eq!((from, to), (t("2026-03-08T00:00:00Z"), t("2026-03-08T11:00:00Z")));
        assert_eq!((to - from).num_hours(), 11);
    }

    #[test]
    fn a_start_in_the_spring_gap_begins_after_it_and_shift_times_are_checked() {
        let starts = parse_starts("02:30, 14:30").unwrap();
        // 02:30 does not exist on 2026-03-08 in New York: the shift starts at 03:00 EDT (07:00Z).
        assert_eq!(
            shift_at(t("2026-03-08T08:00:00Z"), NY, &starts).0,
            t("2026-03-08T07:00:00Z")
        );
        assert!(parse_starts("7am").unwrap_err().contains("7am"));
        assert!(parse_starts("").is_err());
        assert!(chosen(t("2026-11-22T12:00:00Z"), t("2026-11-22T11:00:00Z"), NY, &[]).is_err());
    }
}
