//! Labels in the database. The label files (`tenants/labels/*.toml`) are the code; each start
//! writes them here, with their privacy statement versions. Operators' run-time changes are kept
//! apart as overrides, so a restart neither loses them nor lets them rewrite the files.
use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::audit::{self, Actor, AuditEntry};
use crate::store::entities::{label, statement_version};
use crate::store::versions::{self, Topic};
use crate::{CoreError, CoreResult, secrets, time};

/// A label as its file describes it.
#[derive(Clone, Debug)]
pub struct LabelRecord {
    pub slug: String,
    pub name: String,
    pub hostnames: Vec<String>,
    /// The whole file, as JSON, so the database shows what was loaded.
    pub file_config: serde_json::Value,
    pub statements: Vec<StatementRecord>,
}

#[derive(Clone, Debug)]
pub struct StatementRecord {
    pub version: String,
    pub published_on: NaiveDate,
    pub body: String,
}

/// What a sync did to one label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncOutcome {
    Created,
    Updated,
    Unchanged,
}

/// Writes a label file's content, in one transaction with its audit entry.
///
/// PRV-4: a published statement version is immutable, because acceptances point at it. A file
/// whose text for an existing version differs from what was published is refused: publish a new
/// version instead.
pub async fn sync(db: &DatabaseConnection, record: &LabelRecord) -> CoreResult<(i64, SyncOutcome)> {
    let txn = crate::store::begin_write(db).await?;
    let now = time::now();
    let hostnames =
        serde_json::to_string(&record.hostnames).map_err(|e| CoreError::Internal(e.to_string()))?;
    let file_config = record.file_config.to_string();
    let existing = label::Entity::find()
        .filter(label::Column::Slug.eq(&record.slug))
        .one(&txn)
        .await?;
    let (id, mut outcome) = match existing {
        None => {
            let row = label::ActiveModel {
                slug: Set(record.slug.clone()),
                name: Set(record.name.clone()),
                hostnames: Set(hostnames),
                file_config: Set(file_config),
                overrides: Set("{}".into()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            audit::record(
                &txn,
                AuditEntry::new(
                    Actor::System,
                    "label.create",
                    format!("label:{}", record.slug),
                )
                .label(record.slug.clone()),
            )
            .await?;
            (row.id, SyncOutcome::Created)
        }
        Some(row)
            if row.file_config != file_config
                || row.name != record.name
                || row.hostnames != hostnames =>
        {
            let id = row.id;
            let mut active: label::ActiveModel = row.into();
            active.name = Set(record.name.clone());
            active.hostnames = Set(hostnames);
            active.file_config = Set(file_config);
            active.updated_at = Set(now);
            active.update(&txn).await?;
            audit::record(
                &txn,
                AuditEntry::new(
                    Actor::System,
                    "label.file.update",
                    format!("label:{}", record.slug),
                )
                .label(record.slug.clone())
                .details(serde_json::json!({ "source": "label file" })),
            )
            .await?;
            (id, SyncOutcome::Updated)
        }
        Some(row) => (row.id, SyncOutcome::Unchanged),
    };

    for statement in &record.statements {
        let sha = secrets::sha256_hex(statement.body.as_bytes());
        let stored = statement_version::Entity::find()
            .filter(statement_version::Column::LabelId.eq(id))
            .filter(statement_version::Column::Version.eq(&statement.version))
            .one(&txn)
            .await?;
        match stored {
            Some(stored) if stored.sha256 != sha => {
                return Err(CoreError::Conflict(format!(
                    "label {}: privacy statement {} differs from the text published on {}; \
                     a published version cannot change, add a new version instead",
                    record.slug, statement.version, stored.published_on
                )));
            }
            Some(_) => {}
            None => {
                statement_version::ActiveModel {
                    label_id: Set(id),
                    version: Set(statement.version.clone()),
                    published_on: Set(statement.published_on),
                    body: Set(statement.body.clone()),
                    sha256: Set(sha.clone()),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                audit::record(
                    &txn,
                    AuditEntry::new(
                        Actor::System,
                        "privacy.statement.publish",
                        format!("label:{}", record.slug),
                    )
                    .label(record.slug.clone())
                    .details(serde_json::json!({ "version": statement.version, "sha256": sha })),
                )
                .await?;
                if outcome == SyncOutcome::Unchanged {
                    outcome = SyncOutcome::Updated;
                }
            }
        }
    }
    txn.commit().await?;
    Ok((id, outcome))
}

/// Every label row, by slug.
pub async fn all(conn: &impl ConnectionTrait) -> CoreResult<Vec<label::Model>> {
    Ok(label::Entity::find()
        .order_by_asc(label::Column::Slug)
        .all(conn)
        .await?)
}

/// The run-time overrides of a label (a JSON object).
pub async fn overrides(conn: &impl ConnectionTrait, slug: &str) -> CoreResult<serde_json::Value> {
    let row = label::Entity::find()
        .filter(label::Column::Slug.eq(slug))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound("label"))?;
    serde_json::from_str(&row.overrides)
        .map_err(|e| CoreError::Internal(format!("overrides of {slug} are not JSON: {e}")))
}

/// Every label's run-time overrides, by slug.
pub async fn all_overrides(
    conn: &impl ConnectionTrait,
) -> CoreResult<Vec<(String, serde_json::Value)>> {
    all(conn)
        .await?
        .into_iter()
        .map(|row| {
            let value = serde_json::from_str(&row.overrides).map_err(|e| {
                CoreError::Internal(format!("overrides of {} are not JSON: {e}", row.slug))
            })?;
            Ok((row.slug, value))
        })
        .collect()
}

/// Changes one label's overrides: `change` gets the stored ones and returns the new ones
/// (validated by the caller), all in one transaction with the audit entry. The `labels` change
/// version is bumped first, which on PostgreSQL takes its row lock: concurrent changes wait
/// for each other, so each reads what the previous one wrote and none is lost, and every other
/// server sees the version move and reloads the labels. Only this label's row is written.
pub async fn update_overrides(
    db: &DatabaseConnection,
    slug: &str,
    change: impl FnOnce(serde_json::Value) -> CoreResult<serde_json::Value>,
    actor: Actor,
    request_id: Option<String>,
) -> CoreResult<serde_json::Value> {
    let txn = crate::store::begin_write(db).await?;
    versions::bump(&txn, Topic::Labels).await?;
    let row = label::Entity::find()
        .filter(label::Column::Slug.eq(slug))
        .one(&txn)
        .await?
        .ok_or(CoreError::NotFound("label"))?;
    let before: serde_json::Value = serde_json::from_str(&row.overrides)
        .map_err(|e| CoreError::Internal(format!("overrides of {slug} are not JSON: {e}")))?;
    let after = change(before.clone())?;
    let mut active: label::ActiveModel = row.into();
    active.overrides = Set(after.to_string());
    active.updated_at = Set(time::now());
    active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::new(actor, "label.settings.update", format!("label:{slug}"))
            .label(slug.to_string())
            .details(serde_json::json!({ "before": before, "after": after }))
            .request_id(request_id),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// One statement version of a label.
pub async fn statement(
    conn: &impl ConnectionTrait,
    label_id: i64,
    version: &str,
) -> CoreResult<Option<statement_version::Model>> {
    Ok(statement_version::Entity::find()
        .filter(statement_version::Column::LabelId.eq(label_id))
        .filter(statement_version::Column::Version.eq(version))
        .one(conn)
        .await?)
}
