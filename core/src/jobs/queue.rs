use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement, Value,
};
use serde::Serialize;

use crate::store::entities::job;
use crate::{CoreError, CoreResult, time};

pub const STATUS_QUEUED: &str = "queued";
pub const STATUS_DONE: &str = "done";
pub const STATUS_FAILED: &str = "failed";

/// A job to enqueue.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    /// When it may run first (epoch ms); `None` means now.
    pub run_at_ms: Option<i64>,
    pub max_attempts: i32,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        NewJob {
            kind: kind.into(),
            payload,
            run_at_ms: None,
            max_attempts: 8,
        }
    }

    pub fn run_at_ms(mut self, at: i64) -> Self {
        self.run_at_ms = Some(at);
        self
    }
}

/// Adds a job on `conn`: pass the transaction of the change that causes it (outbox pattern).
pub async fn enqueue(conn: &impl ConnectionTrait, job: NewJob) -> CoreResult<i64> {
    let now = time::now_ms();
    let row = job::ActiveModel {
        kind: Set(job.kind),
        payload: Set(Some(job.payload.to_string())),
        status: Set(STATUS_QUEUED.to_string()),
        attempts: Set(0),
        max_attempts: Set(job.max_attempts.max(1)),
        run_at_ms: Set(job.run_at_ms.unwrap_or(now)),
        created_at_ms: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// A job handed to one worker until `locked_until_ms`.
#[derive(Clone, Debug)]
pub struct LeasedJob {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Including this one.
    pub attempts: i32,
    pub max_attempts: i32,
}

/// Takes the next due job for `worker_id` for `lease_ms`, or `None` when nothing is due.
///
/// One statement picks and locks the row, so two workers never get the same job while its lease
/// holds; on PostgreSQL `FOR UPDATE SKIP LOCKED` lets many server processes lease side by side
/// without waiting on each other. An expired lease (a crashed worker) makes the job due again.
pub async fn lease(
    conn: &impl ConnectionTrait,
    worker_id: &str,
    lease_ms: i64,
) -> CoreResult<Option<LeasedJob>> {
    let now = time::now_ms();
    let until = now + lease_ms;
    let backend = conn.get_database_backend();
    let statement = match backend {
        DbBackend::Postgres => Statement::from_sql_and_values(
            backend,
            "UPDATE jobs SET locked_until_ms = $1, locked_by = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_at_ms <= $3 \
               AND attempts < max_attempts \
               AND (locked_until_ms IS NULL OR locked_until_ms < $3) \
               ORDER BY run_at_ms, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING id, kind, payload, attempts, max_attempts",
            [until.into(), worker_id.into(), now.into()],
        ),
        DbBackend::Sqlite => Statement::from_sql_and_values(
            backend,
            // SQLite has one writer at a time, so the sub-select and the update cannot race.
            "UPDATE jobs SET locked_until_ms = ?, locked_by = ?, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_at_ms <= ? \
               AND attempts < max_attempts \
               AND (locked_until_ms IS NULL OR locked_until_ms < ?) \
               ORDER BY run_at_ms, id LIMIT 1) \
             RETURNING id, kind, payload, attempts, max_attempts",
            [until.into(), worker_id.into(), now.into(), Value::from(now)],
        ),
        other => {
            return Err(CoreError::Internal(format!(
                "job queue does not support {other:?}"
            )));
        }
    };
    let Some(row) = conn.query_one_raw(statement).await? else {
        return Ok(None);
    };
    let payload: Option<String> = row.try_get("", "payload")?;
    let payload = match payload {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| CoreError::Internal(format!("job payload is not JSON: {e}")))?,
        None => serde_json::Value::Null,
    };
    Ok(Some(LeasedJob {
        id: row.try_get("", "id")?,
        kind: row.try_get("", "kind")?,
        payload,
        attempts: row.try_get("", "attempts")?,
        max_attempts: row.try_get("", "max_attempts")?,
    }))
}

/// Marks a leased job done. The payload is cleared: a sent mail does not need to be kept twice,
/// and a job row is no place for personal data to linger.
pub async fn complete(conn: &impl ConnectionTrait, id: i64, worker_id: &str) -> CoreResult<bool> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::Status, STATUS_DONE.into())
        .col_expr(job::Column::Payload, Option::<String>::None.into())
        .col_expr(job::Column::LockedUntilMs, Option::<i64>::None.into())
        .col_expr(job::Column::FinishedAtMs, Some(time::now_ms()).into())
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(worker_id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The wait before attempt `attempts + 1`: 2 s, 4 s, 8 s, … capped at one hour, with jitter so
/// that jobs failing together do not retry together.
pub fn backoff_ms(attempts: i32) -> i64 {
    let exp = attempts.clamp(1, 12) as u32;
    let base = 1_000i64 * 2i64.pow(exp);
    let capped = base.min(3_600_000);
    let jitter = rand::random_range(0..=capped / 4);
    capped + jitter
}

/// Records a failed attempt: due again after a backoff, or `failed` for good when it was the
/// last attempt or the error is permanent.
pub async fn fail(
    conn: &impl ConnectionTrait,
    job: &LeasedJob,
    worker_id: &str,
    error: &str,
    permanent: bool,
) -> CoreResult<()> {
    let now = time::now_ms();
    let give_up = permanent || job.attempts >= job.max_attempts;
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::LastError, Some(truncate(error, 2_000)).into())
        .col_expr(job::Column::LockedUntilMs, Option::<i64>::None.into())
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::LockedBy.eq(worker_id));
    if give_up {
        // A job that ends keeps no payload, failed or done: a mail's text holds links that sign
        // somebody in, and a job row is no place for personal data to linger.
        update = update
            .col_expr(job::Column::Status, STATUS_FAILED.into())
            .col_expr(job::Column::Payload, Option::<String>::None.into())
            .col_expr(job::Column::FinishedAtMs, Some(now).into());
    } else {
        update = update.col_expr(
            job::Column::RunAtMs,
            (now + backoff_ms(job.attempts)).into(),
        );
    }
    update.exec(conn).await?;
    Ok(())
}

/// Jobs whose last allowed attempt died with its worker are marked failed, so they show up as
/// such instead of waiting forever.
pub async fn reap_exhausted(conn: &impl ConnectionTrait) -> CoreResult<u64> {
    let now = time::now_ms();
    let result = job::Entity::update_many()
        .col_expr(job::Column::Status, STATUS_FAILED.into())
        .col_expr(job::Column::Payload, Option::<String>::None.into())
        .col_expr(job::Column::FinishedAtMs, Some(now).into())
        .col_expr(
            job::Column::LastError,
            Some("the worker stopped during the last attempt".to_string()).into(),
        )
        .filter(job::Column::Status.eq(STATUS_QUEUED))
        .filter(attempts_exhausted())
        .filter(job::Column::LockedUntilMs.lt(now))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// `attempts >= max_attempts`, a comparison of two columns.
fn attempts_exhausted() -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Expr::col(job::Column::Attempts).gte(Expr::col(job::Column::MaxAttempts))
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
}

pub async fn counts(conn: &impl ConnectionTrait) -> CoreResult<JobCounts> {
    let now = time::now_ms();
    let count = |status: &'static str| {
        job::Entity::find()
            .filter(job::Column::Status.eq(status))
            .count(conn)
    };
    let running = job::Entity::find()
        .filter(job::Column::Status.eq(STATUS_QUEUED))
        .filter(job::Column::LockedUntilMs.gte(now))
        .count(conn)
        .await?;
    let queued = count(STATUS_QUEUED).await?;
    Ok(JobCounts {
        queued: queued.saturating_sub(running),
        running,
        done: count(STATUS_DONE).await?,
        failed: count(STATUS_FAILED).await?,
    })
}

/// A job as shown to admins: never its payload, which may hold personal data.
#[derive(Clone, Debug, Serialize)]
pub struct JobView {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at_ms: i64,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
}

pub async fn recent(
    conn: &impl ConnectionTrait,
    status: Option<&str>,
    limit: u64,
) -> CoreResult<Vec<JobView>> {
    let mut query = job::Entity::find().order_by_desc(job::Column::Id);
    if let Some(status) = status {
        query = query.filter(job::Column::Status.eq(status));
    }
    Ok(query
        .limit(limit.min(500))
        .all(conn)
        .await?
        .into_iter()
        .map(|j| JobView {
            id: j.id,
            kind: j.kind,
            status: j.status,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at_ms: j.run_at_ms,
            last_error: j.last_error,
            created_at_ms: j.created_at_ms,
            finished_at_ms: j.finished_at_ms,
        })
        .collect())
}

/// What the console and the API show of the queue: the counts and the `limit` latest jobs.
pub async fn overview(
    conn: &impl ConnectionTrait,
    limit: u64,
) -> CoreResult<(JobCounts, Vec<JobView>)> {
    Ok((counts(conn).await?, recent(conn, None, limit).await?))
}
