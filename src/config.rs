//! Configuration from environment variables; every variable and default is listed in
//! `.env.example` and the README.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: an existing PostgreSQL; unset = the private cluster under `data_dir`.
    pub database_url: Option<String>,
    /// `WSO_DATA_DIR` (default `./var`): private cluster data and other local state.
    pub data_dir: PathBuf,
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
}

pub const DEFAULT_NOTICE: &str = "This is a criminal justice information system of the county. \
Use is restricted to authorised personnel for official business only. All activity on this \
system is monitored, recorded and subject to audit; use of the system constitutes consent to \
monitoring. Unauthorised use may result in criminal prosecution and civil penalties.";

impl Config {
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
            data_dir: var("WSO_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("var")),
            bind,
            system_use_notice: var("WSO_SYSTEM_USE_NOTICE").unwrap_or_else(|| DEFAULT_NOTICE.to_string()),
            cookie_secure: matches!(var("WSO_COOKIE_SECURE").as_deref(), Some("1" | "true" | "yes")),
            session_idle_minutes: parse_num("WSO_SESSION_IDLE_MINUTES", 30)?,
            request_timeout_secs: parse_num("WSO_REQUEST_TIMEOUT_SECS", 30)? as u64,
        })
    }

    /// Defaults for tests: nothing read from the environment.
    pub fn for_tests() -> Self {
        Self {
            database_url: None,
            data_dir: PathBuf::from("var"),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            system_use_notice: DEFAULT_NOTICE.to_string(),
            cookie_secure: false,
            session_idle_minutes: 30,
            request_timeout_secs: 30,
        }
    }
}
