//! Which candidates a label's staff may see (TEN-2): those who came through the label, every
//! candidate for the platform operator's label (the controller of the one shared database), and
//! those who opted in to being visible to all labels. Every staff read of candidates goes
//! through a [`CandidateScope`]; there is no query that takes a label slug as a string.
use sea_orm::sea_query::{Condition, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use crate::CoreResult;
use crate::store::entities::{candidate, candidate_label};

/// The candidates one label may see. Built by the web layer from the label its permission check
/// passed in (never from a request field) and the label's `platform_operator` flag.
#[derive(Clone, Debug)]
pub struct CandidateScope {
    label_id: i64,
    slug: String,
    whole_pool: bool,
}

impl CandidateScope {
    pub async fn for_label(
        conn: &impl ConnectionTrait,
        slug: &str,
        platform_operator: bool,
    ) -> CoreResult<Self> {
        Ok(CandidateScope {
            label_id: super::label_id(conn, slug).await?,
            slug: slug.to_string(),
            whole_pool: platform_operator,
        })
    }

    pub fn label_id(&self) -> i64 {
        self.label_id
    }

    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// The condition a candidate row must meet to be seen through this scope.
    fn condition(&self) -> Condition {
        if self.whole_pool {
            return Condition::all();
        }
        Condition::any()
            .add(
                candidate::Column::Id.in_subquery(
                    Query::select()
                        .column(candidate_label::Column::CandidateId)
                        .from(candidate_label::Entity)
                        .and_where(candidate_label::Column::LabelId.eq(self.label_id))
                        .to_owned(),
                ),
            )
            .add(candidate::Column::VisibleToAllLabels.eq(true))
    }

    /// Candidates of the pool, narrowed to this scope.
    pub fn select(&self) -> Select<candidate::Entity> {
        candidate::Entity::find().filter(self.condition())
    }

    /// One candidate, if this scope sees them; otherwise `None`, as for an unknown id.
    pub async fn find(
        &self,
        conn: &impl ConnectionTrait,
        id: i64,
    ) -> CoreResult<Option<candidate::Model>> {
        Ok(self
            .select()
            .filter(candidate::Column::Id.eq(id))
            .one(conn)
            .await?)
    }
}

impl CandidateScope {
    /// Whether this label may erase the candidate on their request: a label they came through,
    /// or the platform operator's. A label that only sees them because they opted in to all
    /// labels may not remove them from everyone else.
    pub async fn may_erase(&self, conn: &impl ConnectionTrait, id: i64) -> CoreResult<bool> {
        if self.find(conn, id).await?.is_none() {
            return Ok(false);
        }
        if self.whole_pool {
            return Ok(true);
        }
        Ok(candidate_label::Entity::find()
            .filter(candidate_label::Column::CandidateId.eq(id))
            .filter(candidate_label::Column::LabelId.eq(self.label_id))
            .one(conn)
            .await?
            .is_some())
    }
}
