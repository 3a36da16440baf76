//! The Etalage server as a library: `Application::build` is used alike by the binary and by the
//! end-to-end tests.
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
pub mod config;
mod cookies;
pub mod error;
mod extract;
pub mod i18n;
mod markdown;
mod middleware;
pub mod routes;
pub mod state;
pub mod telemetry;
mod templates;

pub use app::Application;
pub use config::Config;
