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
            break;
        }
        match chain::verify(at.seq, &at.head, &links) {
            Ok((seq, head)) => at = Verified { seq, head },
            Err(broken) => return Ok(Err(broken)),
        }
    }
    let (head_seq, head_hash) = db::audit::head(pool).await?;
    if head_seq < at.seq || (head_seq == at.seq && head_hash != at.head) {
        return Ok(Err(Broken {
            id: 0,
            seq: head_seq,
            reason: "the chain's head does not match its last entry",
        }));
    }
    // Entries appended while we read (head beyond `at`) are checked next time.
    Ok(Ok(at))
}

/// The watcher's check: verifies what is new since `from`; on a break raises one alert for
/// admins (once per break) and returns `from` unchanged, so the break is reported again only
/// if it changes.
pub async fn check(pool: &PgPool, from: &Verified, now: DateTime<Utc>, mail_from: &str) -> AppResult<Verified> {
    match verify(pool, from).await? {
        Ok(v) => Ok(v),
        Err(broken) => {
            tracing::error!(%broken, "audit chain broken");
            let mut tx = pool.begin().await?;
            let g = Generic {
                facility_id: None,
                to: None,
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
    chain::hex(bytes)
}
