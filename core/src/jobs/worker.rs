use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use super::queue::{self, LeasedJob};

/// Why a job failed. A permanent error is not retried (bad payload, unknown kind).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    pub message: String,
    pub permanent: bool,
}

impl JobError {
    pub fn retry(message: impl Into<String>) -> Self {
        JobError {
            message: message.into(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        JobError {
            message: message.into(),
            permanent: true,
        }
    }
}

/// Does the work of one kind of job.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync {
    fn kind(&self) -> &'static str;
    async fn run(&self, payload: &serde_json::Value) -> Result<(), JobError>;
}

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// How long a leased job is ours; a job running longer is given up and retried.
    pub lease: Duration,
    /// How long to wait before looking again when nothing was due.
    pub poll_interval: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            lease: Duration::from_secs(300),
            poll_interval: Duration::from_millis(250),
        }
    }
}

/// Runs due jobs one after another until told to stop. Several workers (in one process or in
/// many) may run against the same database.
#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    id: String,
    handlers: Arc<HashMap<&'static str, Arc<dyn JobHandler>>>,
    config: WorkerConfig,
}

impl Worker {
    pub fn new(db: DatabaseConnection, config: WorkerConfig) -> Self {
        Worker {
            db,
            id: format!("worker-{}", uuid::Uuid::now_v7()),
            handlers: Arc::new(HashMap::new()),
            config,
        }
    }

    pub fn with_handler(mut self, handler: Arc<dyn JobHandler>) -> Self {
        Arc::make_mut(&mut self.handlers).insert(handler.kind(), handler);
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs until `shutdown` turns true; a job in progress is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut since_reap = Duration::ZERO;
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.run_one().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(err) => tracing::warn!(error = %err, "job queue unavailable"),
            }
            since_reap += self.config.poll_interval;
            if since_reap >= Duration::from_secs(60) {
                since_reap = Duration::ZERO;
                if let Err(err) = queue::reap_exhausted(&self.db).await {
                    tracing::warn!(error = %err, "could not reap exhausted jobs");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::debug!(worker = %self.id, "job worker stopped");
    }

    /// Leases and runs one due job; `Ok(false)` when nothing was due.
    pub async fn run_one(&self) -> crate::CoreResult<bool> {
        let lease_ms = i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX / 2);
        let Some(job) = queue::lease(&self.db, &self.id, lease_ms).await? else {
            return Ok(false);
        };
        let outcome = self.execute(&job).await;
        match outcome {
            Ok(()) => {
                if !queue::complete(&self.db, job.id, &self.id).await? {
                    tracing::warn!(job = job.id, "job finished after its lease ran out");
                }
            }
            Err(err) => {
                tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %err, permanent = err.permanent, "job failed");
                queue::fail(&self.db, &job, &self.id, &err.message, err.permanent).await?;
            }
        }
        Ok(true)
    }

    async fn execute(&self, job: &LeasedJob) -> Result<(), JobError> {
        let Some(handler) = self.handlers.get(job.kind.as_str()) else {
            return Err(JobError::permanent(format!(
                "no handler for job kind {}",
                job.kind
            )));
        };
        let handler = Arc::clone(handler);
        let payload = job.payload.clone();
        // Its own task, so that a panicking handler fails this job instead of the worker.
        let task = tokio::spawn(async move { handler.run(&payload).await });
        // A job may not outlive its lease, or a second worker would start it meanwhile.
        match tokio::time::timeout(self.config.lease, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(JobError::retry(format!("handler crashed: {join}"))),
            Err(_) => Err(JobError::retry("timed out before its lease ran out")),
        }
    }
}
