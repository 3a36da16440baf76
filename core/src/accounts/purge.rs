//! The daily purge of what has stopped meaning anything: expired sessions, spent or expired
//! reset, invitation, setup and unlock tokens, pending two-factor logins, and login attempts
//! older than the throttle's window. It only deletes rows that can no longer be used; no token changes meaning.
//!
//! It runs as a job on the durable queue, so it is leased by one worker among all server
//! processes. Each run schedules the next day's ([`daily`]).
use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use super::{LoginThrottle, sessions, two_factor};
use crate::jobs::{JobError, JobHandler, daily};
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

/// Puts the purge of `day` on the queue unless it is there already.
pub async fn schedule(db: &DatabaseConnection, day: NaiveDate) -> CoreResult<()> {
    daily::schedule(db, JOB_KIND, day, HOUR_UTC).await
}

/// Called at start: makes sure the next night's purge is on the queue (a fresh installation
/// has nothing to purge before then).
pub async fn ensure_scheduled(db: &DatabaseConnection) -> CoreResult<()> {
    schedule(db, daily::tomorrow()).await
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
        let day = daily::day_of(payload)?;
        let purged = purge(&self.db, &self.throttle)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?;
        tracing::info!(
            sessions = purged.sessions,
            tokens = purged.tokens,
            login_attempts = purged.login_attempts,
            "daily purge done"
        );
        // One purge removes everything expired, however late it runs.
        daily::schedule_next(&self.db, JOB_KIND, day, HOUR_UTC).await
    }
}
