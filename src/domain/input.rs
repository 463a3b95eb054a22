//! Turning what people and systems send (strings) into checked values, collecting one error
//! per field. The API sends RFC 3339 times with an offset; forms send the facility's local
//! wall-clock time (`2027-03-13T10:00`), which is converted with the facility's zone.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// One refused field: its name (as the form and the API spell it) and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum TimeInput {
    Rfc3339,
    Local(Tz),
}

#[derive(Default)]
pub struct Checker {
    pub errors: Vec<FieldError>,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of `r` under `field`; `None` then.
    pub fn check<T>(&mut self, field: &str, r: Result<T, String>) -> Option<T> {
        r.map_err(|m| self.errors.push(FieldError::new(field, m))).ok()
    }

    pub fn required<'a>(&mut self, field: &str, v: Option<&'a str>) -> Option<&'a str> {
        let v = v.map(str::trim).filter(|s| !s.is_empty());
        if v.is_none() {
            self.errors
                .push(FieldError::new(field, format!("{} is required", human(field))));
        }
        v
    }

    /// A required value that arrived already typed (a JSON number): "`field` is required" when
    /// absent (the API's own field name, as it has always said).
    pub fn present<T>(&mut self, field: &str, v: Option<T>) -> Option<T> {
        if v.is_none() {
            self.errors.push(FieldError::new(field, format!("{field} is required")));
        }
        v
    }

    /// Required text of at most `max` characters, kept verbatim apart from outer spaces.
    pub fn text(&mut self, field: &str, v: Option<&str>, max: usize) -> Option<String> {
        let v = self.required(field, v)?;
        if let Some(m) = refuse_control(v) {
            self.errors
                .push(FieldError::new(field, format!("{} {m}", human(field))));
            return None;
        }
        if v.chars().count() > max {
            self.errors.push(FieldError::new(
                field,
                format!("{} must be at most {max} characters", human(field)),
            ));
            return None;
        }
        Some(v.to_string())
    }

    pub fn optional_text(&mut self, field: &str, v: Option<&str>, max: usize) -> Option<String> {
        match v.map(str::trim).filter(|s| !s.is_empty()) {
            Some(_) => self.text(field, v, max),
            None => None,
        }
    }

    /// A required id chosen from a list; `hint` says what to choose when it is not a number.
    pub fn id(&mut self, field: &str, v: Option<&str>, hint: &str) -> Option<i64> {
        let v = self.required(field, v)?;
        self.check(field, v.parse::<i64>().map_err(|_| hint.to_string()))
    }

    /// Like [`Checker::id`], but empty or absent is `None` and no error.
    pub fn optional_id(&mut self, field: &str, v: Option<&str>, hint: &str) -> Option<i64> {
        match v.map(str::trim).filter(|s| !s.is_empty()) {
            Some(_) => self.id(field, v, hint),
            None => None,
        }
    }

    pub fn time(&mut self, field: &str, v: Option<&str>, input: TimeInput) -> Option<DateTime<Utc>> {
        let v = self.required(field, v)?;
        self.check(field, parse_time(v, input))
    }

    pub fn date(&mut self, field: &str, v: Option<&str>) -> Option<NaiveDate> {
        let v = self.required(field, v)?;
        self.check(
            field,
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| "use a date like 1990-04-30".to_string())
                .and_then(in_years),
        )
    }

    pub fn word<T: std::str::FromStr<Err = String>>(&mut self, field: &str, v: Option<&str>) -> Option<T> {
        let v = self.required(field, v)?;
        self.check(field, v.parse())
    }

    /// Refuses with every field error found (422).
    pub fn done(self) -> Result<(), Vec<FieldError>> {
        self.finish()
    }

    /// The required values (a tuple of what the checks returned) when every field passed;
    /// otherwise every field error found. No caller has to `expect` a checked value.
    pub fn values<V: AllPresent>(self, required: V) -> Result<V::Values, Vec<FieldError>> {
        self.finish()?;
        required
            .all_present()
            .ok_or_else(|| vec![FieldError::new("form", "a required field is missing")])
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// A tuple of checked `Option`s whose values are all required.
pub trait AllPresent {
    type Values;
    fn all_present(self) -> Option<Self::Values>;
}

macro_rules! all_present {
    ($($v:ident),+) => {
        impl<$($v),+> AllPresent for ($(Option<$v>,)+) {
            type Values = ($($v,)+);
            #[allow(non_snake_case)]
            fn all_present(self) -> Option<Self::Values> {
                let ($($v,)+) = self;
                Some(($($v?,)+))
            }
        }
    };
}

all_present!(A);
all_present!(A, B);
all_present!(A, B, C);
all_present!(A, B, C, D);
all_present!(A, B, C, D, E);
all_present!(A, B, C, D, E, F);
all_present!(A, B, C, D, E, F, G);

/// An event with a time, a reason word and an optional note: a point of release, a release.
#[derive(Debug, Clone)]
pub struct Reasoned<R> {
    pub at: DateTime<Utc>,
    pub reason: R,
    pub note: Option<String>,
}

/// Checks the fields `at`, `reason` and `note` as the forms and the API send them.
pub fn reasoned<R: std::str::FromStr<Err = String>>(
    at: Option<&str>,
    reason: Option<&str>,
    note: Option<&str>,
    times: TimeInput,
) -> Result<Reasoned<R>, Vec<FieldError>> {
    let mut c = Checker::new();
    let at = c.time("at", at, times).map(crate::domain::case::to_second);
    let reason = c.word::<R>("reason", reason);
    let note = c.optional_text("note", note, 1000);
    let (at, reason) = c.values((at, reason))?;
    Ok(Reasoned { at, reason, note })
}

/// `booked_at` → "booked at"; `charges[0].category` → "charge 1 category".
fn human(field: &str) -> String {
    if field == "at" {
        return "the time".into();
    }
    if let Some((list, rest)) = field.split_once('[')
        && let Some((i, rest)) = rest.split_once(']')
        && let Ok(i) = i.parse::<usize>()
    {
        let one = list.strip_suffix('s').unwrap_or(list);
        return format!("{one} {}{}", i + 1, rest.replace(['_', '.'], " "));
    }
    field.replace(['_', '.'], " ")
}

/// The years a date or time may fall in: anything else is a typing mistake or an attack.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// A control character (C0 other than tab, newline and carriage return, or DEL): PostgreSQL
/// refuses NUL, and none of them belongs in a name, a number or a note.
pub fn control_character(v: &str) -> Option<char> {
    v.chars()
        .find(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || *c == '\u{7f}')
}

/// The message for a value carrying a control character, or `None`.
pub fn refuse_control(v: &str) -> Option<String> {
    control_character(v).map(|c| {
        format!(
            "contains a control character (U+{:04X}), which is not allowed",
            c as u32
        )
    })
}

/// The first `name=value` pair of a URL-encoded string with a control character in its name
/// or value, as the field error to report.
pub fn control_in_pairs(encoded: &[u8]) -> Option<Vec<FieldError>> {
    form_urlencoded::parse(encoded).find_map(|(k, v)| {
        let m = refuse_control(&k).or_else(|| refuse_control(&v))?;
        Some(vec![FieldError::new(k.to_string(), format!("{k} {m}"))])
    })
}

/// The first instant of day `d` in `tz` (midnight, or the first hour after it where a zone
/// skips midnight).
pub fn start_of_day(d: NaiveDate, tz: Tz) -> DateTime<Utc> {
    (0..3)
        .find_map(|h| {
            tz.from_local_datetime(&d.and_hms_opt(h, 0, 0).unwrap_or_default())
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

pub fn in_years(d: NaiveDate) -> Result<NaiveDate, String> {
    if YEARS.contains(&chrono::Datelike::year(&d)) {
        Ok(d)
    } else {
        Err(format!(
            "the year must be between {} and {}",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

pub fn parse_time(v: &str, input: TimeInput) -> Result<DateTime<Utc>, String> {
    let t = parse_time_any(v, input)?;
    in_years(t.date_naive())?;
    Ok(t)
}

fn parse_time_any(v: &str, input: TimeInput) -> Result<DateTime<Utc>, String> {
    match input {
        TimeInput::Rfc3339 => DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| "use an RFC 3339 time with offset, like 2027-03-13T10:00:00-05:00".to_string()),
        TimeInput::Local(tz) => super::local_time::parse(v, tz),
    }
}

/// An amount of dollars as typed at a desk ("92.50", "$92.50", "1,250", "$ 1,250.5") in cents,
/// exactly (no floating point); at most `max_cents`.
pub fn money_cents(text: &str, max_cents: i64) -> Result<i64, String> {
    let usage = "use an amount in dollars like 92.50";
    let t = text.trim();
    let t = t.strip_prefix('$').unwrap_or(t).trim();
    let (whole, cents) = t.split_once('.').unwrap_or((t, ""));
    let digits = whole.replace(',', "");
    let grouped_ok = !whole.contains(',')
        || whole.split(',').enumerate().all(|(i, g)| {
            g.chars().all(|c| c.is_ascii_digit())
                && if i == 0 {
                    (1..=3).contains(&g.len())
                } else {
                    g.len() == 3
                }
        });
    if digits.is_empty()
        || digits.len() > 12
        || !grouped_ok
        || !digits.chars().all(|c| c.is_ascii_digit())
        || cents.len() > 2
        || !cents.chars().all(|c| c.is_ascii_digit())
    {
        return Err(usage.into());
    }
    let whole: i64 = digits.parse().map_err(|_| usage.to_string())?;
    let cents: i64 = format!("{cents:0<2}").parse().map_err(|_| usage.to_string())?;
    let total = whole * 100 + cents;
    if total > max_cents {
        return Err(format!("at most ${}.{:02}", max_cents / 100, max_cents % 100));
    }
    Ok(total)
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
