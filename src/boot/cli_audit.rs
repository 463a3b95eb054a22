//! `wso-tracker audit verify [--agency CODE] [--head SEQ:HEX]` and `audit head [--agency CODE]`:
//! the audit log's chains (decision 0016; one per agency, decision 0037).

use anyhow::bail;
use sqlx::PgPool;

use crate::db;
use crate::services::audit::{self, Chain, Verified};

/// Verifies one agency's chain, or every chain; prints each one's entries and head, and exits 1
/// at the first broken one (or when a saved head is no longer held).
pub async fn verify(pool: &PgPool, agency: Option<&str>, head: Option<&str>) -> anyhow::Result<()> {
    let saved = head.map(audit::parse_head).transpose().map_err(anyhow::Error::msg)?;
    let chains = match agency {
        Some(code) => vec![audit::chain_of(pool, code).await?],
        None => audit::chains(pool).await?,
    };
    for chain in chains {
        let v = match audit::verify(pool, chain.id, &Verified::START).await? {
            Ok(v) => v,
            Err(broken) => bail!("{} broken at {broken}", chain.name()),
        };
        // A saved head is the installation's chain's, or the named agency's.
        let first = chain.agency.is_none() || agency.is_some();
        if let (Some(saved), true) = (&saved, first) {
            if let Err(why) = audit::against_saved(pool, chain.id, &v, saved).await? {
                bail!("{} does not hold the saved head: {why}", chain.name());
            }
            println!("the saved head at {} is in the chain", saved.0);
        }
        print(&chain, &v);
    }
    Ok(())
}

/// What `verify` prints of an intact chain: the installation's in the two lines it always had
/// (`audit chain intact: N entries`, `head HEX`), an agency's with its code first.
fn print(chain: &Chain, v: &Verified) {
    match &chain.agency {
        None => {
            println!("audit chain intact: {} entries", v.seq);
            println!("head {}", audit::hex(&v.head));
        }
        Some(code) => {
            println!("agency {code}: audit chain intact: {} entries", v.seq);
            println!("agency {code}: head {}", audit::hex(&v.head));
        }
    }
}

/// Prints a chain's head as `SEQ HEX` (what `verify --head` takes back).
pub async fn head(pool: &PgPool, agency: Option<&str>) -> anyhow::Result<()> {
    let chain = match agency {
        Some(code) => audit::chain_of(pool, code).await?,
        None => Chain::INSTALLATION,
    };
    let (seq, hash) = db::audit::head(pool, chain.id).await?;
    println!("{seq} {}", audit::hex(&hash));
    Ok(())
}
