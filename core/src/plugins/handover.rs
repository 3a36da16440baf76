//! The one way personal data reaches a plugin (PRV-2, PRV-5). A hand-over to a processor is
//! checked against the processors register first: the processor must be registered and its
//! entry must name every data category that goes over. The disclosure is written *before* the
//! data leaves, so that a crash in the middle of a call still leaves its trace, and the outcome
//! is filled in after.
use std::future::Future;

use sea_orm::DatabaseConnection;

use super::{MatchBatch, Matcher, PluginError, Ranking};
use crate::disclosures::{self, NewDisclosure};
use crate::{CoreResult, processors};

/// Who receives the data: a plugin version in a label, acting for a registered processor when
/// it is a processor integration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub label: String,
    pub plugin: String,
    pub version: String,
    pub processor_id: Option<i64>,
}

/// What goes over.
#[derive(Clone, Copy, Debug)]
pub struct HandOver<'a> {
    /// What happens: `match.rank`, `payroll.place-worker`, …
    pub event: &'a str,
    pub data_categories: &'a [&'a str],
    /// The people whose data it is, by id.
    pub subjects: &'a [String],
}

/// The outcome a disclosure carries while its call runs; one left behind marks a call that
/// was interrupted (the process stopped mid-call).
pub const IN_PROGRESS: &str = "in progress";

/// Records the hand-over, runs `call`, and records how it ended. The outer error is ours (the
/// record could not be written, so nothing was handed over); the inner one is the plugin's.
pub async fn disclose<T>(
    db: &DatabaseConnection,
    to: &Recipient,
    what: HandOver<'_>,
    call: impl Future<Output = Result<T, PluginError>>,
) -> CoreResult<Result<T, PluginError>> {
    let id = disclosures::record(
        db,
        NewDisclosure {
            label: to.label.clone(),
            plugin_name: to.plugin.clone(),
            plugin_version: to.version.clone(),
            processor_id: to.processor_id,
            data_categories: what.data_categories.iter().map(|c| c.to_string()).collect(),
            event: what.event.to_string(),
            subjects: what.subjects.to_vec(),
            outcome: IN_PROGRESS.into(),
        },
    )
    .await?;
    let result = call.await;
    let outcome = match &result {
        Ok(_) => "ok".to_string(),
        Err(e) => e.to_string(),
    };
    disclosures::finish(db, id, &outcome).await?;
    Ok(result)
}

/// A hand-over to a processor integration: refused before anything leaves unless the
/// recipient acts for a registered processor whose entry names every category that goes over.
pub async fn to_processor<T>(
    db: &DatabaseConnection,
    to: &Recipient,
    what: HandOver<'_>,
    call: impl Future<Output = Result<T, PluginError>>,
) -> CoreResult<Result<T, PluginError>> {
    let Some(processor_id) = to.processor_id else {
        return Ok(Err(PluginError::Unavailable(format!(
            "{} acts for no entry in the processors register; nothing was sent",
            to.plugin
        ))));
    };
    let entry = match processors::get(db, processor_id).await {
        Ok(entry) => entry,
        Err(crate::CoreError::NotFound(_)) => {
            return Ok(Err(PluginError::Unavailable(format!(
                "the processors register has no entry {processor_id} for {}; nothing was sent",
                to.plugin
            ))));
        }
        Err(e) => return Err(e),
    };
    let missing: Vec<&str> = what
        .data_categories
        .iter()
        .copied()
        .filter(|c| {
            !entry
                .data_categories
                .iter()
                .any(|registered| registered.eq_ignore_ascii_case(c))
        })
        .collect();
    if !missing.is_empty() {
        return Ok(Err(PluginError::Unavailable(format!(
            "the register entry of {} does not cover {}; nothing was sent",
            entry.name,
            missing.join(", ")
        ))));
    }
    disclose(db, to, what, call).await
}

/// Ranks a batch through a label's matcher, recorded as a disclosure of pseudonymous
/// candidate features.
pub async fn rank(
    db: &DatabaseConnection,
    to: &Recipient,
    matcher: &dyn Matcher,
    batch: &MatchBatch,
) -> CoreResult<Result<Ranking, PluginError>> {
    let what = HandOver {
        event: "match.rank",
        data_categories: &["pseudonymous candidate features"],
        subjects: batch.ids(),
    };
    disclose(db, to, what, matcher.rank(batch)).await
}
