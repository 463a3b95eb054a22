//! Validated account inputs: usernames, passwords, e-mail addresses, facility codes and zones.

use chrono_tz::Tz;

/// Lower-case letters, digits, `.`, `_` and `-`, 3 to 32 characters (also a DB CHECK).
pub fn parse_username(raw: &str) -> Result<String, String> {
    let u = raw.trim();
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if !(3..=32).contains(&u.len()) || !ok_chars {
        return Err("username must be 3 to 32 lower-case letters, digits, dots, dashes or underscores".into());
    }
    Ok(u.to_string())
}

pub const MIN_PASSWORD_LEN: usize = 12;

/// Refuses short passwords and those zxcvbn scores below 3 ("safely unguessable"), with the
/// estimator's own reason. `context` holds words the password must not lean on (the username).
pub fn check_password_strength(password: &str, context: &[&str]) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!("password must be at least {MIN_PASSWORD_LEN} characters"));
    }
    let estimate = zxcvbn::zxcvbn(password, context);
    if (estimate.score() as u8) < 3 {
        let reason = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "it is too easy to guess".to_string());
        let hint = estimate
            .feedback()
            .and_then(|f| f.suggestions().first().map(|s| format!(" ({s})")))
            .unwrap_or_default();
        return Err(format!("password is too weak: {reason}{hint}"));
    }
    Ok(())
}

/// A person's name as staff see it ("Jane Doe"); empty means none. At most 100 characters,
/// no control character.
pub fn parse_full_name(raw: &str) -> Result<Option<String>, String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Ok(None);
    }
    if name.chars().count() > 100 {
        return Err("the full name is at most 100 characters".into());
    }
    if let Some(m) = super::input::refuse_control(&name) {
        return Err(format!("the full name {m}"));
    }
    Ok(Some(name))
}

pub fn parse_email(raw: &str) -> Result<String, String> {
    let e = raw.trim();
    let valid = e.len() <= 254
        && !e.contains(char::is_whitespace)
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
    if valid {
        Ok(e.to_string())
    } else {
        Err(format!("`{e}` is not an e-mail address"))
    }
}

/// Facility codes as jail systems send them: upper-case letters, digits and dashes, 2 to 16.
/// An agency's code: the same shape as a facility's ("WAKE-SO").
pub fn parse_agency_code(raw: &str) -> Result<String, String> {
    parse_facility_code(raw).map_err(|_| "agency code must be 2 to 16 upper-case letters, digits or dashes".into())
}

/// A two-letter state (or territory) postal code, upper case ("NC").
pub fn parse_state(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(s.to_string())
    } else {
        Err(format!("`{s}` is not a two-letter state code (NC, TX, FL)"))
    }
}

pub fn parse_facility_code(raw: &str) -> Result<String, String> {
    let c = raw.trim();
    let ok = (2..=16).contains(&c.len())
        && c.chars()
            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '-');
    if ok {
        Ok(c.to_string())
    } else {
        Err("facility code must be 2 to 16 upper-case letters, digits or dashes".into())
    }
}

pub fn parse_timezone(raw: &str) -> Result<Tz, String> {
    raw.trim()
        .parse::<Tz>()
        .map_err(|_| format!("`{}` is not an IANA time zone such as America/New_York", raw.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_case_words() {
        assert_eq!(parse_username(" jdoe ").unwrap(), "jdoe");
        assert!(parse_username("JDoe").is_err());
        assert!(parse_username("ab").is_err());
        assert!(parse_username("a b c").is_err());
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(
            check_password_strength("short", &[])
                .unwrap_err()
                .contains("at least 12")
        );
        assert!(
            check_password_strength("password1234", &[])
                .unwrap_err()
                .contains("too weak")
        );
        assert!(check_password_strength("jdoejdoejdoe", &["jdoe"]).is_err());
        assert!(check_password_strength("correct horse battery staple 7", &[]).is_ok());
    }

    #[test]
    fn facility_codes_and_zones() {
        assert_eq!(parse_facility_code("RCDC").unwrap(), "RCDC");
        assert!(parse_facility_code("rcdc").is_err());
        assert_eq!(
            parse_timezone("America/New_York").unwrap(),
            chrono_tz::America::New_York
        );
        assert!(parse_timezone("Mars/Olympus").is_err());
    }

    #[test]
    fn emails() {
        assert!(parse_email("sgt.smith@county.gov").is_ok());
        assert!(parse_email("not an email").is_err());
        assert!(parse_email("x@localhost").is_err());
    }
}
