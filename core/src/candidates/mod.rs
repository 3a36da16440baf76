//! Candidates: one person in the shared pool, whichever labels they came through (CAN-1,
//! CAN-2, TEN-2). Sign-up, e-mail verification, linking to another label, the profile, the
//! availability and the purposes a candidate switches. Staff reads live in [`staff`], what a
//! label may see in [`scope`]; erasure and export in `crate::privacy`.
pub mod consent;
pub mod login_code;
pub mod profile;
pub mod scope;
pub mod staff;

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::accounts::reset::ResetContext;
use crate::accounts::{self, Account};
use crate::audit::{self, Actor, AuditEntry};
use crate::domain::{Email, Password};
use crate::mail::{self, OutgoingMail};
use crate::store::entities::{account, candidate, candidate_label, email_verification, label};
use crate::{CoreError, CoreResult, secrets, time};

pub use consent::{Purpose, PurposeChoices};
pub use profile::{ProfileChange, ProfileInput};

/// The role a candidate holds in each label they are linked to.
pub const ROLE_CANDIDATE: &str = "candidate";
const VERIFY_VALID_HOURS: i64 = 48;

/// Where a candidate stands (CAN-3). "Unavailable, always" is not a state: it is an erasure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    Available,
    /// Temporarily unavailable: keeps getting reminders, left out of matching, search mails
    /// and the showcase.
    Passive,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Available => "available",
            Availability::Passive => "passive",
        }
    }

    pub fn parse(raw: &str) -> Option<Availability> {
        match raw {
            "available" => Some(Availability::Available),
            "passive" => Some(Availability::Passive),
            _ => None,
        }
    }
}

/// A candidate as they and staff see the profile.
#[derive(Clone, Debug, Serialize)]
pub struct CandidateView {
    pub id: i64,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub place: Option<String>,
    pub province: Option<String>,
    pub desired_work: Option<String>,
    pub hours_per_week: Option<i32>,
    pub skills: Vec<String>,
    pub years_experience: Option<i32>,
    pub education: Option<String>,
    pub languages: Vec<String>,
    pub driving_licences: Vec<String>,
    pub available_from: Option<chrono::NaiveDate>,
    pub summary: Option<String>,
    pub availability: String,
    pub visible_to_all_labels: bool,
    pub in_showcase: bool,
    pub vacancy_mails: bool,
    /// Slugs of the labels the candidate came through.
    pub labels: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn to_json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

pub(crate) async fn view_of(
    conn: &impl ConnectionTrait,
    row: candidate::Model,
) -> CoreResult<CandidateView> {
    let labels = labels_of(conn, row.id).await?;
    Ok(CandidateView {
        id: row.id,
        email_verified: row.email_verified_at.is_some(),
        email: row.email,
        name: row.name,
        phone: row.phone,
        place: row.place,
        province: row.province,
        desired_work: row.desired_work,
        hours_per_week: row.hours_per_week,
        skills: json_list(&row.skills),
        years_experience: row.years_experience,
        education: row.education,
        languages: json_list(&row.languages),
        driving_licences: json_list(&row.driving_licences),
        available_from: row.available_from,
        summary: row.summary,
        availability: row.availability,
        visible_to_all_labels: row.visible_to_all_labels,
        in_showcase: row.in_showcase,
        vacancy_mails: row.vacancy_mails,
        labels,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Slugs of the labels a candidate came through, in the order they came.
pub async fn labels_of(conn: &impl ConnectionTrait, candidate_id: i64) -> CoreResult<Vec<String>> {
    let links = candidate_label::Entity::find()
        .filter(candidate_label::Column::CandidateId.eq(candidate_id))
        .order_by_asc(candidate_label::Column::Id)
        .all(conn)
        .await?;
    let all = label::Entity::find().all(conn).await?;
    Ok(links
        .iter()
        .filter_map(|l| all.iter().find(|x| x.id == l.label_id))
        .map(|l| l.slug.clone())
        .collect())
}

/// The id of the label with `slug`.
pub async fn label_id(conn: &impl ConnectionTrait, slug: &str) -> CoreResult<i64> {
    label::Entity::find()
        .filter(label::Column::Slug.eq(slug))
        .one(conn)
        .await?
        .map(|l| l.id)
        .ok_or(CoreError::NotFound("label"))
}

/// The candidate of a logged-in account, if it is one.
pub async fn of_account(
    conn: &impl ConnectionTrait,
    account_id: i64,
) -> CoreResult<Option<candidate::Model>> {
    Ok(candidate::Entity::find()
        .filter(candidate::Column::AccountId.eq(account_id))
        .one(conn)
        .await?)
}

/// The candidate of a logged-in account, or 404 for accounts that are not candidates.
pub async fn require_of_account(
    conn: &impl ConnectionTrait,
    account_id: i64,
) -> CoreResult<candidate::Model> {
    of_account(conn, account_id)
        .await?
        .ok_or(CoreError::NotFound("candidate profile"))
}

/// What a job seeker fills in to sign up through a label (CAN-1).
#[derive(Clone, Debug)]
pub struct Signup {
    pub name: String,
    pub email: String,
    pub password: String,
    pub profile: ProfileInput,
    /// The statement version the person saw and accepted; must be the label's current one.
    pub accepted_statement_version: Option<String>,
    pub purposes: PurposeChoices,
    /// Which form recorded the consents: `signup-form` or `api`.
    pub form: &'static str,
}

/// The label a sign-up or link goes through, as the web layer knows it from its registry.
#[derive(Clone, Debug)]
pub struct Through {
    pub slug: String,
    pub current_statement_version: String,
    pub mail: ResetContext,
}

/// Signs a job seeker up through a label.
///
/// Answers the same whether or not the address is known, so the form does not tell strangers
/// who is registered. A new address gets an account, a candidate linked to this label, its
/// consents in the ledger and a verification link. A known address gets nothing but a mail
/// inviting its owner to log in on this label and link their existing profile — one person is
/// one candidate, and the password typed here by whoever it was is never trusted.
pub async fn register(db: &DatabaseConnection, through: &Through, s: Signup) -> CoreResult<()> {
    let email = Email::parse(&s.email)?;
    let name = ProfileInput {
        name: Some(s.name.clone()),
        ..Default::default()
    }
    .parse()?
    .name
    .ok_or_else(|| CoreError::invalid("name", "is required"))?;
    let password = Password::parse(&s.password)?;
    let change = s.profile.clone().parse()?;
    match s.accepted_statement_version.as_deref() {
        Some(v) if v == through.current_statement_version => {}
        _ => {
            return Err(CoreError::invalid(
                "privacy_statement_version",
                format!(
                    "accept the current privacy statement (version {}) to sign up",
                    through.current_statement_version
                ),
            ));
        }
    }
    // Hashing first keeps both answers equally slow.
    let password_hash = accounts::password::hash_async(&password).await?;
    let label_id = label_id(db, &through.slug).await?;
    let txn = crate::store::begin_write(db).await?;
    // Disabled accounts count too: their address is taken, and a second account for it would
    // break the unique index (a 500) rather than get the same answer as any known address.
    let known_account = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?
        .is_some();
    let known_candidate = candidate::Entity::find()
        .filter(candidate::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?
        .is_some();
    if known_account || known_candidate {
        mail::enqueue(&txn, &already_registered_mail(&email, &through.mail)).await?;
        txn.commit().await?;
        return Ok(());
    }
    let now = time::now();
    let account = account::ActiveModel {
        email: Set(email.as_str().to_string()),
        display_name: Set(name.clone()),
        password_hash: Set(Some(password_hash)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let row = new_row(email.as_str(), &name, account.id, None)
        .insert(&txn)
        .await?;
    let row = apply_change(&txn, row, &change).await?;
    link_to_label(&txn, &row, account.id, label_id, "signup").await?;
    consent::accept_statement(
        &txn,
        row.id,
        label_id,
        &through.current_statement_version,
        s.form,
    )
    .await?;
    consent::set_purposes(&txn, &row, label_id, s.purposes, s.form).await?;
    send_verification(&txn, &row, &through.mail).await?;
    audit::record(
        &txn,
        AuditEntry::new(
            Actor::Account(account.id),
            "candidate.register",
            format!("candidate:{}", row.id),
        )
        .label(through.slug.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A new, available candidate with no optional field filled in and every purpose off.
fn new_row(
    email: &str,
    name: &str,
    account_id: i64,
    verified_at: Option<chrono::DateTime<chrono::Utc>>,
) -> candidate::ActiveModel {
    let now = time::now();
    candidate::ActiveModel {
        email: Set(email.to_string()),
        name: Set(Some(name.to_string())),
        availability: Set(Availability::Available.as_str().to_string()),
        account_id: Set(Some(account_id)),
        created_at: Set(now),
        updated_at: Set(now),
        skills: Set("[]".into()),
        languages: Set("[]".into()),
        driving_licences: Set("[]".into()),
        visible_to_all_labels: Set(false),
        in_showcase: Set(false),
        vacancy_mails: Set(false),
        email_verified_at: Set(verified_at),
        ..Default::default()
    }
}

/// Links a candidate to a label they were not linked to: the candidate role there and the
/// link row. Idempotent.
async fn link_to_label(
    conn: &impl ConnectionTrait,
    row: &candidate::Model,
    account_id: i64,
    label_id: i64,
    source: &str,
) -> CoreResult<()> {
    let slug = label::Entity::find_by_id(label_id)
        .one(conn)
        .await?
        .map(|l| l.slug)
        .ok_or(CoreError::NotFound("label"))?;
    let linked = candidate_label::Entity::find()
        .filter(candidate_label::Column::CandidateId.eq(row.id))
        .filter(candidate_label::Column::LabelId.eq(label_id))
        .one(conn)
        .await?
        .is_some();
    if !linked {
        candidate_label::ActiveModel {
            candidate_id: Set(row.id),
            label_id: Set(label_id),
            source: Set(source.to_string()),
            created_at: Set(time::now()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    accounts::grant_role(conn, account_id, &slug, ROLE_CANDIDATE, None).await
}

/// A logged-in person links their profile to the label they are on, accepting its current
/// statement (CAN-2: one person, one candidate, however many labels). An account that has no
/// candidate profile yet (staff who are also looking for work) gets one.
pub async fn join_label(
    db: &DatabaseConnection,
    me: &Account,
    through: &Through,
    accepted_statement_version: &str,
    purposes: PurposeChoices,
    form: &str,
) -> CoreResult<CandidateView> {
    if accepted_statement_version != through.current_statement_version {
        return Err(CoreError::invalid(
            "privacy_statement_version",
            format!(
                "accept the current privacy statement (version {})",
                through.current_statement_version
            ),
        ));
    }
    let label_id = label_id(db, &through.slug).await?;
    let txn = crate::store::begin_write(db).await?;
    let row = match of_account(&txn, me.id).await? {
        Some(row) => row,
        None => {
            let now = time::now();
            // The address is the account's, which its owner proved by logging in with it.
            new_row(&me.email, &me.display_name, me.id, Some(now))
                .insert(&txn)
            .await
            .map_err(|e| {
                if crate::error::is_unique_violation(&e) {
                    CoreError::Conflict(
                        "a candidate profile with this address exists; log in with the address's own account".into(),
                    )
                } else {
                    e.into()
                }
            })?
        }
    };
    link_to_label(&txn, &row, me.id, label_id, "link").await?;
    consent::accept_statement(&txn, row.id, label_id, accepted_statement_version, form).await?;
    let row = consent::set_purposes(&txn, &row, label_id, purposes, form).await?;
    audit::record(
        &txn,
        AuditEntry::new(
            Actor::Account(me.id),
            "candidate.link",
            format!("candidate:{}", row.id),
        )
        .label(through.slug.clone()),
    )
    .await?;
    txn.commit().await?;
    view_of(db, row).await
}

/// The statement version the candidate still has to accept in this label, when a new one was
/// published since they last accepted (PRV-4: shown at their next login).
pub async fn statement_to_accept(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
    through: &Through,
) -> CoreResult<Option<String>> {
    let label_id = label_id(conn, &through.slug).await?;
    let linked = candidate_label::Entity::find()
        .filter(candidate_label::Column::CandidateId.eq(candidate_id))
        .filter(candidate_label::Column::LabelId.eq(label_id))
        .one(conn)
        .await?
        .is_some();
    if !linked {
        return Ok(None);
    }
    let accepted = consent::has_accepted(
        conn,
        candidate_id,
        label_id,
        &through.current_statement_version,
    )
    .await?;
    Ok((!accepted).then(|| through.current_statement_version.clone()))
}

async fn send_verification(
    conn: &impl ConnectionTrait,
    row: &candidate::Model,
    ctx: &ResetContext,
) -> CoreResult<()> {
    let token = secrets::new_token();
    let now = time::now();
    email_verification::ActiveModel {
        candidate_id: Set(row.id),
        token_hash: Set(secrets::token_hash(&token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(VERIFY_VALID_HOURS)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let link = format!(
        "{}/verify-email/{token}",
        ctx.base_url.trim_end_matches('/')
    );
    let name = row.name.clone().unwrap_or_default();
    let (subject, text) = if ctx.locale == "en" {
        (
            format!("Confirm your e-mail address for {}", ctx.label_name),
            format!(
                "Hello {name},\n\nWelcome to {label}. Confirm your e-mail address within \
                 {VERIFY_VALID_HOURS} hours by opening this link:\n\n{link}\n\nDid you not sign \
                 up? Then ignore this mail.\n\n{label}\n",
                label = ctx.label_name
            ),
        )
    } else {
        (
            format!("Bevestig je e-mailadres bij {}", ctx.label_name),
            format!(
                "Beste {name},\n\nWelkom bij {label}. Bevestig binnen {VERIFY_VALID_HOURS} uur \
                 je e-mailadres via deze link:\n\n{link}\n\nHeb je je niet ingeschreven? Dan kun \
                 je deze mail negeren.\n\n{label}\n",
                label = ctx.label_name
            ),
        )
    };
    mail::enqueue(
        conn,
        &OutgoingMail {
            to: row.email.clone(),
            from_name: ctx.label_name.clone(),
            reply_to: ctx.reply_to.clone(),
            subject,
            text,
            label: Some(ctx.label_slug.clone()),
        },
    )
    .await?;
    Ok(())
}

fn already_registered_mail(email: &Email, ctx: &ResetContext) -> OutgoingMail {
    let login = format!("{}/login", ctx.base_url.trim_end_matches('/'));
    let (subject, text) = if ctx.locale == "en" {
        (
            format!("You already have a profile — {}", ctx.label_name),
            format!(
                "Hello,\n\nSomebody (hopefully you) tried to sign up at {label} with this address. \
                 You already have a profile with us. Log in here to link it to {label}; you will \
                 be asked to accept its privacy statement:\n\n{login}\n\nForgot your password? \
                 Ask for a login code on that page. Did you not try to sign up? Then ignore this \
                 mail: nothing changed.\n\n{label}\n",
                label = ctx.label_name
            ),
        )
    } else {
        (
            format!("Je hebt al een profiel — {}", ctx.label_name),
            format!(
                "Hallo,\n\nIemand (hopelijk jij) probeerde zich met dit adres in te schrijven bij \
                 {label}. Je hebt al een profiel bij ons. Log hier in om het aan {label} te \
                 koppelen; je wordt dan gevraagd de privacyverklaring te accepteren:\n\n{login}\n\n\
                 Wachtwoord vergeten? Vraag op die pagina een inlogcode aan. Heb jij dit niet \
                 gedaan? Dan kun je deze mail negeren: er is niets veranderd.\n\n{label}\n",
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

/// Confirms the address behind a verification link; the link is then spent. Returns the
/// candidate's account, so the web layer can log its owner in.
pub async fn verify_email(db: &DatabaseConnection, token: &str) -> CoreResult<Option<i64>> {
    let txn = crate::store::begin_write(db).await?;
    let now = time::now();
    let Some(link) = email_verification::Entity::find()
        .filter(email_verification::Column::TokenHash.eq(secrets::token_hash(token)))
        .one(&txn)
        .await?
        .filter(|l| l.used_at.is_none() && l.expires_at > now)
    else {
        return Err(CoreError::Conflict(
            "this verification link has expired or has been used already".into(),
        ));
    };
    let spent = email_verification::Entity::update_many()
        .col_expr(email_verification::Column::UsedAt, Some(now).into())
        .filter(email_verification::Column::Id.eq(link.id))
        .filter(email_verification::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(CoreError::Conflict(
            "this verification link has been used already".into(),
        ));
    }
    let row = candidate::Entity::find_by_id(link.candidate_id)
        .one(&txn)
        .await?
        .ok_or(CoreError::NotFound("candidate"))?;
    let account_id = row.account_id;
    let mut active: candidate::ActiveModel = row.into();
    active.email_verified_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::new(
            account_id.map(Actor::Account).unwrap_or(Actor::System),
            "candidate.email.verify",
            format!("candidate:{}", link.candidate_id),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(account_id)
}

async fn apply_change(
    conn: &impl ConnectionTrait,
    row: candidate::Model,
    change: &ProfileChange,
) -> CoreResult<candidate::Model> {
    if *change == ProfileChange::default() {
        return Ok(row);
    }
    let mut active: candidate::ActiveModel = row.into();
    if let Some(name) = &change.name {
        active.name = Set(Some(name.clone()));
    }
    if let Some(v) = &change.phone {
        active.phone = Set(v.clone());
    }
    if let Some(v) = &change.place {
        active.place = Set(v.clone());
    }
    if let Some(v) = &change.province {
        active.province = Set(v.clone());
    }
    if let Some(v) = &change.desired_work {
        active.desired_work = Set(v.clone());
    }
    if let Some(v) = change.hours_per_week {
        active.hours_per_week = Set(Some(v));
    }
    if let Some(v) = &change.skills {
        active.skills = Set(to_json_list(v));
    }
    if let Some(v) = change.years_experience {
        active.years_experience = Set(Some(v));
    }
    if let Some(v) = &change.education {
        active.education = Set(v.clone());
    }
    if let Some(v) = &change.languages {
        active.languages = Set(to_json_list(v));
    }
    if let Some(v) = &change.driving_licences {
        active.driving_licences = Set(to_json_list(v));
    }
    if let Some(v) = change.available_from {
        active.available_from = Set(Some(v));
    }
    if let Some(v) = &change.summary {
        active.summary = Set(v.clone());
    }
    active.updated_at = Set(time::now());
    Ok(active.update(conn).await?)
}

/// The candidate's own profile.
pub async fn my_profile(db: &DatabaseConnection, me: &Account) -> CoreResult<CandidateView> {
    let row = require_of_account(db, me.id).await?;
    view_of(db, row).await
}

/// The candidate changes their own profile; audited (ids only).
pub async fn update_my_profile(
    db: &DatabaseConnection,
    me: &Account,
    input: ProfileInput,
) -> CoreResult<CandidateView> {
    let change = input.parse()?;
    let txn = crate::store::begin_write(db).await?;
    let row = require_of_account(&txn, me.id).await?;
    let id = row.id;
    let row = apply_change(&txn, row, &change).await?;
    if let Some(name) = &change.name {
        account::Entity::update_many()
            .col_expr(account::Column::DisplayName, name.clone().into())
            .filter(account::Column::Id.eq(me.id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        AuditEntry::new(
            Actor::Account(me.id),
            "candidate.profile.update",
            format!("candidate:{id}"),
        ),
    )
    .await?;
    txn.commit().await?;
    view_of(db, row).await
}

/// Available or passive (CAN-3). Passive leaves the showcase at once: the showcase reads the
/// availability with the consent.
pub async fn set_my_availability(
    db: &DatabaseConnection,
    me: &Account,
    availability: Availability,
) -> CoreResult<CandidateView> {
    let txn = crate::store::begin_write(db).await?;
    let row = require_of_account(&txn, me.id).await?;
    let id = row.id;
    let mut active: candidate::ActiveModel = row.into();
    active.availability = Set(availability.as_str().to_string());
    active.updated_at = Set(time::now());
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::new(
            Actor::Account(me.id),
            "candidate.availability.set",
            format!("candidate:{id}"),
        )
        .details(serde_json::json!({ "availability": availability.as_str() })),
    )
    .await?;
    txn.commit().await?;
    view_of(db, row).await
}

/// The candidate switches purposes, and may accept the label's current statement, in one go.
pub async fn set_my_consents(
    db: &DatabaseConnection,
    me: &Account,
    through: &Through,
    choices: PurposeChoices,
    accept_statement_version: Option<&str>,
    form: &str,
) -> CoreResult<CandidateView> {
    let label_id = label_id(db, &through.slug).await?;
    let txn = crate::store::begin_write(db).await?;
    let row = require_of_account(&txn, me.id).await?;
    if let Some(version) = accept_statement_version {
        if version != through.current_statement_version {
            return Err(CoreError::invalid(
                "privacy_statement_version",
                format!(
                    "only the current version ({}) can be accepted",
                    through.current_statement_version
                ),
            ));
        }
        consent::accept_statement(&txn, row.id, label_id, version, form).await?;
    }
    let row = consent::set_purposes(&txn, &row, label_id, choices, form).await?;
    txn.commit().await?;
    view_of(db, row).await
}
