//! Shared by the host's tests: the example and hostile plugins, built once per test run.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use etalage_plugin_host::{Limits, PluginContext, PluginEngine, Prepared};

/// The folder with the built `.wasm` files; builds the guest workspace the first time.
pub fn plugins_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/Cargo.toml");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-wasip2",
                "--manifest-path",
            ])
            .arg(&manifest)
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "the example plugins build (rustup target add wasm32-wasip2)"
        );
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/target")
            });
        target.join("wasm32-wasip2/release")
    })
    .clone()
}

pub fn wasm(name: &str) -> Vec<u8> {
    let path = plugins_dir().join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn engine(limits: Limits) -> Arc<PluginEngine> {
    PluginEngine::new(limits).unwrap()
}

/// Installs `name` the way the registry does: check, precompile, load, prepare.
pub fn prepared(engine: &PluginEngine, name: &str) -> Prepared {
    let artefact = engine.install(&wasm(name)).unwrap();
    let component = engine
        .load(
            &artefact.compiled,
            &artefact.compiled_mac,
            &artefact.engine_hash,
        )
        .unwrap();
    engine.prepare(&component).unwrap()
}

pub fn context(label: &str, plugin: &str, settings: &[(&str, &str)]) -> PluginContext {
    PluginContext {
        label: label.into(),
        plugin: plugin.into(),
        version: "0.1.0".into(),
        settings: settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        secrets: Default::default(),
        endpoints: vec![],
    }
}
