//! The data subject's rights, enforced: which data belongs to which group ([`groups`]), one
//! erasure service for every path ([`erasure`]), the self-service export ([`export`]) and the
//! "my privacy" overview ([`overview`]).
pub mod erasure;
pub mod export;
pub mod groups;
pub mod overview;
