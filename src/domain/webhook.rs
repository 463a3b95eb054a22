//! Webhook rules: where a delivery may go, how it is signed (Standard Webhooks), when it is
//! retried. Pure: no I/O, no clock.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The secret's prefix (Standard Webhooks).
pub const SECRET_PREFIX: &str = "whsec_";

/// Deliveries are retried for 72 hours after their event (at least the 24 the contract promises),
/// then marked failed.
pub const RETRY_WINDOW: Duration = Duration::hours(72);

/// How long to wait after the `attempts`-th failed attempt: 5 s, 10 s, 20 s … doubling, at most
/// one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.saturating_sub(1).clamp(0, 20) as u32;
    Duration::seconds((5i64 << exp).min(3600))
}

/// `https://` only; `http://` to this machine too when `loopback_http` (a receiver on loopback,
/// in tests and drills). Where the host may be is the address rule's business
/// (`net::check_destination`, applied to the host by the service at registration and to each
/// resolved address at delivery).
pub fn check_url(raw: &str, loopback_http: bool) -> Result<url::Url, String> {
    let raw = raw.trim();
    if raw.len() > 2000 {
        return Err("url is longer than 2000 characters".into());
    }
    let url = url::Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url must not carry a user name or password".into());
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        None => return Err("url has no host".into()),
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback && loopback_http => Ok(url),
        "http" if loopback_http => Err("url must be https:// (http:// only to 127.0.0.1, ::1 or localhost)".into()),
        "http" => Err("url must be https://".into()),
        other => Err(format!("url scheme `{other}` is not https")),
    }
}

/// The key a secret stands for: the base64 after `whsec_`.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()
}

/// A new secret from random bytes (the caller draws them).
pub fn secret_from(bytes: &[u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// `webhook-signature`: `v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// What to do with a delivery after a failed attempt at `now`.
pub fn after_failure(event_at: DateTime<Utc>, attempts: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let next = now + backoff(attempts);
    (next <= event_at + RETRY_WINDOW).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_specs_example() {
        // The example of the Standard Webhooks specification (spec/standard-webhooks.md).
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = signature(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn only_https_or_loopback_http_when_allowed() {
        assert!(check_url("https://ice.example.gov/hooks", false).is_ok());
        assert!(
            check_url("http://127.0.0.1:9000/x", false).is_err(),
            "not in production"
        );
        assert!(check_url("http://127.0.0.1:9000/x", true).is_ok());
        assert!(check_url("http://127.1:9000/x", true).is_ok());
        assert!(check_url("http://[::1]:9000/x", true).is_ok());
        assert!(check_url("http://[::ffff:127.0.0.1]:9000/x", true).is_ok());
        assert!(check_url("http://localhost/x", true).is_ok());
        assert!(check_url("http://ice.example.gov/hooks", true).is_err());
        assert!(check_url("http://10.0.0.1/hooks", true).is_err());
        assert!(check_url("ftp://127.0.0.1/x", true).is_err());
        assert!(check_url("https://user:pw@ice.example.gov/", true).is_err());
        assert!(check_url("not a url", true).is_err());
    }

    #[test]
    fn retries_double_up_to_an_hour_and_stop_after_the_window() {
        assert_eq!(backoff(1), Duration::seconds(5));
        assert_eq!(backoff(2), Duration::seconds(10));
        assert_eq!(backoff(11), Duration::seconds(3600));
        assert_eq!(backoff(400), Duration::seconds(3600));
        let t0 = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").unwrap().to_utc();
        assert!(after_failure(t0, 1, t0 + Duration::hours(24)).is_some());
        assert!(after_failure(t0, 30, t0 + Duration::hours(72)).is_none());
    }

    #[test]
    fn a_secret_round_trips() {
        let s = secret_from(&[7u8; 32]);
        assert!(s.starts_with("whsec_"));
        assert_eq!(secret_key(&s).unwrap(), vec![7u8; 32]);
    }

    #[test]
    fn a_url_is_refused_for_its_length_its_user_and_each_scheme_in_words() {
        let at = |n: usize| format!("https://ice.example.gov/{}", "a".repeat(n - 24));
        assert_eq!(at(2000).len(), 2000);
        assert!(check_url(&at(2000), false).is_ok(), "2000 characters are allowed");
        assert_eq!(
            check_url(&at(2001), false).unwrap_err(),
            "url is longer than 2000 characters"
        );
        // A user name alone, or a password alone, is refused too.
        for with in ["https://user@ice.example.gov/", "https://:pw@ice.example.gov/"] {
            assert_eq!(
                check_url(with, false).unwrap_err(),
                "url must not carry a user name or password",
                "{with}"
            );
        }
        assert_eq!(
            check_url("http://ice.example.gov/hooks", false).unwrap_err(),
            "url must be https://"
        );
        assert_eq!(
            check_url("http://ice.example.gov/hooks", true).unwrap_err(),
            "url must be https:// (http:// only to 127.0.0.1, ::1 or localhost)"
        );
        assert!(check_url("http://hooks.localhost./x", true).is_ok());
        assert!(check_url("http://localhost.example.gov/x", true).is_err());
    }

    #[test]
    fn the_next_attempt_is_the_backoff_after_now_until_the_window_ends() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").unwrap().to_utc();
        let now = t0 + Duration::hours(1);
        assert_eq!(after_failure(t0, 3, now), Some(now + Duration::seconds(20)));
        // The last attempt may fall on the window's last second, not after it.
        let last = t0 + RETRY_WINDOW - Duration::seconds(5);
        assert_eq!(after_failure(t0, 1, last), Some(t0 + RETRY_WINDOW));
        assert_eq!(after_failure(t0, 1, last + Duration::seconds(1)), None);
    }
}
