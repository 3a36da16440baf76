//! Every hand-over of personal data to a plugin or processor is recorded here (PRV-2), so a
//! data subject can see each one (PRV-5). Entries name people by id only.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

use crate::store::entities::disclosure;
use crate::{CoreResult, time};

#[derive(Clone, Debug)]
pub struct NewDisclosure {
    pub label: String,
    pub plugin_name: String,
    pub plugin_version: String,
    pub processor_id: Option<i64>,
    pub data_categories: Vec<String>,
    /// What happened: `match.rank`, `payroll.place-worker`, …
    pub event: String,
    pub subjects: Vec<String>,
    /// `ok` or the error class.
    pub outcome: String,
}

/// Writes a disclosure; its id, for [`finish`].
pub async fn record(conn: &impl ConnectionTrait, d: NewDisclosure) -> CoreResult<i64> {
    let row = disclosure::ActiveModel {
        at: Set(time::now()),
        label: Set(d.label),
        plugin_name: Set(d.plugin_name),
        plugin_version: Set(d.plugin_version),
        processor_id: Set(d.processor_id),
        data_categories: Set(d.data_categories.join(", ")),
        event: Set(d.event),
        subjects: Set(serde_json::to_string(&d.subjects).unwrap_or_else(|_| "[]".into())),
        outcome: Set(d.outcome),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// Sets how the hand-over of a recorded disclosure ended.
pub async fn finish(conn: &impl ConnectionTrait, id: i64, outcome: &str) -> CoreResult<()> {
    disclosure::ActiveModel {
        id: Set(id),
        outcome: Set(outcome.to_string()),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize)]
pub struct DisclosureView {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub label: String,
    pub plugin_name: String,
    pub plugin_version: String,
    pub processor_id: Option<i64>,
    pub data_categories: String,
    pub event: String,
    pub subjects: usize,
    pub outcome: String,
}

/// The newest disclosures of one label.
pub async fn recent(
    conn: &impl ConnectionTrait,
    label: &str,
    limit: u64,
) -> CoreResult<Vec<DisclosureView>> {
    Ok(disclosure::Entity::find()
        .filter(disclosure::Column::Label.eq(label))
        .order_by_desc(disclosure::Column::Id)
        .limit(limit.min(500))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| DisclosureView {
            id: d.id,
            at: d.at,
            label: d.label,
            plugin_name: d.plugin_name,
            plugin_version: d.plugin_version,
            processor_id: d.processor_id,
            data_categories: d.data_categories,
            event: d.event,
            subjects: serde_json::from_str::<Vec<String>>(&d.subjects)
                .map(|v| v.len())
                .unwrap_or(0),
            outcome: d.outcome,
        })
        .collect())
}
