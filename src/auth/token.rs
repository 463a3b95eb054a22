//! API tokens: 256 random bits shown once; only their SHA-256 is stored.

use rand::RngCore;
use sha2::{Digest, Sha256};

pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("wso_{}", to_hex(&bytes))
}

pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// 256 random bits as 64 hex digits (session ids, CSRF tokens).
pub fn random_hex() -> String {
    to_hex(&digest(&generate()))
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (super::generate(), super::generate());
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert_ne!(super::digest(&a), super::digest(&b));
        // SHA-256 itself, checked against the standard's test vector ("abc", FIPS 180-2).
        assert_eq!(
            super::to_hex(&super::digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
