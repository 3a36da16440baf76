//! The first platform admin. On a fresh installation nobody can log in; `serve` prints a one-time
//! setup link (valid 24 hours, replaced at every start until it is used) with which the first
//! admin chooses their own address and password. The link is never stored, only its hash.
use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::{Account, any_platform_admin, create_platform_admin_in};
use crate::audit::Actor;
use crate::domain::{Email, Password};
use crate::store::entities::setup_token;
use crate::{CoreError, CoreResult, secrets, time};

/// A new setup token when there is no platform admin yet; `None` once there is one.
pub async fn issue_token(db: &DatabaseConnection) -> CoreResult<Option<String>> {
    if any_platform_admin(db).await? {
        return Ok(None);
    }
    let token = secrets::new_token();
    let now = time::now();
    let txn = crate::store::begin_write(db).await?;
    // Only the newest link works: an old one printed to a log somewhere is dead.
    setup_token::Entity::delete_many()
        .filter(setup_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    setup_token::ActiveModel {
        token_hash: Set(secrets::token_hash(&token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(24)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Some(token))
}

pub async fn is_valid(db: &DatabaseConnection, token: &str) -> CoreResult<bool> {
    Ok(find_live(db, token).await?.is_some() && !any_platform_admin(db).await?)
}

async fn find_live(
    conn: &impl sea_orm::ConnectionTrait,
    token: &str,
) -> CoreResult<Option<setup_token::Model>> {
    Ok(setup_token::Entity::find()
        .filter(setup_token::Column::TokenHash.eq(secrets::token_hash(token)))
        .one(conn)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > time::now()))
}

/// Creates the first platform admin with the setup token, which is spent.
pub async fn complete(
    db: &DatabaseConnection,
    token: &str,
    email: &Email,
    display_name: &str,
    password: &Password,
) -> CoreResult<Account> {
    let txn = crate::store::begin_write(db).await?;
    let Some(row) = find_live(&txn, token).await? else {
        return Err(CoreError::Conflict(
            "this setup link has expired or has been used; restart the server for a new one".into(),
        ));
    };
    if any_platform_admin(&txn).await? {
        return Err(CoreError::Conflict(
            "the platform already has an admin".into(),
        ));
    }
    let spent = setup_token::Entity::update_many()
        .col_expr(setup_token::Column::UsedAt, Some(time::now()).into())
        .filter(setup_token::Column::Id.eq(row.id))
        .filter(setup_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(CoreError::Conflict("this setup link has been used".into()));
    }
    let account =
        create_platform_admin_in(&txn, email, display_name, password, Actor::System).await?;
    txn.commit().await?;
    Ok(account)
}
