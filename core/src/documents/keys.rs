//! The per-candidate data keys (crypto-shredding, CAN-3). A candidate's documents, their names
//! and their texts are sealed with the candidate's own 256-bit key; the key is kept in
//! `candidate_keys`, sealed by the server key with the candidate id as associated data (a
//! wrapped key copied to another candidate's row does not open). Deleting the row makes every
//! copy of the candidate's documents — in the store, in a backup — unreadable.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use crate::crypto::SecretsKey;
use crate::store::entities::candidate_key;
use crate::{CoreError, CoreResult, time};

/// A candidate's data key, opened. It never leaves the process unwrapped.
pub struct DataKey(Key);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

const NONCE_LEN: usize = 12;

impl DataKey {
    /// A random nonce, then the ciphertext and its tag; `context` is the associated data.
    pub fn seal(&self, plain: &[u8], context: &[u8]) -> CoreResult<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
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
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend(sealed);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> CoreResult<Vec<u8>> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(CoreError::Internal("sealed document is too short".into()));
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        ChaCha20Poly1305::new(&self.0)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| CoreError::Internal("sealed document does not open with this key".into()))
    }

    /// [`seal`](Self::seal) in base64, for text columns.
    pub fn seal_text(&self, plain: &str, context: &[u8]) -> CoreResult<String> {
        Ok(STANDARD.encode(self.seal(plain.as_bytes(), context)?))
    }

    pub fn open_text(&self, sealed: &str, context: &[u8]) -> CoreResult<String> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| CoreError::Internal("sealed text is not base64".into()))?;
        String::from_utf8(self.open(&bytes, context)?)
            .map_err(|_| CoreError::Internal("sealed text is not UTF-8".into()))
    }
}

fn wrap_context(candidate_id: i64) -> Vec<u8> {
    format!("candidate-data-key\0{candidate_id}").into_bytes()
}

/// The candidate's data key; with `create`, a new one is made (and stored on `conn`) when
/// there is none. Without, `None` means the key is gone: shredded, or never needed.
pub async fn data_key(
    conn: &impl ConnectionTrait,
    secrets: &SecretsKey,
    candidate_id: i64,
    create: bool,
) -> CoreResult<Option<DataKey>> {
    if let Some(row) = candidate_key::Entity::find_by_id(candidate_id)
        .one(conn)
        .await?
    {
        let bytes = secrets.open(&row.wrapped_key, &wrap_context(candidate_id))?;
        if bytes.len() != 32 {
            return Err(CoreError::Internal("a data key is not 32 bytes".into()));
        }
        return Ok(Some(DataKey(*Key::from_slice(&bytes))));
    }
    if !create {
        return Ok(None);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    candidate_key::ActiveModel {
        candidate_id: Set(candidate_id),
        wrapped_key: Set(secrets.seal(&bytes, &wrap_context(candidate_id))?),
        created_at: Set(time::now()),
    }
    .insert(conn)
    .await
    .map_err(|e| {
        let err = CoreError::from(e);
        if err.is_unique_violation() {
            // Two first uploads at once: the other one made the key; this upload is retried.
            CoreError::Conflict("another upload is being stored; try again".into())
        } else {
            err
        }
    })?;
    Ok(Some(DataKey(*Key::from_slice(&bytes))))
}

/// Crypto-shredding (CAN-3): deletes the candidate's data key. Everything sealed with it —
/// objects in the store, names and texts in rows, and every copy of them in backups — can no
/// longer be opened by anyone.
pub async fn destroy_key(conn: &impl ConnectionTrait, candidate_id: i64) -> CoreResult<()> {
    candidate_key::Entity::delete_by_id(candidate_id)
        .exec(conn)
        .await?;
    Ok(())
}
