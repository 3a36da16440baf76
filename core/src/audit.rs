//! The audit log: who did what, when, in which label. Append-only (the database refuses updates
//! and deletes). Entries carry ids, never names or addresses, so that an erasure does not have to
//! touch history and history does not keep what was erased.
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, Set};
use serde::Serialize;

use crate::authz::{Authz, Checked, PlatformWide};
use crate::store::entities::audit_event;
use crate::{CoreResult, time};

/// Who acted: an account, or the system itself (a job, the retention engine, start-up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Account(i64),
    System,
}

/// One thing that happened, before it is written.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub actor: Actor,
    /// The label the change belongs to; `None` for platform-wide changes.
    pub label: Option<String>,
    /// Dotted verb, e.g. `label.settings.update`, `account.login`, `role.grant`.
    pub action: &'static str,
    /// What it happened to, e.g. `account:12`, `label:werkweb`.
    pub subject: String,
    pub details: serde_json::Value,
    pub request_id: Option<String>,
}

impl AuditEntry {
    pub fn new(actor: Actor, action: &'static str, subject: impl Into<String>) -> Self {
        AuditEntry {
            actor,
            label: None,
            action,
            subject: subject.into(),
            details: serde_json::json!({}),
            request_id: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    pub fn request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }
}

/// Writes an entry on `conn`; pass the transaction of the change so both land or neither does.
pub async fn record(conn: &impl ConnectionTrait, entry: AuditEntry) -> CoreResult<()> {
    audit_event::ActiveModel {
        at: Set(time::now()),
        actor_account_id: Set(match entry.actor {
            Actor::Account(id) => Some(id),
            Actor::System => None,
        }),
        label: Set(entry.label),
        action: Set(entry.action.to_string()),
        subject: Set(entry.subject),
        details: Set(entry.details.to_string()),
        request_id: Set(entry.request_id),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// An entry as shown in the console and the API.
#[derive(Clone, Debug, Serialize)]
pub struct AuditView {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_account_id: Option<i64>,
    pub label: Option<String>,
    pub action: String,
    pub subject: String,
    pub details: serde_json::Value,
}

/// Whose entries a reader may see. Built only by [`AuditScope::for_reader`] from a checked
/// `audit/read` permission, so the label it is limited to is the one the check passed in.
#[derive(Clone, Debug)]
pub struct AuditScope(Reach);

#[derive(Clone, Debug)]
enum Reach {
    /// One label's entries.
    Label(String),
    /// Every entry, optionally narrowed to one label; needs platform-wide `audit/read`.
    Everything(PlatformWide, Option<String>),
}

impl AuditScope {
    /// What the reader who passed `checked` (`audit/read` in a label) may read: platform admins
    /// every label's entries (or the one they `asked` for); anyone else only the checked
    /// label's, whatever they asked for.
    pub async fn for_reader(
        authz: &Authz,
        checked: &Checked,
        asked: Option<String>,
    ) -> CoreResult<AuditScope> {
        if checked.permission() != ("audit", "read") {
            return Err(crate::CoreError::Forbidden);
        }
        let asked = asked.filter(|l| !l.is_empty());
        Ok(AuditScope(
            match authz
                .platform_wide(checked.subject(), "audit", "read")
                .await?
            {
                Some(proof) => Reach::Everything(proof, asked),
                None => Reach::Label(checked.domain().to_string()),
            },
        ))
    }

    /// The one label the entries are limited to, if any.
    pub fn label(&self) -> Option<&str> {
        match &self.0 {
            Reach::Label(l) | Reach::Everything(_, Some(l)) => Some(l.as_str()),
            Reach::Everything(_, None) => None,
        }
    }
}

/// The newest entries first within `scope`; `before` pages backwards by id.
pub async fn recent(
    conn: &impl ConnectionTrait,
    scope: &AuditScope,
    before: Option<i64>,
    limit: u64,
) -> CoreResult<Vec<AuditView>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut query = audit_event::Entity::find().order_by_desc(audit_event::Column::Id);
    if let Some(label) = scope.label() {
        query = query.filter(audit_event::Column::Label.eq(label));
    }
    if let Some(before) = before {
        query = query.filter(audit_event::Column::Id.lt(before));
    }
    let rows = query.limit(limit.min(500)).all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditView {
            id: r.id,
            at: r.at,
            actor_account_id: r.actor_account_id,
            label: r.label,
            action: r.action,
            subject: r.subject,
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::authz::subject_of;
    use crate::domain::PLATFORM_DOMAIN;
    use crate::test_support::{TestDb, account_with};

    /// `account_id`'s `audit/read` check in werkweb, passed.
    async fn checked(authz: &Authz, account_id: i64) -> Checked {
        authz
            .checked(&subject_of(account_id), "werkweb", "audit", "read")
            .await
            .unwrap()
            .expect("they may read werkweb's audit log")
    }

    #[tokio::test]
    async fn an_operator_reads_only_their_label_whatever_they_ask_for() {
        let t = TestDb::new().await;
        let operator = account_with(&t, "op@example.org", &[("werkweb", "label-operator")]).await;
        let authz = t.authz().await;
        let checked = checked(&authz, operator).await;
        let scope = AuditScope::for_reader(&authz, &checked, Some("winwinwerkt".into()))
            .await
            .unwrap();
        assert!(matches!(&scope.0, Reach::Label(l) if l == "werkweb"));
        assert_eq!(scope.label(), Some("werkweb"));
    }

    #[tokio::test]
    async fn a_platform_admin_reads_everything_or_the_label_asked_for() {
        let t = TestDb::new().await;
        let admin = account_with(&t, "a@example.org", &[(PLATFORM_DOMAIN, "platform-admin")]).await;
        let authz = t.authz().await;
        let checked = checked(&authz, admin).await;
        let all = AuditScope::for_reader(&authz, &checked, Some(String::new()))
            .await
            .unwrap();
        assert!(matches!(all.0, Reach::Everything(_, None)));
        let one = AuditScope::for_reader(&authz, &checked, Some("winwinwerkt".into()))
            .await
            .unwrap();
        assert_eq!(one.label(), Some("winwinwerkt"));
    }
}
