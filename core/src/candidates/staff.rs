//! What a label's staff do with candidates: the paged list, the candidate page (every read
//! audited, PRV-6), and the label's own notes (TEN-2: another label never sees them).
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;

use super::scope::CandidateScope;
use super::{Availability, CandidateView, view_of};
use crate::audit::{self, Actor, AuditEntry};
use crate::store::entities::{candidate, candidate_note};
use crate::{CoreError, CoreResult, time};

pub const MAX_PER_PAGE: u64 = 100;

/// Filters of the candidate list.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub availability: Option<Availability>,
    pub province: Option<String>,
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
}

/// A line of the list: enough to pick a candidate, no more.
#[derive(Clone, Debug, Serialize)]
pub struct CandidateSummary {
    pub id: i64,
    pub name: Option<String>,
    pub place: Option<String>,
    pub province: Option<String>,
    pub desired_work: Option<String>,
    pub availability: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CandidatePage {
    pub items: Vec<CandidateSummary>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &CandidateScope,
    filter: &ListFilter,
) -> CoreResult<CandidatePage> {
    let per_page = filter.per_page.clamp(1, MAX_PER_PAGE);
    let page = crate::domain::page_number(filter.page)?;
    let mut query = scope.select();
    if let Some(a) = filter.availability {
        query = query.filter(candidate::Column::Availability.eq(a.as_str()));
    }
    if let Some(p) = &filter.province {
        query = query.filter(candidate::Column::Province.eq(p.clone()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(candidate::Column::UpdatedAt.gte(since));
    }
    let paginator = query
        .order_by_desc(candidate::Column::UpdatedAt)
        .order_by_desc(candidate::Column::Id)
        .paginate(conn, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page - 1).await?;
    Ok(CandidatePage {
        items: rows
            .into_iter()
            .map(|r| CandidateSummary {
                id: r.id,
                name: r.name,
                place: r.place,
                province: r.province,
                desired_work: r.desired_work,
                availability: r.availability,
                updated_at: r.updated_at,
            })
            .collect(),
        page,
        per_page,
        total,
    })
}

/// A note of the label on a candidate.
#[derive(Clone, Debug, Serialize)]
pub struct Note {
    pub id: i64,
    pub author_account_id: Option<i64>,
    pub body: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The candidate page as staff see it: the profile and this label's notes.
#[derive(Clone, Debug, Serialize)]
pub struct StaffCandidateView {
    #[serde(flatten)]
    pub candidate: CandidateView,
    pub notes: Vec<Note>,
}

/// One candidate for staff; the read is written to the audit log in the same transaction
/// (PRV-6), so there is no read without its trace.
pub async fn get(
    conn: &impl ConnectionTrait,
    scope: &CandidateScope,
    id: i64,
    reader: i64,
    request_id: Option<String>,
) -> CoreResult<StaffCandidateView> {
    let row = scope
        .find(conn, id)
        .await?
        .ok_or(CoreError::NotFound("candidate"))?;
    audit::record(
        conn,
        AuditEntry::new(
            Actor::Account(reader),
            "candidate.read",
            format!("candidate:{id}"),
        )
        .label(scope.slug().to_string())
        .request_id(request_id),
    )
    .await?;
    let notes = notes_of(conn, scope, id).await?;
    Ok(StaffCandidateView {
        candidate: view_of(conn, row).await?,
        notes,
    })
}

async fn notes_of(
    conn: &impl ConnectionTrait,
    scope: &CandidateScope,
    candidate_id: i64,
) -> CoreResult<Vec<Note>> {
    Ok(candidate_note::Entity::find()
        .filter(candidate_note::Column::CandidateId.eq(candidate_id))
        .filter(candidate_note::Column::LabelId.eq(scope.label_id()))
        .order_by_asc(candidate_note::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|n| Note {
            id: n.id,
            author_account_id: n.author_account_id,
            body: n.body,
            created_at: n.created_at,
        })
        .collect())
}

/// Adds a note of the label on a candidate it sees.
pub async fn add_note(
    conn: &impl ConnectionTrait,
    scope: &CandidateScope,
    candidate_id: i64,
    author: i64,
    body: &str,
) -> CoreResult<Note> {
    let body = body.trim();
    if body.is_empty() {
        return Err(CoreError::invalid("body", "is required"));
    }
    if body.chars().count() > 5000 {
        return Err(CoreError::invalid(
            "body",
            "must be at most 5000 characters",
        ));
    }
    super::profile::refuse_special_data("body", body)?;
    if scope.find(conn, candidate_id).await?.is_none() {
        return Err(CoreError::NotFound("candidate"));
    }
    let row = candidate_note::ActiveModel {
        candidate_id: Set(candidate_id),
        label_id: Set(scope.label_id()),
        author_account_id: Set(Some(author)),
        body: Set(body.to_string()),
        created_at: Set(time::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        AuditEntry::new(
            Actor::Account(author),
            "candidate.note.add",
            format!("candidate:{candidate_id}"),
        )
        .label(scope.slug().to_string()),
    )
    .await?;
    Ok(Note {
        id: row.id,
        author_account_id: row.author_account_id,
        body: row.body,
        created_at: row.created_at,
    })
}
