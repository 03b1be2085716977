//! The messages Vigil sends: a reminder (which case by reference, which step, what is due and
//! when, a link) and a sign-in link. Never a name, a place or any confidential field, in the
//! subject, the body or the headers.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::catalog::Catalog;
use super::{Email, MailError, Outbox, deliver, escape, local_time};

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
    /// The occurrence (the scheduled item's id): with the recipient, it makes the Message-ID,
    /// stable per occurrence and recipient, so a retry after a crash can be recognised downstream
    /// and two recipients' copies are two messages.
    pub occurrence: String,
}

/// The Message-ID of `occurrence`'s email to `recipient` (a user id: nothing about anyone).
pub fn message_id(occurrence: &str, recipient: &str) -> String {
    format!("<{occurrence}.{recipient}@vigil>")
}

/// Who an email is for, as far as its wording goes.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub language: &'a str,
    pub time_zone: Tz,
}

impl<'a> Reader<'a> {
    /// A recipient's language, and their own time zone (an IANA name) or else `fallback`
    /// (the delegation's).
    pub fn new(language: &'a str, time_zone: Option<&str>, fallback: Tz) -> Self {
        Self {
            language,
            time_zone: time_zone.and_then(|tz| tz.parse().ok()).unwrap_or(fallback),
        }
    }
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

/// Sends `reminder` to `to` (the address of the user `recipient`) through `outbox`, worded for
/// `reader`.
pub async fn send(
    outbox: &Outbox,
    from: &str,
    (to, recipient): (&str, &str),
    reminder: &Reminder,
    reader: Reader<'_>,
    catalog: &Catalog,
) -> Result<(), MailError> {
    let (subject, text, html) = compose(reminder, reader, catalog);
    let email = Email {
        message_id: message_id(&reminder.occurrence, recipient),
        tag: reminder.message.clone(),
        subject,
        text,
        html,
    };
    deliver(outbox, from, to, email).await
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

/// The email carrying a signed checkpoint to an auditor: the line exactly as in the checkpoint
/// file (hashes, counts and a signature; nothing of any case), to keep outside Vigil's reach.
pub fn checkpoint(seq: i64, line: &str) -> Email {
    let text = format!(
        "Vigil signed audit checkpoint {seq}. Keep this line; `vigil audit verify` and \
         `vigil audit check-proof` check Vigil's records against it.\n\n{line}\n"
    );
    let html = format!(
        "<p>Vigil signed audit checkpoint {seq}. Keep this line; <code>vigil audit verify</code> and \
         <code>vigil audit check-proof</code> check Vigil's records against it.</p><pre>{}</pre>",
        escape(line)
    );
    Email {
        message_id: format!("<checkpoint-{seq}-{}@vigil>", uuid::Uuid::new_v4().simple()),
        tag: "checkpoint".into(),
        subject: format!("[Vigil] Audit checkpoint {seq}"),
        text,
        html,
    }
}

/// The email carrying a one-time link to a new API token: the link and how long it works; the
/// token itself is shown only on the page the link opens, to whoever presses its button.
pub fn token_link(link: &str, minutes: i64) -> Email {
    let text = format!(
        "An administrator of Vigil asked for an API token for you.\n\n\
         Get your token: {link}\n\n\
         The link works once, for {minutes} minutes; the token is shown on the page it opens, once. \
         If you did not expect it, tell your administrator.\n"
    );
    let html = format!(
        "<p>An administrator of Vigil asked for an API token for you.</p>\
         <p><a href=\"{}\">Get your token</a></p>\
         <p>The link works once, for {minutes} minutes; the token is shown on the page it opens, once. \
         If you did not expect it, tell your administrator.</p>",
        escape(link)
    );
    Email {
        message_id: format!("<token-link-{}@vigil>", uuid::Uuid::new_v4().simple()),
        tag: "token_link".into(),
        subject: "[Vigil] Your API token".into(),
        text,
        html,
    }
}

/// The email telling the people concerned of a request under the four-eyes rule, or of its
/// decision: one sentence of who asked or decided what (addresses, roles, a case reference;
/// never a case's content or anyone's secret), and where requests wait.
pub fn four_eyes(subject: &str, sentence: &str, approvals: &str) -> Email {
    let text = format!("{sentence}\n\nRequests waiting for a decision: {approvals}\n");
    let html = format!(
        "<p>{}</p><p><a href=\"{}\">Requests waiting for a decision</a></p>",
        escape(sentence),
        escape(approvals)
    );
    Email {
        message_id: format!("<four-eyes-{}@vigil>", uuid::Uuid::new_v4().simple()),
        tag: "four_eyes".into(),
        subject: subject.to_owned(),
        text,
        html,
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
            occurrence: "x".into(),
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
        assert_eq!(
            Reader::new("fr", None, chrono_tz::Asia::Manila).time_zone,
            chrono_tz::Asia::Manila
        );
        assert_eq!(
            Reader::new("fr", Some("America/Bogota"), chrono_tz::Asia::Manila).time_zone,
            chrono_tz::America::Bogota
        );
    }
}
