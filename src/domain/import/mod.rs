//! Bookings imported from a jail system's file (decision 0024): what a row or a NIEM booking
//! report says, read into the same `BookingInput` a desk form fills, and checked by the same
//! rules (`BookingInput::check`). Pure: the readers take bytes, the checks take `now`.

pub mod csv;
pub mod niem;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::booking::{BookingInput, ChargeInput, NewBooking};
use super::input::TimeInput;
use super::types::ChargeCategory;

/// How many errors and conflicts an import keeps to show (all are counted).
pub const SHOWN: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Niem,
}

impl Format {
    pub fn word(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Niem => "niem",
        }
    }

    /// `csv` or `niem`; `None` (with the given word) otherwise.
    pub fn parse(word: &str) -> Result<Format, String> {
        match word.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "niem" | "xml" => Ok(Format::Niem),
            other => Err(format!("format must be csv or niem, not `{other}`")),
        }
    }

    /// From a file name's extension: `.csv` or `.xml`.
    pub fn guess(name: &str) -> Result<Format, String> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Ok(Format::Csv)
        } else if lower.ends_with(".xml") {
            Ok(Format::Niem)
        } else {
            Err(
                "format: cannot tell the format from the file name (.csv or .xml); give --format csv or --format niem"
                    .into(),
            )
        }
    }
}

/// Where in the file a problem is: a CSV line (1 = the header) or the n-th booking of a
/// NIEM document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Position {
    Line(u64),
    Booking(u64),
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Position::Line(n) => write!(f, "line {n}"),
            Position::Booking(n) => write!(f, "booking {n}"),
        }
    }
}

/// One problem of one row or booking, naming the field: `line 14: date_of_birth: …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub at: Position,
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(at: Position, field: &str, message: impl Into<String>) -> Self {
        Problem {
            at,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.at, self.field, self.message)
    }
}

/// One charge as the file gives it, with where it came from.
#[derive(Clone, Debug, Default)]
pub struct RawCharge {
    pub at: Option<Position>,
    pub description: String,
    pub category: String,
}

/// One booking as the file gives it (only the fields this program keeps).
#[derive(Clone, Debug)]
pub struct RawBooking {
    pub at: Position,
    pub booking_number: String,
    pub last_name: String,
    pub first_name: String,
    pub date_of_birth: String,
    pub booked_at: String,
    pub charges: Vec<RawCharge>,
    /// NIEM's `br-ext:DetentiontImmigrationHoldIndicator` (CSV has none).
    pub immigration_hold: Option<bool>,
}

/// A wall-clock time without an offset, read in the facility's zone. The repeated hour of the
/// night the clocks go back is read as its first occurrence (daylight time: the file cannot
/// say which, and a jail system writing local times without an offset most likely wrote the
/// earlier); a time skipped when the clocks go forward does not exist and is refused.
pub fn booked_at(v: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    if v.ends_with(" earlier") || v.ends_with(" later") {
        return super::local_time::parse(v, tz);
    }
    super::local_time::parse(&format!("{v} earlier"), tz)
        .map_err(|e| format!("{e}; use RFC 3339 (2026-03-08T02:30:00-05:00) or a local time YYYY-MM-DD HH:MM[:SS]"))
}

/// The row checked by the desk form's rules: the booking, or every problem found, each at the
/// row (or charge row) it came from.
pub fn check(raw: &RawBooking, facility: &str, tz: Tz, now: DateTime<Utc>) -> Result<NewBooking, Vec<Problem>> {
    let mut problems = Vec::new();
    let time = match raw.booked_at.trim() {
        "" => None,
        v => match booked_at(v, tz) {
            Ok(t) => Some(t.to_rfc3339()),
            Err(e) => {
                problems.push(Problem::new(raw.at, "booked_at", e));
                None
            }
        },
    };
    let category = |c: &str| -> String {
        match c.trim() {
            "" => ChargeCategory::Other.to_string(),
            c => c.to_ascii_lowercase(),
        }
    };
    let input = BookingInput {
        facility: Some(facility.to_string()),
        booking_number: Some(raw.booking_number.clone()),
        last_name: Some(raw.last_name.clone()),
        first_name: Some(raw.first_name.clone()),
        date_of_birth: Some(raw.date_of_birth.trim().to_string()),
        booked_at: time
            .clone()
            .or_else(|| (raw.booked_at.trim().is_empty()).then(String::new)),
        charges: Some(
            raw.charges
                .iter()
                .map(|c| ChargeInput {
                    description: Some(c.description.clone()),
                    category: Some(category(&c.category)),
                })
                .collect(),
        ),
    };
    match input.check(now, TimeInput::Rfc3339) {
        Ok(b) if problems.is_empty() => Ok(b),
        Ok(_) => Err(problems),
        Err(errors) => {
            for e in errors {
                if e.field == "booked_at" && problems.iter().any(|p| p.field == "booked_at") {
                    continue;
                }
                let (at, field) = charge_field(raw, &e.field);
                problems.push(Problem::new(at, &field, e.message));
            }
            Err(problems)
        }
    }
}

/// `charges[2].category` → the line of that charge and `charge_category` (CSV's column names).
fn charge_field(raw: &RawBooking, field: &str) -> (Position, String) {
    let Some(rest) = field.strip_prefix("charges[") else {
        return (raw.at, field.to_string());
    };
    let (index, name) = rest.split_once("].").unwrap_or((rest, ""));
    let at = index
        .parse::<usize>()
        .ok()
        .and_then(|i| raw.charges.get(i))
        .and_then(|c| c.at)
        .unwrap_or(raw.at);
    (at, format!("charge_{name}"))
}

/// What is stored of a booking the file names again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFacts {
    pub last_name: String,
    pub first_name: String,
    pub date_of_birth: NaiveDate,
    pub booked_at: DateTime<Utc>,
    pub charges: Vec<(String, ChargeCategory)>,
}

/// The facts of `b` that differ from what is stored (empty: the same booking, skipped).
pub fn differences(b: &NewBooking, s: &StoredFacts) -> Vec<&'static str> {
    let mut out = Vec::new();
    if b.last_name != s.last_name {
        out.push("last_name");
    }
    if b.first_name != s.first_name {
        out.push("first_name");
    }
    if b.date_of_birth != s.date_of_birth {
        out.push("date_of_birth");
    }
    if b.booked_at != s.booked_at {
        out.push("booked_at");
    }
    if b.charges != s.charges {
        out.push("charges");
    }
    out
}

/// A checked booking as kept between a web preview and its confirmation: the allowed fields
/// only, nothing else of the file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Kept {
    pub booking_number: String,
    pub last_name: String,
    pub first_name: String,
    pub date_of_birth: NaiveDate,
    pub booked_at: DateTime<Utc>,
    pub charges: Vec<(String, String)>,
}

impl Kept {
    pub fn of(b: &NewBooking) -> Kept {
        Kept {
            booking_number: b.booking_number.clone(),
            last_name: b.last_name.clone(),
            first_name: b.first_name.clone(),
            date_of_birth: b.date_of_birth,
            booked_at: b.booked_at,
            charges: b.charges.iter().map(|(d, c)| (d.clone(), c.to_string())).collect(),
        }
    }

    /// Back to the raw shape, to be checked again at confirmation (n: its place in the list).
    pub fn raw(&self, n: u64) -> RawBooking {
        RawBooking {
            at: Position::Booking(n),
            booking_number: self.booking_number.clone(),
            last_name: self.last_name.clone(),
            first_name: self.first_name.clone(),
            date_of_birth: self.date_of_birth.to_string(),
            booked_at: self.booked_at.to_rfc3339(),
            charges: self
                .charges
                .iter()
                .map(|(d, c)| RawCharge {
                    at: None,
                    description: d.clone(),
                    category: c.clone(),
                })
                .collect(),
            immigration_hold: None,
        }
    }
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod checks_tests;

#[cfg(test)]
mod tests {
    use chrono_tz::America::New_York as NY;

    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn local_times_across_the_clock_changes() {
        assert_eq!(
            booked_at("2026-03-08 01:59", NY).unwrap().to_rfc3339(),
            "2026-03-08T06:59:00+00:00"
        );
        let gap = booked_at("2026-03-08 02:30", NY).unwrap_err();
        assert!(gap.contains("does not exist"), "{gap}");
        assert_eq!(
            booked_at("2026-03-08 03:00:00", NY).unwrap().to_rfc3339(),
            "2026-03-08T07:00:00+00:00"
        );
        // The repeated hour: the first (EDT, UTC-4).
        assert_eq!(
            booked_at("2026-11-01 01:30", NY).unwrap().to_rfc3339(),
            "2026-11-01T05:30:00+00:00"
        );
        assert_eq!(
            booked_at("2026-11-01T01:30:00-05:00", NY).unwrap().to_rfc3339(),
            "2026-11-01T06:30:00+00:00"
        );
    }

    #[test]
    fn a_bad_charge_is_named_at_its_own_line() {
        let raw = RawBooking {
            at: Position::Line(2),
            booking_number: "B-1".into(),
            last_name: "Doe".into(),
            first_name: "Jane".into(),
            date_of_birth: "1990-02-30".into(),
            booked_at: "2026-11-20 08:00".into(),
            charges: vec![
                RawCharge {
                    at: Some(Position::Line(2)),
                    description: "DWI".into(),
                    category: "DWI".into(),
                },
                RawCharge {
                    at: Some(Position::Line(3)),
                    description: "x".into(),
                    category: "murder".into(),
                },
            ],
            immigration_hold: None,
        };
        let shown: Vec<String> = check(&raw, "RCDC", NY, now())
            .unwrap_err()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(shown[0].starts_with("line 2: date_of_birth: "), "{shown:?}");
        assert!(shown[1].starts_with("line 3: charge_category: "), "{shown:?}");
    }
}
