//! argon2id password hashing, on a blocking thread (it takes tens of milliseconds on purpose).

use std::sync::OnceLock;

use anyhow::anyhow;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// A PHC string (`$argon2id$v=19$...`) with a fresh random salt and the crate's default
/// (OWASP-recommended) parameters.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow!("hashing password: {e}"))
}

/// Whether `password` matches `phc`. With `phc = None` (unknown user) a dummy hash is still
/// verified, so the answer takes as long as for a real account.
pub async fn verify(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let phc = phc.as_deref().unwrap_or_else(|| dummy_hash());
        let ok =
            PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
        ok && phc != dummy_hash()
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("not a real password, only spends time").expect("hashing works"))
}
