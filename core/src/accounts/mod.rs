//! Accounts of people who log in (staff, employers, candidates): e-mail, argon2id password hash,
//! roles per domain. Sessions, login throttling, two-factor login, password reset and the
//! first-admin setup live beside it.
pub mod invite;
pub mod password;
pub mod people;
pub mod purge;
pub mod reset;
pub mod sessions;
pub mod setup;
pub mod throttle;
pub mod two_factor;
pub mod unlock;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use crate::audit::{self, Actor, AuditEntry};
use crate::domain::{Email, PLATFORM_DOMAIN, Password};
use crate::store::entities::{account, account_role};
use crate::{CoreError, CoreResult, time};

pub use throttle::{ClientAddr, LoginThrottle};

pub const ROLE_PLATFORM_ADMIN: &str = "platform-admin";

/// An account as the rest of the system sees it: never its password hash.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub is_platform_admin: bool,
}

impl Account {
    /// The casbin subject for this account.
    pub fn subject(&self) -> String {
        crate::authz::subject_of(self.id)
    }
}

async fn to_account(conn: &impl ConnectionTrait, row: account::Model) -> CoreResult<Account> {
    let is_platform_admin = has_role(conn, row.id, PLATFORM_DOMAIN, ROLE_PLATFORM_ADMIN).await?;
    Ok(Account {
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        is_platform_admin,
    })
}

pub async fn has_role(
    conn: &impl ConnectionTrait,
    account_id: i64,
    domain: &str,
    role: &str,
) -> CoreResult<bool> {
    Ok(account_role::Entity::find()
        .filter(account_role::Column::AccountId.eq(account_id))
        .filter(account_role::Column::Domain.eq(domain))
        .filter(account_role::Column::Role.eq(role))
        .count(conn)
        .await?
        > 0)
}

fn parse_display_name(raw: &str) -> CoreResult<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(CoreError::invalid("display_name", "is required"));
    }
    if name.chars().count() > 120 {
        return Err(CoreError::invalid(
            "display_name",
            "must be at most 120 characters",
        ));
    }
    Ok(name.to_string())
}

/// Creates an account; a taken address is a `Conflict`.
pub async fn create(
    conn: &impl ConnectionTrait,
    email: &Email,
    display_name: &str,
    password: Option<&Password>,
) -> CoreResult<Account> {
    let display_name = parse_display_name(display_name)?;
    let password_hash = match password {
        Some(p) => Some(password::hash_async(p).await?),
        None => None,
    };
    let now = time::now();
    let row = account::ActiveModel {
        email: Set(email.as_str().to_string()),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            CoreError::Conflict("an account with this e-mail address exists".into())
        } else {
            e.into()
        }
    })?;
    to_account(conn, row).await
}

pub async fn grant_role(
    conn: &impl ConnectionTrait,
    account_id: i64,
    domain: &str,
    role: &str,
    granted_by: Option<i64>,
) -> CoreResult<()> {
    if has_role(conn, account_id, domain, role).await? {
        return Ok(());
    }
    // Every server reloads its policy when this counter moves.
    crate::store::versions::bump(conn, crate::store::versions::Topic::Authz).await?;
    account_role::ActiveModel {
        account_id: Set(account_id),
        domain: Set(domain.to_string()),
        role: Set(role.to_string()),
        granted_by: Set(granted_by),
        granted_at: Set(time::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Creates a platform admin (the `admin create` command and the first-admin setup), audited,
/// in one transaction.
pub async fn create_platform_admin(
    db: &DatabaseConnection,
    email: &Email,
    display_name: &str,
    password: &Password,
    actor: Actor,
) -> CoreResult<Account> {
    let txn = crate::store::begin_write(db).await?;
    let account = create_platform_admin_in(&txn, email, display_name, password, actor).await?;
    txn.commit().await?;
    Ok(account)
}

/// As [`create_platform_admin`], on the caller's transaction.
pub async fn create_platform_admin_in(
    conn: &impl ConnectionTrait,
    email: &Email,
    display_name: &str,
    password: &Password,
    actor: Actor,
) -> CoreResult<Account> {
    let account = create(conn, email, display_name, Some(password)).await?;
    let granted_by = match actor {
        Actor::Account(id) => Some(id),
        Actor::System => None,
    };
    grant_role(
        conn,
        account.id,
        PLATFORM_DOMAIN,
        ROLE_PLATFORM_ADMIN,
        granted_by,
    )
    .await?;
    audit::record(
        conn,
        AuditEntry::new(actor, "account.create", format!("account:{}", account.id))
            .details(serde_json::json!({ "roles": [ROLE_PLATFORM_ADMIN] })),
    )
    .await?;
    Ok(Account {
        is_platform_admin: true,
        ..account
    })
}

pub async fn find_by_id(conn: &impl ConnectionTrait, id: i64) -> CoreResult<Option<Account>> {
    match account::Entity::find_by_id(id).one(conn).await? {
        Some(row) if row.disabled_at.is_none() => Ok(Some(to_account(conn, row).await?)),
        _ => Ok(None),
    }
}

pub async fn find_by_email(
    conn: &impl ConnectionTrait,
    email: &Email,
) -> CoreResult<Option<account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .filter(account::Column::DisabledAt.is_null())
        .one(conn)
        .await?)
}

pub async fn any_platform_admin(conn: &impl ConnectionTrait) -> CoreResult<bool> {
    Ok(account_role::Entity::find()
        .filter(account_role::Column::Domain.eq(PLATFORM_DOMAIN))
        .filter(account_role::Column::Role.eq(ROLE_PLATFORM_ADMIN))
        .count(conn)
        .await?
        > 0)
}

/// One page of the accounts in `scope` (those holding a role in its label; every account for
/// a platform-wide reader), by e-mail address: `limit` of them after skipping `offset`.
pub async fn list_page(
    conn: &impl ConnectionTrait,
    scope: &crate::authz::PeopleScope,
    offset: u64,
    limit: u64,
) -> CoreResult<Vec<Account>> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::Query;
    let mut query = account::Entity::find()
        .filter(account::Column::DisabledAt.is_null())
        .order_by_asc(account::Column::Email)
        .order_by_asc(account::Column::Id);
    if !scope.everyone() {
        let members = Query::select()
            .column(account_role::Column::AccountId)
            .from(account_role::Entity)
            .and_where(account_role::Column::Domain.eq(scope.label()))
            .to_owned();
        query = query.filter(account::Column::Id.in_subquery(members));
    }
    let rows = query.offset(offset).limit(limit).all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(to_account(conn, row).await?);
    }
    Ok(out)
}

/// Checks e-mail and password under the login throttle and returns the account.
///
/// Every failure looks the same to the caller (`Unauthenticated`), whether the address is
/// unknown or the password wrong, and takes the same time; the throttle admits the attempt
/// before any password is checked, so guessing stays slow however fast (or parallel) the
/// requests come. A disabled account is named as such (`Forbidden`) only after its correct
/// password.
pub async fn authenticate(
    db: &DatabaseConnection,
    throttle: &LoginThrottle,
    email_raw: &str,
    password_attempt: &str,
    client: &ClientAddr,
) -> CoreResult<Account> {
    authenticate_as(db, throttle, email_raw, password_attempt, client, false).await
}

/// As [`authenticate`]; `owner_unlocked` skips the per-address limit for the owner who proved
/// they read the address's mail (an unlock link), never the per-client one.
pub async fn authenticate_as(
    db: &DatabaseConnection,
    throttle: &LoginThrottle,
    email_raw: &str,
    password_attempt: &str,
    client: &ClientAddr,
    owner_unlocked: bool,
) -> CoreResult<Account> {
    let email_key = email_raw.trim().to_lowercase();
    let attempt = throttle
        .admit(db, &email_key, client, owner_unlocked)
        .await?;
    let row = match Email::parse(email_raw) {
        Ok(email) => {
            account::Entity::find()
                .filter(account::Column::Email.eq(email.as_str()))
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    let stored = row.as_ref().and_then(|r| r.password_hash.clone());
    let verified = password::verify_async(stored, password_attempt).await?;
    let Some(row) = row.filter(|_| verified) else {
        // The attempt's records stay: they are the failure the throttle counts.
        return Err(CoreError::Unauthenticated);
    };
    attempt.withdraw(db).await?;
    if row.disabled_at.is_some() {
        return Err(CoreError::Forbidden);
    }
    // A login by the owner forgives the address's failures; one through an unlock link does
    // not, so whoever made them stays throttled.
    if !owner_unlocked {
        throttle.clear_account(db, &email_key).await?;
    }
    let mut active: account::ActiveModel = row.clone().into();
    active.last_login_at = Set(Some(time::now()));
    active.update(db).await?;
    to_account(db, row).await
}

/// Platform admins disable an account (`disabled: true`, all its sessions end in the same
/// transaction) or enable it again; audited. Nobody disables their own account.
pub async fn set_disabled(
    db: &DatabaseConnection,
    account_id: i64,
    disabled: bool,
    by: i64,
    request_id: Option<String>,
) -> CoreResult<()> {
    if account_id == by && disabled {
        return Err(CoreError::Conflict(
            "you cannot disable your own account".into(),
        ));
    }
    let txn = crate::store::begin_write(db).await?;
    let disabled_at = disabled.then(time::now);
    let result = account::Entity::update_many()
        .col_expr(account::Column::DisabledAt, disabled_at.into())
        .col_expr(account::Column::UpdatedAt, time::now().into())
        .filter(account::Column::Id.eq(account_id))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(CoreError::NotFound("account"));
    }
    if disabled {
        sessions::revoke_all(&txn, account_id).await?;
    }
    let action = if disabled {
        "account.disable"
    } else {
        "account.enable"
    };
    audit::record(
        &txn,
        AuditEntry::new(Actor::Account(by), action, format!("account:{account_id}"))
            .request_id(request_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The signed-in person changes their own password: the current one is checked first (under
/// the same throttle as a login, so a stolen session cannot guess it), then every other session
/// of theirs ends.
pub async fn change_own_password(
    db: &DatabaseConnection,
    throttle: &LoginThrottle,
    me: &Account,
    current: &str,
    new: &Password,
    client: &ClientAddr,
    keep_session_token: &str,
) -> CoreResult<()> {
    let email_key = me.email.to_lowercase();
    let attempt = throttle.admit(db, &email_key, client, false).await?;
    let stored = account::Entity::find_by_id(me.id)
        .one(db)
        .await?
        .and_then(|r| r.password_hash);
    if !password::verify_async(stored, current).await? {
        return Err(CoreError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    attempt.withdraw(db).await?;
    let txn = crate::store::begin_write(db).await?;
    write_password(
        &txn,
        me.id,
        new,
        Actor::Account(me.id),
        Some(keep_session_token),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password, ends every session of the account (whoever had it logged in is out),
/// and audits the change, all in one transaction.
pub async fn set_password(
    conn: &impl ConnectionTrait,
    account_id: i64,
    password: &Password,
    actor: Actor,
) -> CoreResult<()> {
    write_password(conn, account_id, password, actor, None).await
}

/// Stores the new hash and ends the account's sessions but `keep_session` (the session of the
/// person who changed it, when they did so while logged in).
async fn write_password(
    conn: &impl ConnectionTrait,
    account_id: i64,
    password: &Password,
    actor: Actor,
    keep_session: Option<&str>,
) -> CoreResult<()> {
    let hash = password::hash_async(password).await?;
    let result = account::Entity::update_many()
        .col_expr(account::Column::PasswordHash, Some(hash).into())
        .col_expr(account::Column::UpdatedAt, time::now().into())
        .filter(account::Column::Id.eq(account_id))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(CoreError::NotFound("account"));
    }
    match keep_session {
        Some(token) => sessions::revoke_others(conn, account_id, token).await?,
        None => sessions::revoke_all(conn, account_id).await?,
    }
    audit::record(
        conn,
        AuditEntry::new(
            actor,
            "account.password.set",
            format!("account:{account_id}"),
        ),
    )
    .await
}
