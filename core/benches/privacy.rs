//! The candidate's rights at speed (issue 8): erasing one candidate with 50 audit entries (and,
//! once documents are stored, 10 documents), exporting the same candidate, and registration
//! throughput (bounded by argon2 by design).
//!
//! `cargo bench -p etalage-core --bench privacy` prints the table in docs/benchmarks.md. Uploads
//! go through the document helper process, which is the `etalage` binary: name it in
//! `ETALAGE_BENCH_EXTRACTOR` (without it the candidates have no documents, and the table says
//! so). Under `cargo test` it runs a few rounds as a smoke test, asserting results, not timings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use etalage_core::accounts::reset::ResetContext;
use etalage_core::audit::{self, Actor, AuditEntry};
use etalage_core::candidates::{self, ProfileInput, PurposeChoices, Signup, Through};
use etalage_core::crypto::SecretsKey;
use etalage_core::documents::{
    self, DocumentKind, DocumentStore, Documents, Extractor, SandboxLimits,
};
use etalage_core::privacy::{erasure, export};
use etalage_core::store::entities::{candidate, label, statement_version};
use etalage_core::{store, time};
use etalage_migrations::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn row(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "| {name:<44} | {:>9.1} | {:>9.1} | {:>7} |",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.len()
    );
}

async fn database(dir: &std::path::Path) -> DatabaseConnection {
    let db = store::connect(&store::sqlite_url_for(&dir.join("bench.db")))
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let now = time::now();
    let l = label::ActiveModel {
        slug: Set("werkweb".into()),
        name: Set("WerkWeb".into()),
        hostnames: Set("[\"werkweb.localhost\"]".into()),
        file_config: Set("{}".into()),
        overrides: Set("{}".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    statement_version::ActiveModel {
        label_id: Set(l.id),
        version: Set("1.3".into()),
        published_on: Set(chrono::NaiveDate::from_ymd_opt(2021, 11, 1).unwrap()),
        body: Set("Privacyverklaring".into()),
        sha256: Set("0".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();
    db
}

fn through() -> Through {
    Through {
        slug: "werkweb".into(),
        current_statement_version: "1.3".into(),
        mail: ResetContext {
            label_slug: "werkweb".into(),
            label_name: "WerkWeb".into(),
            reply_to: None,
            base_url: "https://werkweb.net".into(),
            locale: "nl".into(),
        },
    }
}

fn signup(n: usize) -> Signup {
    Signup {
        name: format!("Kandidaat {n}"),
        email: format!("kandidaat{n}@example.nl"),
        password: "een wachtwoord voor de meting".into(),
        profile: ProfileInput {
            place: Some("Utrecht".into()),
            province: Some("Utrecht".into()),
            skills: Some(vec!["Rust".into(), "SQL".into()]),
            summary: Some("Ervaren ontwikkelaar met oog voor privacy.".into()),
            ..Default::default()
        },
        accepted_statement_version: Some("1.3".into()),
        purposes: PurposeChoices {
            other_labels: Some(true),
            showcase: Some(true),
            vacancy_mails: Some(false),
        },
        form: "api",
    }
}

async fn candidate_id(db: &DatabaseConnection, n: usize) -> i64 {
    candidate::Entity::find()
        .filter(candidate::Column::Email.eq(format!("kandidaat{n}@example.nl")))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = if full { 30 } else { 3 };
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let store = DocumentStore::local(&dir.path().join("documents")).unwrap();
    let extractor = std::env::var_os("ETALAGE_BENCH_EXTRACTOR").map(std::path::PathBuf::from);
    let docs = Documents {
        store: store.clone(),
        extractor: Extractor::new(
            extractor.clone().unwrap_or_default(),
            SandboxLimits::default(),
            None,
        ),
        key: SecretsKey::from_base64("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").unwrap(),
    };
    let per_candidate = if extractor.is_some() { 10 } else { 0 };

    // Registration: one after another, then eight at once (argon2 runs on a bounded pool).
    let mut sequential = Vec::new();
    for n in 0..rounds {
        let t = Instant::now();
        candidates::register(&db, &through(), signup(n))
            .await
            .unwrap();
        sequential.push(t.elapsed());
    }
    let burst = if full { 32 } else { 4 };
    let t = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..burst {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            candidates::register(&db, &through(), signup(1000 + n))
                .await
                .unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let burst_time = t.elapsed();

    // Export and erasure of candidates with 50 audit entries each.
    let mut exports = Vec::new();
    let mut erasures = Vec::new();
    for n in 0..rounds {
        let id = candidate_id(&db, n).await;
        for i in 0..50 {
            audit::record(
                &db,
                AuditEntry::new(
                    Actor::Account(1),
                    "candidate.read",
                    format!("candidate:{id}"),
                )
                .label("werkweb")
                .details(serde_json::json!({ "i": i })),
            )
            .await
            .unwrap();
        }
        for d in 0..per_candidate {
            let text = format!("Curriculum vitae {n}-{d}\nErvaring: tien jaar Rust.\n").repeat(40);
            documents::upload(
                &db,
                &docs,
                id,
                DocumentKind::Cv,
                &format!("cv-{d}.txt"),
                text.as_bytes(),
            )
            .await
            .unwrap();
        }
        let t = Instant::now();
        let row = candidate::Entity::find_by_id(id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        let listed = documents::list(&db, &docs.key, id).await.unwrap();
        let mut files = Vec::new();
        for d in &listed {
            let (_, bytes) = documents::open(&db, &docs, id, &d.id).await.unwrap();
            files.push(export::ExportFile::document(&d.id, &d.name, bytes));
        }
        let doc = export::document(&db, row, listed).await.unwrap();
        let zip = export::zip(&doc, &files, "nl").unwrap();
        assert_eq!(files.len(), per_candidate);
        exports.push(t.elapsed());
        assert!(zip.len() > 100 && doc.audit.len() > 50);

        let t = Instant::now();
        erasure::erase_candidate(&db, &store, id, erasure::Via::Staff, Actor::System)
            .await
            .unwrap();
        erasures.push(t.elapsed());
    }
    // The burst's candidates are still there; the erased ones are gone.
    assert!(
        candidate::Entity::find()
            .filter(candidate::Column::Email.eq("kandidaat1000@example.nl"))
            .one(&db)
            .await
            .unwrap()
            .is_some()
    );

    println!("SQLite, one label, {rounds} rounds, {per_candidate} documents per candidate");
    println!("| operation                                    | median ms |    p99 ms | samples |");
    println!("|----------------------------------------------|-----------|-----------|---------|");
    row(
        "register one candidate (argon2id, sequential)",
        sequential.clone(),
    );
    row("export one candidate (50 audit, docs, zip)", exports);
    row("erase one candidate (50 audit, docs)", erasures);
    println!(
        "registration throughput: {:.1}/s sequential, {:.1}/s with {burst} at once",
        rounds as f64 / sequential.iter().sum::<Duration>().as_secs_f64(),
        burst as f64 / burst_time.as_secs_f64()
    );
}
