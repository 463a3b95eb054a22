//! argon2id password hashing on a dedicated pool of [`WORKERS`] threads, each reusing one
//! 19 MiB work area for every hash it computes, behind a queue of at most [`QUEUE`] waiting
//! checks. The memory is bounded, not only the concurrency: about `WORKERS × 19 MiB`, allocated
//! once, whatever the number of sign-ins (issue 26, finding 2: a blocking task per hash gave
//! each new thread its own glibc arena keeping its 19 MiB, and 200 concurrent failed sign-ins
//! left the process at 834 MB).
//!
//! A check that finds the queue full is refused at once, and one still waiting after
//! [`QUEUE_WAIT`] gives up: both are [`Busy`] (the caller answers `503`, with `Retry-After`).
//! A check whose caller has given up (timed out, or the client went away) is skipped by the
//! workers rather than computed for nobody.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::anyhow;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use tokio::sync::oneshot;

/// Threads computing hashes (each holds its 19 MiB work area for the life of the process).
pub const WORKERS: usize = 2;
/// Checks waiting for a worker at most; one more is refused at once.
pub const QUEUE: usize = 256;
/// How long a check waits for its turn before the server answers that it is busy.
pub const QUEUE_WAIT: Duration = Duration::from_secs(10);
/// The largest work area a stored hash may ask for (its `m` parameter, KiB): a hash asking for
/// more is treated as not matching rather than allowed to take the memory.
const MAX_M_COST: u32 = 64 * 1024;

/// Too many sign-ins at once: the caller answers 503.
#[derive(Debug, thiserror::Error)]
#[error("the server is busy checking other sign-ins; try again in a moment")]
pub struct Busy;

enum Task {
    Hash(String),
    Verify(String, Option<String>),
}

enum Answer {
    Hashed(anyhow::Result<String>),
    Verified(bool),
}

struct Job {
    task: Task,
    reply: oneshot::Sender<Answer>,
}

/// The queue to the workers, started at the first use.
fn queue() -> &'static SyncSender<Job> {
    static QUEUE_TX: OnceLock<SyncSender<Job>> = OnceLock::new();
    QUEUE_TX.get_or_init(|| {
        let (tx, rx) = sync_channel::<Job>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..WORKERS {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&rx))
                .expect("starting a password-hashing thread");
        }
        tx
    })
}

/// A worker: one job after another with the same work area.
fn work(rx: &Mutex<Receiver<Job>>) {
    let mut area: Vec<Block> = Vec::new();
    loop {
        let job = match rx.lock() {
            Ok(rx) => match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        if job.reply.is_closed() {
            continue; // nobody waits for this one any more
        }
        let answer = match job.task {
            Task::Hash(password) => Answer::Hashed(hash_with(&mut area, &password)),
            Task::Verify(password, phc) => {
                let phc = phc.as_deref();
                let phc_or_dummy = match phc {
                    Some(p) => p,
                    None => dummy_hash(&mut area),
                };
                let ok = verify_with(&mut area, &password, phc_or_dummy);
                Answer::Verified(ok && phc.is_some())
            }
        };
        let _ = job.reply.send(answer);
    }
}

async fn run(task: Task) -> Result<Answer, Busy> {
    let (reply, answer) = oneshot::channel();
    match queue().try_send(Job { task, reply }) {
        Ok(()) => {}
        Err(TrySendError::Full(_)) => {
            tracing::warn!(queued = QUEUE, "password checks queue full: answering busy");
            return Err(Busy);
        }
        Err(TrySendError::Disconnected(_)) => return Err(Busy),
    }
    match tokio::time::timeout(QUEUE_WAIT, answer).await {
        Ok(Ok(a)) => Ok(a),
        _ => Err(Busy),
    }
}

/// A PHC string (`$argon2id$v=19$...`) with a fresh random salt and the crate's default
/// (OWASP-recommended) parameters.
pub async fn hash(password: String) -> anyhow::Result<String> {
    match run(Task::Hash(password)).await? {
        Answer::Hashed(h) => h,
        Answer::Verified(_) => Err(anyhow!("hashing password: unexpected answer")),
    }
}

/// Whether `password` matches `phc`. With `phc = None` (unknown user, or a service account
/// without a password) a dummy hash is still verified, so the answer takes as long as for a
/// real account.
pub async fn verify(password: String, phc: Option<String>) -> Result<bool, Busy> {
    match run(Task::Verify(password, phc)).await? {
        Answer::Verified(ok) => Ok(ok),
        Answer::Hashed(_) => Ok(false),
    }
}

/// Hashes on the calling thread (with a work area of its own, freed afterwards): for a command
/// that hashes once, not for the server.
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    hash_with(&mut Vec::new(), password)
}

/// `area` grown (never shrunk below the default's size) to `blocks`.
fn area_of(area: &mut Vec<Block>, blocks: usize) -> &mut [Block] {
    if area.len() < blocks {
        area.resize(blocks, Block::new());
    }
    &mut area[..blocks]
}

/// After a hash with unusual parameters: back to the default's size, so memory stays bounded.
fn trim(area: &mut Vec<Block>) {
    let default = Params::DEFAULT.block_count();
    if area.len() > default {
        area.truncate(default);
        area.shrink_to_fit();
    }
}

fn hash_with(area: &mut Vec<Block>, password: &str) -> anyhow::Result<String> {
    let params = Params::DEFAULT;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            area_of(area, params.block_count()),
        )
        .map_err(|e| anyhow!("hashing password: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow!("hashing password: {e}"))?,
        salt: Some(Salt::new(&salt).map_err(|e| anyhow!("hashing password: {e}"))?),
        hash: Some(Output::new(&out).map_err(|e| anyhow!("hashing password: {e}"))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` hashes to `phc` (any argon2 variant and parameters the crate reads, the
/// work area at most [`MAX_M_COST`]).
fn verify_with(area: &mut Vec<Block>, password: &str, phc: &str) -> bool {
    let Ok(h) = PasswordHash::new(phc) else { return false };
    let (Some(salt), Some(expected)) = (&h.salt, &h.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(h.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = h.version.map_or(Ok(Version::V0x13), Version::try_from) else {
        return false;
    };
    let Ok(params) = Params::try_from(&h) else { return false };
    if params.m_cost() > MAX_M_COST {
        return false;
    }
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let done = argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, area_of(area, blocks));
    trim(area);
    // `Output`'s comparison takes constant time.
    done.is_ok() && Output::new(&out).is_ok_and(|computed| &computed == expected)
}

fn dummy_hash(area: &mut Vec<Block>) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_with(area, "not a real password, only spends time").expect("hashing works"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_are_the_crates_own_and_read_both_ways() {
        let mut area = Vec::new();
        let ours = hash_with(&mut area, "correct horse").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"correct horsf", &parsed).is_err());
        let theirs = Argon2::default().hash_password(b"battery staple").unwrap().to_string();
        assert!(verify_with(&mut area, "battery staple", &theirs));
        assert!(!verify_with(&mut area, "battery stapl", &theirs));
        assert_eq!(area.len(), Params::DEFAULT.block_count(), "one work area, reused");
        // Other parameters are read too; the area goes back to its size after.
        let small = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x10,
            Params::new(4096, 1, 1, None).unwrap(),
        );
        let old = small.hash_password(b"old one").unwrap().to_string();
        assert!(verify_with(&mut area, "old one", &old));
        let big = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(32 * 1024, 1, 1, None).unwrap(),
        );
        let big = big.hash_password(b"big one").unwrap().to_string();
        assert!(verify_with(&mut area, "big one", &big));
        assert_eq!(area.len(), Params::DEFAULT.block_count());
        assert!(!verify_with(&mut area, "x", "not a hash"));
        assert!(!verify_with(
            &mut area,
            "x",
            "$argon2id$v=19$m=1048576,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
        ));
    }

    #[tokio::test]
    async fn the_pool_answers_many_at_once_and_never_matches_the_dummy() {
        let h = hash("right".into()).await.unwrap();
        let mut checks = tokio::task::JoinSet::new();
        for i in 0..20 {
            let h = h.clone();
            checks.spawn(async move {
                let given = if i % 2 == 0 { "right" } else { "wrong" };
                (i, verify(given.into(), Some(h)).await.unwrap())
            });
        }
        while let Some(r) = checks.join_next().await {
            let (i, ok) = r.unwrap();
            assert_eq!(ok, i % 2 == 0);
        }
        assert!(
            !verify("not a real password, only spends time".into(), None)
                .await
                .unwrap()
        );
    }
}
