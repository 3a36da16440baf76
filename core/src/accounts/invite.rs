//! Inviting someone into a role: the account is created (or found), the role granted, and a mail
//! with a link to choose a password sent — all in one transaction, or none of it. An existing
//! account from outside the label is only told by mail: typing an address in a console never
//! attaches someone else's account to a label, nor shows its name.
use chrono::Duration;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};

use super::reset::ResetContext;
use super::{Account, create, find_by_email, find_by_id, people};
use crate::authz::{self, Authz, PeopleScope, Role};
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
    pub role: Role,
}

/// What an invitation did. The console answers both the same way, so an operator cannot tell
/// from it whether an address already has an account elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invited {
    /// A new account, or one the inviter already sees in the label: the role is held now.
    Joined(Account),
    /// An existing account from outside the label: no role is granted and nothing about the
    /// account is shown; the address owner is told by mail (an account joins a label only by
    /// its owner's consent, never because its address was typed in a console).
    NotJoined,
}

/// Invites as `actor` from the console of `scope`'s label (the role's domain follows,
/// [`Role::domain_in`]). A new address gets an account, the
/// role and a link to choose a password; an account `actor` already sees in the label gets the
/// role and a notice; any other existing account gets only a mail, no role.
pub async fn invite(
    db: &DatabaseConnection,
    authz: &Authz,
    actor: &Account,
    scope: &PeopleScope,
    invitation: &Invitation,
    ctx: &ResetContext,
    request_id: Option<String>,
) -> CoreResult<Invited> {
    let email = Email::parse(&invitation.email)?;
    if scope.reader() != actor.subject() {
        return Err(CoreError::Forbidden);
    }
    let domain = invitation.role.domain_in(scope.label());
    authz.may_assign(actor.id, domain, invitation.role).await?;
    let existing = find_by_email(db, &email).await?;
    if let Some(existing) = &existing {
        let seen = people::visible_person(db, authz, scope, existing.id).await;
        if seen.is_err() {
            // Same work as the other branches up to here; only the address owner learns more.
            let txn = crate::store::begin_write(db).await?;
            mail::enqueue(
                &txn,
                &invitation_mail(&email, invitation, Reach::Elsewhere, ctx),
            )
            .await?;
            txn.commit().await?;
            return Ok(Invited::NotJoined);
        }
    }
    let txn = crate::store::begin_write(db).await?;
    let (account_id, is_new) = match existing {
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
        actor.id,
        account_id,
        domain,
        invitation.role,
        request_id,
    )
    .await?;
    let reach = if is_new {
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
        Reach::NewAccount(format!(
            "{}/password-reset/{token}",
            ctx.base_url.trim_end_matches('/')
        ))
    } else {
        Reach::Member
    };
    mail::enqueue(&txn, &invitation_mail(&email, invitation, reach, ctx)).await?;
    txn.commit().await?;
    authz.reload().await?;
    find_by_id(db, account_id)
        .await?
        .map(Invited::Joined)
        .ok_or(CoreError::NotFound("account"))
}

/// Who the invitation mail is for.
enum Reach {
    /// A new account, with the link to choose its password.
    NewAccount(String),
    /// An account already in the label: it now holds the role too.
    Member,
    /// An existing account outside the label: it holds nothing new.
    Elsewhere,
}

fn invitation_mail(
    email: &Email,
    invitation: &Invitation,
    reach: Reach,
    ctx: &ResetContext,
) -> OutgoingMail {
    let role = invitation.role.as_str();
    let label = &ctx.label_name;
    let login = format!("{}/login", ctx.base_url.trim_end_matches('/'));
    let name = &invitation.display_name;
    let (subject, text) = if ctx.locale == "en" {
        let body = match reach {
            Reach::NewAccount(link) => format!(
                "You now have the role {role} at {label}. Choose your password here (the link works for {VALID_FOR_DAYS} days):\n\n{link}"
            ),
            Reach::Member => format!(
                "You now have the role {role} at {label}. Log in with your existing account:\n\n{login}"
            ),
            Reach::Elsewhere => format!(
                "{label} would like to give you the role {role}. Your account has not been added to {label} and they cannot see it; if you want to join, reply to this mail."
            ),
        };
        (
            format!("You have been invited to {label}"),
            format!("Hello {name},\n\n{body}\n\n{label}\n"),
        )
    } else {
        let body = match reach {
            Reach::NewAccount(link) => format!(
                "Je hebt nu de rol {role} bij {label}. Kies hier je wachtwoord (de link werkt {VALID_FOR_DAYS} dagen):\n\n{link}"
            ),
            Reach::Member => format!(
                "Je hebt nu de rol {role} bij {label}. Log in met je bestaande account:\n\n{login}"
            ),
            Reach::Elsewhere => format!(
                "{label} wil je de rol {role} geven. Je account is niet aan {label} toegevoegd en zij kunnen het niet zien; wil je meedoen, beantwoord dan deze mail."
            ),
        };
        (
            format!("Je bent uitgenodigd bij {label}"),
            format!("Beste {name},\n\n{body}\n\n{label}\n"),
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
