//! What every handler can reach.
use std::sync::{Arc, RwLock};

use etalage_core::accounts::LoginThrottle;
use etalage_core::authz::Authz;
use etalage_core::crypto::SecretsKey;
use etalage_core::store::{Db, versions};
use etalage_plugin_host::PluginRuntime;
use etalage_tenants::{Label, LabelLinks, LabelOverrides, LabelRegistry, apply_overrides};

use crate::config::Config;
use crate::templates::Templates;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub labels: Labels,
    /// Where links in mail point (the labels' configured addresses, never a request's).
    pub links: LabelLinks,
    pub templates: Templates,
    pub throttle: LoginThrottle,
    pub authz: Authz,
    pub plugins: Arc<PluginRuntime>,
    pub secrets_key: SecretsKey,
    /// Candidate documents: their store, the helper that reads uploads, the key that wraps the
    /// candidates' data keys.
    pub documents: etalage_core::documents::Documents,
    /// Key for CSRF tokens, shared by all server processes through the database.
    pub csrf_key: Arc<Vec<u8>>,
}

/// The labels as the files define them and as they are live (with operators' overrides).
#[derive(Clone)]
pub struct Labels {
    from_files: Arc<LabelRegistry>,
    live: Arc<RwLock<Live>>,
}

/// The live registry and the `labels` change version read before it was loaded.
struct Live {
    registry: Arc<LabelRegistry>,
    version: i64,
}

impl Labels {
    /// `live` was loaded after reading `version` from the database.
    pub fn new(from_files: LabelRegistry, live: LabelRegistry, version: i64) -> Self {
        Labels {
            from_files: Arc::new(from_files),
            live: Arc::new(RwLock::new(Live {
                registry: Arc::new(live),
                version,
            })),
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Live> {
        match self.live.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The registry requests are answered with; cheap to call.
    pub fn current(&self) -> Arc<LabelRegistry> {
        match self.live.read() {
            Ok(guard) => Arc::clone(&guard.registry),
            Err(poisoned) => Arc::clone(&poisoned.into_inner().registry),
        }
    }

    fn version(&self) -> i64 {
        match self.live.read() {
            Ok(guard) => guard.version,
            Err(poisoned) => poisoned.into_inner().version,
        }
    }

    pub fn from_file(&self, slug: &str) -> Option<Arc<Label>> {
        self.from_files.get(slug)
    }

    /// Swaps in a label with new overrides; requests already running keep the old registry.
    /// The registry is read and replaced under one write lock, so two changes to different
    /// labels at once both stay.
    pub fn apply(&self, slug: &str, overrides: &LabelOverrides) {
        let Some(base) = self.from_files.get(slug) else {
            return;
        };
        let label = apply_overrides(&base, overrides);
        let mut guard = self.write();
        guard.registry = Arc::new(guard.registry.with_label(label));
    }

    /// Re-reads every label's overrides from the database and swaps them in when the `labels`
    /// change version moved: settings changed through another server. The version is read
    /// first and the database before the lock is taken; a reload read from an older version
    /// never replaces a newer one.
    pub async fn reload_if_changed(&self, db: &Db) -> etalage_core::CoreResult<bool> {
        let version = versions::current(db, versions::Topic::Labels).await?;
        if version == self.version() {
            return Ok(false);
        }
        let next = etalage_tenants::live_from_db(db, &self.from_files).await?;
        let mut guard = self.write();
        if version >= guard.version {
            *guard = Live {
                registry: Arc::new(next),
                version,
            };
        }
        Ok(true)
    }
}
