//! Time helpers, so that "now" is taken in one way everywhere.
use chrono::{DateTime, Utc};

#[allow(
    clippy::disallowed_methods,
    reason = "this is the one place that reads the clock"
)]
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn now_ms() -> i64 {
    now().timestamp_millis()
}
