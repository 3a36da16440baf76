//! Password reset by e-mail link: a one-time token valid for an hour, mailed through the outbox
//! in the same transaction that stores it.
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};

use super::find_by_email;
use crate::audit::{self, Actor, AuditEntry};
use crate::domain::{Email, Password};
use crate::jobs::{self, JobError, JobHandler, NewJob};
use crate::mail::{self, OutgoingMail};
use crate::store::entities::password_reset;
use crate::{CoreError, CoreResult, secrets, time};

const VALID_FOR_MINUTES: i64 = 60;
/// A new link is not sent sooner than this after the previous one, so the form cannot be used
/// to flood somebody's inbox.
const MIN_MINUTES_BETWEEN_MAILS: i64 = 1;

/// The kind of the job that does the work of a reset request.
pub const REQUEST_JOB_KIND: &str = "account.password_reset.request";

/// Who sends the mail and where the link points.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResetContext {
    pub label_slug: String,
    pub label_name: String,
    pub reply_to: Option<String>,
    /// The label's configured public address, e.g. `https://werkweb.net` or
    /// `http://127.0.0.1:8080/l/werkweb` (never taken from the request's `Host`); the link is
    /// `{base_url}/password-reset/{token}`.
    pub base_url: String,
    /// `nl` or `en`.
    pub locale: String,
}

/// What a reset request leaves for its job: the address as typed (parsed) and the sender.
#[derive(Debug, Serialize, Deserialize)]
struct ResetRequest {
    email: String,
    ctx: ResetContext,
}

/// Starts a reset for `email_raw`. Answers the same whether or not the address has an account,
/// so the form does not tell strangers who is registered — and in the same time: this does the
/// same work for both (parse, one job insert), and the job does the lookup, the token and the
/// mail afterwards. Looking the account up here would answer an unknown address measurably
/// faster than a known one, which would spend a token, write an audit entry and a mail.
pub async fn request(
    conn: &impl ConnectionTrait,
    email_raw: &str,
    ctx: &ResetContext,
) -> CoreResult<()> {
    let email = Email::parse(email_raw)?;
    let payload = serde_json::to_value(ResetRequest {
        email: email.as_str().to_string(),
        ctx: ctx.clone(),
    })
    .map_err(|e| CoreError::Internal(format!("reset request does not serialise: {e}")))?;
    jobs::enqueue(conn, NewJob::new(REQUEST_JOB_KIND, payload)).await?;
    Ok(())
}

/// Runs reset-request jobs: a token and a mail when the address has an account, else nothing.
pub struct ResetRequestHandler {
    db: DatabaseConnection,
}

impl ResetRequestHandler {
    pub fn new(db: DatabaseConnection) -> Self {
        ResetRequestHandler { db }
    }
}

#[async_trait::async_trait]
impl JobHandler for ResetRequestHandler {
    fn kind(&self) -> &'static str {
        REQUEST_JOB_KIND
    }

    async fn run(&self, payload: &serde_json::Value) -> Result<(), JobError> {
        let request: ResetRequest = serde_json::from_value(payload.clone())
            .map_err(|e| JobError::permanent(format!("bad reset request: {e}")))?;
        let email = Email::parse(&request.email)
            .map_err(|e| JobError::permanent(format!("bad reset request: {e}")))?;
        send_reset(&self.db, &email, &request.ctx)
            .await
            .map_err(|e| JobError::retry(e.to_string()))
    }
}

/// Issues a token and mails the link, unless the address has no account or was sent one
/// within the last minute.
async fn send_reset(db: &DatabaseConnection, email: &Email, ctx: &ResetContext) -> CoreResult<()> {
    let Some(account) = find_by_email(db, email).await? else {
        return Ok(());
    };
    let now = time::now();
    let recent = password_reset::Entity::find()
        .filter(password_reset::Column::AccountId.eq(account.id))
        .filter(
            password_reset::Column::CreatedAt
                .gt(now - Duration::minutes(MIN_MINUTES_BETWEEN_MAILS)),
        )
        .one(db)
        .await?;
    if recent.is_some() {
        return Ok(());
    }
    let token = secrets::new_token();
    let link = format!(
        "{}/password-reset/{}",
        ctx.base_url.trim_end_matches('/'),
        token
    );
    let txn = crate::store::begin_write(db).await?;
    password_reset::ActiveModel {
        token_hash: Set(secrets::token_hash(&token)),
        account_id: Set(account.id),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(VALID_FOR_MINUTES)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    mail::enqueue(&txn, &reset_mail(email, &account.display_name, &link, ctx)).await?;
    audit::record(
        &txn,
        AuditEntry::new(
            Actor::Account(account.id),
            "account.password.reset_requested",
            format!("account:{}", account.id),
        )
        .label(ctx.label_slug.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn reset_mail(email: &Email, name: &str, link: &str, ctx: &ResetContext) -> OutgoingMail {
    let (subject, text) = if ctx.locale == "en" {
        (
            format!("Reset your password for {}", ctx.label_name),
            format!(
                "Hello {name},\n\nSomebody (hopefully you) asked to reset the password of your \
                 {label} account. Choose a new password here within {VALID_FOR_MINUTES} minutes:\n\n\
                 {link}\n\nIf you did not ask for this, ignore this mail: your password stays as \
                 it is.\n\n{label}\n",
                label = ctx.label_name
            ),
        )
    } else {
        (
            format!("Nieuw wachtwoord voor {}", ctx.label_name),
            format!(
                "Beste {name},\n\nIemand (hopelijk jij) heeft gevraagd het wachtwoord van je \
                 account bij {label} opnieuw in te stellen. Kies binnen {VALID_FOR_MINUTES} \
                 minuten een nieuw wachtwoord via deze link:\n\n{link}\n\nHeb je dit niet \
                 gevraagd? Dan kun je deze mail negeren: je wachtwoord blijft zoals het is.\n\n\
                 {label}\n",
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

/// True when `token` is a live, unused reset token (to decide whether to show the form).
pub async fn is_valid(db: &DatabaseConnection, token: &str) -> CoreResult<bool> {
    Ok(live_token(db, token).await?.is_some())
}

async fn live_token(
    conn: &impl sea_orm::ConnectionTrait,
    token: &str,
) -> CoreResult<Option<password_reset::Model>> {
    let row = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(secrets::token_hash(token)))
        .one(conn)
        .await?;
    Ok(row.filter(|r| r.used_at.is_none() && r.expires_at > time::now()))
}

/// Sets the new password with a reset token; the token is then spent along with every other
/// unused reset or invitation token of the account, and every session of the account ends.
pub async fn complete(
    db: &DatabaseConnection,
    token: &str,
    password: &Password,
) -> CoreResult<i64> {
    let txn = crate::store::begin_write(db).await?;
    let Some(row) = live_token(&txn, token).await? else {
        return Err(CoreError::Conflict(
            "this reset link has expired or has been used already".into(),
        ));
    };
    let account_id = row.account_id;
    // Spend the token first, guarded on it still being unused: of two concurrent uses, one wins.
    let spent = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Some(time::now()).into())
        .filter(password_reset::Column::Id.eq(row.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(CoreError::Conflict(
            "this reset link has been used already".into(),
        ));
    }
    // A new password ends every other way in through a mailed link: the account's other reset
    // links and its invitation (both are rows here) could have been mailed to, or read by,
    // somebody who should no longer get in.
    password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Some(time::now()).into())
        .filter(password_reset::Column::AccountId.eq(account_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    super::set_password(&txn, account_id, password, Actor::Account(account_id)).await?;
    txn.commit().await?;
    Ok(account_id)
}
