//! Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of
//! drift) with `totp-rs`, the enrolment QR code as server-drawn SVG (`qrcode`), and recovery
//! codes.

use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per time step.
pub const STEP: i64 = 30;
/// Recovery codes shown at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "wso-tracker";

/// A new random secret (160 bits), base32.
pub fn new_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

fn totp(secret: &str, username: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP as u64,
        bytes,
        Some(ISSUER.into()),
        username.into(),
    )
    .ok()
}

/// The `otpauth://totp/...` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(secret: &str, username: &str) -> Option<String> {
    Some(totp(secret, username)?.get_url())
}

/// The code for time `unix_seconds` (for tests and tools that compute one).
pub fn code_at(secret: &str, unix_seconds: i64) -> Option<String> {
    Some(totp(secret, "")?.generate(unix_seconds.max(0) as u64))
}

/// The time step a six-digit `code` matches at `unix_seconds`, allowing one step of drift each
/// way; `None` when it matches none.
pub fn matching_step(secret: &str, code: &str, unix_seconds: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret, "")?;
    let now = unix_seconds.div_euclid(STEP);
    [now - 1, now, now + 1]
        .into_iter()
        .find(|step| *step >= 0 && constant_time_eq(t.generate((step * STEP) as u64).as_bytes(), code.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The QR code of `uri` as an inline SVG element (no script, no style attribute).
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    Some(
        svg.trim_start_matches(r#"<?xml version="1.0" standalone="yes"?>"#)
            .to_string(),
    )
}

/// Ten new recovery codes like `k3m9-x2qa-7hfd` (60 random bits each).
pub fn new_recovery_codes() -> Vec<String> {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..12)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..])
        })
        .collect()
}

/// The stored form of a recovery code: SHA-256 of its letters (dashes, spaces, case ignored).
pub fn recovery_code_hash(code: &str) -> Vec<u8> {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    super::token::digest(&normal).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890", 8 digits there; the last
    /// six digits are the 6-digit code.
    #[test]
    fn codes_follow_rfc_6238() {
        let secret = totp_rs::Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1111111109).unwrap(), "081804");
        assert_eq!(code_at(&secret, 1234567890).unwrap(), "005924");
    }

    #[test]
    fn one_step_of_drift_each_way_and_no_more() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let step = now / STEP;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(matching_step(&secret, &code, now), Some(step));
        assert_eq!(matching_step(&secret, &code, now + STEP), Some(step));
        assert_eq!(matching_step(&secret, &code, now - STEP), Some(step));
        assert_eq!(matching_step(&secret, &code, now + 2 * STEP), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_the_same_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        let c = &codes[0];
        assert_eq!(
            recovery_code_hash(c),
            recovery_code_hash(&c.to_uppercase().replace('-', " "))
        );
    }

    #[test]
    fn the_qr_code_is_plain_svg() {
        let uri = otpauth_uri(&new_secret(), "jdoe").unwrap();
        assert!(uri.starts_with("otpauth://totp/wso-tracker:jdoe?"));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg") && !svg.contains("style") && !svg.contains("script"));
    }
}
