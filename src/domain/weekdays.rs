//! "Within 48 hours, excluding weekends", counted on the facility's wall clock.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The instant `hours` weekday hours after `from`. Weekend hours (Saturday 00:00 to Monday
/// 00:00, local) do not count. Received Friday 16:00 → 48 h → Tuesday 16:00; received Saturday
/// 10:00 → counting starts Monday 00:00 → Wednesday 00:00. Local wall-clock hours are counted,
/// so a daylight-saving change in between moves the instant, not the local due time.
pub fn add_weekday_hours(from: DateTime<Utc>, hours: i64, tz: Tz) -> DateTime<Utc> {
    let mut t: NaiveDateTime = from.with_timezone(&tz).naive_local();
    let mut left = Duration::hours(hours);
    loop {
        if is_weekend(t.date()) {
            let mut d = t.date();
            while is_weekend(d) {
                d = d.succ_opt().expect("date in range");
            }
            t = d.and_time(NaiveTime::MIN);
            continue;
        }
        let midnight = t.date().succ_opt().expect("date in range").and_time(NaiveTime::MIN);
        let today = midnight - t;
        if left <= today {
            t += left;
            break;
        }
        left -= today;
        t = midnight;
    }
    to_utc(t, tz)
}

/// Weekday hours (as a duration) from `from` until `to`; negative when `to` is earlier.
pub fn weekday_time_between(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> Duration {
    if to < from {
        return -weekday_time_between(to, from, tz);
    }
    let (mut t, end) = (
        from.with_timezone(&tz).naive_local(),
        to.with_timezone(&tz).naive_local(),
    );
    let mut total = Duration::zero();
    while t < end {
        let midnight = t.date().succ_opt().expect("date in range").and_time(NaiveTime::MIN);
        let stop = midnight.min(end);
        if !is_weekend(t.date()) {
            total += stop - t;
        }
        t = stop;
    }
    total
}

fn to_utc(t: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(x) => x.with_timezone(&Utc),
        LocalResult::Ambiguous(early, _) => early.with_timezone(&Utc),
        // In the hour skipped by spring-forward: the same wall time an hour later.
        LocalResult::None => to_utc(t + Duration::hours(1), tz),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NY: Tz = chrono_tz::America::New_York;

    fn local(s: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        to_utc(naive, NY)
    }

    fn show(t: DateTime<Utc>) -> String {
        t.with_timezone(&NY).format("%a %Y-%m-%d %H:%M").to_string()
    }

    #[test]
    fn friday_afternoon_is_due_tuesday_afternoon() {
        assert_eq!(
            show(add_weekday_hours(local("2026-11-20 16:00"), 48, NY)),
            "Tue 2026-11-24 16:00"
        );
    }

    #[test]
    fn saturday_counts_from_monday_midnight() {
        assert_eq!(
            show(add_weekday_hours(local("2026-11-21 10:00"), 48, NY)),
            "Wed 2026-11-25 00:00"
        );
    }

    #[test]
    fn midweek_is_two_days() {
        assert_eq!(
            show(add_weekday_hours(local("2026-11-24 09:15"), 48, NY)),
            "Thu 2026-11-26 09:15"
        );
    }

    #[test]
    fn a_daylight_saving_change_keeps_the_local_due_time() {
        // Clocks fall back on Sunday 2026-11-01: received Friday 16:00 EDT, due Tuesday 16:00 EST.
        let due = add_weekday_hours(local("2026-10-30 16:00"), 48, NY);
        assert_eq!(show(due), "Tue 2026-11-03 16:00");
        // Spring forward on Sunday 2027-03-14 likewise.
        assert_eq!(
            show(add_weekday_hours(local("2027-03-12 16:00"), 48, NY)),
            "Tue 2027-03-16 16:00"
        );
    }

    #[test]
    fn weekday_time_left_skips_the_weekend() {
        let received = local("2026-11-20 16:00");
        let due = add_weekday_hours(received, 48, NY);
        assert_eq!(
            weekday_time_between(local("2026-11-21 12:00"), due, NY),
            Duration::hours(40)
        );
        assert_eq!(weekday_time_between(due, due, NY), Duration::zero());
        assert!(weekday_time_between(due + Duration::hours(1), due, NY) < Duration::zero());
    }

    #[test]
    fn a_due_time_in_the_hour_skipped_by_spring_forward_is_read_an_hour_later() {
        // 2027-03-14 02:30 does not exist in New York: 03:30 EDT (07:30Z) is meant.
        let skipped = NaiveDateTime::parse_from_str("2027-03-14 02:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            to_utc(skipped, NY),
            "2027-03-14T07:30:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        // Where the clocks change on a Friday (Jerusalem, 2027-03-26 02:00), a weekday due time
        // can fall in the gap: Wednesday 02:30 + 48 h is Friday 03:30 IDT.
        let jerusalem = chrono_tz::Asia::Jerusalem;
        let received = to_utc(
            NaiveDateTime::parse_from_str("2027-03-24 02:30", "%Y-%m-%d %H:%M").unwrap(),
            jerusalem,
        );
        let due = add_weekday_hours(received, 48, jerusalem);
        assert_eq!(
            due.with_timezone(&jerusalem).format("%a %Y-%m-%d %H:%M %Z").to_string(),
            "Fri 2027-03-26 03:30 IDT"
        );
    }

    #[test]
    fn an_ambiguous_due_time_at_fall_back_is_the_first_of_the_two() {
        // 2026-11-01 01:30 happens twice in New York: the earlier (EDT, 05:30Z) is meant.
        let twice = NaiveDateTime::parse_from_str("2026-11-01 01:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            to_utc(twice, NY),
            "2026-11-01T05:30:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
