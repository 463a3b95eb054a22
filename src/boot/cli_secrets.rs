//! The key file of the secrets at rest (decision 0033): made ready before the server serves,
//! and `wso-tracker secrets rotate|status`.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::bail;
use clap::Subcommand;
use sqlx::PgPool;

use crate::db::secrets::{self as sealed, Kind};
use crate::secrets::{self, Keyring, SecretError};

#[derive(Subcommand, Debug)]
pub enum SecretsCommand {
    /// Add a new key to the key file (WSO_SECRET_KEY_FILE) and encrypt every stored secret
    /// under it (TOTP secrets, webhook signing secrets, saved API answers), while the server
    /// runs. The older keys stay in the file, so backups made before still open.
    Rotate,
    /// How many secrets are stored under each key (and in clear), and the key file's keys.
    Status,
}

/// Rows sealed per statement batch.
const BATCH: i64 = 200;

/// Makes the key file ready for a server on `pool`: creates it (mode 0600) when it does not
/// exist and the database holds no encrypted secret; refuses, saying why, when the database
/// holds secrets under a key the file lacks (or the file is missing); then seals what is
/// still in clear (rows written before migration 0019) or under an older key.
pub async fn ready(pool: &PgPool, keys: &Keyring) -> anyhow::Result<()> {
    let census = sealed::census(pool).await?;
    let used: BTreeSet<String> = census.iter().filter_map(|(_, k, _)| k.clone()).collect();
    let under_keys: i64 = census.iter().filter(|(_, k, _)| k.is_some()).map(|(_, _, n)| n).sum();
    let path = keys.path().display().to_string();
    match keys.ids() {
        Err(SecretError::Missing(_)) if !used.is_empty() => bail!(
            "the database holds {under_keys} encrypted secrets (TOTP, webhook signing secrets, saved API answers) \
             under key(s) {}, but the secret key file {path} does not exist: restore that file or point \
             WSO_SECRET_KEY_FILE at it; without it no one can complete a sign-in and no webhook is signed",
            join(&used)
        ),
        Err(SecretError::Missing(p)) => match secrets::create_file(&p) {
            Ok(id) => {
                tracing::info!(path, key = id, "created the secret key file");
                println!(
                    "created the secret key file {path} (mode 0600, key {id}): keep a copy apart from the database's backups"
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {} // another process, just now
            Err(e) => bail!("cannot create the secret key file {path}: {e}"),
        },
        Err(e) => bail!("{e}"),
        Ok(ids) => {
            let lacking: BTreeSet<String> = used.into_iter().filter(|u| !ids.contains(u)).collect();
            if !lacking.is_empty() {
                bail!(
                    "the database holds secrets encrypted under key(s) {} that the secret key file {path} does not \
                     hold: point WSO_SECRET_KEY_FILE at the file they were encrypted with (every server of one \
                     database needs the same file)",
                    join(&lacking)
                );
            }
        }
    }
    let in_clear: i64 = census.iter().filter(|(_, k, _)| k.is_none()).map(|(_, _, n)| n).sum();
    if in_clear > 0 {
        let n = reseal_all(pool, keys).await?;
        tracing::info!(
            sealed = n,
            "encrypted the secrets stored in clear before migration 0019"
        );
    }
    Ok(())
}

/// Seals every secret not under the newest key; returns how many were rewritten.
async fn reseal_all(pool: &PgPool, keys: &Keyring) -> anyhow::Result<u64> {
    let mut total = 0;
    for kind in Kind::ALL {
        loop {
            let (found, rewritten) = sealed::reseal_some(pool, keys, kind, BATCH).await?;
            total += rewritten;
            if found == 0 {
                break;
            }
        }
    }
    Ok(total)
}

fn join(ids: &BTreeSet<String>) -> String {
    ids.iter().cloned().collect::<Vec<_>>().join(", ")
}

pub async fn run(pool: &PgPool, keys: &Keyring, command: SecretsCommand) -> anyhow::Result<()> {
    match command {
        SecretsCommand::Rotate => {
            ready(pool, keys).await?;
            let path = keys.path();
            let id = secrets::add_key(path)?;
            let mut n = reseal_all(pool, keys).await?;
            // A server that sealed something with the old key just before it re-read the file:
            // once more, after it has.
            tokio::time::sleep(Duration::from_secs(1)).await;
            n += reseal_all(pool, keys).await?;
            println!(
                "new key {id} added to {}; {n} secrets encrypted under it",
                path.display()
            );
            let old: Vec<String> = keys.ids()?.into_iter().filter(|k| *k != id).collect();
            if !old.is_empty() {
                println!(
                    "older keys kept in the file (they open backups made before now; remove a line once no backup needs it): {}",
                    old.join(", ")
                );
            }
            status(pool, keys).await
        }
        SecretsCommand::Status => status(pool, keys).await,
    }
}

async fn status(pool: &PgPool, keys: &Keyring) -> anyhow::Result<()> {
    match keys.ids() {
        Ok(ids) => println!(
            "key file {}: {} key(s), newest {}",
            keys.path().display(),
            ids.len(),
            ids.last().map_or("none", |s| s)
        ),
        // Still worth knowing what the database holds (e.g. before the first start).
        Err(e) => println!("{e}"),
    }
    println!("kind\tkey\tcount");
    for (kind, key, n) in sealed::census(pool).await? {
        println!("{}\t{}\t{n}", kind.label(), key.as_deref().unwrap_or("IN CLEAR"));
    }
    Ok(())
}
