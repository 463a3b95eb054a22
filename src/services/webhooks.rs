//! Webhooks (issue 14, decision 0026): admins register an endpoint per facility; the database's
//! triggers write one delivery per event and endpoint in the transaction that caused it
//! (migration 0014); [`deliver_due`] signs and sends them (Standard Webhooks), retrying with
//! exponential backoff for 72 hours. Bodies carry ids, kinds and times only. Deliveries go to
//! public addresses only (plus loopback and `WSO_WEBHOOK_ALLOW_CIDRS` when configured): the
//! name is resolved at each delivery and only the addresses that pass
//! [`net::check_destination`] are connected to (issue 26, finding 5).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde_json::json;
use sqlx::PgPool;

use crate::config::Config;
use crate::db::{self, webhooks::Due, webhooks::Endpoint};
use crate::domain::input::Checker;
use crate::domain::types::WebhookEvent;
use crate::domain::webhook;
use crate::error::{AppError, AppResult};
use crate::net::{self, Destinations};
use crate::secrets::Keyring;
use crate::services::accounts::Actor;

pub struct NewEndpoint {
    pub facility: String,
    pub url: String,
    pub events: Vec<String>,
}

/// Where deliveries may go besides public addresses, as configured: this machine
/// (`WSO_WEBHOOK_LOOPBACK_HTTP`, also `http://` to it; for tests and drills) and
/// `WSO_WEBHOOK_ALLOW_CIDRS`.
pub fn destinations(config: &Config) -> Destinations {
    Destinations {
        loopback: config.webhook_loopback_http,
        allow: config.webhook_allow_cidrs.clone(),
    }
}

/// Registers an endpoint; returns it with its secret (shown only in this response). Its URL is
/// `https://` ([`webhook::check_url`]) to a host that is not by itself a special address
/// ([`check_host`]).
pub async fn register(
    pool: &PgPool,
    keys: &Keyring,
    input: &NewEndpoint,
    to: &Destinations,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<(Endpoint, String)> {
    let mut c = Checker::new();
    // Another agency's facility is answered as one that does not exist.
    let facility = db::facilities::by_code(pool, input.facility.trim())
        .await?
        .filter(|f| actor.manages_facility(f));
    if facility.is_none() {
        let message = match input.facility.trim() {
            "" => "facility is required: choose the facility whose events it receives".to_string(),
            code => format!("there is no facility `{code}`"),
        };
        c.check::<()>("facility", Err(message));
    }
    let url = match input.url.trim() {
        "" => c.check::<url::Url>(
            "url",
            Err("url is required: the https:// address to send events to".into()),
        ),
        raw => c.check(
            "url",
            webhook::check_url(raw, to.loopback).and_then(|u| check_host(u, to)),
        ),
    }
    .map(|u| u.to_string());
    let mut events: Vec<String> = Vec::new();
    if input.events.is_empty() {
        c.check::<()>("events", Err("events needs at least one event".into()));
    }
    for e in &input.events {
        match e.parse::<WebhookEvent>() {
            Ok(ev) if !events.iter().any(|x| x == ev.as_str()) => events.push(ev.as_str().to_string()),
            Ok(_) => {}
            Err(m) => {
                c.check::<()>("events", Err(m));
            }
        }
    }
    let (facility, url) = c.values((facility, url))?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = webhook::secret_from(&bytes);
    let actor_id = actor.id.ok_or_else(AppError::forbidden)?;
    let mut tx = pool.begin().await?;
    let id = db::webhooks::insert(&mut tx, keys, facility.id, &url, &events, &secret, actor_id, now).await?;
    let detail = json!({ "webhook_id": id, "facility": facility.code, "url": url, "events": events });
    db::audit::record(&mut *tx, actor.entry("webhook_registered", now, detail)).await?;
    tx.commit().await?;
    let endpoint = Endpoint {
        id,
        facility: facility.code,
        url,
        events,
        created_at: now,
    };
    Ok((endpoint, secret))
}

/// Ends an endpoint: nothing more is sent to it.
pub async fn delete(pool: &PgPool, id: i64, actor: Actor<'_>, now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let Some(e) = db::webhooks::get(&mut *tx, id).await? else {
        return Err(AppError::NotFound);
    };
    // Another agency's endpoint is answered as one that does not exist.
    let facility = db::facilities::by_code(&mut *tx, &e.facility).await?;
    if !facility.is_some_and(|f| actor.manages_facility(&f)) {
        return Err(AppError::NotFound);
    }
    if !db::webhooks::delete(&mut *tx, id, now).await? {
        return Err(AppError::NotFound); // deleted by a concurrent request
    }
    let detail = json!({ "webhook_id": id, "facility": e.facility, "url": e.url });
    db::audit::record(&mut *tx, actor.entry("webhook_deleted", now, detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// A URL whose host is an address by itself (an IP literal in any spelling, `localhost`, the
/// metadata service's name) that the rule refuses: the field error says so.
fn check_host(url: url::Url, to: &Destinations) -> Result<url::Url, String> {
    let Some(ip) = url.host().and_then(net::host_address) else {
        return Ok(url);
    };
    match net::check_destination(ip, to) {
        Ok(()) => Ok(url),
        Err(refused) => Err(format!(
            "url host {} is a {} address ({ip}): webhooks go to public addresses only{}",
            url.host_str().unwrap_or_default(),
            refused.trim_start_matches("refused: ").trim_end_matches(" address"),
            if to.allow.is_empty() {
                " (WSO_WEBHOOK_ALLOW_CIDRS admits a county's internal networks)"
            } else {
                " and the networks of WSO_WEBHOOK_ALLOW_CIDRS"
            }
        )),
    }
}

/// The HTTP client of deliveries: 10 s timeout, no redirects followed, no proxy (the address
/// checked is the one connected to), TLS with the platform's roots (as for SMTP); names
/// resolved by [`CheckedResolver`].
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    to: Arc<Destinations>,
}

/// A delivery refused for where it would go; its words are the endpoint's `last_error`.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Resolves an endpoint's name at each connection and hands the connector only the addresses
/// the rule allows: what was checked is what is connected to, so a name that changes its
/// answer between a check and a connection (DNS rebinding) gains nothing. No address left:
/// [`Refused`].
struct CheckedResolver {
    to: Arc<Destinations>,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let to = self.to.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = match net::named_address(&host) {
                Some(ip) => vec![SocketAddr::new(ip, 0)],
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match net::check_destination(a.ip(), &to) {
                    Ok(()) => true,
                    Err(why) => {
                        refused.get_or_insert(why);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let why = refused.unwrap_or_else(|| format!("{host} has no address"));
                return Err(Box::new(Refused(why)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Makes aws-lc-rs (the provider lettre already uses) the process's TLS provider, once: HTTP
/// clients built without an explicit one (reqwest's) take it.
pub fn install_crypto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    });
}

/// TLS for the server's outgoing HTTP (webhooks, identity providers): aws-lc-rs, the safe
/// default versions, the platform's certificate verifier.
pub fn client_tls() -> anyhow::Result<rustls::ClientConfig> {
    use rustls_platform_verifier::BuilderVerifierExt;
    install_crypto();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth())
}

impl Sender {
    /// A sender that delivers to public addresses and to `to`'s.
    pub fn new(to: Destinations) -> anyhow::Result<Self> {
        let to = Arc::new(to);
        let tls = client_tls()?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(CheckedResolver { to: to.clone() }))
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("wso-tracker/", env!("CARGO_PKG_VERSION"), " (webhooks)"))
            .build()?;
        Ok(Self { client, to })
    }
}

/// At most this many deliveries are claimed per round; they are sent concurrently.
const BATCH: i64 = 32;
/// A claimed delivery is not claimed again before this (longer than the 10 s timeout).
const LEASE: chrono::Duration = chrono::Duration::seconds(60);

/// Sends every delivery due at `now`, signed with its endpoint's secret opened with `keys`;
/// returns how many were attempted.
pub async fn deliver_due(pool: &PgPool, keys: &Keyring, sender: &Sender, now: DateTime<Utc>) -> AppResult<usize> {
    let claimed_at = tokio::time::Instant::now();
    let due = db::webhooks::claim_due(pool, keys, now, now + LEASE, BATCH).await?;
    let n = due.len();
    let mut sends = tokio::task::JoinSet::new();
    for d in due {
        let sender = sender.clone();
        sends.spawn(async move {
            let outcome = send(&sender, &d, now).await;
            (d, outcome)
        });
    }
    while let Some(done) = sends.join_next().await {
        let (d, (status, error)) = done.map_err(|e| anyhow::anyhow!("a delivery task failed: {e}"))?;
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        let next = if delivered {
            None
        } else {
            webhook::after_failure(d.first_attempt_at, d.attempts, now)
        };
        if !delivered {
            tracing::warn!(webhook_id = %d.webhook_id, status, error, retry_at = ?next, "webhook delivery failed");
        }
        // Recorded even across a short database outage: a delivered event recorded late is
        // not sent again (as for alert e-mails, decision 0027).
        let give_up = claimed_at + std::time::Duration::from_secs((LEASE.num_seconds() - 10) as u64);
        let what = format!("webhook {} attempted", d.webhook_id);
        db::retry_until(give_up, &what, || {
            db::webhooks::record_attempt(
                pool,
                d.id,
                d.leased_until,
                now,
                status,
                error.as_deref(),
                delivered,
                next,
            )
        })
        .await?;
    }
    Ok(n)
}

/// One attempt: the status answered, or why there was none.
async fn send(sender: &Sender, d: &Due, now: DateTime<Utc>) -> (Option<i32>, Option<String>) {
    // An address written in the URL is connected to without resolving: checked here.
    let literal = url::Url::parse(&d.url)
        .ok()
        .and_then(|u| u.host().and_then(net::host_address));
    if let Some(Err(why)) = literal.map(|ip| net::check_destination(ip, &sender.to)) {
        return (None, Some(why));
    }
    let secret = match &d.secret {
        Ok(s) => s,
        Err(why) => return (None, Some(why.clone())),
    };
    let Some(key) = webhook::secret_key(secret) else {
        return (None, Some("the endpoint's secret cannot be decoded".into()));
    };
    let timestamp = now.timestamp();
    let result = sender
        .client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.webhook_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            webhook::signature(&key, &d.webhook_id, timestamp, &d.body),
        )
        .body(d.body.clone())
        .send()
        .await;
    match result {
        Ok(r) if r.status().is_success() => (Some(r.status().as_u16() as i32), None),
        Ok(r) => (
            Some(r.status().as_u16() as i32),
            Some(format!("answered {}", r.status())),
        ),
        Err(e) => (None, Some(describe(&e))),
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        if let Some(refused) = inner.downcast_ref::<Refused>() {
            return refused.0.clone(); // the kind of address only, never whether a port answered
        }
        src = inner.source();
    }
    if e.is_timeout() {
        "no answer within 10 s".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            s.push_str(": ");
            s.push_str(&inner.to_string());
            src = inner.source();
        }
        s
    }
}
