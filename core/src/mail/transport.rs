use std::path::PathBuf;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{JOB_KIND, OutgoingMail};
use crate::jobs::{JobError, JobHandler};
use crate::{CoreError, CoreResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS, required (port 587).
    Starttls,
    /// No encryption: only for a relay on the same machine.
    None,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// Says whether a password is set, never what it is: settings get logged when a start fails.
impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<withheld>"))
            .finish()
    }
}

/// Where mail goes.
#[derive(Clone)]
pub enum MailTransport {
    /// One `.eml` file per mail in a folder: the default, and what tests read.
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl MailTransport {
    pub fn file(dir: PathBuf) -> CoreResult<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| {
            CoreError::Internal(format!("cannot create outbox {}: {e}", dir.display()))
        })?;
        Ok(MailTransport::File(AsyncFileTransport::new(dir)))
    }

    pub fn smtp(settings: &SmtpSettings) -> CoreResult<Self> {
        let builder = match settings.tls {
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host),
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
            }
            SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &settings.host,
            )),
        }
        .map_err(|e| CoreError::invalid("mail.smtp", format!("{e}")))?;
        let mut builder = builder.port(settings.port);
        if let (Some(user), Some(pass)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(MailTransport::Smtp(builder.build()))
    }
}

/// Sends the mail of `mail.send` jobs.
pub struct MailSender {
    transport: MailTransport,
    from_address: String,
}

impl MailSender {
    pub fn new(transport: MailTransport, from_address: impl Into<String>) -> Self {
        MailSender {
            transport,
            from_address: from_address.into(),
        }
    }

    fn build(&self, mail: &OutgoingMail) -> Result<Message, JobError> {
        let from = Mailbox::new(
            Some(mail.from_name.clone()),
            self.from_address
                .parse()
                .map_err(|e| JobError::permanent(format!("bad from address: {e}")))?,
        );
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| JobError::permanent(format!("bad recipient: {e}")))?;
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject.clone());
        if let Some(mailbox) = mail
            .reply_to
            .as_ref()
            .and_then(|r| r.parse::<Mailbox>().ok())
        {
            builder = builder.reply_to(mailbox);
        }
        builder
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| JobError::permanent(format!("mail does not build: {e}")))
    }
}

#[async_trait::async_trait]
impl JobHandler for MailSender {
    fn kind(&self) -> &'static str {
        JOB_KIND
    }

    async fn run(&self, payload: &serde_json::Value) -> Result<(), JobError> {
        let mail: OutgoingMail = serde_json::from_value(payload.clone())
            .map_err(|e| JobError::permanent(format!("bad mail payload: {e}")))?;
        let message = self.build(&mail)?;
        match &self.transport {
            MailTransport::File(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| JobError::retry(format!("outbox write failed: {e}"))),
            MailTransport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    JobError::permanent(format!("SMTP refused the mail: {e}"))
                } else {
                    JobError::retry(format!("SMTP failed: {e}"))
                }
            }),
        }
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn sec_smtp_settings_debug_does_not_print_the_password() {
        let settings = SmtpSettings {
            host: "smtp.example".into(),
            port: 587,
            tls: SmtpTls::Starttls,
            username: Some("mailer".into()),
            password: Some("hunter2-smtp".into()),
        };
        let printed = format!("{settings:?}");
        assert!(
            printed.contains("mailer") && !printed.contains("hunter2-smtp"),
            "{printed}"
        );
    }
}
