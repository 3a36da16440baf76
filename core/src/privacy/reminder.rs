//! The daily reminder (PRV-1): each label's staff who may handle requests get one mail listing
//! the label's open requests that are overdue or due within two working days — ids, kinds and
//! deadlines, never the requester's name — with a link to the register on the label's own
//! address.
//!
//! It runs as a job on the durable queue, scheduled like the purge (one waiting job per day,
//! kept unique by an index on (kind, payload)). The labels and their addresses come from the
//! web layer through [`LabelDirectory`]: core knows neither the label files nor how this server
//! is reached.
use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::calendar::HolidaySettings;
use super::requests::{self, PrivacyRequest, Urgency};
use crate::authz::{Authz, subject_of};
use crate::jobs::{JobError, JobHandler, daily};
use crate::mail::{self, OutgoingMail};
use crate::store::entities::account;
use crate::{CoreResult, time};

pub const JOB_KIND: &str = "privacy.requests.reminder";
/// The hour (UTC) the reminder is sent: before the working day starts in the Netherlands.
const HOUR_UTC: u32 = 5;
/// The permission that makes someone a handler of a label's requests.
pub const RESOURCE: &str = "privacy.request";

/// What the reminder needs to know of a label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelMail {
    pub slug: String,
    /// Shown as the sender.
    pub name: String,
    /// Replies go here.
    pub reply_to: Option<String>,
    /// The absolute address of the label's register of requests, from its configuration.
    pub register_url: String,
}

/// The labels as they are now; the web layer implements it.
pub trait LabelDirectory: Send + Sync {
    fn label(&self, slug: &str) -> Option<LabelMail>;
}

/// Puts the reminder of `day` on the queue unless it is there already.
pub async fn schedule(db: &DatabaseConnection, day: NaiveDate) -> CoreResult<()> {
    daily::schedule(db, JOB_KIND, day, HOUR_UTC).await
}

/// Called at start: makes sure tomorrow morning's reminder is on the queue.
pub async fn ensure_scheduled(db: &DatabaseConnection) -> CoreResult<()> {
    schedule(db, daily::tomorrow()).await
}

/// The mail text for one label's urgent requests; ids, kinds and dates only.
pub fn mail_text(
    label: &LabelMail,
    urgent: &[PrivacyRequest],
    today: NaiveDate,
    settings: HolidaySettings,
) -> String {
    let mut text = format!(
        "Verzoeken van betrokkenen bij {} die aandacht nodig hebben ({}):\n\n",
        label.name, today
    );
    for r in urgent {
        let state = match r.urgency(today, settings) {
            Urgency::Overdue => "TE LAAT",
            _ => "binnenkort",
        };
        text.push_str(&format!(
            "- #{} {} — termijn {} (wettelijke grens {}) — {}\n",
            r.id, r.kind, r.due_on, r.legal_limit_on, state
        ));
    }
    text.push_str(&format!(
        "\nHet register: {}\n\nDeze herinnering komt elke dag zolang er verzoeken te laat of \
         bijna te laat zijn.\n",
        label.register_url
    ));
    text
}

/// Mails every handler of every label with urgent requests on `today`; how many mails.
pub async fn send_reminders(
    db: &DatabaseConnection,
    authz: &Authz,
    labels: &dyn LabelDirectory,
    today: NaiveDate,
    settings: HolidaySettings,
) -> CoreResult<usize> {
    let mut sent = 0;
    for (slug, urgent) in requests::urgent_by_label(db, today, settings).await? {
        let Some(label) = labels.label(&slug) else {
            tracing::warn!(label = %slug, "requests of a label that is gone");
            continue;
        };
        let mut handlers: Vec<i64> = Vec::new();
        // The system, not a reader, asks here: every role link in the label is a candidate
        // handler, and the enforcer decides who handles requests.
        let links = crate::store::entities::account_role::Entity::find()
            .filter(crate::store::entities::account_role::Column::Domain.eq(slug.as_str()))
            .all(db)
            .await?;
        for link in links {
            if !handlers.contains(&link.account_id)
                && authz
                    .check(&subject_of(link.account_id), &slug, RESOURCE, "write")
                    .await?
            {
                handlers.push(link.account_id);
            }
        }
        if handlers.is_empty() {
            continue;
        }
        let recipients = account::Entity::find()
            .filter(account::Column::Id.is_in(handlers))
            .filter(account::Column::DisabledAt.is_null())
            .all(db)
            .await?;
        let text = mail_text(&label, &urgent, today, settings);
        for recipient in recipients {
            mail::enqueue(
                db,
                &OutgoingMail {
                    to: recipient.email,
                    from_name: label.name.clone(),
                    reply_to: label.reply_to.clone(),
                    subject: format!(
                        "{} verzoek(en) van betrokkenen vragen aandacht",
                        urgent.len()
                    ),
                    text: text.clone(),
                    label: Some(slug.clone()),
                },
            )
            .await?;
            sent += 1;
        }
    }
    Ok(sent)
}

/// Sends the day's reminders and schedules the next day's.
pub struct ReminderJob {
    pub db: DatabaseConnection,
    pub authz: Authz,
    pub labels: Arc<dyn LabelDirectory>,
    pub settings: HolidaySettings,
}

#[async_trait::async_trait]
impl JobHandler for ReminderJob {
    fn kind(&self) -> &'static str {
        JOB_KIND
    }

    async fn run(&self, payload: &serde_json::Value) -> Result<(), JobError> {
        let day = daily::day_of(payload)?;
        // A late run (servers down for days) reports on today, not on the day it was for.
        let today = time::now().date_naive();
        // Mails are queued before the next day is, so a retry after a failure in between
        // sends them again: a reminder twice is harmless, a reminder lost is not.
        let sent = send_reminders(
            &self.db,
            &self.authz,
            self.labels.as_ref(),
            today,
            self.settings,
        )
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
        tracing::info!(mails = sent, "privacy request reminders queued");
        daily::schedule_next(&self.db, JOB_KIND, day, HOUR_UTC).await
    }
}
