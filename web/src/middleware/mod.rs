//! Layers that run around every handler, in the order `app::router_service` stacks them.
pub mod csrf;
pub mod errors;
pub mod label;
pub mod security_headers;
pub mod two_factor;
