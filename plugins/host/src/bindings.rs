//! The only `bindgen!` of the project: Rust bindings for the worlds of `plugins/wit`. The
//! processor world reuses the matcher world's generated interfaces, so each import has one
//! host implementation.
pub mod matcher {
    wasmtime::component::bindgen!({
        path: "../wit/etalage-plugin.wit",
        world: "matcher",
        imports: { default: async },
        exports: { default: async },
    });
}

pub mod processor {
    wasmtime::component::bindgen!({
        path: "../wit/etalage-plugin.wit",
        world: "processor",
        imports: { default: async },
        exports: { default: async },
        with: {
            "etalage:plugin/log": crate::bindings::matcher::etalage::plugin::log,
            "etalage:plugin/config": crate::bindings::matcher::etalage::plugin::config,
        },
    });
}
