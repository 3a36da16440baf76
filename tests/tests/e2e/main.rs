//! End-to-end tests against the real server. Tests that touch storage run on SQLite and on
//! PostgreSQL (`storage_test!`); names start with the requirement they prove.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod api;
mod auth;
mod browser;
mod candidates;
mod contract;
mod crash;
mod documents;
mod handover;
mod jobs;
mod labels;
mod plugins;
mod privacy_requests;
mod probe;
mod roles;
mod two_factor;
