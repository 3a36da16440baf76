//! What every handler can reach.
use std::sync::{Arc, RwLock};

use etalage_core::accounts::LoginThrottle;
use etalage_core::authz::Authz;
use etalage_core::crypto::SecretsKey;
use etalage_core::store::Db;
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
    live: Arc<RwLock<Arc<LabelRegistry>>>,
}

impl Labels {
    pub fn new(from_files: LabelRegistry, live: LabelRegistry) -> Self {
        Labels {
            from_files: Arc::new(from_files),
            live: Arc::new(RwLock::new(Arc::new(live))),
        }
    }

    /// The registry requests are answered with; cheap to call.
    pub fn current(&self) -> Arc<LabelRegistry> {
        match self.live.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub fn from_file(&self, slug: &str) -> Option<Arc<Label>> {
        self.from_files.get(slug)
    }

    /// Swaps in a label with new overrides; requests already running keep the old registry.
    pub fn apply(&self, slug: &str, overrides: &LabelOverrides) {
        let Some(base) = self.from_files.get(slug) else {
            return;
        };
        let next = self.current().with_label(apply_overrides(&base, overrides));
        match self.live.write() {
            Ok(mut guard) => *guard = Arc::new(next),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(next),
        }
    }
}
