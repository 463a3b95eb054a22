//! Secrets at rest (decision 0033): TOTP secrets, webhook signing secrets and the idempotency
//! store's saved answers are kept in the database only as AES-256-GCM ciphertext (aws-lc-rs),
//! under a key that lives in a file outside the database (`WSO_SECRET_KEY_FILE`, default
//! `WSO_DATA_DIR/secret-keys`). Each ciphertext is stored with the id of its key, and is bound
//! to its row and column (the associated data), so a ciphertext copied into another row does
//! not open.
//!
//! The key file is text, one key a line: `ID BASE64KEY` (the key: 32 bytes in standard
//! base64; the id: the first 8 bytes of SHA-256 over a label and the key, in hex, so an id
//! always names the same key). Lines starting with `#` and blank lines are ignored. The last
//! key encrypts; every key decrypts. `wso-tracker secrets rotate` appends a key and
//! re-encrypts. The file is read again whenever it changes on disk, so a running server picks
//! up a rotation by itself.
//!
//! A leaf module: it imports no other module of the crate.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Why a secret could not be sealed or opened; one sentence for the operator.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secret key file {0} does not exist")]
    Missing(PathBuf),
    #[error("the secret key file {0} cannot be read: {1}")]
    Unreadable(PathBuf, String),
    #[error("the secret key file {0} is malformed at line {1}: expected `ID BASE64KEY` (32 bytes)")]
    Malformed(PathBuf, usize),
    #[error("the secret key file {0} holds no key")]
    Empty(PathBuf),
    #[error("a secret is encrypted under key {0}, which the secret key file {1} does not hold")]
    UnknownKey(String, PathBuf),
    #[error("a stored secret does not decrypt: it was changed, or moved from another row")]
    Damaged,
}

/// A ciphertext and the id of its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    /// The 12-byte nonce, then the ciphertext with its 16-byte tag.
    pub bytes: Vec<u8>,
}

struct Key {
    id: String,
    cipher: LessSafeKey,
}

/// What the file looked like when it was read (to notice a change).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    ino: u64,
    len: u64,
    mtime: i64,
    mtime_nsec: i64,
}

#[derive(Default)]
struct Loaded {
    keys: Vec<Key>,
    stamp: Option<Stamp>,
}

/// The keys of one key file, read lazily and again when the file changes.
pub struct Keyring {
    path: PathBuf,
    loaded: RwLock<Loaded>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        ino: m.ino(),
        len: m.len(),
        mtime: m.mtime(),
        mtime_nsec: m.mtime_nsec(),
    })
}

/// The id of a key: 8 bytes of SHA-256 over a label and the key, in hex.
pub fn key_id(key: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(b"wso-tracker secret key id\0");
    h.update(key);
    h.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// The keys in a key file's text, oldest first.
pub fn parse(path: &Path, text: &str) -> Result<Vec<(String, [u8; 32])>, SecretError> {
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || SecretError::Malformed(path.to_path_buf(), n + 1);
        let (id, b64) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
        let bytes = STANDARD.decode(b64.trim()).map_err(|_| bad())?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
        if key_id(&key) != id {
            return Err(bad());
        }
        keys.push((id.to_string(), key));
    }
    Ok(keys)
}

const HEADER: &str = "# wso-tracker secret keys (docs/decisions/0033-secrets-at-rest.md).\n\
# One key a line: its id, a space, the key (32 bytes, base64). The last key encrypts new\n\
# secrets; every key here decrypts. Keep this file (mode 0600) and its backups apart from\n\
# the database and its backups: together they reveal every TOTP and webhook secret.\n";

fn new_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

fn render(keys: &[(String, [u8; 32])]) -> String {
    let mut text = HEADER.to_string();
    for (id, key) in keys {
        text.push_str(&format!("{id} {}\n", STANDARD.encode(key)));
    }
    text
}

/// Writes `text` to `path` through a temporary file (mode 0600) renamed over it, so a reader
/// sees the old file or the new one, never half of one.
fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// Creates the key file `path` with one new key (mode 0600); fails if it exists. Returns the
/// key's id.
pub fn create_file(path: &Path) -> std::io::Result<String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let key = new_key();
    let id = key_id(&key);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(render(&[(id.clone(), key)]).as_bytes())?;
    f.sync_all()?;
    Ok(id)
}

/// Appends a new key to the key file `path` (which must exist and be valid): it becomes the
/// one that encrypts. Returns its id.
pub fn add_key(path: &Path) -> Result<String, SecretError> {
    let text = read(path)?;
    let mut keys = parse(path, &text)?;
    let key = new_key();
    let id = key_id(&key);
    keys.push((id.clone(), key));
    replace_file(path, &render(&keys)).map_err(|e| SecretError::Unreadable(path.to_path_buf(), e.to_string()))?;
    Ok(id)
}

fn read(path: &Path) -> Result<String, SecretError> {
    std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SecretError::Missing(path.to_path_buf()),
        _ => SecretError::Unreadable(path.to_path_buf(), e.to_string()),
    })
}

fn cipher(key: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte AES-256 key"))
}

impl Keyring {
    /// The keys of the file `path`, read at first use.
    pub fn file(path: impl Into<PathBuf>) -> Arc<Self> {
        Arc::new(Self {
            path: path.into(),
            loaded: RwLock::default(),
        })
    }

    /// The keyring of `Config::for_tests()`: one key file per test process under the system's
    /// temp directory, shared by every in-process server (so a second server on the same
    /// database reads what the first wrote).
    pub fn for_tests() -> Arc<Self> {
        static TESTS: OnceLock<Arc<Keyring>> = OnceLock::new();
        TESTS
            .get_or_init(|| {
                let path = std::env::temp_dir().join(format!("wso-tracker-test-keys-{}", std::process::id()));
                if !path.exists() {
                    let _ = create_file(&path);
                }
                Keyring::file(path)
            })
            .clone()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file again if it changed since it was last read.
    fn refresh(&self) -> Result<(), SecretError> {
        let now = stamp(&self.path);
        if now.is_some() && self.loaded.read().expect("keyring lock").stamp == now {
            return Ok(());
        }
        let text = read(&self.path)?;
        let keys = parse(&self.path, &text)?
            .into_iter()
            .map(|(id, key)| Key {
                id,
                cipher: cipher(&key),
            })
            .collect();
        *self.loaded.write().expect("keyring lock") = Loaded { keys, stamp: now };
        Ok(())
    }

    /// The ids of the file's keys, oldest first (the last one encrypts).
    pub fn ids(&self) -> Result<Vec<String>, SecretError> {
        self.refresh()?;
        Ok(self
            .loaded
            .read()
            .expect("keyring lock")
            .keys
            .iter()
            .map(|k| k.id.clone())
            .collect())
    }

    /// The id of the key that encrypts.
    pub fn newest(&self) -> Result<String, SecretError> {
        self.ids()?.pop().ok_or_else(|| SecretError::Empty(self.path.clone()))
    }

    /// Encrypts `plain` under the newest key, bound to `aad` (which row and column it is for).
    pub fn seal(&self, aad: &str, plain: &[u8]) -> Result<Sealed, SecretError> {
        self.refresh()?;
        let loaded = self.loaded.read().expect("keyring lock");
        let key = loaded
            .keys
            .last()
            .ok_or_else(|| SecretError::Empty(self.path.clone()))?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut bytes = plain.to_vec();
        key.cipher
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut bytes,
            )
            .map_err(|_| SecretError::Damaged)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&bytes);
        Ok(Sealed {
            key_id: key.id.clone(),
            bytes: out,
        })
    }

    /// Decrypts a ciphertext sealed for `aad` under the key `key_id`.
    pub fn open(&self, aad: &str, key_id: &str, sealed: &[u8]) -> Result<Vec<u8>, SecretError> {
        self.refresh()?;
        let loaded = self.loaded.read().expect("keyring lock");
        let key = loaded
            .keys
            .iter()
            .find(|k| k.id == key_id)
            .ok_or_else(|| SecretError::UnknownKey(key_id.to_string(), self.path.clone()))?;
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Damaged);
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::Damaged)?;
        let mut bytes = rest.to_vec();
        let plain = key
            .cipher
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut bytes)
            .map_err(|_| SecretError::Damaged)?;
        Ok(plain.to_vec())
    }

    /// [`Keyring::open`] of a text secret.
    pub fn open_text(&self, aad: &str, key_id: &str, sealed: &[u8]) -> Result<String, SecretError> {
        String::from_utf8(self.open(aad, key_id, sealed)?).map_err(|_| SecretError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wso-secrets-unit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("secret-keys")
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_row() {
        let path = temp("row");
        let id = create_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let keys = Keyring::file(&path);
        let s = keys.seal("users.mfa_secret:1", b"JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(s.key_id, id);
        assert!(!s.bytes.windows(16).any(|w| w == b"JBSWY3DPEHPK3PXP"));
        assert_eq!(
            keys.open_text("users.mfa_secret:1", &id, &s.bytes).unwrap(),
            "JBSWY3DPEHPK3PXP"
        );
        assert!(matches!(
            keys.open("users.mfa_secret:2", &id, &s.bytes),
            Err(SecretError::Damaged)
        ));
        let other = Keyring::file(temp("other"));
        assert!(matches!(
            other.open("users.mfa_secret:1", &id, &s.bytes),
            Err(SecretError::Missing(_))
        ));
        create_file(other.path()).unwrap();
        assert!(matches!(
            other.open("users.mfa_secret:1", &id, &s.bytes),
            Err(SecretError::UnknownKey(..))
        ));
    }

    #[test]
    fn a_new_key_encrypts_and_the_old_one_still_decrypts_in_a_running_keyring() {
        let path = temp("rotate");
        let first = create_file(&path).unwrap();
        let keys = Keyring::file(&path);
        let old = keys.seal("x", b"secret").unwrap();
        let second = add_key(&path).unwrap();
        assert_ne!(first, second);
        assert_eq!(keys.ids().unwrap(), vec![first.clone(), second.clone()]);
        let new = keys.seal("x", b"secret").unwrap();
        assert_eq!(new.key_id, second);
        assert_eq!(keys.open("x", &first, &old.bytes).unwrap(), b"secret");
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_malformed_key_file_names_its_line() {
        let path = temp("bad");
        std::fs::write(&path, "# comment\n\nabc notbase64\n").unwrap();
        let e = Keyring::file(&path).newest().unwrap_err();
        assert!(matches!(e, SecretError::Malformed(_, 3)), "{e}");
    }
}
