//! Etalage's domain and services. No HTTP and no WebAssembly here: the web crate and the plugin
//! host call into this crate, never the other way round.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod audit;
pub mod authz;
pub mod candidates;
pub mod crypto;
pub mod disclosures;
pub mod documents;
pub mod domain;
pub mod error;
pub mod jobs;
pub mod labels;
pub mod mail;
pub mod plugins;
pub mod privacy;
pub mod processors;
pub mod redact;
pub mod secrets;
pub mod store;
#[cfg(test)]
mod test_support;
pub mod time;

pub use error::{CoreError, CoreResult};
