//! Configuration from environment variables; every variable and default is listed in
//! `.env.example` and the README.

use std::net::SocketAddr;
use std::path::PathBuf;

/// `WSO_PICKUP_PLAN_HOURS`' default: a running hold with no pickup planned and 12 hours or fewer
/// left is flagged (issue 31; `domain::pickup::flag` takes the hours).
pub const DEFAULT_PICKUP_PLAN_HOURS: i64 = 12;

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: an existing PostgreSQL, as the app's role; unset = the private cluster
    /// under `data_dir`.
    pub database_url: Option<String>,
    /// `DATABASE_OWNER_URL`: the schema owner's role, for migrations (default: `DATABASE_URL`).
    pub database_owner_url: Option<String>,
    /// `WSO_DATA_DIR` (default `./var`): private cluster data and other local state.
    pub data_dir: PathBuf,
    /// `WSO_SECRET_KEY_FILE` (default `WSO_DATA_DIR/secret-keys`): the keys that encrypt the
    /// TOTP and webhook secrets and the stored API answers (decision 0033).
    pub secrets: std::sync::Arc<crate::secrets::Keyring>,
    /// `WSO_BIND` (default `127.0.0.1:3000`); `serve --bind` overrides it.
    pub bind: SocketAddr,
    /// `WSO_SYSTEM_USE_NOTICE`: the banner shown above the login form.
    pub system_use_notice: String,
    /// `WSO_COOKIE_SECURE` (default false): mark the session cookie `Secure` (set it when the
    /// app is served over TLS, e.g. behind a TLS-terminating proxy).
    pub cookie_secure: bool,
    /// `WSO_SESSION_IDLE_MINUTES` (default 30).
    pub session_idle_minutes: i64,
    /// `WSO_REQUEST_TIMEOUT_SECS` (default 30).
    pub request_timeout_secs: u64,
    /// `SMTP_URL`, e.g. `smtp://127.0.0.1:2525` or `smtps://user:pass@host`; unset = alerts are
    /// kept and shown on `/alerts`, not sent.
    pub smtp_url: Option<String>,
    /// `MAIL_FROM` (default `wso-tracker@localhost`).
    pub mail_from: String,
    /// `WSO_ALERT_HOURS_LEFT` (default `12,4,1`): alerts this many hours before a deadline, besides
    /// the alerts at service and at the deadline.
    pub alert_hours_left: Vec<i64>,
    /// `WSO_PICKUP_PLAN_HOURS` (default 12, 1 to 47): a running hold with no pickup planned and
    /// this many hours or fewer left is flagged and alerted (issue 31).
    pub pickup_plan_hours: i64,
    /// `WSO_NOTICE_DIR` (default none): Fluent files (`LANG.ftl`) that replace or add to the
    /// served person's notice in the binary, read at each request (issue 31).
    pub notice_dir: Option<PathBuf>,
    /// `WSO_WATCH_INTERVAL_SECS` (default 5): how often the deadline watcher looks.
    pub watch_interval_secs: u64,
    /// `WSO_OUTBOX_INTERVAL_SECS` (default 2): how often the delivery worker looks.
    pub outbox_interval_secs: u64,
    /// `WSO_STREAMS_PER_USER` (default 20): board event streams one account may hold open at once
    /// in one server process (one per open board page or tool); more get 429.
    pub streams_per_user: usize,
    /// `WSO_OUTBOX_BACKOFF_CAP_SECS` (default 60): the longest wait between delivery attempts.
    pub outbox_backoff_cap_secs: i64,
    /// `WSO_MFA_REQUIRED` (default true): every web sign-in needs a TOTP code. `false` is for
    /// development only (admins then see a banner on every page).
    pub mfa_required: bool,
    /// `WSO_LOCKOUT_MINUTES` (default 30): how long five failures within 15 minutes lock an account.
    pub lockout_minutes: i64,
    /// `WSO_LOGIN_THROTTLE_PER_MINUTE` (default 10): failed sign-ins per client address per minute
    /// before every attempt from it gets 429.
    pub login_throttle_per_minute: i64,
    /// `WSO_INACTIVE_DAYS` (default 90): accounts unused this long are disabled.
    pub inactive_days: i64,
    /// `WSO_SESSION_MAX_HOURS` (default 12): a session ends this long after sign-in, whatever the
    /// activity.
    pub session_max_hours: i64,
    /// `WSO_AUDIT_VERIFY_MINUTES` (default 60): how often the watcher verifies the audit chain.
    pub audit_verify_minutes: i64,
    /// `WSO_PUBLIC_URL` (e.g. `https://wso.county.gov`): when https, the session cookie is
    /// `__Host-wso_session` and `Secure`, and every response carries HSTS.
    pub public_url: Option<String>,
    /// `WSO_METRICS_BIND` (e.g. `127.0.0.1:9464`; default off): the separate listener that
    /// answers `/metrics` in the Prometheus text format. Never on the public port.
    pub metrics_bind: Option<SocketAddr>,
    /// `WSO_TRUSTED_PROXIES` (CIDRs, comma-separated; default none): only from these addresses is
    /// `X-Forwarded-For` believed for the client's address.
    pub trusted_proxies: Vec<crate::net::Cidr>,
    /// `WSO_MAX_CONNECTIONS` (default 1024): concurrent connections one server process accepts.
    pub max_connections: usize,
    /// `WSO_HTTP_FIRST_REQUEST_SECS` (default 10): a connection must have sent its first whole
    /// request head (HTTP/1 headers, or an HTTP/2 request after the preface) within this long of
    /// being accepted, or it is closed.
    pub http_first_request: std::time::Duration,
    /// `WSO_HTTP_IDLE_SECS` (default 60): a connection with no request in flight is closed after
    /// this long (keep the proxy's upstream keep-alive shorter).
    pub http_idle: std::time::Duration,
    /// `WSO_WEBHOOK_ALLOW_CIDRS` (CIDRs, comma-separated; default none): private networks webhook
    /// deliveries may reach (a county's internal receivers); every other private, loopback,
    /// link-local, unique-local, multicast or unspecified address is refused.
    pub webhook_allow_cidrs: Vec<crate::net::Cidr>,
    /// `WSO_WEBHOOK_LOOPBACK_HTTP` (default false): webhook endpoints may also be plain
    /// `http://` to this machine (127.0.0.1, ::1, localhost): for tests and drills; otherwise
    /// `https://` only.
    pub webhook_loopback_http: bool,
    /// `WSO_ALLOW_PLAINTEXT_DATABASE` (default false): let `DATABASE_URL` (or
    /// `DATABASE_OWNER_URL`) reach a host other than this machine without TLS. Otherwise the
    /// server and every command refuse to start (see `domain::db_link`).
    pub allow_plaintext_database: bool,
    /// Set at start when the override above was needed: the warning, shown to admins on every
    /// page.
    pub plaintext_database: Option<String>,
}

pub const DEFAULT_NOTICE: &str = "This is a criminal justice information system of the county. \
Use is restricted to authorised personnel for official business only. All activity on this \
system is monitored, recorded and subject to audit; use of the system constitutes consent to \
monitoring. Unauthorised use may result in criminal prosecution and civil penalties.";

pub const DEFAULT_MAIL_FROM: &str = "wso-tracker@localhost";
pub const DEFAULT_HOURS_LEFT: [i64; 3] = [12, 4, 1];

/// `WSO_ALERT_HOURS_LEFT`: hours before the deadline, 1 to 47, separated by commas (`12,4,1`).
/// An agency's own hours (`agency set --alert-hours-left`) are read by this too.
pub fn parse_hours_left(v: &str) -> anyhow::Result<Vec<i64>> {
    v.split(',')
        .map(|h| h.trim().parse::<i64>().ok().filter(|h| *h > 0 && *h < 48))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            anyhow::anyhow!("WSO_ALERT_HOURS_LEFT must be hours between 1 and 47 separated by commas, got {v}")
        })
}

impl Config {
    /// Served over https (as `WSO_PUBLIC_URL` says).
    pub fn https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    pub fn from_env() -> anyhow::Result<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let bind = match var("WSO_BIND") {
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("WSO_BIND is not an address like 127.0.0.1:3000: {v}"))?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let parse_num = |k: &str, default: i64| -> anyhow::Result<i64> {
            match var(k) {
                Some(v) => v
                    .parse()
                    .map_err(|_| anyhow::anyhow!("{k} must be a whole number, got {v}")),
                None => Ok(default),
            }
        };
        Ok(Self {
            database_url: var("DATABASE_URL"),
            database_owner_url: var("DATABASE_OWNER_URL"),
            data_dir: var("WSO_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("var")),
            secrets: crate::secrets::Keyring::file(match var("WSO_SECRET_KEY_FILE") {
                Some(p) => PathBuf::from(p),
                None => PathBuf::from(var("WSO_DATA_DIR").unwrap_or_else(|| "var".into())).join("secret-keys"),
            }),
            bind,
            system_use_notice: var("WSO_SYSTEM_USE_NOTICE").unwrap_or_else(|| DEFAULT_NOTICE.to_string()),
            cookie_secure: matches!(var("WSO_COOKIE_SECURE").as_deref(), Some("1" | "true" | "yes")),
            session_idle_minutes: parse_num("WSO_SESSION_IDLE_MINUTES", 30)?,
            request_timeout_secs: parse_num("WSO_REQUEST_TIMEOUT_SECS", 30)? as u64,
            smtp_url: var("SMTP_URL"),
            mail_from: var("MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.to_string()),
            alert_hours_left: match var("WSO_ALERT_HOURS_LEFT") {
                Some(v) => parse_hours_left(&v)?,
                None => DEFAULT_HOURS_LEFT.to_vec(),
            },
            pickup_plan_hours: match parse_num("WSO_PICKUP_PLAN_HOURS", DEFAULT_PICKUP_PLAN_HOURS)? {
                h @ 1..=47 => h,
                h => anyhow::bail!("WSO_PICKUP_PLAN_HOURS must be 1 to 47 hours, got {h}"),
            },
            notice_dir: var("WSO_NOTICE_DIR").map(PathBuf::from),
            watch_interval_secs: parse_num("WSO_WATCH_INTERVAL_SECS", 5)?.max(1) as u64,
            outbox_interval_secs: parse_num("WSO_OUTBOX_INTERVAL_SECS", 2)?.max(1) as u64,
            outbox_backoff_cap_secs: parse_num("WSO_OUTBOX_BACKOFF_CAP_SECS", 60)?.max(1),
            streams_per_user: parse_num("WSO_STREAMS_PER_USER", 20)?.max(1) as usize,
            mfa_required: match var("WSO_MFA_REQUIRED").as_deref() {
                None | Some("true" | "1" | "yes") => true,
                Some("false" | "0" | "no") => false,
                Some(v) => anyhow::bail!("WSO_MFA_REQUIRED must be true or false, got {v}"),
            },
            lockout_minutes: parse_num("WSO_LOCKOUT_MINUTES", 30)?.max(1),
            login_throttle_per_minute: parse_num("WSO_LOGIN_THROTTLE_PER_MINUTE", 10)?.max(1),
            inactive_days: parse_num("WSO_INACTIVE_DAYS", 90)?.max(1),
            session_max_hours: parse_num("WSO_SESSION_MAX_HOURS", 12)?.max(1),
            audit_verify_minutes: parse_num("WSO_AUDIT_VERIFY_MINUTES", 60)?.max(1),
            public_url: var("WSO_PUBLIC_URL"),
            metrics_bind: match var("WSO_METRICS_BIND") {
                Some(v) => Some(
                    v.parse()
                        .map_err(|_| anyhow::anyhow!("WSO_METRICS_BIND is not an address like 127.0.0.1:9464: {v}"))?,
                ),
                None => None,
            },
            trusted_proxies: match var("WSO_TRUSTED_PROXIES") {
                Some(v) => v
                    .split(',')
                    .map(|c| c.trim().parse())
                    .collect::<Result<Vec<_>, String>>()
                    .map_err(|e| anyhow::anyhow!("WSO_TRUSTED_PROXIES: {e}"))?,
                None => vec![],
            },
            max_connections: parse_num("WSO_MAX_CONNECTIONS", 1024)?.max(1) as usize,
            http_first_request: std::time::Duration::from_secs(
                parse_num("WSO_HTTP_FIRST_REQUEST_SECS", 10)?.max(1) as u64
            ),
            http_idle: std::time::Duration::from_secs(parse_num("WSO_HTTP_IDLE_SECS", 60)?.max(1) as u64),
            webhook_allow_cidrs: match var("WSO_WEBHOOK_ALLOW_CIDRS") {
                Some(v) => v
                    .split(',')
                    .map(|c| c.trim().parse())
                    .collect::<Result<Vec<_>, String>>()
                    .map_err(|e| anyhow::anyhow!("WSO_WEBHOOK_ALLOW_CIDRS: {e}"))?,
                None => vec![],
            },
            webhook_loopback_http: matches!(var("WSO_WEBHOOK_LOOPBACK_HTTP").as_deref(), Some("1" | "true" | "yes")),
            allow_plaintext_database: match var("WSO_ALLOW_PLAINTEXT_DATABASE").as_deref() {
                None | Some("false" | "0" | "no") => false,
                Some("true" | "1" | "yes") => true,
                Some(v) => anyhow::bail!("WSO_ALLOW_PLAINTEXT_DATABASE must be true or false, got {v}"),
            },
            plaintext_database: None,
        })
    }

    /// Defaults for tests: nothing read from the environment.
    pub fn for_tests() -> Self {
        Self {
            database_url: None,
            database_owner_url: None,
            data_dir: PathBuf::from("var"),
            secrets: crate::secrets::Keyring::for_tests(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            system_use_notice: DEFAULT_NOTICE.to_string(),
            cookie_secure: false,
            session_idle_minutes: 30,
            request_timeout_secs: 30,
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.to_string(),
            alert_hours_left: DEFAULT_HOURS_LEFT.to_vec(),
            pickup_plan_hours: DEFAULT_PICKUP_PLAN_HOURS,
            notice_dir: None,
            watch_interval_secs: 5,
            outbox_interval_secs: 2,
            outbox_backoff_cap_secs: 60,
            streams_per_user: 20,
            // The suite signs in hundreds of times; the MFA tests turn it on.
            mfa_required: false,
            lockout_minutes: 30,
            login_throttle_per_minute: 10,
            inactive_days: 90,
            session_max_hours: 12,
            audit_verify_minutes: 60,
            public_url: None,
            metrics_bind: None,
            trusted_proxies: vec![],
            max_connections: 1024,
            http_first_request: std::time::Duration::from_secs(10),
            http_idle: std::time::Duration::from_secs(60),
            webhook_allow_cidrs: vec![],
            webhook_loopback_http: true,
            allow_plaintext_database: false,
            plaintext_database: None,
        }
    }
}
