//! The daily purge of what has stopped meaning anything: expired sessions, spent or expired
//! reset, invitation, setup and unlock tokens, pending two-factor logins, and login attempts
//! older than the throttle's window. It only deletes rows that can no longer be used; no token changes meaning.
//!
//! It runs as a job on the durable queue, so it is leased by one worker among all server
//! processes. Each run schedules the next day's; a unique index on (kind, payload) keeps one
//! waiting job per day however many processes schedule it (a finished job's payload is
//! cleared, and no process schedules a day already begun).
use chrono::{Duration, NaiveDate, NaiveTime};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use super::{LoginThrottle, sessions, two_factor};
use crate::jobs::{self, JobError, JobHandler, NewJob};
use crate::store::entities::{login_unlock, password_reset, setup_token};
use crate::{CoreResult, time};

pub const JOB_KIND: &str = "accounts.purge";
/// The hour (UTC) the purge runs, when the platform is quiet.
const HOUR_UTC: u32 = 3;

/// How many rows of each kind one purge removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub tokens: u64,
    pub login_attempts: u64,
}

/// Removes every expired or spent row now.
pub async fn purge(conn: &impl ConnectionTrait, throttle: &LoginThrottle) -> CoreResult<Purged> {
    let now = time::now();
    let resets = password_reset::Entity::delete_many()
        .filter(
            Condition::any()
                .add(password_reset::Column::ExpiresAt.lte(now))
                .add(password_reset::Column::UsedAt.is_not_null()),
        )
        .exec(conn)
        .await?;
    let setups = setup_token::Entity::delete_many()
        .filter(
            Condition::any()
                .add(setup_token::Column::ExpiresAt.lte(now))
                .add(setup_token::Column::UsedAt.is_not_null()),
        )
        .exec(conn)
        .await?;
    let unlocks = login_unlock::Entity::delete_many()
        .filter(
            Condition::any()
                .add(login_unlock::Column::ExpiresAt.lte(now))
                .add(login_unlock::Column::UsedAt.is_not_null()),
        )
        .exec(conn)
        .await?;
    Ok(Purged {
        sessions: sessions::purge_expired(conn).await?,
        tokens: resets.rows_affected
            + setups.rows_affected
            + unlocks.rows_affected
            + two_factor::purge_pending_logins(conn).await?,
        login_attempts: throttle.purge_expired(conn).await?,
    })
}

/// Puts the purge of `day` on the queue unless it is there already (this or another process
/// scheduled it); a run for a day already past starts at once.
pub async fn schedule(db: &DatabaseConnection, day: NaiveDate) -> CoreResult<()> {
    let at = day
        .and_time(NaiveTime::from_hms_opt(HOUR_UTC, 0, 0).unwrap_or_default())
        .and_utc()
        .timestamp_millis();
    let job = NewJob::new(JOB_KIND, serde_json::json!({ "day": day.to_string() })).run_at_ms(at);
    match jobs::enqueue(db, job).await {
        Ok(_) => Ok(()),
        Err(err) if err.is_unique_violation() => Ok(()),
        Err(err) => Err(err),
    }
}

fn tomorrow() -> NaiveDate {
    crate::time::now().date_naive() + Duration::days(1)
}

/// Called at start: makes sure the next night's purge is on the queue (a fresh installation
/// has nothing to purge before then).
pub async fn ensure_scheduled(db: &DatabaseConnection) -> CoreResult<()> {
    schedule(db, tomorrow()).await
}

/// Runs the purge and schedules the next day's.
pub struct PurgeJob {
    pub db: DatabaseConnection,
    pub throttle: LoginThrottle,
}

#[async_trait::async_trait]
impl JobHandler for PurgeJob {
    fn kind(&self) -> &'static str {
        JOB_KIND
    }

    async fn run(&self, payload: &serde_json::Value) -> Result<(), JobError> {
        let day = payload
            .get("day")
            .and_then(|d| d.as_str())
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .ok_or_else(|| JobError::permanent("purge job without a day"))?;
        let purged = purge(&self.db, &self.throttle)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?;
        tracing::info!(
            sessions = purged.sessions,
            tokens = purged.tokens,
            login_attempts = purged.login_attempts,
            "daily purge done"
        );
        // A run that was late (the servers were down for days) does not catch up day by day:
        // one purge removes everything expired, and the next one is tomorrow night.
        schedule(&self.db, (day + Duration::days(1)).max(tomorrow()))
            .await
            .map_err(|e| JobError::retry(e.to_string()))
    }
}
