//! Labels as code: the schema of `tenants/labels/*.toml`, its validation, loading a folder of
//! label files, writing them to the database, and resolving a request's host to its label.
#![forbid(unsafe_code)]

mod colour;
mod error;
mod links;
mod load;
mod overrides;
mod registry;
mod schema;

pub use colour::Colour;
pub use error::{LabelError, LabelErrors};
pub use links::LabelLinks;
pub use load::{load_dir, load_file};
pub use overrides::{LabelOverrides, apply_overrides, update_settings};
pub use registry::{Label, LabelRegistry, Statement, live_from_db, sync_to_db};
pub use schema::{Branding, LabelFile, PrivacySection, SUPPORTED_LOCALES, StatementRef};

/// The label files shipped with the source, for `serve` without a `--labels-dir`.
pub fn default_labels_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("labels")
}
