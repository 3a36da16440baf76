//! Login sessions, stored in the database so they survive a restart and work across server
//! processes. The cookie holds a random token; the table holds only its hash.
//!
//! A session ends after `idle` without use (sliding) and, however busy, `absolute` after it
//! began: a stolen cookie does not stay good for ever by being used.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::{Account, find_by_id};
use crate::store::entities::session;
use crate::{CoreError, CoreResult, secrets, time};

/// How long sessions last.
#[derive(Clone, Copy, Debug)]
pub struct Lifetime {
    /// Without use for this long, a session ends.
    pub idle: Duration,
    /// After this long since login, a session ends even while in use.
    pub absolute: Duration,
}

impl Lifetime {
    /// When a session created at `created_at` and last used `now` expires.
    fn expiry(&self, created_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
        (now + self.idle).min(created_at + self.absolute)
    }
}

/// Longest stored user agent; a client's description, not a place to store a novel.
const MAX_CLIENT_LEN: usize = 200;

/// Creates a session for `account_id`; returns the cookie token. `client` (the user agent) is
/// kept so that the owner can tell their sessions apart.
pub async fn create(
    conn: &impl ConnectionTrait,
    account_id: i64,
    lifetime: Lifetime,
    client: Option<&str>,
) -> CoreResult<String> {
    let token = secrets::new_token();
    let now = time::now();
    let client = client.map(|c| c.chars().take(MAX_CLIENT_LEN).collect::<String>());
    session::ActiveModel {
        token_hash: Set(secrets::token_hash(&token)),
        account_id: Set(account_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(lifetime.expiry(now, now)),
        client: Set(client),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The account behind a session token, if the session is live and the account enabled.
/// A session in use is extended (sliding expiry, never past its absolute end), at most once a
/// minute to spare the database.
pub async fn lookup(
    conn: &impl ConnectionTrait,
    token: &str,
    lifetime: Lifetime,
) -> CoreResult<Option<Account>> {
    let now = time::now();
    let Some(row) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(secrets::token_hash(token)))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if row.expires_at <= now || row.created_at + lifetime.absolute <= now {
        session::Entity::delete_by_id(row.id).exec(conn).await?;
        return Ok(None);
    }
    let Some(account) = find_by_id(conn, row.account_id).await? else {
        return Ok(None);
    };
    if now - row.last_seen_at > Duration::minutes(1) {
        let created_at = row.created_at;
        let mut active: session::ActiveModel = row.into();
        active.last_seen_at = Set(now);
        active.expires_at = Set(lifetime.expiry(created_at, now));
        active.update(conn).await?;
    }
    Ok(Some(account))
}

/// One of a person's sessions, as they see it in their list.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SessionView {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub client: Option<String>,
    /// The session this list was asked for from.
    pub current: bool,
}

/// The live sessions of `account_id`, newest first; `current_token` marks the caller's own.
pub async fn list_of(
    conn: &impl ConnectionTrait,
    account_id: i64,
    current_token: Option<&str>,
) -> CoreResult<Vec<SessionView>> {
    let current_hash = current_token.map(secrets::token_hash);
    let rows = session::Entity::find()
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::ExpiresAt.gt(time::now()))
        .order_by_desc(session::Column::CreatedAt)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| SessionView {
            current: current_hash.as_deref() == Some(row.token_hash.as_str()),
            id: row.id,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
            client: row.client,
        })
        .collect())
}

/// Ends session `session_id` of `account_id`. Another account's session is `NotFound`, exactly
/// like one that does not exist.
pub async fn end_own(
    conn: &impl ConnectionTrait,
    account_id: i64,
    session_id: i64,
) -> CoreResult<()> {
    let result = session::Entity::delete_many()
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(CoreError::NotFound("session"));
    }
    Ok(())
}

pub async fn revoke(conn: &impl ConnectionTrait, token: &str) -> CoreResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(secrets::token_hash(token)))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn revoke_all(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of `account_id` but the one holding `keep_token`.
pub async fn revoke_others(
    conn: &impl ConnectionTrait,
    account_id: i64,
    keep_token: &str,
) -> CoreResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::TokenHash.ne(secrets::token_hash(keep_token)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Removes expired sessions (the daily purge).
pub async fn purge_expired(conn: &impl ConnectionTrait) -> CoreResult<u64> {
    let result = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(time::now()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
