//! Sealing secrets at rest (plugin secrets today; documents later): ChaCha20-Poly1305 with a
//! server key that lives outside the database (a key file in the data folder, or the
//! `secrets_key` setting when several servers share a database), so a copy of the database
//! alone reveals nothing.
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::{CoreError, CoreResult};

#[derive(Clone)]
pub struct SecretsKey(Key);

impl std::fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretsKey(…)")
    }
}

impl SecretsKey {
    /// A key given as 32 bytes in base64.
    pub fn from_base64(text: &str) -> CoreResult<Self> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| CoreError::invalid("secrets_key", "is not base64"))?;
        if bytes.len() != 32 {
            return Err(CoreError::invalid("secrets_key", "must be 32 bytes"));
        }
        Ok(SecretsKey(*Key::from_slice(&bytes)))
    }

    /// The key in `path`, created (readable by the owner only) when the file does not exist.
    pub fn load_or_create(path: &Path) -> CoreResult<Self> {
        if let Ok(text) = std::fs::read_to_string(path) {
            return Self::from_base64(&text);
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let text = STANDARD.encode(bytes);
        write_private(path, &text)
            .map_err(|e| CoreError::Internal(format!("cannot write {}: {e}", path.display())))?;
        Ok(SecretsKey(*Key::from_slice(&bytes)))
    }

    /// `plain` sealed for `context`: `v2:` and base64 of a random nonce followed by the
    /// ciphertext and its tag. `context` is the AEAD's associated data — what the value belongs
    /// to (for plugin secrets: label and plugin) — so a sealed value copied to another row does
    /// not open there.
    pub fn seal(&self, plain: &[u8], context: &[u8]) -> CoreResult<String> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = ChaCha20Poly1305::new(&self.0)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context,
                },
            )
            .map_err(|_| CoreError::Internal("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(format!("{BOUND_PREFIX}{}", STANDARD.encode(out)))
    }

    /// Opens what [`seal`](Self::seal) made with this key for the same `context`; anything
    /// else (another key, another context, a value sealed before contexts were bound) is an
    /// error.
    pub fn open(&self, sealed: &str, context: &[u8]) -> CoreResult<Vec<u8>> {
        let encoded = sealed
            .strip_prefix(BOUND_PREFIX)
            .ok_or_else(|| CoreError::Internal("sealed value is not bound to its owner".into()))?;
        self.open_raw(encoded, context)
    }

    /// Whether `sealed` was made before values were bound to their owner (no `v2:` prefix).
    pub fn is_unbound(sealed: &str) -> bool {
        !sealed.starts_with(BOUND_PREFIX)
    }

    /// Opens a value sealed before values were bound to their owner, to seal it again with
    /// [`seal`](Self::seal) — only the one-time upgrade at start-up calls this.
    pub fn open_unbound(&self, sealed: &str) -> CoreResult<Vec<u8>> {
        self.open_raw(sealed, b"")
    }

    fn open_raw(&self, encoded: &str, context: &[u8]) -> CoreResult<Vec<u8>> {
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| CoreError::Internal("sealed value is not base64".into()))?;
        if bytes.len() < 12 + 16 {
            return Err(CoreError::Internal("sealed value is too short".into()));
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        ChaCha20Poly1305::new(&self.0)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| CoreError::Internal("sealed value does not open with this key".into()))
    }

    /// A key for one purpose, derived from this one (HMAC-SHA256 of the purpose under the
    /// server key), so that e.g. the key authenticating compiled plugins is not the sealing key
    /// itself and a MAC never doubles as a ciphertext key.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(self.0.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(b"etalage key derivation\0");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of `parts` (each length-prefixed, so the split between them is authenticated
/// too) under `key`, in hex.
pub fn hmac_sha256_hex(key: &[u8], parts: &[&[u8]]) -> String {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a MAC made by [`hmac_sha256_hex`] in constant time.
pub fn verify_hmac_sha256_hex(key: &[u8], parts: &[&[u8]], expected_hex: &str) -> bool {
    let Ok(expected) = hex::decode(expected_hex) else {
        return false;
    };
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.verify_slice(&expected).is_ok()
}

/// Marks a value sealed with its owner as associated data.
const BOUND_PREFIX: &str = "v2:";

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prv_6_secrets_are_sealed_and_only_open_with_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretsKey::load_or_create(&dir.path().join("secrets.key")).unwrap();
        let again = SecretsKey::load_or_create(&dir.path().join("secrets.key")).unwrap();
        let sealed = key.seal(b"api-key-123", b"werkweb").unwrap();
        assert!(!sealed.contains("api-key-123"));
        assert_ne!(
            sealed,
            key.seal(b"api-key-123", b"werkweb").unwrap(),
            "a fresh nonce every time"
        );
        assert_eq!(again.open(&sealed, b"werkweb").unwrap(), b"api-key-123");
        let other = SecretsKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(other.open(&sealed, b"werkweb").is_err());
        let mut tampered = STANDARD.decode(&sealed[BOUND_PREFIX.len()..]).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let tampered = format!("{BOUND_PREFIX}{}", STANDARD.encode(tampered));
        assert!(key.open(&tampered, b"werkweb").is_err());
    }

    #[test]
    fn sec_a_sealed_value_opens_only_for_the_owner_it_was_sealed_for() {
        let key = SecretsKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        let sealed = key.seal(b"api-key-123", b"werkweb\0payroll").unwrap();
        assert_eq!(
            key.open(&sealed, b"werkweb\0payroll").unwrap(),
            b"api-key-123"
        );
        assert!(key.open(&sealed, b"65plus-werkt\0payroll").is_err());
        assert!(key.open(&sealed, b"werkweb\0newsletter").is_err());
        // A value without its binding (as sealed before) does not open as a bound one.
        assert!(
            key.open(&sealed[BOUND_PREFIX.len()..], b"werkweb\0payroll")
                .is_err()
        );
    }

    #[test]
    fn sec_macs_are_keyed_and_cover_every_part() {
        let key = SecretsKey::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        let k = key.derive("artefacts");
        assert_ne!(k, key.derive("other purpose"));
        let mac = hmac_sha256_hex(&k, &[b"engine", b"bytes"]);
        assert!(verify_hmac_sha256_hex(&k, &[b"engine", b"bytes"], &mac));
        assert!(!verify_hmac_sha256_hex(&k, &[b"engine", b"bytez"], &mac));
        assert!(!verify_hmac_sha256_hex(&k, &[b"engin", b"ebytes"], &mac));
        assert!(!verify_hmac_sha256_hex(
            &key.derive("x"),
            &[b"engine", b"bytes"],
            &mac
        ));
        assert!(!verify_hmac_sha256_hex(
            &k,
            &[b"engine", b"bytes"],
            "not hex"
        ));
    }
}
