//! Inviting someone into a role: the account is created (or found), the role granted, and a mail
//! with a link to choose a password sent — all in one transaction, or none of it.
use chrono::Duration;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set, TransactionTrait};

use super::reset::ResetContext;
use super::{Account, create, find_by_email, find_by_id};
use crate::authz::{self, Authz, Role};
use crate::domain::Email;
use crate::mail::{self, OutgoingMail};
use crate::store::entities::password_reset;
use crate::{CoreError, CoreResult, secrets, time};

/// An invitation link lives a week: long enough for someone who is away for a few days.
const VALID_FOR_DAYS: i64 = 7;

#[derive(Clone, Debug)]
pub struct Invitation {
    pub email: String,
    pub display_name: String,
    pub domain: String,
    pub role: Role,
}

/// Invites as `actor`; returns the account. An existing account gets the role and a notice,
/// no new password link.
pub async fn invite(
    db: &DatabaseConnection,
    authz: &Authz,
    actor: i64,
    invitation: &Invitation,
    ctx: &ResetContext,
    request_id: Option<String>,
) -> CoreResult<Account> {
    let email = Email::parse(&invitation.email)?;
    authz
        .may_assign(actor, &invitation.domain, invitation.role)
        .await?;
    let txn = db.begin().await?;
    let (account_id, is_new) = match find_by_email(&txn, &email).await? {
        Some(existing) => (existing.id, false),
        None => (
            create(&txn, &email, &invitation.display_name, None)
                .await?
                .id,
            true,
        ),
    };
    authz::grant_in(
        &txn,
        actor,
        account_id,
        &invitation.domain,
        invitation.role,
        request_id,
    )
    .await?;
    let link = if is_new {
        let token = secrets::new_token();
        let now = time::now();
        password_reset::ActiveModel {
            token_hash: Set(secrets::token_hash(&token)),
            account_id: Set(account_id),
            created_at: Set(now),
            expires_at: Set(now + Duration::days(VALID_FOR_DAYS)),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        Some(format!(
            "{}/password-reset/{token}",
            ctx.base_url.trim_end_matches('/')
        ))
    } else {
        None
    };
    mail::enqueue(
        &txn,
        &invitation_mail(&email, invitation, link.as_deref(), ctx),
    )
    .await?;
    txn.commit().await?;
    authz.reload().await?;
    find_by_id(db, account_id)
        .await?
        .ok_or(CoreError::NotFound("account"))
}

fn invitation_mail(
    email: &Email,
    invitation: &Invitation,
    link: Option<&str>,
    ctx: &ResetContext,
) -> OutgoingMail {
    let role = invitation.role.as_str();
    let label = &ctx.label_name;
    let login = format!("{}/login", ctx.base_url.trim_end_matches('/'));
    let (subject, text) = if ctx.locale == "en" {
        let action = match link {
            Some(link) => format!(
                "Choose your password here (the link works for {VALID_FOR_DAYS} days):\n\n{link}"
            ),
            None => format!("Log in with your existing account:\n\n{login}"),
        };
        (
            format!("You have been invited to {label}"),
            format!(
                "Hello {},\n\nYou now have the role {role} at {label}. {action}\n\n{label}\n",
                invitation.display_name
            ),
        )
    } else {
        let action = match link {
            Some(link) => {
                format!("Kies hier je wachtwoord (de link werkt {VALID_FOR_DAYS} dagen):\n\n{link}")
            }
            None => format!("Log in met je bestaande account:\n\n{login}"),
        };
        (
            format!("Je bent uitgenodigd bij {label}"),
            format!(
                "Beste {},\n\nJe hebt nu de rol {role} bij {label}. {action}\n\n{label}\n",
                invitation.display_name
            ),
        )
    };
    OutgoingMail {
        to: email.as_str().to_string(),
        from_name: label.clone(),
        reply_to: ctx.reply_to.clone(),
        subject,
        text,
        label: Some(ctx.label_slug.clone()),
    }
}
