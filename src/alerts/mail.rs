//! The outbox's delivery worker: e-mail over SMTP with lettre. At-least-once: a message is marked
//! delivered only after the server accepted it; a worker killed in between leaves a lease that
//! runs out, and the resend carries the same Message-ID.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sqlx::PgPool;

use crate::db::{self, alerts::Message as Queued};
use crate::error::AppResult;

/// How long a claimed message stays leased to its worker.
pub const LEASE_SECS: i64 = 120;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// From `SMTP_URL` (`smtp://host:port` plain, `smtps://user:pass@host` TLS) and `MAIL_FROM`.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        check_smtp_url(url).map_err(|e| anyhow::anyhow!("{e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("SMTP_URL is not usable: {e}"))?
            .timeout(Some(StdDuration::from_secs(15)))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM is not an address: {e}"))?;
        Ok(Self { transport, from })
    }

    pub async fn send(&self, m: &Queued) -> Result<(), String> {
        let header = |name: &str| m.headers.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        // The agency's sender name before MAIL_FROM's address, when it set one.
        let from = match header(super::SENDER_NAME) {
            Some(name) => Mailbox::new(Some(name), self.from.email.clone()),
            None => self.from.clone(),
        };
        let mut builder = Message::builder()
            .from(from)
            .subject(&m.subject)
            .message_id(Some(m.message_id.clone()));
        for r in &m.recipients {
            builder = builder.to(r.parse().map_err(|e| format!("recipient {r}: {e}"))?);
        }
        if let Some(kind) = header("X-WSO-Alert") {
            builder = builder.header(XWsoAlert(kind));
        }
        if let Some(booking) = header("X-WSO-Booking") {
            builder = builder.header(XWsoBooking(booking));
        }
        if let Some(complaint) = header("X-WSO-Complaint") {
            builder = builder.header(XWsoComplaint(complaint));
        }
        let email = builder.body(m.body.clone()).map_err(|e| e.to_string())?;
        self.transport.send(email).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

macro_rules! text_header {
    ($ty:ident, $name:literal) => {
        #[derive(Clone, Debug)]
        pub struct $ty(pub String);

        impl Header for $ty {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }

            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok(Self(s.to_string()))
            }

            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(XWsoAlert, "X-WSO-Alert");
text_header!(XWsoBooking, "X-WSO-Booking");
text_header!(XWsoComplaint, "X-WSO-Complaint");

/// Wait before the next attempt after `attempts` failures: 1 s, 2 s, 4 s … capped.
pub fn backoff(attempts: i32, cap_secs: i64) -> Duration {
    let exp = attempts.clamp(1, 30) - 1;
    Duration::seconds((1i64 << exp).min(cap_secs))
}

/// Sends every due message once; returns how many were delivered.
pub async fn deliver_due(
    pool: &PgPool,
    mailer: &Mailer,
    now: DateTime<Utc>,
    backoff_cap_secs: i64,
) -> AppResult<usize> {
    let claimed_at = tokio::time::Instant::now();
    let claimed = db::alerts::claim_due(pool, now, now + Duration::seconds(LEASE_SECS), 20).await?;
    let mut delivered = 0;
    for m in claimed {
        match mailer.send(&m).await {
            Ok(()) => {
                record_sent(pool, m.id, now, claimed_at).await?;
                delivered += 1;
            }
            Err(error) => {
                tracing::warn!(message_id = %m.message_id, attempts = m.attempts, %error, "alert e-mail not delivered; will retry");
                let mut tx = pool.begin().await?;
                db::alerts::mark_failed(&mut *tx, m.id, now + backoff(m.attempts, backoff_cap_secs), &error).await?;
                db::alerts::record_attempt(&mut *tx, m.id, now, Some(&error)).await?;
                tx.commit().await?;
            }
        }
    }
    Ok(delivered)
}

/// A message that went out must be recorded as delivered, or it goes again when its lease runs
/// out. While the database is away (a restart, a failover) keep trying, until shortly before
/// the lease ends: a failover of a few seconds then sends nothing twice (decision 0027).
async fn record_sent(pool: &PgPool, id: i64, now: DateTime<Utc>, claimed_at: tokio::time::Instant) -> AppResult<()> {
    let give_up = claimed_at + std::time::Duration::from_secs((LEASE_SECS - 10) as u64);
    let what = format!("alert e-mail {id} sent");
    db::retry_until(give_up, &what, || async {
        let mut tx = pool.begin().await?;
        db::alerts::mark_delivered(&mut *tx, id, now).await?;
        db::alerts::record_attempt(&mut *tx, id, now, None).await?;
        tx.commit().await
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let secs: Vec<i64> = (1..=8).map(|a| super::backoff(a, 60).num_seconds()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 32, 60, 60]);
    }
}

/// Mail to another host travels encrypted: `smtps://`, or `smtp://…?tls=required` (STARTTLS
/// required). A plain `smtp://` is accepted only for a relay on this machine (loopback).
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("SMTP_URL must look like smtps://user:pass@host or smtp://127.0.0.1:25, got {url}"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let starttls_required = rest
        .split_once('?')
        .is_some_and(|(_, q)| q.split('&').any(|p| p == "tls=required"));
    match scheme {
        "smtps" => Ok(()),
        "smtp" if starttls_required || loopback => Ok(()),
        "smtp" => Err(format!(
            "SMTP_URL would send alert mail unencrypted to {host}: use smtps://… or smtp://…?tls=required (STARTTLS), or a relay on this machine"
        )),
        other => Err(format!("SMTP_URL has the scheme {other}: use smtps:// or smtp://")),
    }
}

#[cfg(test)]
mod smtp_url_tests {
    use super::check_smtp_url;

    #[test]
    fn plain_text_mail_goes_only_to_this_machine() {
        for ok in [
            "smtps://user:pass@mail.county.gov",
            "smtp://mail.county.gov:587?tls=required",
            "smtp://127.0.0.1:2525",
            "smtp://localhost",
            "smtp://[::1]:25",
        ] {
            assert!(check_smtp_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "smtp://mail.county.gov",
            "smtp://user:pass@10.0.0.5:25",
            "smtp://mail?tls=opportunistic",
            "ftp://x",
        ] {
            assert!(check_smtp_url(bad).is_err(), "{bad}");
        }
    }
}
