//! sea-orm entities, one per table. Queries live in the feature modules that own the data.
pub mod account;
pub mod account_role;
pub mod audit_event;
pub mod candidate;
pub mod candidate_label;
pub mod casbin_rule;
pub mod job;
pub mod label;
pub mod login_attempt;
pub mod password_reset;
pub mod server_key;
pub mod session;
pub mod setup_token;
pub mod statement_acceptance;
pub mod statement_version;
