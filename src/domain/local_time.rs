//! A time typed on a form, as the clock on the facility's wall showed it. Twice a year that is
//! not one instant: the hour repeated when clocks go back must be chosen ("earlier" or
//! "later", sent by the form beside the field), and a time skipped when clocks go forward is
//! refused with the time it most likely means.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Which of a repeated local time: the first (still summer time) or the second.
pub const CHOICES: [&str; 2] = ["earlier", "later"];

/// Marks a message as "this time happens twice": the form then offers the choice.
pub const TWICE: &str = "happens twice";

/// `2026-11-01 01:30` (or `2026-11-01T01:30`; seconds optional), optionally followed by
/// ` earlier` or ` later`.
pub fn parse(v: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let (typed, choice) = match v.rsplit_once(' ') {
        Some((t, c)) if CHOICES.contains(&c) => (t.trim(), Some(c)),
        _ => (v, None),
    };
    let typed = typed.trim();
    let naive = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(typed, f).ok())
    .ok_or_else(|| "use a date and a 24-hour time like 2027-03-13 22:05".to_string())?;
    let shown = naive.format("%Y-%m-%d %H:%M");
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, second) => match choice {
            Some("earlier") => Ok(first.with_timezone(&Utc)),
            Some(_) => Ok(second.with_timezone(&Utc)),
            None => Err(format!(
                "{shown} {TWICE} in {tz} (the clocks go back that night): choose the first ({}) or the second ({})",
                first.format("%Z"),
                second.format("%Z")
            )),
        },
        LocalResult::None => {
            // Read with the offset in force just before the gap, it names the wall-clock time
            // the person most likely meant.
            let before = naive - chrono::Duration::hours(3);
            let meant = tz
                .from_local_datetime(&before)
                .earliest()
                .map(|b| b + (naive - before))
                .map(|t| format!(" (did you mean {}?)", t.format("%H:%M %Z")))
                .unwrap_or_default();
            Err(format!(
                "{shown} does not exist in {tz}: the clocks go forward that night and skip it{meant}"
            ))
        }
    }
}

/// The time as typed, without a choice word (to show it again in its field).
pub fn typed(v: &str) -> &str {
    match v.rsplit_once(' ') {
        Some((t, c)) if CHOICES.contains(&c) => t,
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::New_York as NY;

    use super::*;

    #[test]
    fn an_ordinary_time_is_read_in_the_facility_zone() {
        assert_eq!(
            parse("2027-03-13T10:00", NY).unwrap().to_rfc3339(),
            "2027-03-13T15:00:00+00:00"
        );
        assert_eq!(
            parse("2027-03-15T11:00:30", NY).unwrap().to_rfc3339(),
            "2027-03-15T15:00:30+00:00"
        );
        assert_eq!(
            parse("2027-03-15 11:00", NY).unwrap().to_rfc3339(),
            "2027-03-15T15:00:00+00:00"
        );
        assert!(
            parse("03/15/2027 11:00 AM", NY)
                .unwrap_err()
                .contains("use a date and a 24-hour time like")
        );
    }

    #[test]
    fn a_time_that_happens_twice_must_be_chosen() {
        let e = parse("2026-11-01T01:30", NY).unwrap_err();
        assert_eq!(
            e,
            "2026-11-01 01:30 happens twice in America/New_York (the clocks go back that night): \
             choose the first (EDT) or the second (EST)"
        );
        assert_eq!(
            parse("2026-11-01T01:30 earlier", NY).unwrap().to_rfc3339(),
            "2026-11-01T05:30:00+00:00"
        );
        assert_eq!(
            parse("2026-11-01T01:30 later", NY).unwrap().to_rfc3339(),
            "2026-11-01T06:30:00+00:00"
        );
        // The minutes either side of the repeated hour need no choice.
        assert_eq!(
            parse("2026-11-01T00:59", NY).unwrap().to_rfc3339(),
            "2026-11-01T04:59:00+00:00"
        );
        assert_eq!(
            parse("2026-11-01T02:00", NY).unwrap().to_rfc3339(),
            "2026-11-01T07:00:00+00:00"
        );
        // A choice on an ordinary time changes nothing.
        assert_eq!(
            parse("2026-11-02T01:30 later", NY).unwrap().to_rfc3339(),
            "2026-11-02T06:30:00+00:00"
        );
    }

    #[test]
    fn a_time_the_clocks_skip_is_refused_with_what_it_likely_meant() {
        assert_eq!(
            parse("2027-03-14T02:30", NY).unwrap_err(),
            "2027-03-14 02:30 does not exist in America/New_York: the clocks go forward that night \
             and skip it (did you mean 03:30 EDT?)"
        );
        assert!(parse("2027-03-14T02:00", NY).is_err());
        assert_eq!(
            parse("2027-03-14T01:59", NY).unwrap().to_rfc3339(),
            "2027-03-14T06:59:00+00:00"
        );
        assert_eq!(
            parse("2027-03-14T03:00", NY).unwrap().to_rfc3339(),
            "2027-03-14T07:00:00+00:00"
        );
    }

    #[test]
    fn the_choice_word_is_not_shown_back_in_the_field() {
        assert_eq!(typed("2026-11-01T01:30 later"), "2026-11-01T01:30");
        assert_eq!(typed("2026-11-01T01:30"), "2026-11-01T01:30");
        assert_eq!(typed("Doe Jr later"), "Doe Jr");
    }
}
