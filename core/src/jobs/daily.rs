//! Jobs that run once a day at a fixed hour (UTC) and schedule their own next run: the purge,
//! the reminder of privacy requests. A unique index on (kind, payload) per kind keeps one
//! waiting job per day however many processes schedule it (a finished job's payload is
//! cleared, and no process schedules a day already begun).
use chrono::{Duration, NaiveDate, NaiveTime};
use sea_orm::DatabaseConnection;

use super::{JobError, NewJob, enqueue};
use crate::{CoreResult, time};

/// Puts the run of `kind` for `day` at `hour_utc` on the queue unless it is there already
/// (this or another process scheduled it); a run for a day already past starts at once.
pub async fn schedule(
    db: &DatabaseConnection,
    kind: &str,
    day: NaiveDate,
    hour_utc: u32,
) -> CoreResult<()> {
    let at = day
        .and_time(NaiveTime::from_hms_opt(hour_utc, 0, 0).unwrap_or_default())
        .and_utc()
        .timestamp_millis();
    let job = NewJob::new(kind, serde_json::json!({ "day": day.to_string() })).run_at_ms(at);
    match enqueue(db, job).await {
        Ok(_) => Ok(()),
        Err(err) if err.is_unique_violation() => Ok(()),
        Err(err) => Err(err),
    }
}

pub fn tomorrow() -> NaiveDate {
    time::now().date_naive() + Duration::days(1)
}

/// The day a daily job's payload is for.
pub fn day_of(payload: &serde_json::Value) -> Result<NaiveDate, JobError> {
    payload
        .get("day")
        .and_then(|d| d.as_str())
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .ok_or_else(|| JobError::permanent("daily job without a day"))
}

/// Schedules the run after the one for `day`. A run that was late (the servers were down for
/// days) does not catch up day by day: the next one is tomorrow.
pub async fn schedule_next(
    db: &DatabaseConnection,
    kind: &str,
    day: NaiveDate,
    hour_utc: u32,
) -> Result<(), JobError> {
    schedule(
        db,
        kind,
        (day + Duration::days(1)).max(tomorrow()),
        hour_utc,
    )
    .await
    .map_err(|e| JobError::retry(e.to_string()))
}
