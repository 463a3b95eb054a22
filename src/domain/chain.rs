//! The audit log's hash chain: each entry's hash is SHA-256 of the previous entry's hash and
//! the entry's canonical bytes (`audit_canonical` in migration 0007). Pure: given the entries in
//! chain order, say whether they hold together and where they first do not.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// One stored entry as the chain sees it.
#[derive(Clone, Debug)]
pub struct Link {
    pub seq: i64,
    pub id: i64,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
    /// The canonical bytes of the entry as stored now.
    pub canonical: Vec<u8>,
}

/// Where the chain first fails, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The entry (audit id) that does not match.
    pub id: i64,
    pub seq: i64,
    pub reason: &'static str,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "audit entry {} (chain position {}): {}",
            self.id, self.seq, self.reason
        )
    }
}

pub fn hash(prev: &[u8], canonical: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical);
    h.finalize().to_vec()
}

/// Checks `links` (in chain order), which follow the entry at `after_seq` whose hash is `prev`.
/// Returns the last position and hash.
pub fn verify(after_seq: i64, prev: &[u8], links: &[Link]) -> Result<(i64, Vec<u8>), Broken> {
    let (mut seq, mut prev) = (after_seq, prev.to_vec());
    for l in links {
        let broken = |reason| Broken {
            id: l.id,
            seq: l.seq,
            reason,
        };
        if l.seq != seq + 1 {
            return Err(broken("an entry before it is missing (a gap in the chain)"));
        }
        if l.prev_hash != prev {
            return Err(broken(
                "it does not follow the entry before it (one was removed, inserted or changed)",
            ));
        }
        if l.hash != hash(&prev, &l.canonical) {
            return Err(broken("its content was changed after it was written"));
        }
        seq = l.seq;
        prev = l.hash.clone();
    }
    Ok((seq, prev))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Link> {
        let mut prev = GENESIS.to_vec();
        (1..=n)
            .map(|seq| {
                let canonical = format!("entry {seq}").into_bytes();
                let h = hash(&prev, &canonical);
                let l = Link {
                    seq,
                    id: seq * 10,
                    prev_hash: prev.clone(),
                    hash: h.clone(),
                    canonical,
                };
                prev = h;
                l
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_to_its_head() {
        let links = chain(5);
        let (seq, head) = verify(0, &GENESIS, &links).unwrap();
        assert_eq!((seq, head), (5, links[4].hash.clone()));
        // And in pieces, from where the last check stopped.
        let (seq, head) = verify(0, &GENESIS, &links[..2]).unwrap();
        assert_eq!(verify(seq, &head, &links[2..]).unwrap().0, 5);
    }

    #[test]
    fn a_changed_removed_or_inserted_entry_is_named() {
        let mut changed = chain(5);
        changed[2].canonical = b"entry 3, edited".to_vec();
        assert_eq!(verify(0, &GENESIS, &changed).unwrap_err().id, 30);

        let mut removed = chain(5);
        removed.remove(1);
        assert_eq!(verify(0, &GENESIS, &removed).unwrap_err().id, 30);

        let mut inserted = chain(5);
        let mut fake = inserted[1].clone();
        fake.canonical = b"forged".to_vec();
        fake.hash = hash(&fake.prev_hash, &fake.canonical);
        inserted[1] = fake;
        assert_eq!(
            verify(0, &GENESIS, &inserted).unwrap_err().id,
            30,
            "the next entry no longer follows"
        );
    }

    #[test]
    fn the_hash_is_sha256_of_the_previous_hash_then_the_entry() {
        // FIPS 180-2's example: SHA-256("abc"), split across the two parts.
        let abc = hash(b"ab", b"c");
        let hex: String = abc.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_break_says_which_entry_where_and_why() {
        let mut changed = chain(3);
        changed[1].canonical = b"entry 2, edited".to_vec();
        assert_eq!(
            verify(0, &GENESIS, &changed).unwrap_err().to_string(),
            "audit entry 20 (chain position 2): its content was changed after it was written"
        );
    }
}
