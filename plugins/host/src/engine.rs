//! The engine: configuration (pooling allocator, copy-on-write memory images, epoch
//! interruption), checking and precompiling uploaded components, loading our own precompiled
//! artefacts (authenticated with a key the server holds), preparing instance templates, and
//! handing out call slots fairly between labels.
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use etalage_core::crypto::{hmac_sha256_hex, verify_hmac_sha256_hex};
use etalage_core::plugins::PluginError;
use etalage_core::processors::{EndpointPolicy, is_global};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::bindings::{SUPPORTED, v0_1, v0_2};
use crate::imports::PluginState;

/// How often the epoch advances; deadlines are counted in these ticks.
pub(crate) const TICK: Duration = Duration::from_millis(5);

/// How much of a memory slot stays mapped between calls. Every call still starts from the
/// plugin's pristine memory — wasmtime zeroes what the last call dirtied (found with
/// `PAGEMAP_SCAN`) instead of unmapping it — but a call that fills a few megabytes no longer
/// takes a page fault for every 4 KiB it touches: a 10,000-candidate batch went from 1.9 to
/// 1.4 ms (docs/benchmarks.md). At most this much per memory slot: the pool holds two per
/// instance slot, so 512 MiB for the default 64 at the very worst, 256 MiB for plugins with one
/// memory (all of ours).
const KEEP_RESIDENT: usize = 4 << 20;

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
    /// Of those, at most this many for one label: a label whose calls are slow cannot take
    /// every slot and leave the other labels' matchers answering 503.
    pub max_concurrent_per_label: u32,
    /// How long a call waits for a slot at most (never longer than its own deadline), so that
    /// wait + deadline stays inside the HTTP request timeout.
    pub max_slot_wait: Duration,
    /// Hosts a plugin may reach over plain http and on non-public addresses (tests, local
    /// development); empty in production.
    pub test_hosts: Vec<String>,
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
            max_concurrent_per_label: 16,
            max_slot_wait: Duration::from_secs(10),
            test_hosts: Vec::new(),
            max_http_response_bytes: 4 * 1024 * 1024,
            http_timeout: Duration::from_secs(10),
        }
    }
}

impl Limits {
    /// The longest a call can take from asking for a slot to its answer, backstop included:
    /// what the HTTP request timeout must leave room for.
    pub fn longest_call(&self) -> Duration {
        let deadline = self.matcher_deadline.max(self.processor_deadline);
        self.max_slot_wait.min(deadline) + deadline + crate::run::BACKSTOP
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
         (the matcher or processor world of etalage:plugin@{versions}): {0}", versions = SUPPORTED.join(" or @")
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
    /// The version of `etalage:plugin` it was built against.
    pub interface_version: &'static str,
    /// SHA-256 of the uploaded `.wasm`.
    pub wasm_sha256: String,
    /// The precompiled form, valid for engines with `engine_hash`.
    pub compiled: Vec<u8>,
    /// HMAC-SHA256 of `engine_hash` and `compiled` under the engine's artefact key: checked
    /// before the bytes are ever deserialized.
    pub compiled_mac: String,
    pub engine_hash: String,
}

/// An instance template: everything but the store, ready to instantiate in microseconds.
#[derive(Clone)]
pub enum Prepared {
    Matcher(MatcherPre),
    Processor(ProcessorPre),
}

/// A matcher's template, by the interface version it was built for.
#[derive(Clone)]
pub enum MatcherPre {
    V0_1(v0_1::matcher::MatcherPre<PluginState>),
    V0_2(v0_2::matcher::MatcherPre<PluginState>),
}

/// A processor's template, by the interface version it was built for.
#[derive(Clone)]
pub enum ProcessorPre {
    V0_1(v0_1::processor::ProcessorPre<PluginState>),
    V0_2(v0_2::processor::ProcessorPre<PluginState>),
}

impl Prepared {
    pub fn kind(&self) -> PluginKind {
        match self {
            Prepared::Matcher(_) => PluginKind::Matcher,
            Prepared::Processor(_) => PluginKind::Processor,
        }
    }

    /// The version of `etalage:plugin` the component was built against.
    pub fn interface_version(&self) -> &'static str {
        match self {
            Prepared::Matcher(MatcherPre::V0_1(_)) | Prepared::Processor(ProcessorPre::V0_1(_)) => {
                "0.1.0"
            }
            Prepared::Matcher(MatcherPre::V0_2(_)) | Prepared::Processor(ProcessorPre::V0_2(_)) => {
                "0.2.0"
            }
        }
    }
}

pub struct PluginEngine {
    pub(crate) engine: Engine,
    matcher_linker: Linker<PluginState>,
    processor_linker: Linker<PluginState>,
    pub(crate) limits: Limits,
    pub(crate) http: reqwest::Client,
    /// One permit per instance the pool holds: a call waits for one rather than failing on a
    /// full pool.
    slots: tokio::sync::Semaphore,
    /// Per label, its share of `slots`.
    label_slots: Mutex<HashMap<String, Arc<tokio::sync::Semaphore>>>,
    /// Authenticates compiled artefacts: `Component::deserialize` runs native code, so bytes
    /// are loaded only when they carry a MAC made with this key (which is not in the database).
    artefact_key: Vec<u8>,
}

/// A call's slot: its label's share and one of the pool's.
pub(crate) struct Slot<'a> {
    _label: tokio::sync::OwnedSemaphorePermit,
    _pool: tokio::sync::SemaphorePermit<'a>,
}

/// Resolves the names plugins call and keeps only public addresses (unless the name is a
/// test host). The client connects to exactly the addresses returned here — no second lookup
/// that could answer differently.
struct PublicAddressesOnly {
    policy: EndpointPolicy,
}

impl reqwest::dns::Resolve for PublicAddressesOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let test = self.policy.is_test_host(&host);
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| test || is_global(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address; nothing was sent").into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
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
    /// An engine whose artefacts are valid only for itself (a fresh random key): for checking
    /// and trying plugins locally.
    pub fn new(limits: Limits) -> Result<Arc<Self>, HostError> {
        Self::with_artefact_key(limits, etalage_core::secrets::new_token().into_bytes())
    }

    /// An engine that authenticates artefacts with `artefact_key`: the server's, derived from
    /// its secrets key, so artefacts stay valid across restarts and servers.
    pub fn with_artefact_key(
        limits: Limits,
        artefact_key: Vec<u8>,
    ) -> Result<Arc<Self>, HostError> {
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
            .table_elements(100_000)
            .linear_memory_keep_resident(KEEP_RESIDENT);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config).map_err(engine_err)?;

        // One linker per world, holding every supported version of its imports (the versions
        // have distinct names, so they sit side by side). A matcher gets no HTTP.
        let mut matcher_linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut matcher_linker).map_err(engine_err)?;
        v0_2::matcher::Matcher::add_to_linker::<_, HasSelf<_>>(&mut matcher_linker, |s| s)
            .map_err(engine_err)?;
        v0_1::matcher::Matcher::add_to_linker::<_, HasSelf<_>>(&mut matcher_linker, |s| s)
            .map_err(engine_err)?;
        let mut processor_linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut processor_linker).map_err(engine_err)?;
        v0_2::processor::Processor::add_to_linker::<_, HasSelf<_>>(&mut processor_linker, |s| s)
            .map_err(engine_err)?;
        v0_1::processor::Processor::add_to_linker::<_, HasSelf<_>>(&mut processor_linker, |s| s)
            .map_err(engine_err)?;

        let http = reqwest::Client::builder()
            // A redirect could lead to a host the register entry does not name.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the name itself, past the address check.
            .no_proxy()
            .dns_resolver(Arc::new(PublicAddressesOnly {
                policy: EndpointPolicy {
                    test_hosts: limits.test_hosts.clone(),
                },
            }))
            .timeout(limits.http_timeout)
            .build()
            .map_err(engine_err)?;

        let this = Arc::new(PluginEngine {
            engine,
            matcher_linker,
            processor_linker,
            slots: tokio::sync::Semaphore::new(limits.max_concurrent_instances.max(1) as usize),
            label_slots: Mutex::default(),
            artefact_key,
            limits,
            http,
        });
        spawn_ticker(Arc::downgrade(&this));
        Ok(this)
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    fn label_share(&self, label: &str) -> Arc<tokio::sync::Semaphore> {
        let share = self.limits.max_concurrent_per_label.max(1) as usize;
        let mut shares = match self.label_slots.lock() {
            Ok(shares) => shares,
            Err(poisoned) => poisoned.into_inner(),
        };
        Arc::clone(
            shares
                .entry(label.to_string())
                .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(share))),
        )
    }

    /// A slot for one call of `label`: first one of the label's share, then one of the pool,
    /// waiting at most `wait` in all.
    pub(crate) async fn slot(&self, label: &str, wait: Duration) -> Result<Slot<'_>, PluginError> {
        let until = tokio::time::Instant::now() + wait;
        let busy = |what: String| {
            PluginError::Busy(format!("{what} stayed busy for {} ms", wait.as_millis()))
        };
        let own =
            match tokio::time::timeout_at(until, self.label_share(label).acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                _ => {
                    return Err(busy(format!(
                        "all {} plugin slots of {label}",
                        self.limits.max_concurrent_per_label
                    )));
                }
            };
        match tokio::time::timeout_at(until, self.slots.acquire()).await {
            Ok(Ok(pool)) => Ok(Slot {
                _label: own,
                _pool: pool,
            }),
            _ => Err(busy(format!(
                "all {} plugin slots",
                self.limits.max_concurrent_instances
            ))),
        }
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
        let prepared = self.prepare(&component)?;
        let compiled = component.serialize().map_err(engine_err)?;
        let engine_hash = self.engine_hash();
        Ok(Artefact {
            kind: prepared.kind(),
            interface_version: prepared.interface_version(),
            wasm_sha256: sha256_hex(wasm),
            compiled_mac: self.artefact_mac(&engine_hash, &compiled),
            compiled,
            engine_hash,
        })
    }

    fn artefact_mac(&self, engine_hash: &str, compiled: &[u8]) -> String {
        hmac_sha256_hex(
            &self.artefact_key,
            &[b"etalage plugin artefact", engine_hash.as_bytes(), compiled],
        )
    }

    /// Loads an artefact we compiled: refused — before a byte of it reaches the engine — when
    /// it was made by another engine or does not carry this server's MAC over the engine hash
    /// and its bytes (written by someone who could write the database but has not our key).
    pub fn load(
        &self,
        compiled: &[u8],
        compiled_mac: &str,
        engine_hash: &str,
    ) -> Result<Component, HostError> {
        if engine_hash != self.engine_hash()
            || !verify_hmac_sha256_hex(
                &self.artefact_key,
                &[b"etalage plugin artefact", engine_hash.as_bytes(), compiled],
                compiled_mac,
            )
        {
            return Err(HostError::ArtefactMismatch);
        }
        // SAFETY: `Component::deserialize` trusts its input to be wasmtime's own output. These
        // bytes are: they carry a MAC under our artefact key (checked above), which only
        // `install` — compiling with an engine of this compatibility hash — hands out.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(&self.engine, compiled) };
        component.map_err(engine_err)
    }

    /// Links a component against the host and makes its instance template, deciding its
    /// world and interface version by what it exports (newest first).
    pub fn prepare(&self, component: &Component) -> Result<Prepared, HostError> {
        let matcher = self.matcher_linker.instantiate_pre(component);
        if let Ok(pre) = &matcher {
            if let Ok(pre) = v0_2::matcher::MatcherPre::new(pre.clone()) {
                return Ok(Prepared::Matcher(MatcherPre::V0_2(pre)));
            }
            if let Ok(pre) = v0_1::matcher::MatcherPre::new(pre.clone()) {
                return Ok(Prepared::Matcher(MatcherPre::V0_1(pre)));
            }
        }
        let processor = self
            .processor_linker
            .instantiate_pre(component)
            .map_err(|e| HostError::UnsupportedWorld(format!("{e:#}")))?;
        if let Ok(pre) = v0_2::processor::ProcessorPre::new(processor.clone()) {
            return Ok(Prepared::Processor(ProcessorPre::V0_2(pre)));
        }
        v0_1::processor::ProcessorPre::new(processor)
            .map(|pre| Prepared::Processor(ProcessorPre::V0_1(pre)))
            .map_err(|e| HostError::UnsupportedWorld(format!("{e:#}")))
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
    use std::path::{Path, PathBuf};

    fn wit_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit")
    }

    fn declared_version(wit: &str) -> String {
        wit.lines()
            .find_map(|l| l.strip_prefix("package etalage:plugin@"))
            .and_then(|v| v.strip_suffix(';'))
            .unwrap()
            .to_string()
    }

    /// A released interface version never changes: the frozen copy of the version the live
    /// file declares must be identical to it.
    #[test]
    fn plg_released_wit_versions_are_frozen() {
        let live = std::fs::read_to_string(wit_dir().join("etalage-plugin.wit")).unwrap();
        let version = declared_version(&live);
        let frozen = wit_dir().join(format!("since_v{version}/etalage-plugin.wit"));
        let frozen = std::fs::read_to_string(&frozen)
            .unwrap_or_else(|_| panic!("{} is missing", frozen.display()));
        assert_eq!(
            live, frozen,
            "etalage:plugin@{version} is released; bump the version to change it"
        );
    }

    /// Every released version is one the host loads, newest first, and each frozen copy
    /// declares the version its folder is named after.
    #[test]
    fn plg_the_host_loads_every_released_version() {
        let mut released: Vec<String> = std::fs::read_dir(wit_dir())
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name.strip_prefix("since_v").map(str::to_string)
            })
            .collect();
        for version in &released {
            let wit = std::fs::read_to_string(
                wit_dir().join(format!("since_v{version}/etalage-plugin.wit")),
            )
            .unwrap();
            assert_eq!(&declared_version(&wit), version);
        }
        released.sort_by_key(|v| {
            std::cmp::Reverse(
                v.split('.')
                    .map(|n| n.parse::<u32>().unwrap())
                    .collect::<Vec<_>>(),
            )
        });
        assert_eq!(released, super::SUPPORTED);
    }
}
