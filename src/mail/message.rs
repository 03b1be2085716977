//! The messages Vigil sends: a reminder (which case by reference, which step, what is due and
//! when, a link) and a sign-in link. Never a name, a place or any confidential field, in the
//! subject, the body or the headers.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use fluent_templates::fluent_bundle::FluentValue;

use super::catalog::{Catalog, Words};
use super::{Email, MailError, Outbox, deliver, escape, local_time};

/// One reminder, ready to send.
#[derive(Debug, Clone)]
pub struct Reminder {
    pub reference: String,
    /// The procedure's workflow and step, by name (their words in the reader's language are
    /// the catalog's `wf-…` texts) and by their declared, English titles.
    pub workflow: String,
    pub step: String,
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
    /// A recipient's language (None: they chose none, so English), and their own time zone
    /// (an IANA name) or else `fallback` (the delegation's).
    pub fn new(language: Option<&'a str>, time_zone: Option<&str>, fallback: Tz) -> Self {
        Self {
            language: language.unwrap_or(super::catalog::FALLBACK),
            time_zone: time_zone.and_then(|tz| tz.parse().ok()).unwrap_or(fallback),
        }
    }
}

/// Subject, plain text and HTML of a reminder, in the reader's language and time.
pub fn compose(reminder: &Reminder, reader: Reader<'_>, catalog: &Catalog) -> (String, String, String) {
    let words = catalog.words(reader.language);
    let what = words.reminder(&reminder.message);
    let when = local_time(reminder.due_at, reader.time_zone);
    let subject = format!("[Vigil] {}: {what}", reminder.reference);
    let procedure = words.procedure(&reminder.workflow, &reminder.workflow_title);
    let step = words.step(&reminder.workflow, &reminder.step, &reminder.step_title);
    let rows = [
        (words.t("email-case"), &reminder.reference),
        (words.t("email-procedure"), &procedure),
        (words.t("email-step"), &step),
        (words.t("email-due"), &when),
    ];
    let mut text = format!("{what}\n\n");
    let mut html = format!("<p><strong>{}</strong></p><table>", escape(&what));
    for (label, value) in rows {
        text.push_str(&format!("{label}: {value}\n"));
        html.push_str(&format!(
            "<tr><th align=left>{}</th><td>{}</td></tr>",
            escape(&label),
            escape(value)
        ));
    }
    let (open_case, footer) = (words.t("email-open_case"), words.t("email-footer"));
    text.push_str(&format!("\n{open_case}: {}\n\n{footer}\n", reminder.link));
    html.push_str(&format!(
        "</table><p><a href=\"{}\">{}</a></p><p>{}</p>",
        escape(&reminder.link),
        escape(&open_case),
        escape(&footer)
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

/// The email carrying a one-time sign-in link: the link and how long it works, nothing more,
/// in the reader's language.
pub fn sign_in_link(link: &str, minutes: i64, words: Words<'_>) -> Email {
    one_time_link("sign-in-link", "sign_in", link, minutes, words)
}

/// An email carrying a one-time link: catalog message `id` (its value the first paragraph, its
/// attributes the subject, the link's words and its lifetime), tagged `tag`.
fn one_time_link(id: &str, tag: &str, link: &str, minutes: i64, words: Words<'_>) -> Email {
    let intro = words.t(id);
    let action = words.t(&format!("{id}.action"));
    let lifetime = words.with(&format!("{id}.lifetime"), &[("minutes", FluentValue::from(minutes))]);
    Email {
        message_id: format!("<{}-{}@vigil>", tag.replace('_', "-"), uuid::Uuid::new_v4().simple()),
        tag: tag.into(),
        subject: words.t(&format!("{id}.subject")),
        text: format!("{intro}\n\n{action}: {link}\n\n{lifetime}\n"),
        html: format!(
            "<p>{}</p><p><a href=\"{}\">{}</a></p><p>{}</p>",
            escape(&intro),
            escape(link),
            escape(&action),
            escape(&lifetime)
        ),
    }
}

/// The email carrying a signed checkpoint to an auditor: the line exactly as in the checkpoint
/// file (hashes, counts and a signature; nothing of any case), to keep outside Vigil's reach.
pub fn checkpoint(seq: i64, line: &str, words: Words<'_>) -> Email {
    let args = [("seq", FluentValue::from(seq))];
    let intro = words.with("checkpoint", &args);
    Email {
        message_id: format!("<checkpoint-{seq}-{}@vigil>", uuid::Uuid::new_v4().simple()),
        tag: "checkpoint".into(),
        subject: words.with("checkpoint.subject", &args),
        text: format!("{intro}\n\n{line}\n"),
        html: format!("<p>{}</p><pre>{}</pre>", escape(&intro), escape(line)),
    }
}

/// The email carrying a one-time link to a new API token: the link and how long it works; the
/// token itself is shown only on the page the link opens, to whoever presses its button.
pub fn token_link(link: &str, minutes: i64, words: Words<'_>) -> Email {
    one_time_link("token-link", "token_link", link, minutes, words)
}

/// The email telling the people concerned of a request under the four-eyes rule, or of its
/// decision: one sentence of who asked or decided what (addresses, roles, a case reference;
/// never a case's content or anyone's secret), and where requests wait; in the reader's
/// language.
pub fn four_eyes(notice: &NoticeText, approvals: &str, words: Words<'_>) -> Email {
    let sentence = notice.words(words);
    let subject = notice.subject(words);
    let waiting = words.t("four-eyes-waiting");
    Email {
        message_id: format!("<four-eyes-{}@vigil>", uuid::Uuid::new_v4().simple()),
        tag: "four_eyes".into(),
        subject,
        text: format!("{sentence}\n\n{waiting}: {approvals}\n"),
        html: format!(
            "<p>{}</p><p><a href=\"{}\">{}</a></p>",
            escape(&sentence),
            escape(approvals),
            escape(&waiting)
        ),
    }
}

/// What a four-eyes notice says, without its words: a catalog message and its arguments, each
/// a text as it is (an address, a reference) or another message worded in the reader's
/// language (a role, a kind of grant). The cases layer says what happened; this words it.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeText {
    pub id: &'static str,
    pub args: Vec<(&'static str, NoticeArg)>,
}

/// One argument of a [`NoticeText`].
#[derive(Debug, Clone, PartialEq)]
pub enum NoticeArg {
    /// Shown as it is.
    Text(String),
    /// Worded in the reader's language.
    Words(NoticeText),
}

impl From<NoticeText> for NoticeArg {
    /// Another message as an argument, worded in the reader's language.
    fn from(text: NoticeText) -> Self {
        NoticeArg::Words(text)
    }
}

impl NoticeText {
    pub fn new(id: &'static str, args: Vec<(&'static str, NoticeArg)>) -> Self {
        Self { id, args }
    }

    /// The sentence, in `words`' language.
    pub fn words(&self, words: Words<'_>) -> String {
        self.worded(self.id.to_owned(), words)
    }

    /// The subject of its email: the message's `subject` attribute.
    pub fn subject(&self, words: Words<'_>) -> String {
        self.worded(format!("{}.subject", self.id), words)
    }

    fn worded(&self, id: String, words: Words<'_>) -> String {
        let args: Vec<(&'static str, FluentValue<'_>)> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let text = match arg {
                    NoticeArg::Text(text) => text.clone(),
                    NoticeArg::Words(inner) => inner.words(words),
                };
                (*name, FluentValue::from(text))
            })
            .collect();
        words.with(&id, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reminder() -> Reminder {
        Reminder {
            reference: "VG-2026-00001".into(),
            workflow: "trial_observation".into(),
            step: "hearing_scheduled".into(),
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
        // The procedure and its step in French, from the catalog's words of the workflows.
        assert!(
            text.contains("Procédure: Observation de procès\nÉtape: Audience prévue"),
            "{text}"
        );
    }

    #[test]
    fn links_and_four_eyes_notices_read_in_the_readers_language() {
        let catalog = Catalog::default();
        let email = sign_in_link("https://vigil.example/l/s3cret", 15, catalog.words("fr"));
        assert_eq!(email.subject, "[Vigil] Votre lien de connexion");
        assert!(
            email
                .text
                .contains("Se connecter à Vigil: https://vigil.example/l/s3cret"),
            "{}",
            email.text
        );
        assert!(email.text.contains("pendant 15 minutes"), "{}", email.text);
        assert!(email.message_id.starts_with("<sign-in-"));
        let line = "{\"seq\":3,\"sig\":\"<ab>\"}";
        let email = checkpoint(3, line, catalog.words_for(None));
        assert_eq!(email.subject, "[Vigil] Audit checkpoint 3");
        assert!(email.text.ends_with(&format!("\n\n{line}\n")), "{}", email.text);
        assert!(email.html.contains("&lt;ab&gt;") && !email.html.contains("<ab>"));
        let email = checkpoint(3, line, catalog.words_for(Some("es")));
        assert_eq!(email.subject, "[Vigil] Punto de control de auditoría 3");

        let email = token_link("https://vigil.example/t/<x>", 15, catalog.words("es"));
        assert_eq!(email.subject, "[Vigil] Su token de API");
        assert!(
            email.html.contains("https://vigil.example/t/&lt;x&gt;"),
            "{}",
            email.html
        );

        let role = NoticeArg::Words(NoticeText::new("role-focal_point", vec![]));
        let grant = NoticeArg::Words(NoticeText::new(
            "grant-of-delegation",
            vec![
                ("email", NoticeArg::Text("ana@eeas.example".into())),
                ("role", role),
                ("delegation", NoticeArg::Text("EUD_KE".into())),
            ],
        ));
        let notice = NoticeText::new(
            "grant-approved",
            vec![
                ("decider", NoticeArg::Text("head@eeas.example".into())),
                ("kind", NoticeArg::Words(NoticeText::new("grant-kind-new_user", vec![]))),
                ("grant", grant),
            ],
        );
        let french = four_eyes(&notice, "https://vigil.example/ui/approvals", catalog.words("fr"));
        assert_eq!(
            french.subject,
            "[Vigil] Droit approuvé : ana@eeas.example comme point focal de EUD_KE"
        );
        assert!(
            french.text.starts_with(
                "head@eeas.example a approuvé un nouvel utilisateur : ana@eeas.example comme point focal de EUD_KE."
            ),
            "{}",
            french.text
        );
        let english = four_eyes(&notice, "https://vigil.example/ui/approvals", catalog.words("en"));
        assert!(
            english.text.starts_with(
                "head@eeas.example approved a new user: ana@eeas.example as focal point of EUD_KE. It is in effect now."
            ),
            "{}",
            english.text
        );
        assert!(
            english
                .text
                .contains("Requests waiting for a decision: https://vigil.example/ui/approvals")
        );
    }

    #[test]
    fn a_recipient_without_a_time_zone_reads_the_delegations() {
        assert_eq!(
            Reader::new(Some("fr"), None, chrono_tz::Asia::Manila).time_zone,
            chrono_tz::Asia::Manila
        );
        assert_eq!(
            Reader::new(Some("fr"), Some("America/Bogota"), chrono_tz::Asia::Manila).time_zone,
            chrono_tz::America::Bogota
        );
    }
}
