//! Unlock links: five wrong guesses must not lock the real owner out.
//!
//! When the per-address login limit is reached, the address is mailed a link (valid
//! [`VALID_FOR_MINUTES`], single use, only its hash stored). Whoever opens it proves they read
//! the address's mail, and may log in past the per-address limit — the per-client limit still
//! holds, so the guesser, who does not have the mail, stays throttled.
use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::reset::ResetContext;
use super::{LoginThrottle, find_by_email};
use crate::audit::{self, Actor, AuditEntry};
use crate::domain::Email;
use crate::mail::{self, OutgoingMail};
use crate::store::entities::login_unlock;
use crate::{CoreResult, secrets, time};

pub const VALID_FOR_MINUTES: i64 = 30;

/// The path of an unlock link under the label's address.
pub fn link(ctx: &ResetContext, token: &str) -> String {
    format!(
        "{}/login/unlock/{token}",
        ctx.base_url.trim_end_matches('/')
    )
}

/// Mails the owner of `email_raw` an unlock link when the address is locked and no link was
/// mailed within the throttle's window. Does nothing for unknown or disabled addresses, and says
/// nothing either way, so the login form does not tell who is registered.
pub async fn offer(
    db: &DatabaseConnection,
    throttle: &LoginThrottle,
    email_raw: &str,
    ctx: &ResetContext,
) -> CoreResult<()> {
    let Ok(email) = Email::parse(email_raw) else {
        return Ok(());
    };
    if !throttle
        .account_locked(db, &email_raw.trim().to_lowercase())
        .await?
    {
        return Ok(());
    }
    let Some(account) = find_by_email(db, &email).await? else {
        return Ok(());
    };
    let now = time::now();
    let window = Duration::from_std(throttle.window).unwrap_or(Duration::minutes(15));
    let recent = login_unlock::Entity::find()
        .filter(login_unlock::Column::AccountId.eq(account.id))
        .filter(login_unlock::Column::CreatedAt.gt(now - window))
        .one(db)
        .await?;
    if recent.is_some() {
        return Ok(());
    }
    let token = secrets::new_token();
    let txn = crate::store::begin_write(db).await?;
    login_unlock::ActiveModel {
        token_hash: Set(secrets::token_hash(&token)),
        account_id: Set(account.id),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(VALID_FOR_MINUTES)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    mail::enqueue(
        &txn,
        &unlock_mail(&email, &account.display_name, &link(ctx, &token), ctx),
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::new(
            Actor::System,
            "account.login.unlock_mailed",
            format!("account:{}", account.id),
        )
        .label(ctx.label_slug.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn unlock_mail(email: &Email, name: &str, link: &str, ctx: &ResetContext) -> OutgoingMail {
    let (subject, text) = if ctx.locale == "en" {
        (
            format!("Log in to {} after failed attempts", ctx.label_name),
            format!(
                "Hello {name},\n\nSomebody tried to log in to your {label} account with a wrong \
                 password several times, so logging in with your address is paused for a while. \
                 If that was you, log in through this link within {VALID_FOR_MINUTES} minutes:\n\n\
                 {link}\n\nIf it was not you, your account is safe as long as your password is; \
                 consider choosing a new one.\n\n{label}\n",
                label = ctx.label_name
            ),
        )
    } else {
        (
            format!("Inloggen bij {} na mislukte pogingen", ctx.label_name),
            format!(
                "Beste {name},\n\nIemand heeft een paar keer met een verkeerd wachtwoord \
                 geprobeerd in te loggen op je account bij {label}; inloggen met je adres is \
                 daarom even geblokkeerd. Was jij dat? Log dan binnen {VALID_FOR_MINUTES} \
                 minuten in via deze link:\n\n{link}\n\nWas jij het niet? Je account is veilig \
                 zolang je wachtwoord dat is; overweeg een nieuw wachtwoord te kiezen.\n\n\
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

/// The account a live, unused unlock token was mailed to.
pub async fn account_of(db: &DatabaseConnection, token: &str) -> CoreResult<Option<i64>> {
    let row = login_unlock::Entity::find()
        .filter(login_unlock::Column::TokenHash.eq(secrets::token_hash(token)))
        .one(db)
        .await?;
    Ok(row
        .filter(|r| r.used_at.is_none() && r.expires_at > time::now())
        .map(|r| r.account_id))
}

/// Spends the token after the login it allowed; of two concurrent uses, one wins.
pub async fn spend(db: &DatabaseConnection, token: &str) -> CoreResult<bool> {
    let result = login_unlock::Entity::update_many()
        .col_expr(login_unlock::Column::UsedAt, Some(time::now()).into())
        .filter(login_unlock::Column::TokenHash.eq(secrets::token_hash(token)))
        .filter(login_unlock::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// True when `token` is a live unlock link mailed to the account of `email_raw`.
pub async fn unlocks(db: &DatabaseConnection, token: &str, email_raw: &str) -> CoreResult<bool> {
    let Some(account_id) = account_of(db, token).await? else {
        return Ok(false);
    };
    let Ok(email) = Email::parse(email_raw) else {
        return Ok(false);
    };
    Ok(find_by_email(db, &email)
        .await?
        .is_some_and(|account| account.id == account_id))
}
