//! Change versions: one counter per kind of state every server keeps in memory. A change bumps
//! its counter in its own transaction; each server compares the counter with the one it loaded
//! and reloads only when they differ. On PostgreSQL the bump also takes the counter's row lock,
//! so changes of one kind are applied one after the other.
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::CoreResult;
use crate::store::entities::change_version;

/// A kind of shared state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// Role links, role policies and label narrowings.
    Authz,
    /// Label settings (operators' overrides).
    Labels,
}

impl Topic {
    fn key(self) -> &'static str {
        match self {
            Topic::Authz => "authz",
            Topic::Labels => "labels",
        }
    }
}

/// Counts one change of `topic`; call it on the transaction that makes the change.
pub async fn bump(conn: &impl ConnectionTrait, topic: Topic) -> CoreResult<()> {
    let updated = change_version::Entity::update_many()
        .col_expr(
            change_version::Column::Version,
            Expr::col(change_version::Column::Version).add(1),
        )
        .filter(change_version::Column::Topic.eq(topic.key()))
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 {
        // The migration writes every row; a missing one (removed by hand) is written again.
        change_version::Entity::insert(change_version::ActiveModel {
            topic: Set(topic.key().to_string()),
            version: Set(1),
        })
        .exec(conn)
        .await?;
    }
    Ok(())
}

/// The number of changes of `topic` so far.
pub async fn current(conn: &impl ConnectionTrait, topic: Topic) -> CoreResult<i64> {
    Ok(change_version::Entity::find_by_id(topic.key().to_string())
        .one(conn)
        .await?
        .map(|row| row.version)
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::test_support::TestDb;

    #[tokio::test]
    async fn a_bump_counts_one_change_of_its_topic_only() {
        let t = TestDb::new().await;
        let before = current(&t.db, Topic::Labels).await.unwrap();
        bump(&t.db, Topic::Authz).await.unwrap();
        assert_eq!(current(&t.db, Topic::Labels).await.unwrap(), before);
        bump(&t.db, Topic::Labels).await.unwrap();
        assert_eq!(current(&t.db, Topic::Labels).await.unwrap(), before + 1);
    }
}
