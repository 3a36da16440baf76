//! "My privacy" (PRV-5): every disclosure of the candidate's data (who received what, when),
//! every staff access to the profile, the consent ledger and the labels they came through.
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::CoreResult;
use crate::candidates::consent::{self, ConsentEntry};
use crate::store::entities::{audit_event, disclosure, processor};

/// A hand-over of the candidate's data to a plugin or processor.
#[derive(Clone, Debug, Serialize)]
pub struct MyDisclosure {
    pub at: chrono::DateTime<chrono::Utc>,
    pub label: String,
    /// The plugin that received the data, and the processor it acts for, if any.
    pub recipient: String,
    pub processor: Option<String>,
    pub data_categories: String,
    pub event: String,
    pub outcome: String,
}

/// A staff read of, or change to, the candidate's data.
#[derive(Clone, Debug, Serialize)]
pub struct StaffAccess {
    pub at: chrono::DateTime<chrono::Utc>,
    pub label: Option<String>,
    pub action: String,
    /// The staff account's id; names of staff are not personal data of the candidate, but the
    /// audit log holds ids only.
    pub staff_account_id: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PrivacyOverview {
    pub disclosures: Vec<MyDisclosure>,
    pub staff_accesses: Vec<StaffAccess>,
    pub consents: Vec<ConsentEntry>,
    pub privacy_requests: Vec<super::requests::PrivacyRequest>,
}

/// The subject string the audit log and disclosures use for a candidate.
pub fn subject(candidate_id: i64) -> String {
    format!("candidate:{candidate_id}")
}

pub async fn disclosures_of(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
) -> CoreResult<Vec<MyDisclosure>> {
    let needle = format!("\"{}\"", subject(candidate_id));
    let rows = disclosure::Entity::find()
        .filter(disclosure::Column::Subjects.contains(needle.as_str()))
        .order_by_desc(disclosure::Column::At)
        .all(conn)
        .await?;
    let processors = processor::Entity::find().all(conn).await?;
    Ok(rows
        .into_iter()
        // `contains` is a LIKE; confirm on the parsed list.
        .filter(|d| {
            serde_json::from_str::<Vec<String>>(&d.subjects)
                .is_ok_and(|s| s.contains(&subject(candidate_id)))
        })
        .map(|d| MyDisclosure {
            at: d.at,
            label: d.label,
            recipient: d.plugin_name,
            processor: d.processor_id.and_then(|id| {
                processors
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| p.name.clone())
            }),
            data_categories: d.data_categories,
            event: d.event,
            outcome: d.outcome,
        })
        .collect())
}

/// Audit entries about the candidate made by somebody else (staff), newest first.
pub async fn staff_accesses(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
    own_account: Option<i64>,
) -> CoreResult<Vec<StaffAccess>> {
    Ok(about(conn, candidate_id)
        .await?
        .into_iter()
        .filter(|e| e.actor_account_id.is_some() && e.actor_account_id != own_account)
        .map(|e| StaffAccess {
            at: e.at,
            label: e.label,
            action: e.action,
            staff_account_id: e.actor_account_id,
        })
        .collect())
}

/// Every audit entry about the candidate, newest first.
pub async fn about(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
) -> CoreResult<Vec<audit_event::Model>> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Subject.eq(subject(candidate_id)))
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .all(conn)
        .await?)
}

pub async fn overview(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
    own_account: Option<i64>,
) -> CoreResult<PrivacyOverview> {
    Ok(PrivacyOverview {
        disclosures: disclosures_of(conn, candidate_id).await?,
        staff_accesses: staff_accesses(conn, candidate_id, own_account).await?,
        consents: consent::history(conn, candidate_id).await?,
        privacy_requests: super::requests::for_export(conn, candidate_id).await?,
    })
}
