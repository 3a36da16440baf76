//! One erasure service for every path (CAN-3, PRV-1): the candidate's own "erase me", a request
//! handled by staff, and later a bounced reminder and retention. It removes the candidate's rows
//! from every data group that [`super::groups`] marks as deleted, in one transaction, and leaves
//! a receipt that holds no personal data.
//!
//! The promise is about bytes, not rows: SQLite runs with `secure_delete` (freed pages are
//! zeroed, see `store::connect`), and after the transaction the write-ahead log is checkpointed
//! and truncated, so the old page images do not linger in the WAL file.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, Set, Statement,
};
use serde::Serialize;

use crate::audit::{self, Actor, AuditEntry};
use crate::candidates::ROLE_CANDIDATE;
use crate::documents::DocumentStore;
use crate::store::entities::{
    account, account_role, account_totp, candidate, candidate_label, candidate_note, consent_event,
    email_verification, erasure_receipt, job, login_attempt, login_code, login_unlock,
    password_reset, pending_login, recovery_code, session,
};
use crate::{CoreError, CoreResult, time};

/// How the erasure was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The candidate, from their portal or the API.
    Candidate,
    /// Staff, handling a request that came by mail or phone.
    Staff,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Candidate => "self",
            Via::Staff => "staff",
        }
    }
}

/// Proof of an erasure, for the person and for staff; it names nobody.
#[derive(Clone, Debug, Serialize)]
pub struct ErasureReceipt {
    pub receipt_id: String,
    pub erased_at: chrono::DateTime<chrono::Utc>,
    pub via: String,
    pub data_groups: Vec<String>,
    pub processors_told: Vec<String>,
}

/// Erases candidate `candidate_id` and everything held about them.
pub async fn erase_candidate(
    db: &DatabaseConnection,
    documents: &DocumentStore,
    candidate_id: i64,
    via: Via,
    actor: Actor,
) -> CoreResult<ErasureReceipt> {
    let txn = crate::store::begin_write(db).await?;
    let row = candidate::Entity::find_by_id(candidate_id)
        .one(&txn)
        .await?
        .ok_or(CoreError::NotFound("candidate"))?;
    let email = row.email.to_lowercase();

    // Mails and requests not yet sent carry the address (and links, names).
    let pending = job::Entity::find()
        .filter(job::Column::Payload.is_not_null())
        .all(&txn)
        .await?;
    let doomed: Vec<i64> = pending
        .iter()
        .filter(|j| {
            j.payload
                .as_deref()
                .is_some_and(|p| p.to_lowercase().contains(&email))
        })
        .map(|j| j.id)
        .collect();
    if !doomed.is_empty() {
        job::Entity::delete_many()
            .filter(job::Column::Id.is_in(doomed))
            .exec(&txn)
            .await?;
    }
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::Key.eq(email.clone()))
        .exec(&txn)
        .await?;

    // The documents, their objects and the data key that sealed them (crypto-shredding: a
    // backup taken before today holds nothing readable either).
    crate::documents::erase_all_documents(&txn, documents, candidate_id).await?;

    // Requests stay as the record the law asks for, without the person (before the profile
    // goes: its deletion would cut the link that finds them).
    super::requests::scrub_for_erasure(&txn, candidate_id).await?;

    // The label links, the ledger, the notes and the verification links, then the profile.
    candidate_label::Entity::delete_many()
        .filter(candidate_label::Column::CandidateId.eq(candidate_id))
        .exec(&txn)
        .await?;
    consent_event::Entity::delete_many()
        .filter(consent_event::Column::CandidateId.eq(candidate_id))
        .exec(&txn)
        .await?;
    candidate_note::Entity::delete_many()
        .filter(candidate_note::Column::CandidateId.eq(candidate_id))
        .exec(&txn)
        .await?;
    email_verification::Entity::delete_many()
        .filter(email_verification::Column::CandidateId.eq(candidate_id))
        .exec(&txn)
        .await?;
    candidate::Entity::delete_by_id(candidate_id)
        .exec(&txn)
        .await?;

    if let Some(account_id) = row.account_id {
        erase_account(&txn, account_id).await?;
    }

    let receipt = ErasureReceipt {
        receipt_id: uuid::Uuid::new_v4().to_string(),
        erased_at: time::now(),
        via: via.as_str().to_string(),
        data_groups: super::groups::erased_groups()
            .into_iter()
            .map(str::to_string)
            .collect(),
        processors_told: Vec::new(),
    };
    erasure_receipt::ActiveModel {
        id: Set(receipt.receipt_id.clone()),
        erased_at: Set(receipt.erased_at),
        via: Set(receipt.via.clone()),
        data_groups: Set(serde_json::to_string(&receipt.data_groups).unwrap_or_default()),
        processors_told: Set(serde_json::to_string(&receipt.processors_told).unwrap_or_default()),
        index_purged_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry::new(
            actor,
            "candidate.erase",
            format!("candidate:{candidate_id}"),
        )
        .details(serde_json::json!({ "receipt": receipt.receipt_id })),
    )
    .await?;
    txn.commit().await?;
    scrub_storage(db).await?;
    Ok(receipt)
}

/// The candidate's login goes with them. An account that also holds staff roles (a recruiter
/// who was looking for work) keeps its login and loses only its candidate roles.
async fn erase_account(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<()> {
    let roles = account_role::Entity::find()
        .filter(account_role::Column::AccountId.eq(account_id))
        .all(conn)
        .await?;
    let staff = roles.iter().any(|r| r.role != ROLE_CANDIDATE);
    if staff {
        account_role::Entity::delete_many()
            .filter(account_role::Column::AccountId.eq(account_id))
            .filter(account_role::Column::Role.eq(ROLE_CANDIDATE))
            .exec(conn)
            .await?;
        return crate::store::versions::bump(conn, crate::store::versions::Topic::Authz).await;
    }
    session::Entity::delete_many()
        .filter(session::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    password_reset::Entity::delete_many()
        .filter(password_reset::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    login_unlock::Entity::delete_many()
        .filter(login_unlock::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    login_code::Entity::delete_many()
        .filter(login_code::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    pending_login::Entity::delete_many()
        .filter(pending_login::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    account_totp::Entity::delete_many()
        .filter(account_totp::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    account_role::Entity::delete_many()
        .filter(account_role::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    account::Entity::delete_by_id(account_id).exec(conn).await?;
    // Other servers drop the erased account's roles at their next reload.
    crate::store::versions::bump(conn, crate::store::versions::Topic::Authz).await
}

/// After an erasure on SQLite: fold the WAL into the database file and truncate it, so that
/// the pages that held the data exist only as the zeroed pages `secure_delete` left. A reader
/// holding an old snapshot can keep the checkpoint from finishing; it is retried briefly, and
/// the next checkpoint (SQLite runs them on its own) completes the job.
pub async fn scrub_storage(db: &DatabaseConnection) -> CoreResult<()> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    for _ in 0..20 {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ))
            .await?;
        let busy: i64 = row
            .as_ref()
            .and_then(|r| r.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0);
        if busy == 0 {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    tracing::warn!("the WAL checkpoint after an erasure stayed busy; SQLite finishes it later");
    Ok(())
}
