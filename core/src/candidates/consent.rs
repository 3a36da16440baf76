//! The consent ledger (CAN-2, PRV-4): who, which label, which statement version, which purpose,
//! given or withdrawn, when, through which form. Append-only; the candidate row keeps only the
//! current state of each switchable purpose so that visibility checks are one row.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use crate::store::entities::{candidate, consent_event, label, statement_version};
use crate::{CoreError, CoreResult, time};

/// What a consent is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Accepting a label's privacy statement (a version is recorded with it).
    PrivacyStatement,
    /// Being visible to every partner label, not only those the candidate came through (TEN-2).
    OtherLabels,
    /// An anonymous profile in the talent showcase (SHO-1).
    Showcase,
    /// Mails about vacancies that fit (CAN-5).
    VacancyMails,
}

impl Purpose {
    pub const SWITCHABLE: [Purpose; 3] = [
        Purpose::OtherLabels,
        Purpose::Showcase,
        Purpose::VacancyMails,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::PrivacyStatement => "privacy-statement",
            Purpose::OtherLabels => "other-labels",
            Purpose::Showcase => "showcase",
            Purpose::VacancyMails => "vacancy-mails",
        }
    }
}

/// The switchable purposes as the candidate sets them; `None` leaves one as it is.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PurposeChoices {
    pub other_labels: Option<bool>,
    pub showcase: Option<bool>,
    pub vacancy_mails: Option<bool>,
}

impl PurposeChoices {
    fn entries(self) -> impl Iterator<Item = (Purpose, bool)> {
        [
            (Purpose::OtherLabels, self.other_labels),
            (Purpose::Showcase, self.showcase),
            (Purpose::VacancyMails, self.vacancy_mails),
        ]
        .into_iter()
        .filter_map(|(p, v)| v.map(|v| (p, v)))
    }
}

/// One ledger entry as the candidate and staff see it.
#[derive(Clone, Debug, Serialize)]
pub struct ConsentEntry {
    pub label: String,
    pub purpose: String,
    pub statement_version: Option<String>,
    pub given: bool,
    pub form: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// Writes one ledger entry.
pub async fn record(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
    label_id: i64,
    purpose: Purpose,
    statement_version_id: Option<i64>,
    given: bool,
    form: &str,
) -> CoreResult<()> {
    consent_event::ActiveModel {
        candidate_id: Set(candidate_id),
        label_id: Set(label_id),
        purpose: Set(purpose.as_str().to_string()),
        statement_version_id: Set(statement_version_id),
        given: Set(given),
        form: Set(form.to_string()),
        recorded_at: Set(time::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Records acceptance of `version` of the label's statement; the version must exist.
pub async fn accept_statement(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
    label_id: i64,
    version: &str,
    form: &str,
) -> CoreResult<()> {
    let Some(statement) = crate::labels::statement(conn, label_id, version).await? else {
        return Err(CoreError::invalid(
            "privacy_statement_version",
            format!("version {version} of this label's privacy statement does not exist"),
        ));
    };
    record(
        conn,
        candidate_id,
        label_id,
        Purpose::PrivacyStatement,
        Some(statement.id),
        true,
        form,
    )
    .await
}

/// Whether the candidate accepted `version` of the label's statement.
pub async fn has_accepted(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
    label_id: i64,
    version: &str,
) -> CoreResult<bool> {
    let Some(statement) = crate::labels::statement(conn, label_id, version).await? else {
        return Ok(false);
    };
    Ok(consent_event::Entity::find()
        .filter(consent_event::Column::CandidateId.eq(candidate_id))
        .filter(consent_event::Column::StatementVersionId.eq(statement.id))
        .filter(consent_event::Column::Given.eq(true))
        .one(conn)
        .await?
        .is_some())
}

/// Sets the switchable purposes: one ledger entry for each that changes, and the current state
/// on the candidate row, in the caller's transaction.
pub async fn set_purposes(
    conn: &impl ConnectionTrait,
    row: &candidate::Model,
    label_id: i64,
    choices: PurposeChoices,
    form: &str,
) -> CoreResult<candidate::Model> {
    let mut active: candidate::ActiveModel = row.clone().into();
    let mut changed = false;
    for (purpose, given) in choices.entries() {
        let current = match purpose {
            Purpose::OtherLabels => row.visible_to_all_labels,
            Purpose::Showcase => row.in_showcase,
            Purpose::VacancyMails => row.vacancy_mails,
            Purpose::PrivacyStatement => continue,
        };
        if current == given {
            continue;
        }
        record(conn, row.id, label_id, purpose, None, given, form).await?;
        match purpose {
            Purpose::OtherLabels => active.visible_to_all_labels = Set(given),
            Purpose::Showcase => active.in_showcase = Set(given),
            Purpose::VacancyMails => active.vacancy_mails = Set(given),
            Purpose::PrivacyStatement => {}
        }
        changed = true;
    }
    if !changed {
        return Ok(row.clone());
    }
    active.updated_at = Set(time::now());
    Ok(active.update(conn).await?)
}

/// The candidate's whole ledger, oldest first, with label slugs and statement versions.
pub async fn history(
    conn: &impl ConnectionTrait,
    candidate_id: i64,
) -> CoreResult<Vec<ConsentEntry>> {
    let rows = consent_event::Entity::find()
        .filter(consent_event::Column::CandidateId.eq(candidate_id))
        .order_by_asc(consent_event::Column::RecordedAt)
        .order_by_asc(consent_event::Column::Id)
        .all(conn)
        .await?;
    let labels = label::Entity::find().all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let version = match row.statement_version_id {
            Some(id) => statement_version::Entity::find_by_id(id)
                .one(conn)
                .await?
                .map(|s| s.version),
            None => None,
        };
        out.push(ConsentEntry {
            label: labels
                .iter()
                .find(|l| l.id == row.label_id)
                .map(|l| l.slug.clone())
                .unwrap_or_default(),
            purpose: row.purpose,
            statement_version: version,
            given: row.given,
            form: row.form,
            recorded_at: row.recorded_at,
        });
    }
    Ok(out)
}
