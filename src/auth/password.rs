//! argon2id password hashing, on a blocking thread (it takes tens of milliseconds and 19 MiB on
//! purpose), at most [`CONCURRENT`] at a time: a flood of anonymous sign-ins queues for a permit
//! (and gets [`Busy`] after [`QUEUE_WAIT`]) instead of taking the machine's memory and threads.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::Semaphore;

use anyhow::anyhow;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Hashes running at once (each holds about 19 MiB for tens of milliseconds).
pub const CONCURRENT: usize = 2;
/// How long a sign-in waits for a permit before the server answers that it is busy.
pub const QUEUE_WAIT: Duration = Duration::from_secs(10);

static PERMITS: Semaphore = Semaphore::const_new(CONCURRENT);

/// Too many sign-ins at once: the caller answers 503.
#[derive(Debug, thiserror::Error)]
#[error("the server is busy checking other sign-ins; try again in a moment")]
pub struct Busy;

async fn permit() -> Result<tokio::sync::SemaphorePermit<'static>, Busy> {
    tokio::time::timeout(QUEUE_WAIT, PERMITS.acquire())
        .await
        .map_err(|_| Busy)?
        .map_err(|_| Busy)
}

/// A PHC string (`$argon2id$v=19$...`) with a fresh random salt and the crate's default
/// (OWASP-recommended) parameters.
pub async fn hash(password: String) -> anyhow::Result<String> {
    let _permit = permit().await?;
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow!("hashing password: {e}"))
}

/// Whether `password` matches `phc`. With `phc = None` (unknown user, or a service account
/// without a password) a dummy hash is still verified, so the answer takes as long as for a
/// real account.
pub async fn verify(password: String, phc: Option<String>) -> Result<bool, Busy> {
    let _permit = permit().await?;
    Ok(tokio::task::spawn_blocking(move || {
        let phc = phc.as_deref().unwrap_or_else(|| dummy_hash());
        let ok =
            PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
        ok && phc != dummy_hash()
    })
    .await
    .unwrap_or(false))
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("not a real password, only spends time").expect("hashing works"))
}
