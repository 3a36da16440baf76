//! The register of data-subject requests (PRV-1). Staff register what arrives by mail, phone or
//! letter; candidates file from their portal. Each request gets its deadline (ten working days,
//! [`calendar`]) and the one-month legal limit when it is registered, and is followed through
//! its status to an answer.
//!
//! Every query is scoped by the label the request arrived through: a request of another label
//! is answered like one that does not exist. The requester's name, contact and the free texts
//! are personal data; [`scrub_for_erasure`] clears them when the person is erased, keeping the
//! row as the record that the request was handled. Special personal data (a BSN, an IBAN, an ID
//! document number) is refused in every free text: the privacy statement promises it is not on
//! our disk, and "identity verified with passport NX1234567" is exactly how it would get there.
use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::calendar::{self, HolidaySettings};
use crate::audit::{self, Actor, AuditEntry};
use crate::store::entities::{candidate, candidate_label, label, privacy_request};
use crate::{CoreError, CoreResult, redact, time};

/// A closed set of words stored as text, parsed at the edge.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident, $field:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            pub fn parse(raw: &str) -> CoreResult<Self> {
                match raw.trim() {
                    $($word => Ok($name::$variant),)+
                    _ => Err(CoreError::invalid(
                        $field,
                        format!("one of: {}", [$($word),+].join(", ")),
                    )),
                }
            }
        }
    };
}

words!(
    /// What the requester asks for (AVG art. 15–21, and a complaint about how we handled data).
    Kind, "kind", {
        Access => "access",
        Rectification => "rectification",
        Erasure => "erasure",
        Objection => "objection",
        Restriction => "restriction",
        Portability => "portability",
        Complaint => "complaint",
    }
);

words!(
    /// How the request reached us.
    Channel, "channel", {
        Mail => "mail",
        Phone => "phone",
        Letter => "letter",
        Portal => "portal",
    }
);

words!(
    /// Whether the requester was shown to be who they say. How is told in words; the ID
    /// document itself and its number are never stored.
    IdentityCheck, "identity_check", {
        NotDone => "not_done",
        Verified => "verified",
        Failed => "failed",
    }
);

words!(
    Status, "status", {
        Received => "received",
        InProgress => "in_progress",
        Extended => "extended",
        Answered => "answered",
        Refused => "refused",
        Withdrawn => "withdrawn",
    }
);

impl Status {
    /// A closed request is the record of how it ended; it does not change any more.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Answered | Status::Refused | Status::Withdrawn)
    }
}

/// Longest free text accepted (a summary of the request or the answer, not the correspondence).
const MAX_TEXT: usize = 4000;
/// Longest name, contact or identity-check note.
const MAX_SHORT: usize = 300;
/// How many working days ahead counts as due soon.
pub const DUE_SOON_WORKING_DAYS: u32 = 2;
/// An extension (AVG art. 12(3)) allows two further months after the first.
const EXTENDED_MONTHS: u32 = 3;

/// A request as the register shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrivacyRequest {
    pub id: i64,
    pub label: String,
    pub candidate_id: Option<i64>,
    pub requester_name: Option<String>,
    pub requester_contact: Option<String>,
    pub kind: String,
    pub channel: String,
    pub description: Option<String>,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub legal_limit_on: NaiveDate,
    pub identity_check: String,
    pub identity_method: Option<String>,
    pub status: String,
    pub answer: Option<String>,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub handled_by: Option<i64>,
}

impl From<privacy_request::Model> for PrivacyRequest {
    fn from(m: privacy_request::Model) -> Self {
        PrivacyRequest {
            id: m.id,
            label: m.label,
            candidate_id: m.candidate_id,
            requester_name: m.requester_name,
            requester_contact: m.requester_contact,
            kind: m.kind,
            channel: m.channel,
            description: m.description,
            received_on: m.received_on,
            due_on: m.due_on,
            legal_limit_on: m.legal_limit_on,
            identity_check: m.identity_check,
            identity_method: m.identity_method,
            status: m.status,
            answer: m.answer,
            answered_at: m.answered_at,
            handled_by: m.handled_by,
        }
    }
}

/// Where an open request stands against its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Overdue,
    DueSoon,
    OnTime,
    Closed,
}

impl PrivacyRequest {
    pub fn urgency(&self, today: NaiveDate, settings: HolidaySettings) -> Urgency {
        if Status::parse(&self.status).is_ok_and(Status::is_closed) {
            Urgency::Closed
        } else if self.due_on < today {
            Urgency::Overdue
        } else if self.due_on <= due_soon_until(today, settings) {
            Urgency::DueSoon
        } else {
            Urgency::OnTime
        }
    }
}

/// The last day that counts as due soon seen from `today`.
fn due_soon_until(today: NaiveDate, settings: HolidaySettings) -> NaiveDate {
    calendar::add_working_days(today, DUE_SOON_WORKING_DAYS, settings)
}

/// A request as staff register it.
#[derive(Clone, Debug)]
pub struct NewRequest {
    pub kind: Kind,
    pub channel: Channel,
    pub received_on: NaiveDate,
    pub candidate_id: Option<i64>,
    pub requester_name: Option<String>,
    pub requester_contact: Option<String>,
    pub description: Option<String>,
    pub identity_check: IdentityCheck,
    pub identity_method: Option<String>,
}

/// `value` trimmed (empty is `None`), refused when longer than `max` characters or when it
/// holds what looks like a BSN, IBAN or ID document number.
fn free_text(field: &'static str, value: Option<&str>, max: usize) -> CoreResult<Option<String>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(CoreError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    if matches!(
        redact::mask_personal_data(value),
        std::borrow::Cow::Owned(_)
    ) {
        return Err(CoreError::invalid(
            field,
            "looks like a BSN, IBAN or ID document number; those are never stored here — \
             write how the identity was checked, not the number",
        ));
    }
    Ok(Some(value.to_string()))
}

fn audit_entry(
    actor: Actor,
    action: &'static str,
    label: &str,
    id: i64,
    details: serde_json::Value,
    request_id: Option<String>,
) -> AuditEntry {
    AuditEntry::new(actor, action, format!("privacy_request:{id}"))
        .label(label)
        .details(details)
        .request_id(request_id)
}

/// Is `candidate_id` a candidate who came through `label`? Staff may only link a request to
/// someone their label knows.
async fn candidate_in_label(
    conn: &impl ConnectionTrait,
    label_slug: &str,
    candidate_id: i64,
) -> CoreResult<bool> {
    let Some(label) = label::Entity::find()
        .filter(label::Column::Slug.eq(label_slug))
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    Ok(candidate_label::Entity::find()
        .filter(candidate_label::Column::CandidateId.eq(candidate_id))
        .filter(candidate_label::Column::LabelId.eq(label.id))
        .count(conn)
        .await?
        > 0)
}

/// Registers `new` in `label` as `actor` (the staff member, who handles it from here).
pub async fn create(
    db: &DatabaseConnection,
    label: &str,
    actor: i64,
    new: NewRequest,
    settings: HolidaySettings,
    request_id: Option<String>,
) -> CoreResult<PrivacyRequest> {
    let today = time::now().date_naive();
    if new.received_on > today {
        return Err(CoreError::invalid("received_on", "lies in the future"));
    }
    let name = free_text("requester_name", new.requester_name.as_deref(), MAX_SHORT)?;
    let contact = free_text(
        "requester_contact",
        new.requester_contact.as_deref(),
        MAX_SHORT,
    )?;
    let description = free_text("description", new.description.as_deref(), MAX_TEXT)?;
    let method = free_text("identity_method", new.identity_method.as_deref(), MAX_SHORT)?;
    if new.candidate_id.is_none() && name.is_none() && contact.is_none() {
        return Err(CoreError::invalid(
            "requester_name",
            "name the requester or link the candidate",
        ));
    }
    if new.identity_check == IdentityCheck::Verified && method.is_none() {
        return Err(CoreError::invalid(
            "identity_method",
            "say how the identity was verified",
        ));
    }
    let txn = crate::store::begin_write(db).await?;
    if let Some(candidate_id) = new.candidate_id
        && !candidate_in_label(&txn, label, candidate_id).await?
    {
        return Err(CoreError::invalid(
            "candidate_id",
            "no such candidate in this label",
        ));
    }
    let row = insert(
        &txn,
        label,
        Row {
            candidate_id: new.candidate_id,
            requester_name: name,
            requester_contact: contact,
            kind: new.kind,
            channel: new.channel,
            description,
            received_on: new.received_on,
            identity_check: new.identity_check,
            identity_method: method,
            handled_by: Some(actor),
        },
        settings,
        (actor, "privacy.request.create", request_id),
    )
    .await?;
    txn.commit().await?;
    Ok(row.into())
}

/// What one insert writes; the deadlines are computed from `received_on`.
struct Row {
    candidate_id: Option<i64>,
    requester_name: Option<String>,
    requester_contact: Option<String>,
    kind: Kind,
    channel: Channel,
    description: Option<String>,
    received_on: NaiveDate,
    identity_check: IdentityCheck,
    identity_method: Option<String>,
    handled_by: Option<i64>,
}

/// Inserts `row` in `label` and audits it as `(actor, action, request_id)`; pass the
/// transaction so both land or neither does.
async fn insert(
    conn: &impl ConnectionTrait,
    label: &str,
    row: Row,
    settings: HolidaySettings,
    (actor, action, request_id): (i64, &'static str, Option<String>),
) -> CoreResult<privacy_request::Model> {
    let now = time::now();
    let deadlines = calendar::deadlines(row.received_on, settings);
    let inserted = privacy_request::ActiveModel {
        label: Set(label.to_string()),
        candidate_id: Set(row.candidate_id),
        requester_name: Set(row.requester_name),
        requester_contact: Set(row.requester_contact),
        kind: Set(row.kind.as_str().to_string()),
        channel: Set(row.channel.as_str().to_string()),
        description: Set(row.description),
        received_on: Set(row.received_on),
        due_on: Set(deadlines.due),
        legal_limit_on: Set(deadlines.legal_limit),
        identity_check: Set(row.identity_check.as_str().to_string()),
        identity_method: Set(row.identity_method),
        status: Set(Status::Received.as_str().to_string()),
        handled_by: Set(row.handled_by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        audit_entry(
            Actor::Account(actor),
            action,
            label,
            inserted.id,
            serde_json::json!({ "kind": inserted.kind, "candidate_id": inserted.candidate_id }),
            request_id,
        ),
    )
    .await?;
    Ok(inserted)
}

/// A request filed by the candidate behind account `account_id` through `label`'s portal,
/// received today. Being logged in is the identity check.
pub async fn file_for_account(
    db: &DatabaseConnection,
    label: &str,
    account_id: i64,
    kind: Kind,
    description: Option<&str>,
    settings: HolidaySettings,
    request_id: Option<String>,
) -> CoreResult<PrivacyRequest> {
    let description = free_text("description", description, MAX_TEXT)?;
    let txn = crate::store::begin_write(db).await?;
    let candidate = candidate_of_account(&txn, account_id).await?;
    let row = insert(
        &txn,
        label,
        Row {
            candidate_id: Some(candidate.id),
            requester_name: None,
            requester_contact: None,
            kind,
            channel: Channel::Portal,
            description,
            received_on: time::now().date_naive(),
            identity_check: IdentityCheck::Verified,
            identity_method: Some("ingelogd op het portaal".into()),
            handled_by: None,
        },
        settings,
        (account_id, "privacy.request.file", request_id),
    )
    .await?;
    txn.commit().await?;
    Ok(row.into())
}

async fn candidate_of_account(
    conn: &impl ConnectionTrait,
    account_id: i64,
) -> CoreResult<candidate::Model> {
    candidate::Entity::find()
        .filter(candidate::Column::AccountId.eq(account_id))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound("candidate"))
}

/// The requests of the candidate behind account `account_id`, newest first.
pub async fn for_account(
    conn: &impl ConnectionTrait,
    account_id: i64,
) -> CoreResult<Vec<PrivacyRequest>> {
    let candidate = candidate_of_account(conn, account_id).await?;
    for_export(conn, candidate.id).await
}

/// Every request of `candidate_id`, in every label, newest first: for the data export (PRV-5)
/// and the candidate's own list.
pub async fn for_export(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
) -> CoreResult<Vec<PrivacyRequest>> {
    Ok(privacy_request::Entity::find()
        .filter(privacy_request::Column::CandidateId.eq(candidate_id))
        .order_by_desc(privacy_request::Column::ReceivedOn)
        .order_by_desc(privacy_request::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(PrivacyRequest::from)
        .collect())
}

/// Part of erasing `candidate_id` (CAN-3): each of their requests stays as the record that it
/// was handled (kind, channel, dates, status), without the name, contact, free texts and the
/// link to the candidate. The number of requests scrubbed.
pub async fn scrub_for_erasure(conn: &impl ConnectionTrait, candidate_id: i64) -> CoreResult<u64> {
    use privacy_request::Column;
    let mut scrub = privacy_request::Entity::update_many()
        .col_expr(Column::CandidateId, Option::<i64>::None.into())
        .col_expr(Column::UpdatedAt, time::now().into());
    for personal in [
        Column::RequesterName,
        Column::RequesterContact,
        Column::Description,
        Column::IdentityMethod,
        Column::Answer,
    ] {
        scrub = scrub.col_expr(personal, Option::<String>::None.into());
    }
    let result = scrub
        .filter(Column::CandidateId.eq(candidate_id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Which requests a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub status: Option<Status>,
    pub kind: Option<Kind>,
    pub due: Option<DueFilter>,
}

/// Open requests past their deadline, or due within [`DUE_SOON_WORKING_DAYS`] working days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueFilter {
    Overdue,
    DueSoon,
    /// Both: what needs attention now.
    Urgent,
}

impl DueFilter {
    pub fn parse(raw: &str) -> CoreResult<DueFilter> {
        match raw.trim() {
            "overdue" => Ok(DueFilter::Overdue),
            "due_soon" => Ok(DueFilter::DueSoon),
            "urgent" => Ok(DueFilter::Urgent),
            _ => Err(CoreError::invalid(
                "due",
                "one of: overdue, due_soon, urgent",
            )),
        }
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestPage {
    pub items: Vec<PrivacyRequest>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

fn open_statuses() -> Vec<&'static str> {
    Status::ALL
        .iter()
        .filter(|s| !s.is_closed())
        .map(|s| s.as_str())
        .collect()
}

/// `label`'s requests matching `filter`, earliest deadline first, page `page` (from 1).
pub async fn list(
    conn: &impl ConnectionTrait,
    label: &str,
    filter: ListFilter,
    today: NaiveDate,
    settings: HolidaySettings,
    page: u64,
    per_page: u64,
) -> CoreResult<RequestPage> {
    use privacy_request::Column;
    let mut query = privacy_request::Entity::find().filter(Column::Label.eq(label));
    if let Some(status) = filter.status {
        query = query.filter(Column::Status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(Column::Kind.eq(kind.as_str()));
    }
    if let Some(due) = filter.due {
        query = query.filter(Column::Status.is_in(open_statuses()));
        let soon = due_soon_until(today, settings);
        query = match due {
            DueFilter::Overdue => query.filter(Column::DueOn.lt(today)),
            DueFilter::DueSoon => query
                .filter(Column::DueOn.gte(today))
                .filter(Column::DueOn.lte(soon)),
            DueFilter::Urgent => query.filter(Column::DueOn.lte(soon)),
        };
    }
    let page = crate::domain::page_number(page)?;
    let per_page = per_page.max(1);
    let paginator = query
        .order_by_asc(Column::DueOn)
        .order_by_asc(Column::Id)
        .paginate(conn, per_page);
    let total = paginator.num_items().await?;
    let items = paginator
        .fetch_page(page - 1)
        .await?
        .into_iter()
        .map(PrivacyRequest::from)
        .collect();
    Ok(RequestPage {
        items,
        total,
        page,
        per_page,
    })
}

/// The request `id` of `label`; another label's is not found.
pub async fn get(conn: &impl ConnectionTrait, label: &str, id: i64) -> CoreResult<PrivacyRequest> {
    Ok(find(conn, label, id).await?.into())
}

async fn find(
    conn: &impl ConnectionTrait,
    label: &str,
    id: i64,
) -> CoreResult<privacy_request::Model> {
    privacy_request::Entity::find_by_id(id)
        .filter(privacy_request::Column::Label.eq(label))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound("privacy request"))
}

/// What staff change on a request; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct Change {
    pub status: Option<Status>,
    pub identity_check: Option<IdentityCheck>,
    pub identity_method: Option<String>,
    pub answer: Option<String>,
}

/// Applies `change` to request `id` of `label` as staff member `actor`, who becomes its
/// handler. A closed request does not change; answering or refusing needs the answer's text;
/// extending moves the deadline to three months after receipt (AVG art. 12(3)).
pub async fn update(
    db: &DatabaseConnection,
    label: &str,
    actor: i64,
    id: i64,
    change: Change,
    request_id: Option<String>,
) -> CoreResult<PrivacyRequest> {
    let method = free_text(
        "identity_method",
        change.identity_method.as_deref(),
        MAX_SHORT,
    )?;
    let answer = free_text("answer", change.answer.as_deref(), MAX_TEXT)?;
    let txn = crate::store::begin_write(db).await?;
    let current = find(&txn, label, id).await?;
    let from = Status::parse(&current.status)?;
    if from.is_closed() {
        return Err(CoreError::Conflict(format!(
            "the request is {} and no longer changes",
            from.as_str()
        )));
    }
    let to = change.status.unwrap_or(from);
    let identity = match change.identity_check {
        Some(check) => check,
        None => IdentityCheck::parse(&current.identity_check)?,
    };
    let method = method.or_else(|| current.identity_method.clone());
    if identity == IdentityCheck::Verified && method.is_none() {
        return Err(CoreError::invalid(
            "identity_method",
            "say how the identity was verified",
        ));
    }
    let answer = answer.or_else(|| current.answer.clone());
    if matches!(to, Status::Answered | Status::Refused) && answer.is_none() {
        return Err(CoreError::invalid(
            "answer",
            "write the answer (or the reason for refusing) before closing the request",
        ));
    }
    let received_on = current.received_on;
    let mut row: privacy_request::ActiveModel = current.into();
    row.identity_check = Set(identity.as_str().to_string());
    row.identity_method = Set(method);
    row.answer = Set(answer);
    row.status = Set(to.as_str().to_string());
    row.handled_by = Set(Some(actor));
    row.updated_at = Set(time::now());
    if to != from {
        if to == Status::Extended {
            let limit = calendar::months_after(received_on, EXTENDED_MONTHS);
            row.due_on = Set(limit);
            row.legal_limit_on = Set(limit);
        }
        if matches!(to, Status::Answered | Status::Refused) {
            row.answered_at = Set(Some(time::now()));
        }
    }
    let updated = row.update(&txn).await?;
    let (action, details) = if to == from {
        ("privacy.request.update", serde_json::json!({}))
    } else {
        (
            "privacy.request.status",
            serde_json::json!({ "from": from.as_str(), "to": to.as_str() }),
        )
    };
    audit::record(
        &txn,
        audit_entry(
            Actor::Account(actor),
            action,
            label,
            id,
            details,
            request_id,
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// Every open request, in every label, that is overdue or due soon on `today`, grouped by
/// label (for the daily reminder).
pub async fn urgent_by_label(
    conn: &impl ConnectionTrait,
    today: NaiveDate,
    settings: HolidaySettings,
) -> CoreResult<std::collections::BTreeMap<String, Vec<PrivacyRequest>>> {
    use privacy_request::Column;
    let rows = privacy_request::Entity::find()
        .filter(Column::Status.is_in(open_statuses()))
        .filter(Column::DueOn.lte(due_soon_until(today, settings)))
        .order_by_asc(Column::DueOn)
        .order_by_asc(Column::Id)
        .all(conn)
        .await?;
    let mut out: std::collections::BTreeMap<String, Vec<PrivacyRequest>> = Default::default();
    for row in rows {
        out.entry(row.label.clone()).or_default().push(row.into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::test_support::{TestDb, account_with};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn by_phone(received_on: NaiveDate) -> NewRequest {
        NewRequest {
            kind: Kind::Access,
            channel: Channel::Phone,
            received_on,
            candidate_id: None,
            requester_name: Some("Jan Jansen".into()),
            requester_contact: Some("06 1234 5678".into()),
            description: Some("Wil weten welke gegevens we hebben".into()),
            identity_check: IdentityCheck::NotDone,
            identity_method: None,
        }
    }

    #[tokio::test]
    async fn prv_1_special_data_in_free_text_is_refused() {
        let t = TestDb::new().await;
        let staff = account_with(&t, "r@werkweb.net", &[("werkweb", "recruiter")]).await;
        let s = HolidaySettings::default();
        let today = time::now().date_naive();
        let with_bsn = NewRequest {
            identity_check: IdentityCheck::Verified,
            identity_method: Some("paspoort gezien, BSN 111222333".into()),
            ..by_phone(today)
        };
        let err = create(&t.db, "werkweb", staff, with_bsn, s, None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::Invalid {
                    field: "identity_method",
                    ..
                }
            ),
            "{err:?}"
        );
        let with_iban = NewRequest {
            description: Some("terugbetalen op NL91ABNA0417164300".into()),
            ..by_phone(today)
        };
        assert!(
            create(&t.db, "werkweb", staff, with_iban, s, None)
                .await
                .is_err()
        );
        let future = by_phone(today + chrono::Duration::days(1));
        assert!(
            create(&t.db, "werkweb", staff, future, s, None)
                .await
                .is_err()
        );
        let ok = create(&t.db, "werkweb", staff, by_phone(today), s, None)
            .await
            .unwrap();
        assert_eq!(ok.due_on, calendar::deadlines(today, s).due);
        let change = Change {
            answer: Some("ID-nummer NX1234567".into()),
            ..Change::default()
        };
        assert!(
            update(&t.db, "werkweb", staff, ok.id, change, None)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn prv_1_lists_are_scoped_by_label_and_filtered_by_deadline() {
        let t = TestDb::new().await;
        let staff = account_with(&t, "r@werkweb.net", &[("werkweb", "recruiter")]).await;
        let s = HolidaySettings::default();
        // Seen from Wednesday 25 November 2026.
        let today = d(2026, 11, 25);
        let late = create(&t.db, "werkweb", staff, by_phone(d(2026, 11, 2)), s, None)
            .await
            .unwrap();
        assert_eq!(late.due_on, d(2026, 11, 16));
        let soon = create(&t.db, "werkweb", staff, by_phone(d(2026, 11, 12)), s, None)
            .await
            .unwrap();
        assert_eq!(soon.due_on, d(2026, 11, 26));
        let fresh = create(&t.db, "werkweb", staff, by_phone(d(2026, 11, 24)), s, None)
            .await
            .unwrap();
        create(
            &t.db,
            "65plus-werkt",
            staff,
            by_phone(d(2026, 11, 2)),
            s,
            None,
        )
        .await
        .unwrap();
        let ids = |page: RequestPage| page.items.iter().map(|r| r.id).collect::<Vec<_>>();
        let all = list(&t.db, "werkweb", ListFilter::default(), today, s, 1, 50)
            .await
            .unwrap();
        assert_eq!(ids(all), vec![late.id, soon.id, fresh.id]);
        let overdue = ListFilter {
            due: Some(DueFilter::Overdue),
            ..ListFilter::default()
        };
        let page = list(&t.db, "werkweb", overdue, today, s, 1, 50)
            .await
            .unwrap();
        assert_eq!(ids(page), vec![late.id]);
        let due_soon = ListFilter {
            due: Some(DueFilter::DueSoon),
            ..ListFilter::default()
        };
        let page = list(&t.db, "werkweb", due_soon, today, s, 1, 50)
            .await
            .unwrap();
        assert_eq!(ids(page), vec![soon.id]);
        let paged = list(&t.db, "werkweb", ListFilter::default(), today, s, 2, 2)
            .await
            .unwrap();
        assert_eq!((paged.total, ids(paged)), (3, vec![fresh.id]));
        assert_eq!(late.clone().urgency(today, s), Urgency::Overdue);
        assert_eq!(soon.urgency(today, s), Urgency::DueSoon);
        assert_eq!(fresh.urgency(today, s), Urgency::OnTime);
        // Another label's request is not found, not refused.
        let other = urgent_by_label(&t.db, today, s).await.unwrap();
        let theirs = other["65plus-werkt"][0].id;
        assert!(matches!(
            get(&t.db, "werkweb", theirs).await,
            Err(CoreError::NotFound(_))
        ));
        assert_eq!(other["werkweb"].len(), 2);
        // Answering closes it: needs the answer, then no further change.
        let answer = Change {
            status: Some(Status::Answered),
            ..Change::default()
        };
        assert!(
            update(&t.db, "werkweb", staff, late.id, answer.clone(), None)
                .await
                .is_err()
        );
        let answered = update(
            &t.db,
            "werkweb",
            staff,
            late.id,
            Change {
                answer: Some("Overzicht verstuurd per post".into()),
                ..answer
            },
            None,
        )
        .await
        .unwrap();
        assert!(answered.answered_at.is_some());
        assert_eq!(answered.urgency(today, s), Urgency::Closed);
        let reopen = Change {
            status: Some(Status::InProgress),
            ..Change::default()
        };
        assert!(matches!(
            update(&t.db, "werkweb", staff, late.id, reopen, None).await,
            Err(CoreError::Conflict(_))
        ));
        let extended = update(
            &t.db,
            "werkweb",
            staff,
            soon.id,
            Change {
                status: Some(Status::Extended),
                ..Change::default()
            },
            None,
        )
        .await
        .unwrap();
        assert_eq!(extended.due_on, d(2027, 2, 12));
    }

    #[tokio::test]
    async fn prv_1_erasure_keeps_the_request_without_the_person() {
        let t = TestDb::new().await;
        let staff = account_with(&t, "r@werkweb.net", &[("werkweb", "recruiter")]).await;
        let s = HolidaySettings::default();
        let now = time::now();
        let candidate = candidate::ActiveModel {
            email: Set("kandidaat@example.nl".into()),
            availability: Set("available".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&t.db)
        .await
        .unwrap();
        // The unit database has no labels until the server syncs them: make the one we need.
        let werkweb = label::ActiveModel {
            slug: Set("werkweb".into()),
            name: Set("Werkweb".into()),
            hostnames: Set("[]".into()),
            file_config: Set("{}".into()),
            overrides: Set("{}".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&t.db)
        .await
        .unwrap();
        let linked = NewRequest {
            candidate_id: Some(candidate.id),
            ..by_phone(now.date_naive())
        };
        assert!(
            create(&t.db, "65plus-werkt", staff, linked.clone(), s, None)
                .await
                .is_err(),
            "a candidate another label does not know cannot be linked"
        );
        candidate_label::ActiveModel {
            candidate_id: Set(candidate.id),
            label_id: Set(werkweb.id),
            source: Set("test".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&t.db)
        .await
        .unwrap();
        let request = create(&t.db, "werkweb", staff, linked, s, None)
            .await
            .unwrap();
        assert_eq!(
            for_export(&t.db, candidate.id).await.unwrap(),
            vec![request.clone()]
        );
        assert_eq!(scrub_for_erasure(&t.db, candidate.id).await.unwrap(), 1);
        assert!(for_export(&t.db, candidate.id).await.unwrap().is_empty());
        let kept = get(&t.db, "werkweb", request.id).await.unwrap();
        assert_eq!(
            (
                kept.candidate_id,
                kept.requester_name,
                kept.requester_contact,
                kept.description
            ),
            (None, None, None, None)
        );
        assert_eq!(
            (kept.kind, kept.received_on),
            (request.kind, request.received_on)
        );
    }
}
