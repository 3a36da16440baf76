//! Login sessions, stored in the database so they survive a restart and work across server
//! processes. The cookie holds a random token; the table holds only its hash.
use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{Account, find_by_id};
use crate::store::entities::session;
use crate::{CoreResult, secrets, time};

/// Creates a session for `account_id` lasting `ttl` from its last use; returns the cookie token.
pub async fn create(
    conn: &impl ConnectionTrait,
    account_id: i64,
    ttl: Duration,
) -> CoreResult<String> {
    let token = secrets::new_token();
    let now = time::now();
    session::ActiveModel {
        token_hash: Set(secrets::token_hash(&token)),
        account_id: Set(account_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + ttl),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The account behind a session token, if the session is live and the account enabled.
/// A session in use is extended (sliding expiry), at most once a minute to spare the database.
pub async fn lookup(
    conn: &impl ConnectionTrait,
    token: &str,
    ttl: Duration,
) -> CoreResult<Option<Account>> {
    let now = time::now();
    let Some(row) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(secrets::token_hash(token)))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if row.expires_at <= now {
        session::Entity::delete_by_id(row.id).exec(conn).await?;
        return Ok(None);
    }
    let Some(account) = find_by_id(conn, row.account_id).await? else {
        return Ok(None);
    };
    if now - row.last_seen_at > Duration::minutes(1) {
        let mut active: session::ActiveModel = row.into();
        active.last_seen_at = Set(now);
        active.expires_at = Set(now + ttl);
        active.update(conn).await?;
    }
    Ok(Some(account))
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

/// Removes expired sessions; run from time to time.
pub async fn purge_expired(conn: &impl ConnectionTrait) -> CoreResult<u64> {
    let result = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(time::now()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
