//! Two-factor login with TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps — what
//! authenticator apps expect), single-use recovery codes, and the pending login between a
//! correct password and the second factor.
//!
//! - The secret is random (160 bits), sealed with the server key and bound to the account id as
//!   associated data, so a copy of the database alone does not give it away and a sealed secret
//!   moved to another account's row does not open there. It becomes active only after the owner
//!   confirms one valid code.
//! - A code is accepted for the current step and one step either side (clock drift), and only
//!   for a step after the last one accepted: a code seen once cannot be replayed. The step is
//!   claimed with a conditional update, so of two concurrent uses one wins.
//! - Recovery codes are shown once; only a keyed hash (HMAC under a key derived from the server
//!   key, bound to the account) is stored, each is spent on use, and regenerating replaces all.
//! - Every wrong code counts against the login throttle under a key of its own (the password's
//!   success must not forgive code guesses): the attempt is recorded and counted before any
//!   code is checked.
//! - A correct password of an account with two-factor login gives a pending login: a random
//!   token (only its hash stored), bound to the account, valid [`PENDING_LOGIN_MINUTES`], spent
//!   by the one second step that succeeds.
use chrono::Duration;
use rand::{Rng, RngCore};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use serde::Serialize;
use totp_rs::{Algorithm, Builder, Totp};

use super::{Account, ClientAddr, LoginThrottle, find_by_id, password, sessions};
use crate::audit::{self, Actor, AuditEntry};
use crate::crypto::{SecretsKey, hmac_sha256_hex};
use crate::store::entities::{account, account_role, account_totp, pending_login, recovery_code};
use crate::{CoreError, CoreResult, secrets, time};

/// How long the second step may take after the password.
pub const PENDING_LOGIN_MINUTES: i64 = 5;
/// Recovery codes handed out at a time.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
const DIGITS: u8 = 6;
const STEP_SECS: u64 = 30;
/// Steps accepted either side of the current one.
const SKEW: u16 = 1;
/// Recovery code characters: lower case and digits without the look-alikes (l, o, 0, 1);
/// 32 of them, so ten characters carry 50 bits.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
const RECOVERY_CODE_LEN: usize = 10;

/// What a new enrolment shows its owner, once: the secret to type in or the URI (and its QR
/// code) to scan.
#[derive(Clone, Debug, Serialize)]
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
    /// The `otpauth://` URI as an SVG QR code.
    pub qr_svg: String,
}

/// Whether two-factor login is on for an account, and how many recovery codes are left.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Status {
    pub enabled: bool,
    /// An enrolment was started and waits for its first code.
    pub pending_confirmation: bool,
    pub recovery_codes_left: u64,
}

/// How a second factor was proved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proof {
    /// A TOTP code of this time step.
    Code(u64),
    /// The recovery code with this id (now spent).
    RecoveryCode(i64),
}

/// The associated data a secret is sealed with: it opens only for this account.
fn seal_context(account_id: i64) -> Vec<u8> {
    format!("account-totp\0{account_id}").into_bytes()
}

/// Recovery codes are counted per account under their own throttle key, apart from the
/// password's (see the module comment).
fn throttle_key(account_id: i64) -> String {
    format!("second-factor:{account_id}")
}

/// The TOTP parameters every authenticator app understands. `issuer` and `account_name` only
/// label the entry in the app; a `:` would break the URI's label, so it becomes a space.
fn totp_of(secret: Vec<u8>, issuer: &str, account_name: &str) -> CoreResult<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(SKEW)
        .with_step_duration(STEP_SECS)
        .with_secret(secret)
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account_name.replace(':', " "))
        .build()
        .map_err(|e| CoreError::Internal(format!("TOTP parameters: {e}")))
}

/// The time step `code` belongs to, when it is a code of the step around `now_secs` or one
/// either side, and that step is later than `last_step` (the last one accepted). Anything
/// else — a wrong code, an old one, a replayed one, not six digits — is `None`.
pub fn accepted_step(
    totp: &Totp,
    code: &str,
    now_secs: u64,
    last_step: Option<i64>,
) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = totp.check(&code, now_secs)?;
    match last_step {
        Some(last) if i64::try_from(step).unwrap_or(i64::MAX) <= last => None,
        _ => Some(step),
    }
}

fn now_secs() -> u64 {
    u64::try_from(time::now().timestamp()).unwrap_or_default()
}

/// Lower case without separators, as codes are stored.
fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn recovery_code_hash(key: &SecretsKey, account_id: i64, code: &str) -> String {
    hmac_sha256_hex(
        &key.derive("recovery codes"),
        &[
            &account_id.to_be_bytes(),
            normalise_recovery_code(code).as_bytes(),
        ],
    )
}

/// Ten fresh codes in the form `abcde-fghij`.
fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let chars: String = (0..RECOVERY_CODE_LEN)
                .map(|_| {
                    char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())])
                })
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// Replaces every recovery code of the account with fresh ones; returns them (shown once).
async fn replace_recovery_codes(
    conn: &impl ConnectionTrait,
    key: &SecretsKey,
    account_id: i64,
) -> CoreResult<Vec<String>> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    let codes = new_recovery_codes();
    let now = time::now();
    for code in &codes {
        recovery_code::ActiveModel {
            account_id: Set(account_id),
            code_hash: Set(recovery_code_hash(key, account_id, code)),
            created_at: Set(now),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(codes)
}

async fn totp_row(
    conn: &impl ConnectionTrait,
    account_id: i64,
) -> CoreResult<Option<account_totp::Model>> {
    Ok(account_totp::Entity::find_by_id(account_id)
        .one(conn)
        .await?)
}

/// The confirmed secret of an account, if two-factor login is on.
async fn active_totp(
    conn: &impl ConnectionTrait,
    key: &SecretsKey,
    account_id: i64,
) -> CoreResult<Option<(account_totp::Model, Totp)>> {
    let Some(row) = totp_row(conn, account_id)
        .await?
        .filter(|r| r.confirmed_at.is_some())
    else {
        return Ok(None);
    };
    let secret = key.open(&row.secret_sealed, &seal_context(account_id))?;
    Ok(Some((row, totp_of(secret, "", "")?)))
}

/// Whether two-factor login is on for `account_id`.
pub async fn is_enabled(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<bool> {
    Ok(totp_row(conn, account_id)
        .await?
        .is_some_and(|r| r.confirmed_at.is_some()))
}

pub async fn status(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<Status> {
    let row = totp_row(conn, account_id).await?;
    Ok(Status {
        enabled: row.as_ref().is_some_and(|r| r.confirmed_at.is_some()),
        pending_confirmation: row.as_ref().is_some_and(|r| r.confirmed_at.is_none()),
        recovery_codes_left: recovery_codes_left(conn, account_id).await?,
    })
}

async fn recovery_codes_left(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<u64> {
    Ok(recovery_code::Entity::find()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(conn)
        .await?)
}

/// True when the account holds one of `required_roles` (in any label or the platform) and has
/// not turned two-factor login on: platform policy lets it do nothing but enrol (and log out).
pub async fn enrolment_required(
    conn: &impl ConnectionTrait,
    account_id: i64,
    required_roles: &[String],
) -> CoreResult<bool> {
    if required_roles.is_empty() {
        return Ok(false);
    }
    let holds = account_role::Entity::find()
        .filter(account_role::Column::AccountId.eq(account_id))
        .filter(account_role::Column::Role.is_in(required_roles.iter().cloned()))
        .count(conn)
        .await?
        > 0;
    Ok(holds && !is_enabled(conn, account_id).await?)
}

/// Starts (or starts again) the enrolment of `account`: a fresh secret, stored sealed and not
/// yet active. Refused while two-factor login is on (turn it off first).
pub async fn start_enrolment(
    db: &DatabaseConnection,
    key: &SecretsKey,
    account: &Account,
    issuer: &str,
) -> CoreResult<Enrolment> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    let totp = totp_of(secret.clone(), issuer, &account.email)?;
    let otpauth_uri = totp
        .to_url()
        .map_err(|e| CoreError::Internal(format!("otpauth URI: {e}")))?;
    let qr_svg = qrcode::QrCode::new(otpauth_uri.as_bytes())
        .map_err(|e| CoreError::Internal(format!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    let sealed = key.seal(&secret, &seal_context(account.id))?;
    let txn = crate::store::begin_write(db).await?;
    if totp_row(&txn, account.id)
        .await?
        .is_some_and(|r| r.confirmed_at.is_some())
    {
        return Err(CoreError::Conflict(
            "two-factor login is already on; turn it off first to enrol a new authenticator".into(),
        ));
    }
    account_totp::Entity::delete_by_id(account.id)
        .exec(&txn)
        .await?;
    account_totp::ActiveModel {
        account_id: Set(account.id),
        secret_sealed: Set(sealed),
        created_at: Set(time::now()),
        confirmed_at: Set(None),
        last_step: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Enrolment {
        secret_base32: totp.secret().to_base32(),
        otpauth_uri,
        qr_svg,
    })
}

/// Turns two-factor login on with the first valid code of the started enrolment; returns the
/// recovery codes (shown once). Audited.
pub async fn confirm_enrolment(
    db: &DatabaseConnection,
    key: &SecretsKey,
    throttle: &LoginThrottle,
    account: &Account,
    code: &str,
    client: &ClientAddr,
) -> CoreResult<Vec<String>> {
    let row = match totp_row(db, account.id).await? {
        Some(row) if row.confirmed_at.is_none() => row,
        Some(_) => return Err(CoreError::Conflict("two-factor login is already on".into())),
        None => {
            return Err(CoreError::Conflict(
                "no enrolment was started; start one first".into(),
            ));
        }
    };
    let attempt = throttle
        .admit(db, &throttle_key(account.id), client, false)
        .await?;
    let secret = key.open(&row.secret_sealed, &seal_context(account.id))?;
    let Some(step) = accepted_step(&totp_of(secret, "", "")?, code, now_secs(), None) else {
        // The attempt's records stay: they are the failure the throttle counts.
        return Err(invalid_code());
    };
    attempt.withdraw(db).await?;
    let txn = crate::store::begin_write(db).await?;
    let confirmed = account_totp::Entity::update_many()
        .col_expr(account_totp::Column::ConfirmedAt, Some(time::now()).into())
        .col_expr(account_totp::Column::LastStep, Some(step_i64(step)).into())
        .filter(account_totp::Column::AccountId.eq(account.id))
        .filter(account_totp::Column::ConfirmedAt.is_null())
        .filter(account_totp::Column::SecretSealed.eq(row.secret_sealed.as_str()))
        .exec(&txn)
        .await?;
    if confirmed.rows_affected != 1 {
        return Err(CoreError::Conflict(
            "the enrolment changed meanwhile; start again".into(),
        ));
    }
    let codes = replace_recovery_codes(&txn, key, account.id).await?;
    audit::record(
        &txn,
        AuditEntry::new(
            Actor::Account(account.id),
            "account.two_factor.enable",
            format!("account:{}", account.id),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

fn invalid_code() -> CoreError {
    CoreError::invalid("code", "is not a valid code")
}

fn step_i64(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

/// Checks `code` (a TOTP code or a recovery code) of an account with two-factor login on, and
/// spends it: the code's step or the recovery code. `None` for anything that does not pass.
async fn spend_code(
    conn: &impl ConnectionTrait,
    key: &SecretsKey,
    account_id: i64,
    code: &str,
) -> CoreResult<Option<Proof>> {
    let Some((row, totp)) = active_totp(conn, key, account_id).await? else {
        return Ok(None);
    };
    if let Some(step) = accepted_step(&totp, code, now_secs(), row.last_step) {
        // Of two requests with the same code, only the one that moves the step on wins.
        let claimed = account_totp::Entity::update_many()
            .col_expr(account_totp::Column::LastStep, Some(step_i64(step)).into())
            .filter(account_totp::Column::AccountId.eq(account_id))
            .filter(
                Condition::any()
                    .add(account_totp::Column::LastStep.is_null())
                    .add(account_totp::Column::LastStep.lt(step_i64(step))),
            )
            .exec(conn)
            .await?;
        return Ok((claimed.rows_affected == 1).then_some(Proof::Code(step)));
    }
    let normalised = normalise_recovery_code(code);
    if normalised.len() != RECOVERY_CODE_LEN {
        return Ok(None);
    }
    let Some(found) = recovery_code::Entity::find()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .filter(recovery_code::Column::CodeHash.eq(recovery_code_hash(key, account_id, code)))
        .filter(recovery_code::Column::UsedAt.is_null())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let spent = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, Some(time::now()).into())
        .filter(recovery_code::Column::Id.eq(found.id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok((spent.rows_affected == 1).then_some(Proof::RecoveryCode(found.id)))
}

/// [`spend_code`] under the throttle: the attempt is recorded and counted first, and stays
/// recorded when the code is wrong.
async fn spend_code_throttled(
    db: &DatabaseConnection,
    key: &SecretsKey,
    throttle: &LoginThrottle,
    account_id: i64,
    code: &str,
    client: &ClientAddr,
) -> CoreResult<Proof> {
    let attempt = throttle
        .admit(db, &throttle_key(account_id), client, false)
        .await?;
    match spend_code(db, key, account_id, code).await? {
        Some(proof) => {
            attempt.withdraw(db).await?;
            Ok(proof)
        }
        None => Err(invalid_code()),
    }
}

/// Audits the use of a recovery code (its id and how many are left, never the code).
async fn audit_recovery_code_use(
    conn: &impl ConnectionTrait,
    account_id: i64,
    proof: Proof,
    request_id: Option<String>,
) -> CoreResult<()> {
    let Proof::RecoveryCode(code_id) = proof else {
        return Ok(());
    };
    let left = recovery_codes_left(conn, account_id).await?;
    audit::record(
        conn,
        AuditEntry::new(
            Actor::Account(account_id),
            "account.two_factor.recovery_code_used",
            format!("account:{account_id}"),
        )
        .details(serde_json::json!({ "recovery_code_id": code_id, "recovery_codes_left": left }))
        .request_id(request_id),
    )
    .await
}

/// What a correct password leads to.
#[derive(Debug)]
pub enum LoginStep {
    /// No second factor is set up: the login is complete.
    Done(Account),
    /// Two-factor login is on: no session yet, but this pending login token for the second
    /// step (valid [`PENDING_LOGIN_MINUTES`]).
    SecondFactor { pending_token: String },
}

/// The step after a correct password: done, or a pending login when two-factor login is on.
pub async fn after_password(
    conn: &impl ConnectionTrait,
    account: Account,
) -> CoreResult<LoginStep> {
    if is_enabled(conn, account.id).await? {
        Ok(LoginStep::SecondFactor {
            pending_token: begin_login(conn, account.id).await?,
        })
    } else {
        Ok(LoginStep::Done(account))
    }
}

/// After a correct password of an account with two-factor login on: a pending login token
/// (only its hash stored) for the second step.
pub async fn begin_login(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<String> {
    let token = secrets::new_token();
    let now = time::now();
    pending_login::ActiveModel {
        token_hash: Set(secrets::token_hash(&token)),
        account_id: Set(account_id),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(PENDING_LOGIN_MINUTES)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The second step of a login: a live, unspent pending login token and a valid code (TOTP or
/// recovery) of its account. The token is spent only by success, so a mistyped code can be
/// tried again (under the throttle) until it expires. An unknown, expired or spent token is
/// `Unauthenticated`; a wrong code is `Invalid` on `code`.
pub async fn verify_login(
    db: &DatabaseConnection,
    key: &SecretsKey,
    throttle: &LoginThrottle,
    token: &str,
    code: &str,
    client: &ClientAddr,
    request_id: Option<String>,
) -> CoreResult<Account> {
    let Some(pending) = pending_login::Entity::find()
        .filter(pending_login::Column::TokenHash.eq(secrets::token_hash(token)))
        .one(db)
        .await?
        .filter(|p| p.used_at.is_none() && p.expires_at > time::now())
    else {
        return Err(CoreError::Unauthenticated);
    };
    let proof = spend_code_throttled(db, key, throttle, pending.account_id, code, client).await?;
    let txn = crate::store::begin_write(db).await?;
    let spent = pending_login::Entity::update_many()
        .col_expr(pending_login::Column::UsedAt, Some(time::now()).into())
        .filter(pending_login::Column::Id.eq(pending.id))
        .filter(pending_login::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(CoreError::Unauthenticated);
    }
    audit_recovery_code_use(&txn, pending.account_id, proof, request_id).await?;
    txn.commit().await?;
    // The owner got in: their mistyped codes are forgiven.
    throttle
        .clear_account(db, &throttle_key(pending.account_id))
        .await?;
    // Disabled between the two steps: named as such, as after a correct password.
    find_by_id(db, pending.account_id)
        .await?
        .ok_or(CoreError::Forbidden)
}

/// Turns two-factor login off: the current password and a valid code (TOTP or recovery), each
/// under the throttle, so a stolen session alone cannot. Audited.
pub async fn disable(
    db: &DatabaseConnection,
    key: &SecretsKey,
    throttle: &LoginThrottle,
    me: &Account,
    current_password: &str,
    code: &str,
    client: &ClientAddr,
) -> CoreResult<()> {
    if !is_enabled(db, me.id).await? {
        return Err(CoreError::Conflict("two-factor login is off".into()));
    }
    let attempt = throttle
        .admit(db, &me.email.to_lowercase(), client, false)
        .await?;
    let stored = account::Entity::find_by_id(me.id)
        .one(db)
        .await?
        .and_then(|r| r.password_hash);
    if !password::verify_async(stored, current_password).await? {
        return Err(CoreError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    attempt.withdraw(db).await?;
    let proof = spend_code_throttled(db, key, throttle, me.id, code, client).await?;
    let txn = crate::store::begin_write(db).await?;
    audit_recovery_code_use(&txn, me.id, proof, None).await?;
    remove(&txn, me.id).await?;
    audit::record(
        &txn,
        AuditEntry::new(
            Actor::Account(me.id),
            "account.two_factor.disable",
            format!("account:{}", me.id),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// New recovery codes for the old ones (all of them, used or not), against a valid code.
/// Audited; returns the codes (shown once).
pub async fn regenerate_recovery_codes(
    db: &DatabaseConnection,
    key: &SecretsKey,
    throttle: &LoginThrottle,
    me: &Account,
    code: &str,
    client: &ClientAddr,
) -> CoreResult<Vec<String>> {
    if !is_enabled(db, me.id).await? {
        return Err(CoreError::Conflict("two-factor login is off".into()));
    }
    let proof = spend_code_throttled(db, key, throttle, me.id, code, client).await?;
    let txn = crate::store::begin_write(db).await?;
    audit_recovery_code_use(&txn, me.id, proof, None).await?;
    let codes = replace_recovery_codes(&txn, key, me.id).await?;
    audit::record(
        &txn,
        AuditEntry::new(
            Actor::Account(me.id),
            "account.two_factor.recovery_codes_regenerated",
            format!("account:{}", me.id),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

/// A platform admin resets the two-factor login of a person locked out of it (lost device and
/// codes): secret, recovery codes and pending logins go, and so do all their sessions. Audited.
/// Nobody resets their own: they turn it off with their password and a code.
pub async fn admin_reset(
    db: &DatabaseConnection,
    account_id: i64,
    by: i64,
    request_id: Option<String>,
) -> CoreResult<()> {
    if account_id == by {
        return Err(CoreError::Conflict(
            "you cannot reset your own two-factor login; turn it off on your account page".into(),
        ));
    }
    let txn = crate::store::begin_write(db).await?;
    if account::Entity::find_by_id(account_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(CoreError::NotFound("account"));
    }
    remove(&txn, account_id).await?;
    sessions::revoke_all(&txn, account_id).await?;
    audit::record(
        &txn,
        AuditEntry::new(
            Actor::Account(by),
            "account.two_factor.reset",
            format!("account:{account_id}"),
        )
        .request_id(request_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Removes an account's secret, recovery codes and pending logins.
async fn remove(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<()> {
    account_totp::Entity::delete_by_id(account_id)
        .exec(conn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    pending_login::Entity::delete_many()
        .filter(pending_login::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Removes expired or spent pending logins (the daily purge).
pub async fn purge_pending_logins(conn: &impl ConnectionTrait) -> CoreResult<u64> {
    let result = pending_login::Entity::delete_many()
        .filter(
            Condition::any()
                .add(pending_login::Column::ExpiresAt.lte(time::now()))
                .add(pending_login::Column::UsedAt.is_not_null()),
        )
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 6238 test secret (appendix B, SHA-1).
    fn rfc_totp() -> Totp {
        totp_of(b"12345678901234567890".to_vec(), "Etalage", "a@example.org").unwrap()
    }

    fn code_at(totp: &Totp, secs: u64) -> String {
        totp.generate(secs).to_string()
    }

    #[test]
    fn sec_totp_codes_match_rfc_6238() {
        // RFC 6238 appendix B, the last six of the eight digits.
        let totp = rfc_totp();
        assert_eq!(code_at(&totp, 59), "287082");
        assert_eq!(code_at(&totp, 1_111_111_109), "081804");
        assert_eq!(code_at(&totp, 1_234_567_890), "005924");
    }

    #[test]
    fn sec_totp_code_window_accepts_one_step_of_drift_and_no_replay() {
        let totp = rfc_totp();
        let now = 1_700_000_000u64;
        let step = now / STEP_SECS;
        // This step and one either side.
        assert_eq!(
            accepted_step(&totp, &code_at(&totp, now), now, None),
            Some(step)
        );
        assert_eq!(
            accepted_step(&totp, &code_at(&totp, now - STEP_SECS), now, None),
            Some(step - 1)
        );
        assert_eq!(
            accepted_step(&totp, &code_at(&totp, now + STEP_SECS), now, None),
            Some(step + 1)
        );
        // Two steps away is too far.
        assert_eq!(
            accepted_step(&totp, &code_at(&totp, now - 2 * STEP_SECS), now, None),
            None
        );
        assert_eq!(
            accepted_step(&totp, &code_at(&totp, now + 2 * STEP_SECS), now, None),
            None
        );
        // A step already used (or one before it) is not accepted again.
        let last = Some(i64::try_from(step).unwrap());
        assert_eq!(accepted_step(&totp, &code_at(&totp, now), now, last), None);
        assert_eq!(
            accepted_step(&totp, &code_at(&totp, now - STEP_SECS), now, last),
            None
        );
        assert_eq!(
            accepted_step(&totp, &code_at(&totp, now + STEP_SECS), now, last),
            Some(step + 1)
        );
        // Spaces are forgiven; anything but six digits is not a code.
        let spaced = code_at(&totp, now);
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(accepted_step(&totp, &spaced, now, None), Some(step));
        for junk in ["", "12345", "1234567", "abcdef", "12345a", "１２３４５６"] {
            assert_eq!(accepted_step(&totp, junk, now, None), None, "{junk:?}");
        }
    }

    #[test]
    fn sec_recovery_codes_are_random_and_stored_keyed_per_account() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
        for code in &codes {
            assert_eq!(normalise_recovery_code(code).len(), RECOVERY_CODE_LEN);
        }
        let key = SecretsKey::from_base64(&base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            [7u8; 32],
        ))
        .unwrap();
        let code = &codes[0];
        let hash = recovery_code_hash(&key, 1, code);
        assert!(!hash.contains(&normalise_recovery_code(code)));
        assert_eq!(hash, recovery_code_hash(&key, 1, &code.to_uppercase()));
        assert_ne!(
            hash,
            recovery_code_hash(&key, 2, code),
            "bound to the account"
        );
    }
}
