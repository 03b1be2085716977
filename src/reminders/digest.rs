//! Daily digests: a user who takes one (`vigil users set --digest true`) gets, once a day
//! from [`DIGEST_HOUR`] in their time zone, one email listing the reminders that fell due for
//! them since their last digest, instead of one email each. Entries are held by a lease while
//! a digest is sent, so replicas never send one twice while healthy; a digest that could not
//! be sent is tried again when its lease runs out. Its Message-ID is stable per user and day.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use super::dispatch::LEASE;
use crate::domain::ScheduledId;
use crate::mail::Mailer;
use crate::mail::catalog::Catalog;
use crate::mail::{self, Email, escape, local_time};
use crate::store::digests::{self, DigestEntry, Waiting};
use crate::store::{Db, StoreError};

/// The local hour from which the day's digest goes out.
pub const DIGEST_HOUR: u32 = 8;

/// Sends the digests due at `now`; returns how many went out.
pub async fn send_due(db: &Db, mailer: &Mailer, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let mut sent = 0;
    for user in db.run(digests::waiting).await? {
        let time_zone: Tz = user.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let local = now.with_timezone(&time_zone);
        let today = local.date_naive();
        let sent_today = user
            .last_sent
            .is_some_and(|at| at.with_timezone(&time_zone).date_naive() >= today);
        if local.hour() < DIGEST_HOUR || sent_today {
            continue;
        }
        let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::minutes(2));
        let user_id = user.user_id;
        let entries = db
            .run(move |conn| digests::claim(conn, user_id, now, lease_until))
            .await?;
        if entries.is_empty() {
            continue; // Another worker holds them.
        }
        let email = compose(&user, &entries, time_zone, today, &mailer.catalog, &mailer.public_url);
        match mail::deliver(&mailer.outbox, &mailer.from, &user.email, email).await {
            Ok(()) => {
                let ids: Vec<ScheduledId> = entries.iter().map(|e| e.scheduled_id).collect();
                db.run(move |conn| digests::mark_sent(conn, user_id, &ids, now)).await?;
                sent += 1;
                crate::metrics::count(crate::metrics::Counter::DigestsSent, 1);
            }
            // The lease runs out and a later pass tries again.
            Err(e) => tracing::warn!(user.id = %user_id, error = %e, "digest not sent"),
        }
    }
    Ok(sent)
}

/// One email listing `entries`, in the user's language and time.
fn compose(
    user: &Waiting,
    entries: &[DigestEntry],
    time_zone: Tz,
    day: NaiveDate,
    catalog: &Catalog,
    public_url: &str,
) -> Email {
    let words = catalog.words_for(user.language.as_deref());
    let (intro, due) = (words.t("email-digest_intro"), words.t("email-due"));
    let subject = format!("[Vigil] {} ({day}, {})", words.t("email-digest_subject"), entries.len());
    let mut text = format!("{intro}\n\n");
    let mut html = format!(
        "<p>{}</p><table><tr><th align=left>{}</th><th align=left>{}</th><th align=left>{}</th><th align=left>{}</th></tr>",
        escape(&intro),
        escape(&words.t("email-case")),
        escape(&words.t("email-procedure")),
        escape(&words.t("email-step")),
        escape(&due)
    );
    for entry in entries {
        let what = words.reminder(&entry.message);
        let when = local_time(entry.due_at, time_zone);
        let link = format!("{public_url}cases/{}", entry.case_id);
        let procedure = words.procedure(&entry.workflow, &entry.workflow_title);
        let step = words.step(&entry.workflow, &entry.step, &entry.step_title);
        text.push_str(&format!(
            "- {}: {what}\n  {procedure} / {step}, {due}: {when}\n  {link}\n",
            entry.reference
        ));
        html.push_str(&format!(
            "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr><tr><td></td><td colspan=3>{}</td></tr>",
            escape(&link),
            escape(&entry.reference),
            escape(&procedure),
            escape(&step),
            escape(&when),
            escape(&what)
        ));
    }
    let footer = words.t("email-footer");
    text.push_str(&format!("\n{footer}\n"));
    html.push_str(&format!("</table><p>{}</p>", escape(&footer)));
    Email {
        message_id: format!("<digest-{}-{day}@vigil>", user.user_id),
        tag: "digest".into(),
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_lists_each_reminder_by_reference_in_the_readers_words() {
        let user = Waiting {
            user_id: crate::domain::UserId::from_uuid(uuid::Uuid::nil()),
            email: "a@example.org".into(),
            language: Some("fr".into()),
            time_zone: "Europe/Brussels".into(),
            last_sent: None,
        };
        let entry = |reference: &str, message: &str| DigestEntry {
            user_id: crate::domain::UserId::from_uuid(uuid::Uuid::nil()),
            scheduled_id: crate::domain::ScheduledId::random(),
            case_id: crate::domain::CaseId::from_uuid(uuid::Uuid::nil()),
            reference: reference.into(),
            workflow_title: "Trial <observation>".into(),
            step_title: "Hearing scheduled".into(),
            message: message.into(),
            due_at: "2026-12-03T08:00:00Z".parse().unwrap(),
            workflow: "trial_observation".into(),
            step: "hearing_scheduled".into(),
        };
        let entries = [
            entry("VG-2026-00001", "trial.hearing_tomorrow"),
            entry("VG-2026-00002", "trial.report_due"),
        ];
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let email = compose(
            &user,
            &entries,
            chrono_tz::Europe::Brussels,
            day,
            &Catalog::default(),
            "https://vigil.example/",
        );
        assert_eq!(email.subject, "[Vigil] Vos rappels (2026-12-03, 2)");
        assert_eq!(
            email.message_id,
            "<digest-00000000-0000-0000-0000-000000000000-2026-12-03@vigil>"
        );
        assert!(
            email.text.contains("- VG-2026-00001: Audience demain"),
            "{}",
            email.text
        );
        assert!(
            email.text.contains("2026-12-03 09:00 (Europe/Brussels)"),
            "{}",
            email.text
        );
        assert!(
            email
                .text
                .contains("VG-2026-00002: Le rapport d'observation est attendu")
        );
        // The procedure and its step in the reader's language; an entry from before names were
        // kept shows its titles, escaped.
        assert!(
            email.text.contains("Observation de procès / Audience prévue"),
            "{}",
            email.text
        );
        let older = DigestEntry {
            workflow: String::new(),
            step: String::new(),
            ..entry("VG-2026-00003", "trial.report_due")
        };
        let email = compose(
            &user,
            &[older],
            chrono_tz::Europe::Brussels,
            day,
            &Catalog::default(),
            "https://vigil.example/",
        );
        assert!(email.html.contains("Trial &lt;observation&gt;"), "{}", email.html);
    }
}
