//! The WebAssembly plugin host (PLG-1..3). Plugins are components of the worlds in
//! `plugins/wit`; this crate compiles and checks them, keeps one prepared instance template per
//! (label, plugin, version), and runs every call in a fresh store under a deadline and memory
//! limit. It implements `etalage_core::plugins::{Matcher, Processor}`, so core never sees
//! wasmtime.
#![deny(unsafe_code)]

mod bindings;
mod engine;
mod imports;
mod run;
mod runtime;

/// The versions of `etalage:plugin` this host loads, newest first.
pub use bindings::SUPPORTED as SUPPORTED_INTERFACES;
pub use engine::{Artefact, HostError, Limits, PluginEngine, PluginKind, Prepared};
pub use imports::{LogLine, PluginContext};
pub use run::{WasmMatcher, WasmProcessor};
pub use runtime::{Loaded, LoadedPlugin, PluginRuntime};
