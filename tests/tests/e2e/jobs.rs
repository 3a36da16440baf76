//! The durable job queue and the mail outbox: mail is enqueued with the change that causes it,
//! jobs survive a restart and a dead worker, failures are retried with backoff.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use etalage_core::jobs::{self, JobError, JobHandler, NewJob, Worker, WorkerConfig};
use etalage_core::mail::{self, OutgoingMail};
use etalage_tests::{TestApp, storage_test};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};

fn mail_to(to: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.into(),
        from_name: "WerkWeb".into(),
        reply_to: Some("contact@werkweb.net".into()),
        subject: "Test".into(),
        text: "Hallo".into(),
        label: Some("werkweb".into()),
    }
}

storage_test!(
    mail_lands_in_the_outbox_through_the_queue,
    |app: TestApp| async move {
        mail::enqueue(&app.db, &mail_to("kandidaat@example.nl"))
            .await
            .unwrap();
        let mails = app.wait_for_mail(1).await;
        assert!(mails[0].contains("To: kandidaat@example.nl"));
        assert!(mails[0].contains("From: WerkWeb <no-reply@winwinwerkt.nl>"));
        assert!(mails[0].contains("Reply-To: contact@werkweb.net"));
        // Once sent, the job keeps no copy of the mail. The file lands before the worker
        // commits the job as done, so wait for that commit rather than race it.
        let row = etalage_tests::wait_until("the mail job to be marked done", || async {
            // The queue also holds the next night's purge; this is about the mail job.
            let found = etalage_core::store::entities::job::Entity::find()
                .filter(etalage_core::store::entities::job::Column::Kind.eq(mail::JOB_KIND))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap();
            (found.status == "done").then_some(found)
        })
        .await;
        assert!(row.payload.is_none());
    }
);

storage_test!(
    mail_of_a_rolled_back_change_is_never_sent,
    |app: TestApp| async move {
        let txn = app.db.begin().await.unwrap();
        mail::enqueue(&txn, &mail_to("kandidaat@example.nl"))
            .await
            .unwrap();
        txn.rollback().await.unwrap();
        mail::enqueue(&app.db, &mail_to("ander@example.nl"))
            .await
            .unwrap();
        // The rolled-back job never reached the table: once the queue has drained, exactly the
        // other mail has been sent.
        app.wait_for_jobs_drained().await;
        // The nightly purge waits on the queue too; this is about mail.
        let jobs = etalage_core::store::entities::job::Entity::find()
            .filter(etalage_core::store::entities::job::Column::Kind.eq(mail::JOB_KIND))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(jobs.len(), 1, "only the committed mail is queued");
        let mails = app.outbox();
        assert_eq!(mails.len(), 1);
        assert!(mails[0].contains("ander@example.nl"));
    }
);

storage_test!(a_job_survives_a_restart, |app: TestApp| async move {
    // A server without workers accepts the job and stops before anyone runs it.
    let storage = app.stop().await;
    let app = etalage_tests::start(storage, |c| c.jobs.workers = 0).await;
    mail::enqueue(&app.db, &mail_to("kandidaat@example.nl"))
        .await
        .unwrap();
    // Nobody has run it: it is still queued, untried, and nothing was sent.
    let job = etalage_core::store::entities::job::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("queued", 0));
    assert!(app.outbox().is_empty());
    let storage = app.stop().await;
    // The next server sends it.
    let app = etalage_tests::start(storage, |_| {}).await;
    let mails = app.wait_for_mail(1).await;
    assert!(mails[0].contains("kandidaat@example.nl"));
});

storage_test!(
    a_job_of_a_dead_worker_runs_again_after_its_lease,
    |app: TestApp| async move {
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |c| c.jobs.workers = 0).await;
        mail::enqueue(&app.db, &mail_to("kandidaat@example.nl"))
            .await
            .unwrap();
        // A worker leases it and "dies" (never completes it).
        let leased = jobs::lease(&app.db, "worker-that-died", 60_000)
            .await
            .unwrap()
            .expect("a due job");
        assert!(
            jobs::lease(&app.db, "another-worker", 300)
                .await
                .unwrap()
                .is_none(),
            "leased jobs are not handed out twice"
        );
        // Its lease runs out: set the deadline into the past rather than sleep past it, so the
        // test neither waits a lease long nor races one.
        etalage_core::store::entities::job::Entity::update_many()
            .col_expr(
                etalage_core::store::entities::job::Column::LockedUntilMs,
                Some(etalage_core::time::now_ms() - 1).into(),
            )
            .exec(&app.db)
            .await
            .unwrap();
        let again = jobs::lease(&app.db, "another-worker", 60_000)
            .await
            .unwrap()
            .expect("due again after the lease");
        assert_eq!(again.id, leased.id);
        assert_eq!(again.attempts, 2);
        // The dead worker cannot complete what is no longer its job.
        assert!(
            !jobs::complete(&app.db, leased.id, "worker-that-died")
                .await
                .unwrap()
        );
        assert!(
            jobs::complete(&app.db, again.id, "another-worker")
                .await
                .unwrap()
        );
    }
);

struct Flaky {
    calls: Arc<AtomicUsize>,
    fail_times: usize,
}

#[async_trait::async_trait]
impl JobHandler for Flaky {
    fn kind(&self) -> &'static str {
        "test.flaky"
    }
    async fn run(&self, _: &serde_json::Value) -> Result<(), JobError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.fail_times {
            Err(JobError::retry("provider unavailable"))
        } else {
            Ok(())
        }
    }
}

storage_test!(
    failed_jobs_retry_with_backoff_then_give_up,
    |app: TestApp| async move {
        // Only this test's workers may run the jobs.
        let storage = app.stop().await;
        let app = etalage_tests::start(storage, |c| c.jobs.workers = 0).await;
        let calls = Arc::new(AtomicUsize::new(0));
        let worker =
            Worker::new(app.db.clone(), WorkerConfig::default()).with_handler(Arc::new(Flaky {
                calls: calls.clone(),
                fail_times: 1,
            }));
        let mut job = NewJob::new("test.flaky", serde_json::json!({}));
        job.max_attempts = 2;
        let id = jobs::enqueue(&app.db, job).await.unwrap();
        let before = etalage_core::time::now_ms();
        assert!(worker.run_one().await.unwrap());
        // Failed once: scheduled later, with the error kept, not run again at once.
        let row = etalage_core::store::entities::job::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, "queued");
        assert_eq!(row.last_error.as_deref(), Some("provider unavailable"));
        // The first backoff is at least 2 s after the failure, which came after `before`.
        assert!(row.run_at_ms >= before + 2_000, "backed off");
        assert!(!worker.run_one().await.unwrap(), "not due yet");

        // A job that keeps failing ends as failed after its last attempt.
        let calls2 = Arc::new(AtomicUsize::new(0));
        let always =
            Worker::new(app.db.clone(), WorkerConfig::default()).with_handler(Arc::new(Flaky {
                calls: calls2,
                fail_times: usize::MAX,
            }));
        let mut job = NewJob::new("test.flaky", serde_json::json!({}));
        job.max_attempts = 1;
        let id = jobs::enqueue(&app.db, job).await.unwrap();
        assert!(always.run_one().await.unwrap());
        let row = etalage_core::store::entities::job::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, "failed");

        // An unknown kind fails for good at once.
        let id = jobs::enqueue(&app.db, NewJob::new("no.such.kind", serde_json::json!({})))
            .await
            .unwrap();
        assert!(always.run_one().await.unwrap());
        let row = etalage_core::store::entities::job::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, "failed");
    }
);

storage_test!(
    prv_6_the_audit_log_is_append_only_in_the_database,
    |app: TestApp| async move {
        etalage_core::audit::record(
            &app.db,
            etalage_core::audit::AuditEntry::new(
                etalage_core::audit::Actor::System,
                "test.event",
                "test:1",
            ),
        )
        .await
        .unwrap();
        // Raw statements on purpose: the database itself must refuse them, whoever sends them.
        #[allow(
            clippy::disallowed_methods,
            reason = "the test sends raw SQL on purpose"
        )]
        let update = app
            .db
            .execute_unprepared("UPDATE audit_events SET action = 'rewritten'")
            .await;
        assert!(update.is_err(), "updating history must fail");
        #[allow(
            clippy::disallowed_methods,
            reason = "the test sends raw SQL on purpose"
        )]
        let delete = app.db.execute_unprepared("DELETE FROM audit_events").await;
        assert!(delete.is_err(), "deleting history must fail");
    }
);
