//! The data subject's rights, enforced: which data belongs to which group ([`groups`]), one
//! erasure service for every path ([`erasure`]), the self-service export ([`export`]), the
//! "my privacy" overview ([`overview`]), and the register of requests (PRV-1) with the
//! working-day calendar their deadlines are counted in and the daily reminder of what is due.
pub mod calendar;
pub mod erasure;
pub mod export;
pub mod groups;
pub mod overview;
pub mod reminder;
pub mod requests;
