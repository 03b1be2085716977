//! What a reminder email says, and sending it. An email names the case by its reference, the
//! workflow and step, what is due and when, and links to the case; never a name, a place or
//! any confidential field, in the subject, the body or the headers.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncTransport, Message};

use chrono_tz::Tz;

use super::catalog::Catalog;
use super::smtp::SmtpPool;
use crate::store::users::Recipient;

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

/// One reminder, ready to send.
#[derive(Debug, Clone)]
pub struct Reminder {
    pub reference: String,
    pub workflow_title: String,
    pub step_title: String,
    /// The message key, e.g. `trial.hearing_in_7_days`.
    pub message: String,
    pub due_at: DateTime<Utc>,
    /// The delegation's time zone, for recipients who have none of their own.
    pub time_zone: Tz,
    pub link: String,
    /// Stable per occurrence, so a retry after a crash can be recognised downstream.
    pub message_id: String,
}

/// Who an email is for, as far as its wording goes.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub language: &'a str,
    pub time_zone: Tz,
}

impl<'a> Reader<'a> {
    /// A recipient's language, and their time zone or else `fallback` (the delegation's).
    pub fn of(recipient: &'a Recipient, fallback: Tz) -> Self {
        Self {
            language: &recipient.language,
            time_zone: recipient
                .time_zone
                .as_deref()
                .and_then(|tz| tz.parse().ok())
                .unwrap_or(fallback),
        }
    }
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `2026-12-03 09:00 (Africa/Nairobi)`.
pub(crate) fn local_time(at: DateTime<Utc>, time_zone: Tz) -> String {
    format!(
        "{} ({})",
        at.with_timezone(&time_zone).format("%Y-%m-%d %H:%M"),
        time_zone.name()
    )
}

/// Subject, plain text and HTML of a reminder, in the reader's language and time.
pub fn compose(reminder: &Reminder, reader: Reader<'_>, catalog: &Catalog) -> (String, String, String) {
    let words = catalog.email(reader.language);
    let what = catalog.reminder(reader.language, &reminder.message);
    let when = local_time(reminder.due_at, reader.time_zone);
    let subject = format!("[Vigil] {}: {what}", reminder.reference);
    let rows = [
        (&words.case, &reminder.reference),
        (&words.procedure, &reminder.workflow_title),
        (&words.step, &reminder.step_title),
        (&words.due, &when),
    ];
    let mut text = format!("{what}\n\n");
    let mut html = format!("<p><strong>{}</strong></p><table>", escape(&what));
    for (label, value) in rows {
        text.push_str(&format!("{label}: {value}\n"));
        html.push_str(&format!(
            "<tr><th align=left>{}</th><td>{}</td></tr>",
            escape(label),
            escape(value)
        ));
    }
    text.push_str(&format!(
        "\n{}: {}\n\n{}\n",
        words.open_case, reminder.link, words.footer
    ));
    html.push_str(&format!(
        "</table><p><a href=\"{}\">{}</a></p><p>{}</p>",
        escape(&reminder.link),
        escape(&words.open_case),
        escape(&words.footer)
    ));
    (subject, text, html)
}

/// Sends `reminder` to `to` through `outbox`, worded for `reader`.
pub async fn send(
    outbox: &Outbox,
    from: &str,
    to: &str,
    reminder: &Reminder,
    reader: Reader<'_>,
    catalog: &Catalog,
) -> Result<(), MailError> {
    let (subject, text, html) = compose(reminder, reader, catalog);
    let email = Email {
        message_id: reminder.message_id.clone(),
        tag: reminder.message.clone(),
        subject,
        text,
        html,
    };
    deliver(outbox, from, to, email).await
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

/// The email carrying a one-time sign-in link: the link and how long it works, nothing more.
pub fn sign_in_link(link: &str, minutes: i64) -> Email {
    let text = format!(
        "Someone (you, we hope) asked to sign in to Vigil with this address.\n\n\
         Sign in: {link}\n\n\
         The link works once, for {minutes} minutes. If you did not ask for it, ignore this email.\n"
    );
    let html = format!(
        "<p>Someone (you, we hope) asked to sign in to Vigil with this address.</p>\
         <p><a href=\"{}\">Sign in to Vigil</a></p>\
         <p>The link works once, for {minutes} minutes. If you did not ask for it, ignore this email.</p>",
        escape(link)
    );
    Email {
        message_id: format!("<sign-in-{}@vigil>", uuid::Uuid::new_v4().simple()),
        tag: "sign_in".into(),
        subject: "[Vigil] Your sign-in link".into(),
        text,
        html,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reminder() -> Reminder {
        Reminder {
            reference: "VG-2026-00001".into(),
            workflow_title: "Trial <observation>".into(),
            step_title: "Hearing scheduled".into(),
            message: "trial.hearing_tomorrow".into(),
            due_at: "2026-12-03T06:00:00Z".parse().unwrap(),
            time_zone: chrono_tz::Africa::Nairobi,
            link: "https://vigil.example/cases/x".into(),
            message_id: "<x@vigil>".into(),
        }
    }

    #[test]
    fn an_email_reads_in_the_readers_language_and_time_and_html_is_escaped() {
        let catalog = Catalog::default();
        let english = Reader {
            language: "en",
            time_zone: chrono_tz::Africa::Nairobi,
        };
        let (subject, text, html) = compose(&reminder(), english, &catalog);
        assert_eq!(subject, "[Vigil] VG-2026-00001: Hearing tomorrow");
        assert!(text.contains("Due: 2026-12-03 09:00 (Africa/Nairobi)"), "{text}");
        assert!(text.contains("https://vigil.example/cases/x"));
        assert!(html.contains("Trial &lt;observation&gt;"));

        let french = Reader {
            language: "fr",
            time_zone: chrono_tz::Europe::Brussels,
        };
        let (subject, text, _) = compose(&reminder(), french, &catalog);
        assert_eq!(subject, "[Vigil] VG-2026-00001: Audience demain");
        assert!(text.contains("Échéance: 2026-12-03 07:00 (Europe/Brussels)"), "{text}");
        assert!(text.contains("Ouvrir le dossier"));
    }

    #[test]
    fn a_recipient_without_a_time_zone_reads_the_delegations() {
        let recipient = Recipient {
            id: uuid::Uuid::nil(),
            email: "a@example.org".into(),
            language: "fr".into(),
            time_zone: None,
            digest: false,
        };
        assert_eq!(
            Reader::of(&recipient, chrono_tz::Asia::Manila).time_zone,
            chrono_tz::Asia::Manila
        );
        let own = Recipient {
            time_zone: Some("America/Bogota".into()),
            ..recipient
        };
        assert_eq!(
            Reader::of(&own, chrono_tz::Asia::Manila).time_zone,
            chrono_tz::America::Bogota
        );
    }
}
