//! Outgoing mail. A mail is enqueued as a job in the transaction of the change that causes it,
//! and a worker hands it to the transport: `.eml` files in the outbox folder by default, SMTP
//! when configured.
mod transport;

/// An e-mail address as the mailer parses it.
pub use lettre::Address;
pub use transport::{MailSender, MailTransport, SmtpSettings, SmtpTls};

use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::CoreResult;
use crate::jobs::{self, NewJob};

pub const JOB_KIND: &str = "mail.send";

/// A mail to send, as it is stored in its job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    /// The display name in From, usually the label's name; the address is the platform's.
    pub from_name: String,
    /// The label's own contact address, so replies reach the label.
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    /// The label that sends it, for the log and for per-label templates later.
    pub label: Option<String>,
}

/// Enqueues `mail` on `conn` (the transaction of the change that causes it).
pub async fn enqueue(conn: &impl ConnectionTrait, mail: &OutgoingMail) -> CoreResult<i64> {
    let payload = serde_json::to_value(mail)
        .map_err(|e| crate::CoreError::Internal(format!("mail does not serialise: {e}")))?;
    jobs::enqueue(conn, NewJob::new(JOB_KIND, payload)).await
}
