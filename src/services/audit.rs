//! Verifying the audit log's hash chain (decision 0016): by `wso-tracker audit verify`, and by
//! the watcher every `WSO_AUDIT_VERIFY_MINUTES`, which raises `audit_chain_broken` for admins.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::alerts::{self, Generic};
use crate::db;
use crate::domain::alerts::AlertKind;
use crate::domain::chain::{self, Broken, GENESIS};
use crate::error::AppResult;

/// Entries read per statement while walking the chain.
const BATCH: i64 = 5_000;

/// How far the chain was found intact: its last position and hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub seq: i64,
    pub head: Vec<u8>,
}

impl Verified {
    pub const START: Verified = Verified {
        seq: 0,
        head: Vec::new(),
    };
}

/// A chain of the audit log (decision 0037): the installation's, or an agency's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// 0 for the installation's; else the agency's id.
    pub id: i64,
    /// The agency's code (`None`: the installation's chain).
    pub agency: Option<String>,
}

impl Chain {
    pub const INSTALLATION: Chain = Chain { id: 0, agency: None };

    /// How the command line and alerts name it.
    pub fn name(&self) -> String {
        match &self.agency {
            Some(code) => format!("agency {code}'s audit chain"),
            None => "the installation's audit chain".into(),
        }
    }
}

/// Every chain: the installation's first, then each agency's by code.
pub async fn chains(pool: &PgPool) -> AppResult<Vec<Chain>> {
    Ok(db::audit::chains(pool)
        .await?
        .into_iter()
        .map(|(id, agency)| Chain { id, agency })
        .collect())
}

/// The chain of the agency `code` (404 when there is no such agency).
pub async fn chain_of(pool: &PgPool, code: &str) -> AppResult<Chain> {
    let a = db::agencies::by_code(pool, code)
        .await?
        .ok_or_else(|| crate::error::AppError::field("agency", format!("there is no agency `{code}`")))?;
    Ok(Chain {
        id: a.id,
        agency: Some(a.code),
    })
}

/// Walks the chain `chain` after `from` (`Verified::START` for all of it). `Ok(Err(..))` names
/// the first entry that does not match; the head kept in `audit_head` must match the last entry
/// too.
pub async fn verify(pool: &PgPool, chain: i64, from: &Verified) -> AppResult<Result<Verified, Broken>> {
    let mut at = from.clone();
    if at.seq == 0 {
        at.head = GENESIS.to_vec();
    } else if db::audit::hash_at(pool, chain, at.seq).await?.as_deref() != Some(at.head.as_slice()) {
        return Ok(Err(Broken {
            id: 0,
            seq: at.seq,
            reason: "an entry already verified was changed or removed",
        }));
    }
    loop {
        let links = db::audit::links_after(pool, chain, at.seq, BATCH).await?;
        if links.is_empty() {
            // At the end: the head must be this entry. A head further on means entries were
            // appended meanwhile (then they are there now) or the newest ones were removed.
            let (head_seq, head_hash) = db::audit::head(pool, chain).await?;
            if head_seq == at.seq && head_hash == at.head {
                break;
            }
            if head_seq > at.seq && !db::audit::links_after(pool, chain, at.seq, 1).await?.is_empty() {
                continue;
            }
            return Ok(Err(Broken {
                id: 0,
                seq: head_seq,
                reason: if head_seq > at.seq {
                    "the newest entries were removed (the head is further on)"
                } else {
                    "the chain's head does not match its last entry"
                },
            }));
        }
        let first = links[0].seq;
        if let Err(broken) = in_order(pool, chain, first, BATCH).await? {
            return Ok(Err(broken));
        }
        match chain::verify(at.seq, &at.head, &links) {
            Ok((seq, head)) => at = Verified { seq, head },
            Err(broken) => return Ok(Err(broken)),
        }
    }
    Ok(Ok(at))
}

/// Whether the entries from position `first` on (at most `limit`) were written in order: each
/// one written since migration 0020 has a greater id than the entry before it and a
/// `recorded_at` not before it (decision 0034; the database assigns both).
async fn in_order(pool: &PgPool, chain: i64, first: i64, limit: i64) -> AppResult<Result<(), Broken>> {
    let rows = db::audit::order_after(pool, chain, first - 1, first > 1, limit + 1).await?;
    for pair in rows.windows(2) {
        let ((_, id_before, recorded_before, _), (seq, id, recorded, checked)) = (pair[0], pair[1]);
        if !checked {
            continue;
        }
        if id <= id_before {
            return Ok(Err(Broken {
                id,
                seq,
                reason: "its id is not greater than the entry's before it (an entry placed among older ones)",
            }));
        }
        if recorded < recorded_before {
            return Ok(Err(Broken {
                id,
                seq,
                reason: "it was recorded before the entry before it (a backdated entry)",
            }));
        }
    }
    Ok(Ok(()))
}

/// A head kept outside the system, as `audit head` printed it: `SEQ:HEX` (or `SEQ HEX`).
pub fn parse_head(s: &str) -> Result<(i64, Vec<u8>), String> {
    let (seq, hash) = s
        .trim()
        .split_once([':', ' '])
        .ok_or("a saved head is SEQ:HEX, as `wso-tracker audit head` prints it")?;
    let seq: i64 = seq
        .trim()
        .parse()
        .map_err(|_| format!("`{seq}` is not a chain position"))?;
    let hash = hash.trim();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("the saved head's hash is 64 hexadecimal digits".into());
    }
    let bytes = (0..32)
        .map(|i| u8::from_str_radix(&hash[2 * i..2 * i + 2], 16).expect("checked hex"))
        .collect();
    Ok((seq, bytes))
}

/// Whether an intact chain `v` still holds a head saved elsewhere: the entry at its position
/// exists and has its hash. Entries removed from the end, or a chain rewritten from an earlier
/// entry on, verify on their own; only this comparison shows them.
pub async fn against_saved(
    pool: &PgPool,
    chain: i64,
    v: &Verified,
    saved: &(i64, Vec<u8>),
) -> AppResult<Result<(), String>> {
    let (seq, hash) = saved;
    if *seq > v.seq {
        return Ok(Err(format!(
            "the saved head is at position {seq} but the log ends at {}: entries were removed from its end",
            v.seq
        )));
    }
    if *seq > 0 && db::audit::hash_at(pool, chain, *seq).await?.as_deref() != Some(hash.as_slice()) {
        return Ok(Err(format!(
            "the entry at position {seq} does not have the saved head's hash: the chain was rewritten from there or before"
        )));
    }
    Ok(Ok(()))
}

/// The watcher's check: walks every chain whole; on a break raises one alert (for the
/// operator, and for the agency's admins when it is an agency's chain), e-mailed to the
/// operator's addresses (once per break). Returns how many chains were found broken.
pub async fn check(pool: &PgPool, now: DateTime<Utc>, mail_from: &str) -> AppResult<usize> {
    let mut broken_chains = 0;
    for chain in chains(pool).await? {
        let Err(broken) = verify(pool, chain.id, &Verified::START).await? else {
            continue;
        };
        broken_chains += 1;
        let name = chain.name();
        tracing::error!(%broken, chain = %name, "audit chain broken");
        let mut tx = pool.begin().await?;
        let admins = db::users::operator_emails(pool).await?;
        let command = match &chain.agency {
            Some(code) => format!("wso-tracker audit verify --agency {code}"),
            None => "wso-tracker audit verify".into(),
        };
        let g = Generic {
            facility_id: None,
            agency_id: (chain.id != 0).then_some(chain.id),
            to: Some(admins),
            booking_id: None,
            complaint_id: None,
            kind: AlertKind::AuditChainBroken,
            urgency: 0,
            dedupe_key: format!("audit:broken:{}:{}:{}", chain.id, broken.seq, broken.id),
            title: AlertKind::AuditChainBroken.words(),
            body: format!(
                "{name} does not hold: {broken}.\nRun `{command}` and compare the head with the one kept outside the system.\n"
            ),
            subject_header: None,
        };
        alerts::raise_generic(&mut tx, g, now, mail_from).await?;
        tx.commit().await?;
    }
    Ok(broken_chains)
}

pub fn hex(bytes: &[u8]) -> String {
    crate::auth::token::to_hex(bytes)
}

/// The repeated refusals one server process is counting (`domain::refusals`; kept in
/// `AppState`, written by `web::access`).
pub type Refusals = std::sync::Mutex<crate::domain::refusals::Tally>;
