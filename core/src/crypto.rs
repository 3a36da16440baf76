//! Sealing secrets at rest (plugin secrets today; documents later): ChaCha20-Poly1305 with a
//! server key that lives outside the database (a key file in the data folder, or the
//! `secrets_key` setting when several servers share a database), so a copy of the database
//! alone reveals nothing.
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;

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

    /// `plain` sealed: base64 of a random nonce followed by the ciphertext and its tag.
    pub fn seal(&self, plain: &[u8]) -> CoreResult<String> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = ChaCha20Poly1305::new(&self.0)
            .encrypt(Nonce::from_slice(&nonce), plain)
            .map_err(|_| CoreError::Internal("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(STANDARD.encode(out))
    }

    /// Opens what [`seal`](Self::seal) made with this key; anything else is an error.
    pub fn open(&self, sealed: &str) -> CoreResult<Vec<u8>> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| CoreError::Internal("sealed value is not base64".into()))?;
        if bytes.len() < 12 + 16 {
            return Err(CoreError::Internal("sealed value is too short".into()));
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        ChaCha20Poly1305::new(&self.0)
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| CoreError::Internal("sealed value does not open with this key".into()))
    }
}

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
        let sealed = key.seal(b"api-key-123").unwrap();
        assert!(!sealed.contains("api-key-123"));
        assert_ne!(
            sealed,
            key.seal(b"api-key-123").unwrap(),
            "a fresh nonce every time"
        );
        assert_eq!(again.open(&sealed).unwrap(), b"api-key-123");
        let other = SecretsKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(other.open(&sealed).is_err());
        let mut tampered = STANDARD.decode(&sealed).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(key.open(&STANDARD.encode(tampered)).is_err());
    }
}
