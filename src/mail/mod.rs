//! Email: the words (`catalog`, per language), the messages Vigil sends (`message`: reminders and
//! sign-in links), and their delivery to files or over SMTP (`smtp`, a pool of connections).
//! The only module that touches lettre. No email carries a name, a place or anything sealed.

pub mod catalog;
pub mod message;
pub mod smtp;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncTransport, Message};

use catalog::Catalog;
use smtp::SmtpPool;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("cannot deliver the message: {0}")]
    Deliver(String),
}

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum Outbox {
    /// One `.eml` file per message (the embedded default; lettre's file transport).
    Files(PathBuf),
    /// An SMTP server (`SMTP_URL`), through a pool of connections.
    Smtp(Arc<SmtpPool>),
    /// Nowhere: for measuring Vigil's own claim-and-mark path (`vigil-bench reminders`).
    Discard,
}

/// How many SMTP connections one process keeps open at most.
pub const SMTP_CONNECTIONS: usize = 4;

impl Outbox {
    /// An SMTP outbox from lettre's URL forms: `smtp://user:password@host:port` (plain),
    /// `smtp://…?tls=required` (STARTTLS), `smtps://host:465` (TLS).
    pub fn smtp(url: &str) -> Result<Self, MailError> {
        Self::smtp_with(url, SMTP_CONNECTIONS)
    }

    /// The same with `connections` connections at most.
    pub fn smtp_with(url: &str, connections: usize) -> Result<Self, MailError> {
        Ok(Self::Smtp(Arc::new(SmtpPool::new(url, connections)?)))
    }

    /// An SMTP outbox that also trusts the PEM certificate `ca` (`SMTP_CA_FILE`).
    pub fn smtp_trusting(url: &str, ca: Vec<u8>) -> Result<Self, MailError> {
        Ok(Self::Smtp(Arc::new(
            SmtpPool::new(url, SMTP_CONNECTIONS)?.trusting(ca)?,
        )))
    }

    /// How many messages are worth having on their way at once.
    pub fn concurrency(&self) -> usize {
        match self {
            Self::Smtp(pool) => pool.size(),
            Self::Files(_) | Self::Discard => 1,
        }
    }
}

/// Where mail goes, who it is from, and how it links back.
#[derive(Debug, Clone)]
pub struct Mailer {
    pub outbox: Outbox,
    pub from: String,
    /// `VIGIL_PUBLIC_URL`, ending in `/`.
    pub public_url: String,
    /// The words of the emails, per language.
    pub catalog: std::sync::Arc<Catalog>,
}

/// `text` as a sender's mailbox (`vigil@example.org` or `Vigil <vigil@example.org>`), in the
/// form lettre will read again when it sends.
#[allow(clippy::result_unit_err)]
pub fn check_sender(text: &str) -> Result<String, ()> {
    text.parse::<Mailbox>().map(|mailbox| mailbox.to_string()).map_err(drop)
}

/// A message, ready for any recipient.
#[derive(Debug, Clone)]
pub struct Email {
    /// Stable per occurrence (or per digest), so a retry can be recognised downstream.
    pub message_id: String,
    /// `X-Vigil-Reminder`: the message key (or `digest`), for mail rules; never case data.
    pub tag: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Sends one text + HTML message.
pub async fn deliver(outbox: &Outbox, from: &str, to: &str, email: Email) -> Result<(), MailError> {
    let parse = |address: &str| address.parse::<Mailbox>().map_err(|e| MailError::Build(e.to_string()));
    let tag = HeaderValue::new(HeaderName::new_from_ascii_str("X-Vigil-Reminder"), email.tag);
    let message = Message::builder()
        .from(parse(from)?)
        .to(parse(to)?)
        .subject(email.subject)
        .message_id(Some(email.message_id))
        .raw_header(tag)
        .multipart(MultiPart::alternative_plain_html(email.text, email.html))
        .map_err(|e| MailError::Build(e.to_string()))?;
    let deliver = |e: &dyn std::fmt::Display| MailError::Deliver(e.to_string());
    match outbox {
        Outbox::Files(dir) => {
            tokio::fs::create_dir_all(dir).await.map_err(|e| deliver(&e))?;
            lettre::AsyncFileTransport::<lettre::Tokio1Executor>::new(dir)
                .send(message)
                .await
                .map(drop)
                .map_err(|e| deliver(&e))
        }
        Outbox::Smtp(pool) => pool.send(message.envelope(), &message.formatted()).await,
        Outbox::Discard => Ok(()),
    }
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `2026-12-03 09:00 (Africa/Nairobi)`.
pub fn local_time(at: DateTime<Utc>, time_zone: Tz) -> String {
    format!(
        "{} ({})",
        at.with_timezone(&time_zone).format("%Y-%m-%d %H:%M"),
        time_zone.name()
    )
}
