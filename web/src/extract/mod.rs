//! Request extractors: the label, the session's account, capabilities, the client, the page.
mod client;
mod csrf;
mod label;
pub mod page;
mod session;

pub use client::ClientIp;
pub use csrf::{CsrfToken, verify_token};
pub use label::LabelCtx;
pub use page::{PageCtx, lang_for};
pub use session::CurrentUser;
