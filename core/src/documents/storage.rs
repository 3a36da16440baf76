//! Where the sealed files sit: an `object_store` — a local folder by default, S3-compatible
//! object storage by configuration. Only ciphertext is ever written, under the document's
//! random id: neither names nor candidate ids appear in paths.
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::{CoreError, CoreResult};

/// Settings for S3-compatible storage (documented in docs/configuration.md).
#[derive(Clone, Debug, Default)]
pub struct S3Settings {
    pub bucket: String,
    pub region: Option<String>,
    /// For S3-compatible services other than AWS (MinIO, Garage, …).
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Plain HTTP to the endpoint (a local test service); never for real data.
    pub allow_http: bool,
}

#[derive(Clone)]
pub struct DocumentStore {
    inner: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for DocumentStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocumentStore({})", self.inner)
    }
}

impl DocumentStore {
    /// A folder on this machine (created when missing).
    pub fn local(dir: &std::path::Path) -> CoreResult<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| CoreError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| CoreError::Internal(format!("document store: {e}")))?;
        Ok(DocumentStore {
            inner: Arc::new(store),
        })
    }

    pub fn s3(settings: &S3Settings) -> CoreResult<Self> {
        let mut builder =
            object_store::aws::AmazonS3Builder::from_env().with_bucket_name(&settings.bucket);
        if let Some(region) = &settings.region {
            builder = builder.with_region(region);
        }
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(id) = &settings.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let store = builder
            .with_allow_http(settings.allow_http)
            .build()
            .map_err(|e| CoreError::Internal(format!("document store: {e}")))?;
        Ok(DocumentStore {
            inner: Arc::new(store),
        })
    }

    fn path(id: &str) -> Path {
        Path::from(id)
    }

    pub async fn put(&self, id: &str, sealed: Vec<u8>) -> CoreResult<()> {
        self.inner
            .put(&Self::path(id), PutPayload::from(Bytes::from(sealed)))
            .await
            .map_err(|e| CoreError::Internal(format!("document store: {e}")))?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> CoreResult<Vec<u8>> {
        let result = self.inner.get(&Self::path(id)).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => CoreError::NotFound("document"),
            other => CoreError::Internal(format!("document store: {other}")),
        })?;
        let bytes = result
            .bytes()
            .await
            .map_err(|e| CoreError::Internal(format!("document store: {e}")))?;
        Ok(bytes.to_vec())
    }

    /// Deletes the object; a missing one is fine, a failure is logged (what stays is sealed).
    pub async fn delete(&self, id: &str) {
        match self.inner.delete(&Self::path(id)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(err) => tracing::warn!(error = %err, "could not delete a document object"),
        }
    }
}
