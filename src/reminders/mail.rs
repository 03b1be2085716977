//! What a reminder email says, and sending it. An email names the case by its reference, the
//! workflow and step, what is due and when, and links to the case; never a name, a place or
//! any confidential field, in the subject, the body or the headers.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncTransport, Message};

use super::smtp::SmtpPool;

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
    /// Nowhere: for measuring Vigil's own claim-and-mark path (`vigil bench reminders`).
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

    /// How many messages are worth having on their way at once.
    pub fn concurrency(&self) -> usize {
        match self {
            Self::Smtp(pool) => pool.size(),
            Self::Files(_) | Self::Discard => 1,
        }
    }
}

/// One reminder, ready to send.
#[derive(Debug, Clone)]
pub struct Reminder {
    pub reference: String,
    pub workflow_title: String,
    pub step_title: String,
    /// The message key, e.g. `trial.hearing_in_7_days`.
    pub message: String,
    pub due_at: DateTime<Utc>,
    pub link: String,
    /// Stable per occurrence, so a retry after a crash can be recognised downstream.
    pub message_id: String,
}

/// `trial.hearing_in_7_days` → "Hearing in 7 days": English from the key until translations exist.
pub fn describe(message: &str) -> String {
    let last = message.rsplit('.').next().unwrap_or(message).replace('_', " ");
    let mut chars = last.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Subject, plain text and HTML of a reminder.
pub fn compose(reminder: &Reminder) -> (String, String, String) {
    let what = describe(&reminder.message);
    let when = reminder.due_at.format("%Y-%m-%d %H:%M UTC");
    let subject = format!("[Vigil] {}: {what}", reminder.reference);
    let text = format!(
        "{what}\n\nCase: {}\nProcedure: {}\nStep: {}\nDue: {when}\n\nOpen the case: {}\n\nThis reminder names no one on purpose; the case holds the details.\n",
        reminder.reference, reminder.workflow_title, reminder.step_title, reminder.link
    );
    let html = format!(
        "<p><strong>{}</strong></p><table><tr><th align=left>Case</th><td>{}</td></tr><tr><th align=left>Procedure</th><td>{}</td></tr><tr><th align=left>Step</th><td>{}</td></tr><tr><th align=left>Due</th><td>{when}</td></tr></table><p><a href=\"{}\">Open the case</a></p>",
        escape(&what),
        escape(&reminder.reference),
        escape(&reminder.workflow_title),
        escape(&reminder.step_title),
        escape(&reminder.link)
    );
    (subject, text, html)
}

/// Sends `reminder` to `to` through `outbox`.
pub async fn send(outbox: &Outbox, from: &str, to: &str, reminder: &Reminder) -> Result<(), MailError> {
    let (subject, text, html) = compose(reminder);
    let parse = |address: &str| address.parse::<Mailbox>().map_err(|e| MailError::Build(e.to_string()));
    let message = Message::builder()
        .from(parse(from)?)
        .to(parse(to)?)
        .subject(subject)
        .message_id(Some(reminder.message_id.clone()))
        .multipart(MultiPart::alternative_plain_html(text, html))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_as_sentences_and_html_is_escaped() {
        assert_eq!(describe("trial.hearing_in_7_days"), "Hearing in 7 days");
        let reminder = Reminder {
            reference: "VG-2026-00001".into(),
            workflow_title: "Trial <observation>".into(),
            step_title: "Hearing scheduled".into(),
            message: "trial.hearing_tomorrow".into(),
            due_at: Utc::now(),
            link: "https://vigil.example/cases/x".into(),
            message_id: "<x@vigil>".into(),
        };
        let (subject, text, html) = compose(&reminder);
        assert_eq!(subject, "[Vigil] VG-2026-00001: Hearing tomorrow");
        assert!(text.contains("https://vigil.example/cases/x"));
        assert!(html.contains("Trial &lt;observation&gt;"));
    }
}
