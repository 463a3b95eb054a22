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

/// Walks the chain after `from` (`Verified::START` for all of it). `Ok(Err(..))` names the first
/// entry that does not match; the head kept in `audit_head` must match the last entry too.
pub async fn verify(pool: &PgPool, from: &Verified) -> AppResult<Result<Verified, Broken>> {
    let mut at = from.clone();
    if at.seq == 0 {
        at.head = GENESIS.to_vec();
    } else if db::audit::hash_at(pool, at.seq).await?.as_deref() != Some(at.head.as_slice()) {
        return Ok(Err(Broken {
            id: 0,
            seq: at.seq,
            reason: "an entry already verified was changed or removed",
        }));
    }
    loop {
        let links = db::audit::links_after(pool, at.seq, BATCH).await?;
        if links.is_empty() {
            // At the end: the head must be this entry. A head further on means entries were
            // appended meanwhile (then they are there now) or the newest ones were removed.
            let (head_seq, head_hash) = db::audit::head(pool).await?;
            if head_seq == at.seq && head_hash == at.head {
                break;
            }
            if head_seq > at.seq && !db::audit::links_after(pool, at.seq, 1).await?.is_empty() {
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
        if let Err(broken) = in_order(pool, first, BATCH).await? {
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
async fn in_order(pool: &PgPool, first: i64, limit: i64) -> AppResult<Result<(), Broken>> {
    let rows = db::audit::order_after(pool, first - 1, first > 1, limit + 1).await?;
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
pub async fn against_saved(pool: &PgPool, v: &Verified, saved: &(i64, Vec<u8>)) -> AppResult<Result<(), String>> {
    let (seq, hash) = saved;
    if *seq > v.seq {
        return Ok(Err(format!(
            "the saved head is at position {seq} but the log ends at {}: entries were removed from its end",
            v.seq
        )));
    }
    if *seq > 0 && db::audit::hash_at(pool, *seq).await?.as_deref() != Some(hash.as_slice()) {
        return Ok(Err(format!(
            "the entry at position {seq} does not have the saved head's hash: the chain was rewritten from there or before"
        )));
    }
    Ok(Ok(()))
}

/// The watcher's check: walks the chain after `from` (the whole chain for
/// `Verified::START`); on a break raises one alert for admins, e-mailed to every admin with an
/// address (once per break), and returns `from` unchanged.
pub async fn check(pool: &PgPool, from: &Verified, now: DateTime<Utc>, mail_from: &str) -> AppResult<Verified> {
    match verify(pool, from).await? {
        Ok(v) => Ok(v),
        Err(broken) => {
            tracing::error!(%broken, "audit chain broken");
            let mut tx = pool.begin().await?;
            let admins = db::users::operator_emails(pool).await?;
            let g = Generic {
                facility_id: None,
                agency_id: None,
                to: Some(admins),
                booking_id: None,
                complaint_id: None,
                kind: AlertKind::AuditChainBroken,
                urgency: 0,
                dedupe_key: format!("audit:broken:{}:{}", broken.seq, broken.id),
                title: AlertKind::AuditChainBroken.words(),
                body: format!(
                    "The audit log's hash chain does not hold: {broken}.\nRun `wso-tracker audit verify` and compare \
                     the head with the one kept outside the system.\n"
                ),
                subject_header: None,
            };
            alerts::raise_generic(&mut tx, g, now, mail_from).await?;
            tx.commit().await?;
            Ok(from.clone())
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    crate::auth::token::to_hex(bytes)
}

/// The repeated refusals one server process is counting (`domain::refusals`; kept in
/// `AppState`, written by `web::access`).
pub type Refusals = std::sync::Mutex<crate::domain::refusals::Tally>;
