//! One-time login codes for candidates (CAN-2): applicants without a password, or who forgot
//! it, get six digits and a link by mail. Short-lived, single use, at most a few tries per
//! code, and the address and client throttled as a password login is. Staff accounts never log
//! in this way: a code is one factor, and their roles need their password (and second factor).
use chrono::Duration;
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use super::ROLE_CANDIDATE;
use crate::accounts::reset::ResetContext;
use crate::accounts::{self, Account, ClientAddr, LoginThrottle};
use crate::audit::{self, Actor, AuditEntry};
use crate::domain::Email;
use crate::jobs::{self, JobError, JobHandler, NewJob};
use crate::mail::{self, OutgoingMail};
use crate::store::entities::{account, account_role, login_code};
use crate::{CoreError, CoreResult, secrets, time};

pub const VALID_FOR_MINUTES: i64 = 10;
const MAX_TRIES_PER_CODE: i32 = 5;
const MIN_SECONDS_BETWEEN_MAILS: i64 = 60;
pub const REQUEST_JOB_KIND: &str = "candidate.login_code.request";

#[derive(Debug, Serialize, Deserialize)]
struct CodeRequest {
    email: String,
    ctx: ResetContext,
}

/// Asks for a code. Like a password reset, this only enqueues a job, so known and unknown
/// addresses do the same work here and answer alike.
pub async fn request(
    conn: &impl ConnectionTrait,
    email_raw: &str,
    ctx: &ResetContext,
) -> CoreResult<()> {
    let email = Email::parse(email_raw)?;
    let payload = serde_json::to_value(CodeRequest {
        email: email.as_str().to_string(),
        ctx: ctx.clone(),
    })
    .map_err(|e| CoreError::Internal(format!("code request does not serialise: {e}")))?;
    jobs::enqueue(conn, NewJob::new(REQUEST_JOB_KIND, payload)).await?;
    Ok(())
}

pub struct LoginCodeHandler {
    db: DatabaseConnection,
}

impl LoginCodeHandler {
    pub fn new(db: DatabaseConnection) -> Self {
        LoginCodeHandler { db }
    }
}

#[async_trait::async_trait]
impl JobHandler for LoginCodeHandler {
    fn kind(&self) -> &'static str {
        REQUEST_JOB_KIND
    }

    async fn run(&self, payload: &serde_json::Value) -> Result<(), JobError> {
        let request: CodeRequest = serde_json::from_value(payload.clone())
            .map_err(|e| JobError::permanent(format!("bad code request: {e}")))?;
        let email = Email::parse(&request.email)
            .map_err(|e| JobError::permanent(format!("bad code request: {e}")))?;
        send_code(&self.db, &email, &request.ctx)
            .await
            .map_err(|e| JobError::retry(e.to_string()))
    }
}

/// Whether every role of the account is the candidate role: only such accounts use codes.
async fn candidate_only(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<bool> {
    let roles = account_role::Entity::find()
        .filter(account_role::Column::AccountId.eq(account_id))
        .all(conn)
        .await?;
    Ok(!roles.is_empty() && roles.iter().all(|r| r.role == ROLE_CANDIDATE))
}

async fn send_code(db: &DatabaseConnection, email: &Email, ctx: &ResetContext) -> CoreResult<()> {
    let Some(account) = accounts::find_by_email(db, email).await? else {
        return Ok(());
    };
    // A code is one factor: an account that turned on a second one keeps needing it.
    if !candidate_only(db, account.id).await?
        || crate::accounts::two_factor::is_enabled(db, account.id).await?
    {
        return Ok(());
    }
    let now = time::now();
    let recent = login_code::Entity::find()
        .filter(login_code::Column::AccountId.eq(account.id))
        .filter(
            login_code::Column::CreatedAt.gt(now - Duration::seconds(MIN_SECONDS_BETWEEN_MAILS)),
        )
        .one(db)
        .await?;
    if recent.is_some() {
        return Ok(());
    }
    let token = secrets::new_token();
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let txn = crate::store::begin_write(db).await?;
    // A new code replaces the ones before it.
    login_code::Entity::update_many()
        .col_expr(login_code::Column::UsedAt, Some(now).into())
        .filter(login_code::Column::AccountId.eq(account.id))
        .filter(login_code::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    login_code::ActiveModel {
        account_id: Set(account.id),
        code_hash: Set(code_hash(&secrets::token_hash(&token), &code)),
        token_hash: Set(secrets::token_hash(&token)),
        attempts: Set(0),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(VALID_FOR_MINUTES)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let link = format!("{}/login/code/{token}", ctx.base_url.trim_end_matches('/'));
    mail::enqueue(&txn, &code_mail(email, &code, &link, ctx)).await?;
    txn.commit().await?;
    Ok(())
}

fn code_mail(email: &Email, code: &str, link: &str, ctx: &ResetContext) -> OutgoingMail {
    let (subject, text) = if ctx.locale == "en" {
        (
            format!("Your login code for {}: {code}", ctx.label_name),
            format!(
                "Hello,\n\nYour login code is {code}. It is valid for {VALID_FOR_MINUTES} minutes \
                 and works once. Or log in with this link:\n\n{link}\n\nDid you not ask for a \
                 code? Then ignore this mail.\n\n{label}\n",
                label = ctx.label_name
            ),
        )
    } else {
        (
            format!("Je inlogcode voor {}: {code}", ctx.label_name),
            format!(
                "Hallo,\n\nJe inlogcode is {code}. Hij is {VALID_FOR_MINUTES} minuten geldig en \
                 werkt één keer. Of log in via deze link:\n\n{link}\n\nHeb je geen code \
                 aangevraagd? Dan kun je deze mail negeren.\n\n{label}\n",
                label = ctx.label_name
            ),
        )
    };
    OutgoingMail {
        to: email.as_str().to_string(),
        from_name: ctx.label_name.clone(),
        reply_to: ctx.reply_to.clone(),
        subject,
        text,
        label: Some(ctx.label_slug.clone()),
    }
}

async fn live_code(
    conn: &impl ConnectionTrait,
    account_id: i64,
) -> CoreResult<Option<login_code::Model>> {
    Ok(login_code::Entity::find()
        .filter(login_code::Column::AccountId.eq(account_id))
        .filter(login_code::Column::UsedAt.is_null())
        .filter(login_code::Column::ExpiresAt.gt(time::now()))
        .order_by_desc(login_code::Column::Id)
        .one(conn)
        .await?)
}

/// Logs in with the six digits. Every failure looks alike (`Unauthenticated`); the address and
/// client are throttled as for a password, and a code dies after a few wrong tries.
pub async fn login_with_code(
    db: &DatabaseConnection,
    throttle: &LoginThrottle,
    email_raw: &str,
    code: &str,
    client: &ClientAddr,
) -> CoreResult<Account> {
    let email_key = email_raw.trim().to_lowercase();
    let attempt = throttle.admit(db, &email_key, client, false).await?;
    let Ok(email) = Email::parse(email_raw) else {
        return Err(CoreError::Unauthenticated);
    };
    let Some(row) = accounts::find_by_email(db, &email).await? else {
        return Err(CoreError::Unauthenticated);
    };
    let Some(live) = live_code(db, row.id).await? else {
        return Err(CoreError::Unauthenticated);
    };
    let ok = secrets::constant_time_eq(
        code_hash(&live.token_hash, code.trim()).as_bytes(),
        live.code_hash.as_bytes(),
    );
    if !ok {
        let tries = live.attempts + 1;
        let mut active: login_code::ActiveModel = live.into();
        active.attempts = Set(tries);
        if tries >= MAX_TRIES_PER_CODE {
            active.used_at = Set(Some(time::now()));
        }
        active.update(db).await?;
        return Err(CoreError::Unauthenticated);
    }
    spend(db, live.id).await?;
    attempt.withdraw(db).await?;
    throttle.clear_account(db, &email_key).await?;
    finish_login(db, row).await
}

/// The code's hash, salted with its row's token hash so equal codes of two rows differ.
fn code_hash(token_hash: &str, code: &str) -> String {
    secrets::token_hash(&format!("{token_hash}:{code}"))
}

/// Logs in with the link of the mail.
pub async fn login_with_link(db: &DatabaseConnection, token: &str) -> CoreResult<Account> {
    let Some(live) = login_code::Entity::find()
        .filter(login_code::Column::TokenHash.eq(secrets::token_hash(token)))
        .filter(login_code::Column::UsedAt.is_null())
        .filter(login_code::Column::ExpiresAt.gt(time::now()))
        .one(db)
        .await?
    else {
        return Err(CoreError::Conflict(
            "this login link has expired or has been used already".into(),
        ));
    };
    spend(db, live.id).await?;
    let row = account::Entity::find_by_id(live.account_id)
        .one(db)
        .await?
        .filter(|a| a.disabled_at.is_none())
        .ok_or(CoreError::Unauthenticated)?;
    finish_login(db, row).await
}

async fn spend(db: &DatabaseConnection, id: i64) -> CoreResult<()> {
    let spent = login_code::Entity::update_many()
        .col_expr(login_code::Column::UsedAt, Some(time::now()).into())
        .filter(login_code::Column::Id.eq(id))
        .filter(login_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected != 1 {
        return Err(CoreError::Unauthenticated);
    }
    Ok(())
}

async fn finish_login(db: &DatabaseConnection, row: account::Model) -> CoreResult<Account> {
    if row.disabled_at.is_some() {
        return Err(CoreError::Forbidden);
    }
    audit::record(
        db,
        AuditEntry::new(
            Actor::Account(row.id),
            "account.login_code.used",
            format!("account:{}", row.id),
        ),
    )
    .await?;
    accounts::find_by_id(db, row.id)
        .await?
        .ok_or(CoreError::Unauthenticated)
}
