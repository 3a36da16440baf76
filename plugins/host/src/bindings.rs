//! The only `bindgen!` of the project: Rust bindings for every supported version of the worlds
//! in `plugins/wit`. The live file is the newest version; released ones stay loadable from
//! their frozen copies under `since_vX.Y.Z/`. Within a version the processor world reuses the
//! matcher world's generated interfaces, so each import has one host implementation per
//! version.

/// Generates the bindings of one interface version.
macro_rules! version {
    ($module:ident, $path:tt) => {
        pub mod $module {
            pub mod matcher {
                wasmtime::component::bindgen!({
                    path: $path,
                    world: "matcher",
                    imports: { default: async },
                    exports: { default: async },
                });
            }

            pub mod processor {
                wasmtime::component::bindgen!({
                    path: $path,
                    world: "processor",
                    imports: { default: async },
                    exports: { default: async },
                    with: {
                        "etalage:plugin/log": super::matcher::etalage::plugin::log,
                        "etalage:plugin/config": super::matcher::etalage::plugin::config,
                    },
                });
            }
        }
    };
}

version!(v0_1, "../wit/since_v0.1.0/etalage-plugin.wit");
version!(v0_2, "../wit/since_v0.2.0/etalage-plugin.wit");

/// The interface versions this host loads, newest first.
pub const SUPPORTED: &[&str] = &["0.2.0", "0.1.0"];
