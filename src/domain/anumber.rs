//! ICE's Alien Registration Number: 8 or 9 digits, stored as 9 (left-padded with 0), shown as
//! `A123-456-789`.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ANumber(String);

impl ANumber {
    /// Accepts `A123456789`, `a-123-456-789`, `123 456 789`, `12345678` …
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        let s = s.strip_prefix(['A', 'a']).unwrap_or(s);
        let digits: String = s.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
        if !(8..=9).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("A-number must be 8 or 9 digits, optionally with an A prefix and dashes".into());
        }
        Ok(Self(format!("{digits:0>9}")))
    }

    /// The 9 stored digits (also the JSON form).
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// From the database, where a CHECK guarantees 9 digits.
    pub fn from_stored(digits: String) -> Self {
        Self(digits)
    }
}

impl fmt::Display for ANumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "A{}-{}-{}", &self.0[0..3], &self.0[3..6], &self.0[6..9])
    }
}

#[cfg(test)]
mod tests {
    use super::ANumber;

    #[test]
    fn a_numbers_are_normalised_to_nine_digits() {
        assert_eq!(ANumber::parse("A123-456-789").unwrap().digits(), "123456789");
        assert_eq!(ANumber::parse("a123456789").unwrap().digits(), "123456789");
        assert_eq!(ANumber::parse("12345678").unwrap().digits(), "012345678");
        assert_eq!(ANumber::parse(" A 012 345 678 ").unwrap().to_string(), "A012-345-678");
    }

    #[test]
    fn bad_a_numbers_are_refused() {
        for bad in ["", "A1234567", "A1234567890", "A12345678X", "B123456789", "AA123456789"] {
            assert!(ANumber::parse(bad).is_err(), "{bad}");
        }
    }
}
