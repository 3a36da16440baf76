//! The live plugins: for every (label, plugin) the prepared instance template of the enabled
//! version, with that label's settings. A reload builds a new table and swaps it in at once,
//! so a new version takes over without dropping calls in flight (they hold the old one).
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use etalage_core::crypto::SecretsKey;
use etalage_core::plugins::registry::{self, LabelPluginRuntime};
use etalage_core::{CoreError, CoreResult};
use sea_orm::DatabaseConnection;

use crate::engine::{HostError, PluginEngine, Prepared};
use crate::imports::PluginContext;
use crate::run::{WasmMatcher, WasmProcessor};

impl LoadedPlugin {
    /// The newest lines it logged in this process, oldest first.
    pub fn log(&self) -> Vec<crate::LogLine> {
        match &self.plugin {
            Loaded::Matcher(m) => m.log(),
            Loaded::Processor(p) => p.log(),
        }
    }
}

/// A plugin enabled for a label, ready to call.
pub enum Loaded {
    Matcher(WasmMatcher),
    Processor(WasmProcessor),
}

pub struct LoadedPlugin {
    pub name: String,
    pub version: String,
    pub processor_id: Option<i64>,
    pub plugin: Loaded,
    /// What it was loaded from, to tell whether a reload changes it.
    enabled: LabelPluginRuntime,
}

type Table = HashMap<(String, String), Arc<LoadedPlugin>>;

pub struct PluginRuntime {
    engine: Arc<PluginEngine>,
    table: RwLock<Arc<Table>>,
    /// The instance templates of the versions in use, kept across reloads: a reload reads and
    /// prepares only versions it has not seen, instead of every artefact every time.
    templates: Mutex<HashMap<(String, String), Prepared>>,
}

fn host_err(e: HostError) -> CoreError {
    CoreError::Internal(format!("plugin: {e}"))
}

impl PluginRuntime {
    pub fn new(engine: Arc<PluginEngine>) -> Self {
        PluginRuntime {
            engine,
            table: RwLock::new(Arc::new(HashMap::new())),
            templates: Mutex::default(),
        }
    }

    pub fn engine(&self) -> &Arc<PluginEngine> {
        &self.engine
    }

    fn current(&self) -> Arc<Table> {
        match self.table.read() {
            Ok(t) => Arc::clone(&t),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Loads every enabled plugin from the database and swaps the table in. A plugin that
    /// cannot be loaded is logged and left out. A (label, plugin) whose version and settings did
    /// not change stays as it is, with its log.
    pub async fn reload(&self, db: &DatabaseConnection, key: &SecretsKey) -> CoreResult<()> {
        let known = match self.templates.lock() {
            Ok(t) => t.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let current = self.current();
        let mut prepared: HashMap<(String, String), Prepared> = HashMap::new();
        let mut table = Table::new();
        for enabled in registry::all_enabled(db, key).await? {
            let version_key = (enabled.plugin_name.clone(), enabled.version.clone());
            let pre = match prepared
                .get(&version_key)
                .or_else(|| known.get(&version_key))
            {
                Some(pre) => pre.clone(),
                None => match self.prepare(db, &enabled).await {
                    Ok(pre) => pre,
                    // One broken plugin must not take the others (or the server) down with it.
                    Err(err) => {
                        tracing::error!(label = %enabled.label, plugin = %enabled.plugin_name, version = %enabled.version, error = %err, "plugin not loaded");
                        continue;
                    }
                },
            };
            prepared.insert(version_key, pre.clone());
            let slot = (enabled.label.clone(), enabled.plugin_name.clone());
            if let Some(loaded) = current.get(&slot).filter(|l| l.enabled == enabled) {
                table.insert(slot, Arc::clone(loaded));
                continue;
            }
            let mut settings: HashMap<String, String> =
                enabled.settings.clone().into_iter().collect();
            // Where the processor is comes from its register entry (operators cannot set it).
            if let Some(base) = enabled.endpoints.first() {
                settings.insert(registry::BASE_URL_SETTING.into(), base.clone());
            }
            let ctx = PluginContext {
                label: enabled.label.clone(),
                plugin: enabled.plugin_name.clone(),
                version: enabled.version.clone(),
                settings,
                secrets: enabled.secrets.clone().into_iter().collect(),
                endpoints: enabled.endpoints.clone(),
            };
            let plugin = match pre.kind() {
                crate::PluginKind::Matcher => Loaded::Matcher(
                    WasmMatcher::new(Arc::clone(&self.engine), pre, ctx).map_err(host_err)?,
                ),
                crate::PluginKind::Processor => Loaded::Processor(
                    WasmProcessor::new(Arc::clone(&self.engine), pre, ctx).map_err(host_err)?,
                ),
            };
            table.insert(
                slot,
                Arc::new(LoadedPlugin {
                    name: enabled.plugin_name.clone(),
                    version: enabled.version.clone(),
                    processor_id: enabled.processor_id,
                    plugin,
                    enabled,
                }),
            );
        }
        match self.table.write() {
            Ok(mut t) => *t = Arc::new(table),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(table),
        }
        match self.templates.lock() {
            Ok(mut t) => *t = prepared,
            Err(poisoned) => *poisoned.into_inner() = prepared,
        }
        Ok(())
    }

    /// The artefact we compiled at installation; compiled again from the stored `.wasm` when
    /// it does not carry our MAC — made by another engine (another wasmtime version), before
    /// artefacts were authenticated, or written by someone without our key — and stored again
    /// with its MAC. A refused artefact is never deserialized.
    async fn prepare(
        &self,
        db: &DatabaseConnection,
        enabled: &LabelPluginRuntime,
    ) -> CoreResult<Prepared> {
        let row = registry::get_installed(db, &enabled.plugin_name, &enabled.version).await?;
        let engine = Arc::clone(&self.engine);
        let (prepared, recompiled) = tokio::task::spawn_blocking(move || {
            let (component, recompiled) =
                match engine.load(&row.compiled, &row.compiled_mac, &row.engine_hash) {
                    Ok(component) => (component, None),
                    Err(HostError::ArtefactMismatch) => {
                        tracing::warn!(plugin = %row.name, version = %row.version, "the stored artefact is not one this server compiled; compiling the plugin again");
                        let artefact = engine.install(&row.wasm)?;
                        let component = engine.load(
                            &artefact.compiled,
                            &artefact.compiled_mac,
                            &artefact.engine_hash,
                        )?;
                        (component, Some((row.id, artefact)))
                    }
                    Err(other) => return Err(other),
                };
            Ok((engine.prepare(&component)?, recompiled))
        })
        .await
        .map_err(|e| CoreError::Internal(format!("plugin preparation crashed: {e}")))?
        .map_err(host_err)?;
        if let Some((id, artefact)) = recompiled {
            registry::replace_artefact(
                db,
                id,
                artefact.compiled,
                artefact.compiled_mac,
                artefact.engine_hash,
            )
            .await?;
        }
        Ok(prepared)
    }

    /// The plugins enabled for a label, by name.
    pub fn for_label(&self, label: &str) -> Vec<Arc<LoadedPlugin>> {
        let mut plugins: Vec<Arc<LoadedPlugin>> = self
            .current()
            .iter()
            .filter(|((l, _), _)| l == label)
            .map(|(_, p)| Arc::clone(p))
            .collect();
        plugins.sort_by(|a, b| a.name.cmp(&b.name));
        plugins
    }

    /// The label's matcher: the one named, or its only (first) one.
    pub fn matcher(&self, label: &str, name: Option<&str>) -> Option<Arc<LoadedPlugin>> {
        self.find(label, name, |p| matches!(p.plugin, Loaded::Matcher(_)))
    }

    pub fn processor(&self, label: &str, name: &str) -> Option<Arc<LoadedPlugin>> {
        self.find(label, Some(name), |p| {
            matches!(p.plugin, Loaded::Processor(_))
        })
    }

    fn find(
        &self,
        label: &str,
        name: Option<&str>,
        kind: impl Fn(&LoadedPlugin) -> bool,
    ) -> Option<Arc<LoadedPlugin>> {
        let table = self.current();
        let mut candidates: Vec<&Arc<LoadedPlugin>> = table
            .iter()
            .filter(|((l, n), p)| l == label && name.is_none_or(|want| want == n) && kind(p))
            .map(|(_, p)| p)
            .collect();
        candidates.sort_by(|a, b| a.name.cmp(&b.name));
        candidates.first().map(|p| Arc::clone(p))
    }
}
