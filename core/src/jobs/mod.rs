//! The durable job queue. A job is a row: enqueued in the same transaction as the change that
//! causes it (so a rolled-back change sends no mail), leased by one worker at a time, retried
//! with exponential backoff, and picked up again after a crash once its lease runs out.
//!
//! Delivery is at least once: a worker that dies after doing the work but before marking it done
//! leaves the job to run again, so handlers must be idempotent or harmless to repeat.
pub mod daily;
mod queue;
mod worker;

pub use queue::{
    JobCounts, JobView, LeasedJob, NewJob, complete, counts, enqueue, fail, lease, overview,
    reap_exhausted, recent,
};
pub use worker::{JobError, JobHandler, Worker, WorkerConfig};
