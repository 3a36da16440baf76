//! Values that are parsed once at the edge; past it, only valid ones exist.
mod email;
mod label_slug;
mod page;
mod password;
mod statement_version;

pub use email::Email;
pub use label_slug::{LabelSlug, PLATFORM_DOMAIN};
pub use page::{MAX_PAGE, page_number};
pub use password::Password;
pub use statement_version::StatementVersion;
