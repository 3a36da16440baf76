//! PRV-2, PRV-5: the one way personal data reaches a plugin. A processor hand-over needs a
//! register entry that covers what goes over; every hand-over is on record before the data
//! leaves, and its outcome after.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use etalage_core::audit::Actor;
use etalage_core::plugins::handover::{self, HandOver, IN_PROGRESS, Recipient};
use etalage_core::plugins::{
    CandidateFeatures, MatchBatch, Matcher, PluginError, Ranking, VacancyProfile,
};
use etalage_core::processors::{self, ProcessorInput};
use etalage_core::store::entities::disclosure;
use etalage_tests::{TestApp, storage_test};
use sea_orm::{DatabaseConnection, EntityTrait};

fn recipient(processor_id: Option<i64>) -> Recipient {
    Recipient {
        label: "werkweb".into(),
        plugin: "payroll-connector".into(),
        version: "1.0.0".into(),
        processor_id,
    }
}

async fn outcomes(db: &DatabaseConnection) -> Vec<String> {
    disclosure::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.outcome)
        .collect()
}

/// A matcher that looks at the disclosures while it runs.
struct Watching {
    db: DatabaseConnection,
    seen_while_running: std::sync::Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl Matcher for Watching {
    async fn rank(&self, batch: &MatchBatch) -> Result<Ranking, PluginError> {
        *self.seen_while_running.lock().unwrap() = outcomes(&self.db).await;
        Ranking::from_columns(
            batch.len(),
            vec![0.5; batch.len()],
            String::new(),
            vec![0; batch.len()],
        )
    }
}

storage_test!(
    prv_5_a_hand_over_is_on_record_before_the_data_leaves,
    |app: TestApp| async move {
        let matcher = Watching {
            db: app.db.clone(),
            seen_while_running: Default::default(),
        };
        let vacancy = VacancyProfile {
            id: "v1".into(),
            skills: vec![],
            region: None,
            hours_per_week: None,
            min_years_experience: None,
            languages: vec![],
            driving_licences: vec![],
        };
        let batch = MatchBatch::from_candidates(
            &vacancy,
            &[CandidateFeatures {
                id: "p-1".into(),
                skills: vec![],
                region: None,
                hours_per_week: None,
                years_experience: 0,
                languages: vec![],
                driving_licences: vec![],
            }],
        );
        let ranking = handover::rank(&app.db, &recipient(None), &matcher, &batch)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ranking.len(), 1);
        assert_eq!(*matcher.seen_while_running.lock().unwrap(), [IN_PROGRESS]);
        assert_eq!(outcomes(&app.db).await, ["ok"]);
        let row = disclosure::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.event, "match.rank");
        assert_eq!(row.subjects, r#"["p-1"]"#);
    }
);

storage_test!(
    prv_2_a_processor_hand_over_needs_a_register_entry_that_covers_its_data,
    |app: TestApp| async move {
        let sent = Arc::new(AtomicBool::new(false));
        let call = || {
            let sent = sent.clone();
            async move {
                sent.store(true, Ordering::SeqCst);
                Ok::<_, PluginError>("PL-1".to_string())
            }
        };
        let subjects = ["p-1".to_string()];
        let placement = HandOver {
            event: "payroll.place-worker",
            data_categories: &["contact details", "BSN", "IBAN"],
            subjects: &subjects,
        };

        // No register entry at all.
        let refused = handover::to_processor(&app.db, &recipient(None), placement, call())
            .await
            .unwrap();
        assert!(
            matches!(&refused, Err(PluginError::Unavailable(m)) if m.contains("processors register")),
            "{refused:?}"
        );

        // An entry that does not name the BSN.
        let partial = processors::save(
            &app.db,
            None,
            ProcessorInput {
                name: "Payrollpartner".into(),
                purpose: "Juridisch werkgever van uitzendkrachten".into(),
                data_categories: vec!["contact details".into(), "IBAN".into()],
                agreement_reference: "VO-2021-07".into(),
                endpoints: vec!["https://api.payroll.example/v1".into()],
            },
            &Default::default(),
            Actor::System,
        )
        .await
        .unwrap();
        let refused =
            handover::to_processor(&app.db, &recipient(Some(partial.id)), placement, call())
                .await
                .unwrap();
        assert!(
            matches!(&refused, Err(PluginError::Unavailable(m)) if m.contains("does not cover BSN")),
            "{refused:?}"
        );
        assert!(!sent.load(Ordering::SeqCst), "nothing went over");
        assert!(outcomes(&app.db).await.is_empty(), "nothing to disclose");

        // The entry names every category: the call runs and is on record.
        let full = processors::save(
            &app.db,
            Some(partial.id),
            ProcessorInput {
                name: "Payrollpartner".into(),
                purpose: "Juridisch werkgever van uitzendkrachten".into(),
                data_categories: vec!["Contact details".into(), "IBAN".into(), "BSN".into()],
                agreement_reference: "VO-2021-07".into(),
                endpoints: vec!["https://api.payroll.example/v1".into()],
            },
            &Default::default(),
            Actor::System,
        )
        .await
        .unwrap();
        let reference =
            handover::to_processor(&app.db, &recipient(Some(full.id)), placement, call())
                .await
                .unwrap();
        assert_eq!(reference.unwrap(), "PL-1");
        assert!(sent.load(Ordering::SeqCst));
        assert_eq!(outcomes(&app.db).await, ["ok"]);

        // A failing call is on record with its error: the data went over all the same.
        let failed = handover::to_processor(&app.db, &recipient(Some(full.id)), placement, async {
            Err::<String, _>(PluginError::Deadline(15_000))
        })
        .await
        .unwrap();
        assert_eq!(failed, Err(PluginError::Deadline(15_000)));
        assert_eq!(
            outcomes(&app.db).await,
            [
                "ok",
                "the plugin did not finish within 15000 ms and was stopped"
            ]
        );
    }
);
