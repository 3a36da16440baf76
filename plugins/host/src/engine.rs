//! The engine: configuration (pooling allocator, copy-on-write memory images, epoch
//! interruption), checking and precompiling uploaded components, loading our own precompiled
//! artefacts, and preparing instance templates.
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::bindings::{matcher, processor};
use crate::imports::PluginState;

/// How often the epoch advances; deadlines are counted in these ticks.
pub(crate) const TICK: Duration = Duration::from_millis(5);

/// What one plugin call may use.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Linear memory per instance.
    pub memory_bytes: usize,
    pub matcher_deadline: Duration,
    pub processor_deadline: Duration,
    /// Largest input a call may carry (the serialized size of its arguments).
    pub max_input_bytes: usize,
    /// Largest answer a plugin may give.
    pub max_output_bytes: usize,
    /// Largest `.wasm` file accepted for installation.
    pub max_component_bytes: usize,
    /// Instances alive at once, across all plugins and labels.
    pub max_concurrent_instances: u32,
    /// Largest HTTP response body a plugin may receive.
    pub max_http_response_bytes: usize,
    pub http_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 * 1024 * 1024,
            matcher_deadline: Duration::from_secs(2),
            processor_deadline: Duration::from_secs(15),
            max_input_bytes: 32 * 1024 * 1024,
            max_output_bytes: 8 * 1024 * 1024,
            max_component_bytes: 20 * 1024 * 1024,
            max_concurrent_instances: 64,
            max_http_response_bytes: 4 * 1024 * 1024,
            http_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("not a WebAssembly component: {0}")]
    NotAComponent(String),
    #[error("the component is {size} bytes; at most {max} are accepted")]
    TooLarge { size: usize, max: usize },
    #[error(
        "the component is not an Etalage plugin of a supported world and version \
         (etalage:plugin@0.1.0 matcher or processor): {0}"
    )]
    UnsupportedWorld(String),
    #[error("the precompiled artefact does not match what was installed; reinstall the plugin")]
    ArtefactMismatch,
    #[error("plugin engine: {0}")]
    Engine(String),
}

/// Which world a component implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginKind {
    Matcher,
    Processor,
}

impl PluginKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Matcher => "matcher",
            PluginKind::Processor => "processor",
        }
    }
}

/// A checked and precompiled plugin, ready to store.
#[derive(Clone, Debug)]
pub struct Artefact {
    pub kind: PluginKind,
    /// SHA-256 of the uploaded `.wasm`.
    pub wasm_sha256: String,
    /// The precompiled form, valid for engines with `engine_hash`.
    pub compiled: Vec<u8>,
    /// SHA-256 of `compiled`: checked before it is ever loaded.
    pub compiled_sha256: String,
    pub engine_hash: String,
}

/// An instance template: everything but the store, ready to instantiate in microseconds.
#[derive(Clone)]
pub enum Prepared {
    Matcher(matcher::MatcherPre<PluginState>),
    Processor(processor::ProcessorPre<PluginState>),
}

impl Prepared {
    pub fn kind(&self) -> PluginKind {
        match self {
            Prepared::Matcher(_) => PluginKind::Matcher,
            Prepared::Processor(_) => PluginKind::Processor,
        }
    }
}

pub struct PluginEngine {
    pub(crate) engine: Engine,
    matcher_linker: Linker<PluginState>,
    processor_linker: Linker<PluginState>,
    pub(crate) limits: Limits,
    pub(crate) http: reqwest::Client,
}

fn engine_err(e: impl std::fmt::Display) -> HostError {
    HostError::Engine(format!("{e:#}"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A `Hasher` over SHA-256, to turn wasmtime's compatibility hash into a stable key.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl PluginEngine {
    pub fn new(limits: Limits) -> Result<Arc<Self>, HostError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        config.memory_init_cow(true);
        config.max_wasm_stack(1024 * 1024);
        let mut pool = PoolingAllocationConfig::default();
        let n = limits.max_concurrent_instances.max(1);
        pool.total_component_instances(n)
            .total_core_instances(n * 16)
            .total_memories(n * 2)
            .total_tables(n * 16)
            .max_core_instances_per_component(16)
            .max_memories_per_component(2)
            .max_tables_per_component(16)
            .max_memory_size(limits.memory_bytes)
            .table_elements(100_000);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config).map_err(engine_err)?;

        let mut matcher_linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut matcher_linker).map_err(engine_err)?;
        matcher::Matcher::add_to_linker::<_, HasSelf<_>>(&mut matcher_linker, |s| s)
            .map_err(engine_err)?;
        let mut processor_linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut processor_linker).map_err(engine_err)?;
        processor::Processor::add_to_linker::<_, HasSelf<_>>(&mut processor_linker, |s| s)
            .map_err(engine_err)?;

        let http = reqwest::Client::builder()
            // A redirect could lead to a host the label did not allow.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.http_timeout)
            .build()
            .map_err(engine_err)?;

        let this = Arc::new(PluginEngine {
            engine,
            matcher_linker,
            processor_linker,
            limits,
            http,
        });
        spawn_ticker(Arc::downgrade(&this));
        Ok(this)
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The key under which precompiled artefacts are valid: it changes with the wasmtime
    /// version and the engine's settings.
    pub fn engine_hash(&self) -> String {
        let mut hasher = ShaHasher(Sha256::new());
        self.engine
            .precompile_compatibility_hash()
            .hash(&mut hasher);
        hex::encode(hasher.0.finalize())
    }

    /// Checks an upload (size, a component, a supported world and version) and precompiles
    /// it. Nothing is stored here: a failure leaves nothing behind.
    pub fn install(&self, wasm: &[u8]) -> Result<Artefact, HostError> {
        if wasm.len() > self.limits.max_component_bytes {
            return Err(HostError::TooLarge {
                size: wasm.len(),
                max: self.limits.max_component_bytes,
            });
        }
        let component = Component::new(&self.engine, wasm)
            .map_err(|e| HostError::NotAComponent(format!("{e:#}")))?;
        let kind = self.prepare(&component)?.kind();
        let compiled = component.serialize().map_err(engine_err)?;
        Ok(Artefact {
            kind,
            wasm_sha256: sha256_hex(wasm),
            compiled_sha256: sha256_hex(&compiled),
            compiled,
            engine_hash: self.engine_hash(),
        })
    }

    /// Loads an artefact we compiled: refused when it was made by another engine or its bytes
    /// are not the ones recorded at installation.
    pub fn load(
        &self,
        compiled: &[u8],
        compiled_sha256: &str,
        engine_hash: &str,
    ) -> Result<Component, HostError> {
        if engine_hash != self.engine_hash() || sha256_hex(compiled) != compiled_sha256 {
            return Err(HostError::ArtefactMismatch);
        }
        // SAFETY: `Component::deserialize` trusts its input to be wasmtime's own output. These
        // bytes are: they were produced by `install` (an engine with the same compatibility
        // hash, checked above) and are byte-for-byte what was recorded then (SHA-256, above).
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(&self.engine, compiled) };
        component.map_err(engine_err)
    }

    /// Links a component against the host and makes its instance template, deciding its
    /// world by what it exports.
    pub fn prepare(&self, component: &Component) -> Result<Prepared, HostError> {
        let as_matcher = self
            .matcher_linker
            .instantiate_pre(component)
            .and_then(matcher::MatcherPre::new);
        if let Ok(pre) = as_matcher {
            return Ok(Prepared::Matcher(pre));
        }
        match self
            .processor_linker
            .instantiate_pre(component)
            .and_then(processor::ProcessorPre::new)
        {
            Ok(pre) => Ok(Prepared::Processor(pre)),
            Err(e) => Err(HostError::UnsupportedWorld(format!("{e:#}"))),
        }
    }
}

/// Advances the epoch every tick while the engine lives.
fn spawn_ticker(engine: Weak<PluginEngine>) {
    let spawned = std::thread::Builder::new()
        .name("plugin-epoch".into())
        .spawn(move || {
            while let Some(engine) = engine.upgrade() {
                engine.engine.increment_epoch();
                drop(engine);
                std::thread::sleep(TICK);
            }
        });
    if let Err(err) = spawned {
        tracing::error!(error = %err, "cannot start the plugin epoch ticker; plugin deadlines will not fire");
    }
}

#[cfg(test)]
mod tests {
    /// A released interface version never changes: the frozen copy of the version the live
    /// file declares must be identical to it.
    #[test]
    fn plg_released_wit_versions_are_frozen() {
        let wit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
        let live = std::fs::read_to_string(wit.join("etalage-plugin.wit")).unwrap();
        let version = live
            .lines()
            .find_map(|l| l.strip_prefix("package etalage:plugin@"))
            .and_then(|v| v.strip_suffix(';'))
            .unwrap();
        let frozen = wit.join(format!("since_v{version}/etalage-plugin.wit"));
        let frozen = std::fs::read_to_string(&frozen)
            .unwrap_or_else(|_| panic!("{} is missing", frozen.display()));
        assert_eq!(
            live, frozen,
            "etalage:plugin@{version} is released; bump the version to change it"
        );
    }
}
