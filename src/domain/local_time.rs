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
                "{shown} {TWICE} in {} (the clocks go back that night): choose the first ({}) or the second ({})",
                zone_name(tz),
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
                "{shown} does not exist in {}: the clocks go forward that night and skip it{meant}",
                zone_name(tz)
            ))
        }
    }
}

/// A zone in words for people: "Eastern time (EST/EDT)" for `America/New_York`, never the IANA
/// name. The US zones (and their territories) by name; any other zone by its abbreviations in
/// winter and summer as chrono-tz writes them ("CET/CEST", "UTC+03").
pub fn zone_name(tz: Tz) -> String {
    let name = tz.name();
    let named = |n: &str| -> Option<&'static str> {
        Some(match n {
            "America/New_York"
            | "America/Detroit"
            | "US/Eastern"
            | "US/Michigan"
            | "EST5EDT"
            | "America/Fort_Wayne"
            | "America/Indianapolis"
            | "America/Louisville"
            | "US/East-Indiana" => "Eastern time (EST/EDT)",
            "America/Chicago"
            | "America/Menominee"
            | "US/Central"
            | "CST6CDT"
            | "America/Indiana/Knox"
            | "America/Indiana/Tell_City"
            | "America/Knox_IN"
            | "US/Indiana-Starke" => "Central time (CST/CDT)",
            "America/Denver" | "America/Boise" | "US/Mountain" | "MST7MDT" | "America/Shiprock" | "Navajo" => {
                "Mountain time (MST/MDT)"
            }
            "America/Phoenix" | "US/Arizona" | "MST" => "Arizona time (MST, no daylight saving time)",
            "America/Los_Angeles" | "US/Pacific" | "PST8PDT" => "Pacific time (PST/PDT)",
            "America/Anchorage" | "America/Juneau" | "America/Sitka" | "America/Yakutat" | "America/Nome"
            | "America/Metlakatla" | "US/Alaska" => "Alaska time (AKST/AKDT)",
            "America/Adak" | "America/Atka" | "US/Aleutian" => "Hawaii–Aleutian time (HST/HDT)",
            "Pacific/Honolulu" | "Pacific/Johnston" | "US/Hawaii" | "HST" => {
                "Hawaii time (HST, no daylight saving time)"
            }
            "America/Puerto_Rico" | "America/St_Thomas" | "America/Virgin" => {
                "Atlantic time (AST, no daylight saving time)"
            }
            "Pacific/Guam" | "Pacific/Saipan" => "Chamorro time (ChST)",
            "Pacific/Pago_Pago" | "Pacific/Samoa" | "US/Samoa" => "Samoa time (SST)",
            "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Etc/Universal" | "Universal" | "Etc/Zulu" | "Zulu" | "GMT"
            | "Etc/GMT" => "UTC",
            _ => return None,
        })
    };
    if let Some(words) = named(name) {
        return words.to_string();
    }
    // Most of Indiana and Kentucky keep Eastern time.
    if name.starts_with("America/Indiana/") || name.starts_with("America/Kentucky/") {
        return named("America/New_York").unwrap_or_default().to_string();
    }
    if name.starts_with("America/North_Dakota/") {
        return named("America/Chicago").unwrap_or_default().to_string();
    }
    // Winter and summer of the northern hemisphere (the southern's the other way round).
    let abbreviation = |month: u32| {
        let at = chrono::NaiveDate::from_ymd_opt(2026, month, 15)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|d| tz.from_utc_datetime(&d).format("%Z").to_string())
            .unwrap_or_default();
        match at.chars().next() {
            Some('+' | '-') => format!("UTC{at}"),
            _ => at,
        }
    };
    let (january, july) = (abbreviation(1), abbreviation(7));
    if january == july {
        january
    } else {
        format!("{january}/{july}")
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
            "2026-11-01 01:30 happens twice in Eastern time (EST/EDT) (the clocks go back that night): \
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
            "2027-03-14 02:30 does not exist in Eastern time (EST/EDT): the clocks go forward that night \
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
    fn a_zone_is_named_in_words_never_by_its_iana_name() {
        let named = |z: &str| zone_name(z.parse().unwrap());
        assert_eq!(named("America/New_York"), "Eastern time (EST/EDT)");
        assert_eq!(named("America/Kentucky/Louisville"), "Eastern time (EST/EDT)");
        assert_eq!(named("America/Indiana/Indianapolis"), "Eastern time (EST/EDT)");
        assert_eq!(named("America/Indiana/Knox"), "Central time (CST/CDT)");
        assert_eq!(named("America/North_Dakota/Center"), "Central time (CST/CDT)");
        assert_eq!(named("America/Chicago"), "Central time (CST/CDT)");
        assert_eq!(named("America/Denver"), "Mountain time (MST/MDT)");
        assert_eq!(named("America/Phoenix"), "Arizona time (MST, no daylight saving time)");
        assert_eq!(named("America/Los_Angeles"), "Pacific time (PST/PDT)");
        assert_eq!(named("America/Anchorage"), "Alaska time (AKST/AKDT)");
        assert_eq!(named("America/Adak"), "Hawaii–Aleutian time (HST/HDT)");
        assert_eq!(named("Pacific/Honolulu"), "Hawaii time (HST, no daylight saving time)");
        assert_eq!(
            named("America/Puerto_Rico"),
            "Atlantic time (AST, no daylight saving time)"
        );
        assert_eq!(named("Pacific/Guam"), "Chamorro time (ChST)");
        assert_eq!(named("UTC"), "UTC");
        // Elsewhere, the abbreviations chrono-tz knows, winter then summer.
        assert_eq!(named("Europe/Berlin"), "CET/CEST");
        assert_eq!(named("America/Halifax"), "AST/ADT");
        assert_eq!(named("Asia/Tokyo"), "JST");
        assert_eq!(named("Europe/Istanbul"), "UTC+03");
        for tz in chrono_tz::TZ_VARIANTS {
            let words = zone_name(tz);
            assert!(!words.contains('/') || !words.contains('_'), "{tz}: {words}");
            assert!(!words.contains(tz.name()) || !tz.name().contains('/'), "{tz}: {words}");
        }
    }

    #[test]
    fn the_choice_word_is_not_shown_back_in_the_field() {
        assert_eq!(typed("2026-11-01T01:30 later"), "2026-11-01T01:30");
        assert_eq!(typed("2026-11-01T01:30"), "2026-11-01T01:30");
        assert_eq!(typed("Doe Jr later"), "Doe Jr");
    }

    #[test]
    fn the_territories_are_named_too() {
        let named = |z: &str| zone_name(z.parse().unwrap());
        assert_eq!(named("Pacific/Pago_Pago"), "Samoa time (SST)");
        assert_eq!(named("US/Samoa"), "Samoa time (SST)");
        // Greenwich is said as UTC (chrono-tz's own abbreviation would be "GMT").
        assert_eq!(named("Etc/GMT"), "UTC");
        assert_eq!(named("Pacific/Saipan"), "Chamorro time (ChST)");
        assert_eq!(
            named("America/St_Thomas"),
            "Atlantic time (AST, no daylight saving time)"
        );
    }

    #[test]
    fn a_time_typed_with_a_space_is_shown_back_whole() {
        assert_eq!(typed("2026-11-01 01:30"), "2026-11-01 01:30");
        assert_eq!(typed("2026-11-01 01:30 earlier"), "2026-11-01 01:30");
    }
}
