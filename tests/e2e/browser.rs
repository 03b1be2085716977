//! The web interface in a real browser: Debian's Chromium, headless, against a running
//! `vigil serve` on a database of the test's own. A focal point opens a case and takes a trial
//! observation through approval, hearing, report and verdict, escalates it, the EUSR office
//! reviews it from its queue, and a focal point of another delegation finds nothing of it.
//! Screenshots of the main pages are saved under the target directory's `tmp/ui-screenshots`.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use fantoccini::{Client, Locator};
use vigil::store::Db;

use crate::support::app::seed_user;
use crate::support::browser::{Driver, Fill, click, fill, snap, text};
use crate::support::{Serve, TestDb, serve_on};

/// Waits until the first element matching `css` contains `needle`; panics with the page after 15 s.
async fn wait_for(client: &Client, css: &str, needle: &str) {
    let started = Instant::now();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && element.text().await.is_ok_and(|t| t.contains(needle))
        {
            return;
        }
        if started.elapsed() > Duration::from_secs(15) {
            let page = client.source().await.unwrap_or_default();
            panic!("no `{needle}` in `{css}` after 15 s; the page:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks what a person with a screen reader, poor sight or a small screen needs of the page
/// shown: every visible control has a label (or sits in a fieldset with a legend), every image
/// has a text, text has enough contrast, and nothing is wider than the window.
async fn check_accessible(client: &Client, page: &str) {
    let unlabelled = client
        .execute(
            "return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'))
               .filter(e => e.tagName === 'BUTTON'
                 ? !(e.textContent.trim() || e.getAttribute('aria-label'))
                 : !(e.labels && e.labels.length) && !e.closest('fieldset')?.querySelector('legend'))
               .map(e => e.name || e.id || e.outerHTML.slice(0, 80));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(unlabelled, serde_json::json!([]), "{page}: controls without a label");
    let pictures = client
        .execute(
            "return Array.from(document.querySelectorAll('svg, img'))
               .filter(e => !(e.getAttribute('aria-label') || e.getAttribute('alt') || e.closest('figure')?.querySelector('figcaption')))
               .length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(pictures, serde_json::json!(0), "{page}: pictures without a text");
    // Text contrast (WCAG AA): 4.5:1, or 3:1 for large text, against the first opaque
    // background behind it.
    let low_contrast = client
        .execute(
            "const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
             const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
             const background = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
               if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
             return Array.from(document.querySelectorAll('body *'))
               .filter(e => !e.closest('svg') && e.offsetParent !== null && !e.closest('.visually-hidden')
                 && Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()))
               .map(e => { const style = getComputedStyle(e); const size = parseFloat(style.fontSize);
                 const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
                 const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(e))];
                 const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
                 return ratio < (large ? 3 : 4.5) ? e.tagName + ' ' + e.textContent.trim().slice(0, 30) + ' ' + ratio.toFixed(2) : null; })
               .filter(x => x);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(low_contrast, serde_json::json!([]), "{page}: text below AA contrast");
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "{page}: wider than the window by {overflow} px"
    );
}

async fn sign_in(client: &Client, serve: &Serve, token: &str) {
    client.goto(&serve.url("/ui/sign-in")).await.unwrap();
    fill(client, "form", "token", Fill::Type(token)).await;
    client
        .find(Locator::Css("main button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(client, "header .who", "Sign out").await;
}

async fn sign_out(client: &Client) {
    client
        .find(Locator::Css("header .who button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(client, "h1", "Sign in").await;
}

/// Unfolds the action `action` of the case page, fills its fields and submits it; waits until
/// the procedure `procedure` shows the state `then`.
async fn take(client: &Client, action: &str, fields: &[(&str, Fill<'_>)], procedure: &str, then: &str) {
    let scope = format!("details[id$='-{action}']");
    let details = client.find(Locator::Css(&scope)).await.unwrap();
    // A form that came back refused is unfolded already: a click would fold it.
    if details.attr("open").await.unwrap().is_none() {
        details
            .find(Locator::Css("summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    for (name, how) in fields {
        fill(client, &scope, &format!("data.{name}"), *how).await;
    }
    client
        .find(Locator::Css(&format!("{scope} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        client,
        &format!("section.procedure[data-workflow='{procedure}'] h2"),
        then,
    )
    .await;
}

/// The page shown, again in French and in Spanish (`user`'s language setting changed, the page
/// reloaded until its heading is `headings`' French and Spanish one), each screenshotted as
/// `name-fr`, `name-es` and checked by axe; then back in English.
async fn in_each_language(client: &Client, db: &TestDb, user: vigil::domain::UserId, name: &str, headings: [&str; 3]) {
    for (language, heading) in ["fr", "es", "en"].into_iter().zip(headings) {
        db.connect()
            .batch_execute(&format!("UPDATE users SET language = '{language}' WHERE id = '{user}'"))
            .unwrap();
        client.refresh().await.unwrap();
        wait_for(client, "h1", heading).await;
        if language != "en" {
            snap(client, &format!("{name}-{language}")).await;
            check_accessible(client, &format!("{name} in {language}")).await;
        }
    }
}

#[test]
fn a_trial_observation_goes_through_the_pages_to_the_eusr_office_and_stays_in_its_delegation() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (focal_point_id, focal_point) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (head_id, head) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (reviewer_id, reviewer) = seed_user(&pool, "eusr_reviewer", None);
    let (_, stranger) = seed_user(&pool, "focal_point", Some("EUD_UG"));
    let (admin_id, admin) = seed_user(&pool, "admin", None);
    let (serve, _home) = serve_on(&db, &[]);
    let driver = Driver::start();

    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = driver.browser(1280).await;
        client.goto(&serve.url("/ui/sign-in")).await.unwrap();
        snap(&client, "01-sign-in").await;
        sign_in(&client, &serve, &focal_point).await;

        // Their own settings, from the link beside their name: French chosen and said at once,
        // then their browser's language again.
        client
            .find(Locator::LinkText("My settings"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(&client, "h1", "My settings").await;
        check_accessible(&client, "my settings").await;
        fill(&client, "main form", "language", Fill::Select("fr")).await;
        click(&client, "main form button[type=submit]").await;
        wait_for(&client, "h1", "Mes réglages").await;
        wait_for(&client, "#done", "Vos réglages sont enregistrés.").await;
        snap(&client, "01b-settings-fr").await;
        check_accessible(&client, "my settings, saved, in French").await;
        fill(&client, "main form", "language", Fill::Select("")).await;
        click(&client, "main form button[type=submit]").await;
        wait_for(&client, "h1", "My settings").await;
        in_each_language(
            &client,
            &db,
            focal_point_id,
            "01b-settings",
            ["Mes réglages", "Mi configuración", "My settings"],
        )
        .await;

        // Open a case with a trial observation.
        client
            .find(Locator::LinkText("Open a case"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(&client, "h1", "Open a case").await;
        in_each_language(
            &client,
            &db,
            focal_point_id,
            "02-new-case",
            ["Ouvrir un dossier", "Abrir un caso", "Open a case"],
        )
        .await;
        fill(&client, "form", "country", Fill::Type("ke")).await;
        fill(&client, "form", "themes", Fill::Pick("LAWYERS")).await;
        fill(&client, "form", "risk", Fill::Select("high")).await;
        fill(&client, "form", "workflow", Fill::Select("trial_observation")).await;
        fill(&client, "form", "defender_name", Fill::Type("Wanjiru Kamau")).await;
        fill(
            &client,
            "form",
            "narrative",
            Fill::Type("Charged with sedition after a press conference."),
        )
        .await;
        snap(&client, "02-open-a-case").await;
        check_accessible(&client, "open a case").await;
        click(&client, "main form button[type=submit]").await;
        wait_for(&client, "h1", "Case VG-").await;
        check_accessible(&client, "a new case").await;
        let case_url = client.current_url().await.unwrap().to_string();
        let reference = text(&client, "h1").await.split_whitespace().nth(1).unwrap().to_owned();
        assert!(!case_url.contains("Wanjiru"));
        assert!(!client.title().await.unwrap().contains("Wanjiru"));
        assert!(text(&client, "dl.sealed").await.contains("Wanjiru Kamau"));

        take(
            &client,
            "request_observation",
            &[
                ("court", Fill::Type("High Court, Nairobi")),
                ("case_number", Fill::Type("HC 12/2026")),
                ("charges", Fill::Type("Sedition")),
                ("hearing_date", Fill::Set("2027-01-20T09:30")),
                ("proposed_observers", Fill::Type("Two political officers")),
            ],
            "trial_observation",
            "Awaiting approval",
        )
        .await;
        sign_out(&client).await;

        // The head of delegation starts at what needs them: the approval waits there.
        sign_in(&client, &serve, &head).await;
        wait_for(&client, "h1", "Needs me").await;
        wait_for(&client, "section", &reference).await;
        assert_eq!(
            text(&client, "a[href=\"/ui/needs-me\"] .count").await,
            "1",
            "the approval is counted beside the navigation"
        );
        snap(&client, "03b-needs-me").await;
        check_accessible(&client, "needs me").await;
        in_each_language(
            &client,
            &db,
            head_id,
            "03b-needs-me",
            ["À traiter", "Pendiente", "Needs me"],
        )
        .await;
        // The head of delegation approves.
        client.goto(&case_url).await.unwrap();
        take(
            &client,
            "approve",
            &[("observers", Fill::Type("Political officer and the Dutch embassy"))],
            "trial_observation",
            "Approved, authorities to be notified",
        )
        .await;
        sign_out(&client).await;

        // The focal point notifies, attends, reports and records the verdict.
        sign_in(&client, &serve, &focal_point).await;
        client.goto(&case_url).await.unwrap();
        take(
            &client,
            "notify_authorities",
            &[
                ("note_verbale_date", Fill::Set("2027-01-10")),
                ("addressee", Fill::Select("both")),
            ],
            "trial_observation",
            "Authorities notified",
        )
        .await;
        take(
            &client,
            "confirm_access",
            &[("access_granted", Fill::Pick("yes"))],
            "trial_observation",
            "Hearing scheduled",
        )
        .await;
        snap(&client, "03-case-hearing-scheduled").await;
        in_each_language(
            &client,
            &db,
            focal_point_id,
            "03-case-hearing-scheduled",
            ["Dossier VG-", "Caso VG-", "Case VG-"],
        )
        .await;
        take(
            &client,
            "record_attendance",
            &[
                ("attended", Fill::Pick("true")),
                ("observers_present", Fill::Type("Two officers, three embassies")),
            ],
            "trial_observation",
            "Hearing attended",
        )
        .await;
        take(
            &client,
            "submit_report",
            &[
                ("report", Fill::Type("The hearing was public; counsel was present.")),
                ("public_hearing", Fill::Pick("true")),
                ("access_to_counsel", Fill::Pick("true")),
                ("interpretation", Fill::Select("not_needed")),
                ("equality_of_arms", Fill::Pick("false")),
                ("presumption_of_innocence", Fill::Pick("false")),
                ("ill_treatment_alleged", Fill::Pick("false")),
            ],
            "trial_observation",
            "Report submitted",
        )
        .await;
        // The observer's notes attached to the procedure from the case page's form.
        let files = tempfile::tempdir().unwrap();
        let notes = files.path().join("Observer notes HC 12-2026.pdf");
        std::fs::write(&notes, b"%PDF-1.7\nNotes of the hearing of 20 January.").unwrap();
        click(&client, "#attach-procedure option:nth-child(2)").await;
        client
            .find(Locator::Css("#attach-file"))
            .await
            .unwrap()
            .send_keys(notes.to_str().unwrap())
            .await
            .unwrap();
        click(&client, "form.attach button[type=submit]").await;
        wait_for(&client, "#attached", "Attached Observer notes HC 12-2026.pdf (SHA-256 ").await;
        let listed = text(&client, "table.files").await;
        assert!(listed.contains("Observer notes HC 12-2026.pdf"), "{listed}");
        assert!(listed.contains("application/pdf"), "{listed}");
        snap(&client, "03c-case-with-a-file").await;
        check_accessible(&client, "a case with a file").await;
        take(
            &client,
            "record_verdict",
            &[
                ("verdict", Fill::Select("convicted")),
                ("sentence_years", Fill::Type("3")),
                ("death_penalty", Fill::Pick("false")),
            ],
            "trial_observation",
            "Verdict recorded",
        )
        .await;

        // The session ends while a note is typed: sending it leads to signing in again, and back
        // to the case with the note still in its form, sent only when the focal point sends it.
        click(&client, "details[id$='-add_note'] > summary").await;
        fill(
            &client,
            "details[id$='-add_note']",
            "data.note",
            Fill::Type("Counsel will appeal."),
        )
        .await;
        db.connect()
            .batch_execute("UPDATE web_sessions SET last_seen_at = now() - interval '31 minutes'")
            .unwrap();
        click(&client, "details[id$='-add_note'] button[type=submit]").await;
        wait_for(&client, "#kept", "What you typed is kept").await;
        snap(&client, "04a-signed-out-with-work-kept").await;
        check_accessible(&client, "signing in with a kept form").await;
        sign_in(&client, &serve, &focal_point).await;
        wait_for(&client, "main", "What you typed is kept below").await;
        let kept = client
            .find(Locator::Css(
                "details[open][id$='-add_note'] textarea[name='data.note']",
            ))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("Counsel will appeal."));
        snap(&client, "04b-kept-form").await;
        check_accessible(&client, "a kept form").await;
        click(&client, "details[open][id$='-add_note'] button[type=submit]").await;
        wait_for(&client, "#done", "Done: Add a note.").await;
        assert!(text(&client, "ol.timeline").await.contains("Counsel will appeal."));

        // A required field left empty: the form comes back unfolded, the reason beside the field.
        click(&client, "details[id$='-escalate_to_eusr'] > summary").await;
        click(&client, "details[id$='-escalate_to_eusr'] button[type=submit]").await;
        wait_for(
            &client,
            "details[open][id$='-escalate_to_eusr'] .field-error",
            "Reason is required",
        )
        .await;
        snap(&client, "04-case-refused-form").await;
        check_accessible(&client, "a refused form").await;
        take(
            &client,
            "escalate_to_eusr",
            &[("reason", Fill::Type("Conviction after an unfair trial"))],
            "eusr_review",
            "Raised with the EUSR office",
        )
        .await;
        assert!(text(&client, "ol.timeline").await.contains("Record the verdict"));
        snap(&client, "05-case-escalated").await;
        client.goto(&serve.url("/ui/cases")).await.unwrap();
        wait_for(&client, "table.cases", &reference).await;
        snap(&client, "06-my-cases").await;
        check_accessible(&client, "my cases").await;
        in_each_language(
            &client,
            &db,
            focal_point_id,
            "06-my-cases",
            ["Mes dossiers", "Mis casos", "My cases"],
        )
        .await;
        sign_out(&client).await;

        // The EUSR office finds it in its queue and acknowledges it.
        sign_in(&client, &serve, &reviewer).await;
        client.goto(&serve.url("/ui/queues/eusr_review")).await.unwrap();
        wait_for(&client, "table.cases", &reference).await;
        snap(&client, "07-review-queue").await;
        check_accessible(&client, "the review queue").await;
        in_each_language(
            &client,
            &db,
            reviewer_id,
            "07-review-queue",
            [
                "File d'examen du RSUE",
                "Cola de revisión del REUE",
                "EUSR review queue",
            ],
        )
        .await;
        client
            .find(Locator::LinkText(&reference))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(&client, "h1", &reference).await;
        take(&client, "acknowledge", &[], "eusr_review", "Acknowledged").await;
        snap(&client, "08-case-reviewed").await;
        // The office's figures: a report, its chart and its table.
        client
            .goto(&serve.url("/ui/reports?report=procedures&by1=workflow"))
            .await
            .unwrap();
        wait_for(&client, "table.cases caption", "Cases by Procedure").await;
        snap(&client, "08b-reports").await;
        check_accessible(&client, "the reports").await;
        // The annual-report table, one click away.
        client
            .find(Locator::LinkText("The annual-report table for this year"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(&client, "h1", "Annual report table").await;
        snap(&client, "08c-annual-table").await;
        check_accessible(&client, "the annual-report table").await;
        in_each_language(
            &client,
            &db,
            reviewer_id,
            "08c-annual-table",
            [
                "Tableau du rapport annuel",
                "Tabla del informe anual",
                "Annual report table",
            ],
        )
        .await;
        sign_out(&client).await;

        // A focal point of another delegation: not in the list, and the address opens nothing.
        sign_in(&client, &serve, &stranger).await;
        client.goto(&serve.url("/ui/cases?whose=all")).await.unwrap();
        wait_for(&client, "main", "No case matches").await;
        client.goto(&case_url).await.unwrap();
        wait_for(&client, "h1", "Not Found").await;
        assert!(!client.source().await.unwrap().contains("Wanjiru"));

        // A phone-sized screen, and a laptop's at 200 % zoom (half as many CSS pixels): every
        // page still fits.
        client.goto(&serve.url("/ui/cases")).await.unwrap();
        sign_out(&client).await;
        sign_in(&client, &serve, &focal_point).await;
        for (width, name) in [(390, "phone"), (640, "zoomed")] {
            client.set_window_size(width, 900).await.unwrap();
            for (path, page) in [
                (case_url.clone(), "case"),
                (serve.url("/ui/cases"), "cases"),
                (serve.url("/ui/cases/new"), "new"),
                (serve.url("/ui/workflows/trial_observation"), "workflow"),
            ] {
                client.goto(&path).await.unwrap();
                wait_for(&client, "header .who", "Sign out").await;
                check_accessible(&client, &format!("{page} at {width} px")).await;
                snap(&client, &format!("09-{page}-{name}")).await;
            }
        }

        // The workflows reference page, in each language.
        client.set_window_size(1280, 900).await.unwrap();
        client
            .goto(&serve.url("/ui/workflows/trial_observation"))
            .await
            .unwrap();
        wait_for(&client, "h1", "Workflow").await;
        in_each_language(
            &client,
            &db,
            focal_point_id,
            "09w-workflow",
            ["Procédure", "Procedimiento", "Workflow"],
        )
        .await;

        // An administrator asks for a new focal point; the head of delegation approves it.
        sign_out(&client).await;
        sign_in(&client, &serve, &admin).await;
        client.goto(&serve.url("/ui/admin")).await.unwrap();
        wait_for(&client, "h1", "Administration").await;
        check_accessible(&client, "administration").await;
        in_each_language(
            &client,
            &db,
            admin_id,
            "09a-admin",
            ["Administration", "Administración", "Administration"],
        )
        .await;
        // The delegation's holidays: a date added from the page.
        client.goto(&serve.url("/ui/holidays?delegation=EUD_KE")).await.unwrap();
        wait_for(&client, "h1", "Holidays").await;
        fill(
            &client,
            "form[action='/ui/holidays/EUD_KE']",
            "day",
            Fill::Set("2027-12-12"),
        )
        .await;
        fill(
            &client,
            "form[action='/ui/holidays/EUD_KE']",
            "name",
            Fill::Type("Jamhuri Day"),
        )
        .await;
        click(&client, "form[action='/ui/holidays/EUD_KE'] button[type=submit]").await;
        wait_for(&client, "table.cases", "Jamhuri Day").await;
        snap(&client, "09b-holidays").await;
        check_accessible(&client, "holidays").await;
        in_each_language(
            &client,
            &db,
            admin_id,
            "09b-holidays",
            ["Jours fériés", "Días festivos", "Holidays"],
        )
        .await;
        client.goto(&serve.url("/ui/admin")).await.unwrap();
        fill(
            &client,
            "form[action='/ui/admin/users']",
            "email",
            Fill::Type("amani@example.org"),
        )
        .await;
        fill(
            &client,
            "form[action='/ui/admin/users']",
            "role",
            Fill::Select("focal_point"),
        )
        .await;
        fill(
            &client,
            "form[action='/ui/admin/users']",
            "delegation",
            Fill::Type("EUD_KE"),
        )
        .await;
        click(&client, "form[action='/ui/admin/users'] button[type=submit]").await;
        wait_for(
            &client,
            "main",
            "Nothing changes until the head of the delegation approves it",
        )
        .await;
        snap(&client, "10-grant-asked").await;
        sign_out(&client).await;
        sign_in(&client, &serve, &head).await;
        client.goto(&serve.url("/ui/approvals")).await.unwrap();
        wait_for(&client, "main", "amani@example.org").await;
        check_accessible(&client, "approvals").await;
        snap(&client, "11-approvals").await;
        in_each_language(
            &client,
            &db,
            head_id,
            "11-approvals",
            ["Approbations", "Aprobaciones", "Approvals"],
        )
        .await;
        click(&client, "form[action$='/approve'] button").await;
        wait_for(&client, "main", "The new user was emailed a one-time link").await;
        check_accessible(&client, "approvals after a decision").await;
        client.close().await.unwrap();
    });
}
