//! Reminders by email (file outbox): the right recipient, no confidential text, a stable
//! Message-ID, cancelled when the state is left, and one catch-up for a missed series.

use actix_web::test as web_test;
use chrono::{Duration, Utc};
use serde_json::json;
use vigil::http::app;
use vigil::mail::Mailer;
use vigil::mail::Outbox;
use vigil::reminders::dispatch;
use vigil::store::Db;

use crate::support::TestDb;
use crate::support::api::{call_ok as call, submitted_demarche, transitions_of};
use crate::support::app::{seed_user, state};

/// A mailer as the tests use it: from vigil@example.org, linking to https://vigil.example/.
fn mailer(outbox: Outbox) -> Mailer {
    Mailer {
        outbox,
        from: "vigil@example.org".into(),
        public_url: "https://vigil.example/".into(),
        catalog: Default::default(),
    }
}

/// Takes the hand-offs due at once (an approval request to the head of delegation, …) out of
/// the way: the tests here count reminders; hand-offs have their own test
/// (`a_hand_off_emails_who_must_act_at_once_…`), which counts them.
fn without_hand_offs(pool: &Db) {
    pool.run_blocking(|conn| {
        Ok(diesel::RunQueryDsl::execute(
            diesel::sql_query("UPDATE scheduled SET status = 'done' WHERE message = 'handoff' AND status = 'pending'"),
            conn,
        )?)
    })
    .unwrap();
}

fn outbox_messages(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn reminders_reach_their_recipients_by_reference_only_and_repeat_once_after_downtime() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hod) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    let outbox = tempfile::tempdir().unwrap();
    let mailer = mailer(Outbox::Files(outbox.path().to_owned()));

    let opened = call(
        &service,
        "POST",
        "/api/v1/cases",
        &fp,
        Some(json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "Wanjiru Confidential"}, "procedure": {"workflow": "demarche"}
        })),
    )
    .await;
    let reference = opened["reference"].as_str().unwrap().to_owned();
    let transitions = transitions_of(&opened);
    call(&service, "POST", &transitions, &fp, Some(json!({"action": "submit", "expected_version": 1, "data": {
        "demarche_type": "letter", "urgency": "standard", "addressee": "Wanjiru's prosecutor", "key_messages": "Wanjiru Confidential",
        "public_element_consent": false}}))).await;

    without_hand_offs(&pool);
    // Nothing is due now; a week on, the head of delegation is reminded to decide.
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, Utc::now())
            .await
            .unwrap()
            .sent,
        0
    );
    let week = Utc::now() + Duration::days(8);
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, week).await.unwrap().sent,
        1
    );
    let messages = outbox_messages(outbox.path());
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert!(
        mail.contains(&format!("Subject: [Vigil] {reference}: Decision due")),
        "{mail}"
    );
    assert!(mail.contains("Message-ID: <"), "{mail}");
    assert!(mail.contains("https://vigil.example/cases/"), "{mail}");
    assert!(!mail.contains("Wanjiru"), "the email holds confidential text:\n{mail}");
    let users = pool.run_blocking(vigil::store::users::list_users).unwrap();
    let hod_email = users
        .iter()
        .find(|u| u.role == vigil::domain::Role::HeadOfDelegation)
        .unwrap()
        .email
        .clone();
    let fp_email = users
        .iter()
        .find(|u| u.role == vigil::domain::Role::FocalPoint)
        .unwrap()
        .email
        .clone();
    assert!(
        mail.contains(&format!("To: {hod_email}")),
        "not to the head of delegation:\n{mail}"
    );
    assert!(!mail.contains(&fp_email));
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, week).await.unwrap().sent,
        0,
        "sent twice"
    );

    // Into "awaiting reply": a weekly chase. Downtime of five weeks sends one catch-up, not five.
    call(
        &service,
        "POST",
        &transitions,
        &hod,
        Some(json!({"action": "approve", "expected_version": 2, "data": {
        "delivery_level": "head_of_delegation", "planned_date": "2026-12-01", "needs_hq_clearance": false}})),
    )
    .await;
    call(
        &service,
        "POST",
        &transitions,
        &fp,
        Some(json!({"action": "record_delivery", "expected_version": 3, "data": {
        "delivered_on": "2026-12-01", "delivered_by": "HoD", "authority_met": "MFA"}})),
    )
    .await;
    call(
        &service,
        "POST",
        &transitions,
        &fp,
        Some(json!({"action": "await_reply", "expected_version": 4, "data": {
        "expected_by": "2027-01-31"}})),
    )
    .await;
    let later = Utc::now() + Duration::days(35);
    let before = outbox_messages(outbox.path()).len();
    let pass = dispatch::send_due(&pool, &workflows, &mailer, later).await.unwrap();
    let chases = outbox_messages(outbox.path())
        .iter()
        .filter(|m| m.contains("X-Vigil-Reminder: demarche.chase_reply"))
        .count();
    assert_eq!(
        chases, 1,
        "a missed weekly series sent more than one catch-up ({pass:?}, {before} before)"
    );
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, later)
            .await
            .unwrap()
            .sent,
        0
    );
}

#[actix_web::test]
async fn reminders_go_over_smtp_and_an_smtp_server_that_was_down_loses_nothing() {
    use crate::support::smtp::SmtpSink;

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    let _ = submitted_demarche(&service, &fp, "Smtp Confidential", "standard").await;
    without_hand_offs(&pool);

    // The server is down: the reminder waits and backs off.
    let address = crate::support::process::free_address();
    let url = format!("smtp://{}:{}", address.ip(), address.port());
    let mailer = mailer(Outbox::smtp(&url).unwrap());
    let week = Utc::now() + Duration::days(8);
    let down = dispatch::send_due(&pool, &workflows, &mailer, week).await.unwrap();
    assert_eq!((down.sent, down.failed), (0, 1));

    // Back up: after the backoff, it arrives, once.
    let sink = SmtpSink::start_on(address);
    assert_eq!(sink.url(), url);
    let after_backoff = week + Duration::minutes(10);
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, after_backoff)
            .await
            .unwrap()
            .sent,
        1
    );
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, after_backoff)
            .await
            .unwrap()
            .sent,
        0
    );
    let received = sink.messages();
    assert_eq!(received.len(), 1);
    assert!(received[0].contains("Decision due"), "{}", received[0]);
    assert!(!received[0].contains("Smtp Confidential"), "{}", received[0]);
}

#[actix_web::test]
async fn two_dispatchers_send_every_reminder_exactly_once() {
    use crate::support::smtp::SmtpSink;

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 8).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    for i in 0..6 {
        submitted_demarche(&service, &fp, &format!("Person {i}"), "standard").await;
    }
    without_hand_offs(&pool);
    let sink = SmtpSink::start_on(crate::support::process::free_address());
    let week = Utc::now() + Duration::days(8);
    // Two replicas: each its own runtime, thread and SMTP connections, one database.
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (pool, workflows, url) = (pool.clone(), workflows.clone(), sink.url());
            std::thread::spawn(move || {
                let mailer = mailer(Outbox::smtp(&url).unwrap());
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime
                    .block_on(dispatch::send_due(&pool, &workflows, &mailer, week))
                    .unwrap()
                    .sent
            })
        })
        .collect();
    let sent: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(sent, 6);
    assert_eq!(sink.messages().len(), 6, "an occurrence was sent twice or not at all");
    let ids: std::collections::BTreeSet<String> = sink
        .messages()
        .iter()
        .filter_map(|m| {
            m.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(ids.len(), 6);
}

#[actix_web::test]
async fn a_reminder_to_two_people_is_two_messages_with_two_message_ids() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    let outbox = tempfile::tempdir().unwrap();
    let mailer = mailer(Outbox::Files(outbox.path().to_owned()));
    crate::support::api::submitted_demarche(&service, &fp, "W", "standard").await;
    without_hand_offs(&pool);
    // Both heads of delegation are reminded to decide: one occurrence, two messages.
    let week = Utc::now() + Duration::days(8);
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, week).await.unwrap().sent,
        1
    );
    let messages = outbox_messages(outbox.path());
    assert_eq!(messages.len(), 2);
    let ids: std::collections::BTreeSet<&str> = messages
        .iter()
        .filter_map(|m| m.lines().find(|l| l.to_ascii_lowercase().starts_with("message-id:")))
        .collect();
    assert_eq!(ids.len(), 2, "two recipients' copies share a Message-ID: {ids:?}");
}

#[actix_web::test]
async fn a_reminder_given_up_is_listed_as_dead_and_can_be_retried() {
    use crate::support::smtp::SmtpSink;
    use diesel::connection::SimpleConnection;

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (_, admin) = seed_user(&pool, "admin", None);
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    let (opened, _) = submitted_demarche(&service, &fp, "Dead Letter", "standard").await;
    without_hand_offs(&pool);

    // The last attempt against a server that is down.
    db.connect()
        .batch_execute("UPDATE scheduled SET attempts = 7 WHERE kind = 'reminder'")
        .unwrap();
    let address = crate::support::process::free_address();
    let mailer = mailer(Outbox::smtp(&format!("smtp://{}:{}", address.ip(), address.port())).unwrap());
    let week = Utc::now() + Duration::days(8);
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, week)
            .await
            .unwrap()
            .failed,
        1
    );

    let dead = call(&service, "GET", "/api/v1/reminders?state=dead", &admin, None).await;
    assert_eq!(dead.as_array().unwrap().len(), 1, "{dead}");
    assert_eq!(dead[0]["reference"], opened["reference"]);
    assert!(!dead.to_string().contains("Dead Letter"));
    let forbidden = web_test::TestRequest::get()
        .uri("/api/v1/reminders?state=dead")
        .insert_header(("Authorization", format!("Bearer {fp}")))
        .to_request();
    assert_eq!(web_test::call_service(&service, forbidden).await.status(), 403);

    // The metrics count it, and name nothing.
    let scrape = |token: &str| {
        web_test::TestRequest::get()
            .uri("/metrics")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    let response = web_test::call_service(&service, scrape(&admin)).await;
    assert_eq!(response.status(), 200);
    let metrics = String::from_utf8(web_test::read_body(response).await.to_vec()).unwrap();
    assert!(
        metrics.contains("vigil_scheduled_dead{kind=\"reminder\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("vigil_scheduled_dead{kind=\"timer\"} 0\n"),
        "{metrics}"
    );
    let dead_total = metrics
        .lines()
        .find_map(|l| l.strip_prefix("vigil_reminders_dead_total "))
        .unwrap();
    assert!(dead_total.parse::<u64>().unwrap() >= 1, "{metrics}");
    assert!(!metrics.contains(opened["reference"].as_str().unwrap()));
    assert!(!metrics.contains("Dead Letter"));
    assert_eq!(web_test::call_service(&service, scrape(&fp)).await.status(), 403);

    let home = crate::support::reachable_home();
    let cli = |args: &[&str]| {
        let output = crate::support::vigil(home.path())
            .args(args)
            .env("DATABASE_URL", db.url.expose())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", crate::support::stderr(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let listed = cli(&["reminders", "list", "--dead"]);
    assert!(listed.contains(opened["reference"].as_str().unwrap()), "{listed}");
    cli(&["reminders", "retry", dead[0]["id"].as_str().unwrap()]);

    let sink = SmtpSink::start_on(address);
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, week).await.unwrap().sent,
        1
    );
    assert_eq!(sink.messages().len(), 1);
}

#[actix_web::test]
async fn the_standalone_worker_sends_what_is_due_and_stops_on_sigterm() {
    use diesel::connection::SimpleConnection;

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool.clone()))).await;
    let _ = submitted_demarche(&service, &fp, "Worker Person", "standard").await;
    without_hand_offs(&pool);
    db.connect()
        .batch_execute("UPDATE scheduled SET due_at = now() - interval '1 minute' WHERE kind = 'reminder'")
        .unwrap();

    let home = crate::support::reachable_home();
    let log = home.path().join("worker.log");
    let mut worker = crate::support::vigil(home.path())
        .args(["reminders", "run"])
        .env("DATABASE_URL", db.url.expose())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let outbox = home.path().join("outbox");
    let started = std::time::Instant::now();
    while outbox_messages(&outbox).is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(worker.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = worker.wait().unwrap();
    assert!(status.success(), "{}", std::fs::read_to_string(&log).unwrap());
    assert_eq!(outbox_messages(&outbox).len(), 1);
}

#[actix_web::test]
async fn a_dispatcher_killed_mid_batch_loses_nothing() {
    use crate::support::smtp::SmtpSink;
    use diesel::connection::SimpleConnection;

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    submitted_demarche(&service, &fp, "Killed Person", "standard").await;
    without_hand_offs(&pool);
    // Forty occurrences, due a minute ago.
    db.connect()
        .batch_execute(
            "INSERT INTO scheduled (delegation, id, case_id, procedure_id, state, kind, position, message, recipients, due_at)
             SELECT delegation, gen_random_uuid(), case_id, procedure_id, state, kind, position, message, recipients, due_at
             FROM scheduled, generate_series(1, 39) WHERE kind = 'reminder' AND status = 'pending';
             UPDATE scheduled SET due_at = now() - interval '1 minute' WHERE kind = 'reminder'",
        )
        .unwrap();
    let pending = |pool: &Db| {
        pool.run_blocking(|conn| {
            vigil::store::scheduled::scheduled_in(conn, vigil::domain::ScheduledStatus::Pending, 1000)
        })
        .unwrap()
        .into_iter()
        .filter(|s| s.kind == vigil::domain::ScheduledKind::Reminder)
        .count()
    };
    assert_eq!(pending(&pool), 40);

    let sink = SmtpSink::start_slow(
        crate::support::process::free_address(),
        std::time::Duration::from_millis(100),
    );
    let home = crate::support::reachable_home();
    let log = home.path().join("worker.log");
    let mut worker = crate::support::vigil(home.path())
        .args(["reminders", "run"])
        .env("DATABASE_URL", db.url.expose())
        .env("SMTP_URL", sink.url())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while sink.messages().len() < 4 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    worker.kill().unwrap();
    worker.wait().unwrap();
    let at_kill = sink.messages().len();
    assert!(
        at_kill < 40,
        "the worker finished before it was killed; slow the sink down"
    );

    // After the dead worker's lease, another worker sends what it left.
    let mailer = mailer(Outbox::smtp(&sink.url()).unwrap());
    let after_lease = Utc::now() + Duration::from_std(dispatch::LEASE).unwrap() + Duration::minutes(1);
    dispatch::send_due(&pool, &workflows, &mailer, after_lease)
        .await
        .unwrap();
    assert_eq!(pending(&pool), 0);
    let received = sink.messages();
    let ids: std::collections::BTreeSet<&str> = received
        .iter()
        .filter_map(|m| m.lines().find(|l| l.to_ascii_lowercase().starts_with("message-id:")))
        .collect();
    assert_eq!(ids.len(), 40, "an occurrence was lost");
    // At-least-once: only what was sent and not yet recorded when the worker died goes twice.
    assert!(received.len() - 40 <= at_kill, "{} sent for 40", received.len());
}

#[actix_web::test]
async fn a_weekly_chase_keeps_the_owners_wall_clock_across_a_dst_change() {
    use chrono::{Datelike, Timelike};

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (fp_id, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hod) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    // The delegation keeps Brussels time; the owner works on New York's, which changes to
    // summer time on 14 March 2027 (Brussels only on the 28th).
    let new_york = vigil::store::users::PreferenceChanges {
        time_zone: Some(Some("America/New_York".into())),
        ..Default::default()
    };
    pool.run_blocking(|conn| vigil::store::users::set_preferences(conn, fp_id, &new_york))
        .unwrap();
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    let outbox = tempfile::tempdir().unwrap();
    let mailer = mailer(Outbox::Files(outbox.path().to_owned()));
    let (_, transitions) = submitted_demarche(&service, &fp, "Dst Person", "standard").await;
    for (token, body) in [
        (
            &hod,
            json!({"action": "approve", "expected_version": 2, "data": {
            "delivery_level": "head_of_delegation", "planned_date": "2026-12-01", "needs_hq_clearance": false}}),
        ),
        (
            &fp,
            json!({"action": "record_delivery", "expected_version": 3, "data": {
            "delivered_on": "2026-12-01", "delivered_by": "HoD", "authority_met": "MFA"}}),
        ),
        (
            &fp,
            json!({"action": "await_reply", "expected_version": 4, "data": {"expected_by": "2027-06-30"}}),
        ),
    ] {
        call(&service, "POST", &transitions, token, Some(body)).await;
    }

    let next_chase = |pool: &Db| {
        pool.run_blocking(|conn| {
            vigil::store::scheduled::scheduled_in(conn, vigil::domain::ScheduledStatus::Pending, 100)
        })
        .unwrap()
        .into_iter()
        .find(|s| s.message.as_deref() == Some("demarche.chase_reply"))
        .map(|s| s.due_at)
        .unwrap()
    };
    // Each occurrence is sent a minute after it falls due, which schedules the next.
    let mut occurrences = Vec::new();
    while occurrences.len() < 20 {
        let due = next_chase(&pool);
        occurrences.push(due);
        dispatch::send_due(&pool, &workflows, &mailer, due + Duration::minutes(1))
            .await
            .unwrap();
    }
    for pair in occurrences.windows(2) {
        assert_eq!(
            pair[1].date_naive() - pair[0].date_naive(),
            Duration::days(7),
            "{occurrences:?}"
        );
    }
    for due in &occurrences {
        let local = due.with_timezone(&chrono_tz::America::New_York);
        assert_eq!(
            (local.weekday(), local.hour(), local.minute()),
            (chrono::Weekday::Mon, 9, 0),
            "{due} is not Monday 09:00 in New York"
        );
    }
    let utc_hours: std::collections::BTreeSet<u32> = occurrences.iter().map(|d| d.hour()).collect();
    assert_eq!(utc_hours, [13, 14].into(), "the series did not cross the DST change");
    let chases: Vec<String> = outbox_messages(outbox.path())
        .into_iter()
        .filter(|m| m.contains("X-Vigil-Reminder: demarche.chase_reply"))
        .collect();
    assert_eq!(chases.len(), 20);
    assert!(
        chases.iter().all(|m| m.contains("09:00 (America/New_York)")),
        "{}",
        chases[0]
    );
}

#[actix_web::test]
async fn a_digest_user_gets_one_email_a_day_listing_the_reminders_that_fell_due() {
    use chrono::TimeZone;
    use vigil::reminders::digest;

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (hod_id, _) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let french_digest = vigil::store::users::PreferenceChanges {
        digest: Some(true),
        language: Some(Some("fr".into())),
        ..Default::default()
    };
    pool.run_blocking(|conn| vigil::store::users::set_preferences(conn, hod_id, &french_digest))
        .unwrap();
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    let outbox = tempfile::tempdir().unwrap();
    let mailer = mailer(Outbox::Files(outbox.path().to_owned()));
    let (first, _) = submitted_demarche(&service, &fp, "Digest Person One", "standard").await;
    let (second, _) = submitted_demarche(&service, &fp, "Digest Person Two", "standard").await;
    without_hand_offs(&pool);

    // A week on, both decisions fall due for the head of delegation: no email yet.
    let week = Utc::now() + Duration::days(8);
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, week).await.unwrap().sent,
        2
    );
    assert!(
        outbox_messages(outbox.path()).is_empty(),
        "a digest user was mailed at once"
    );

    let brussels = chrono_tz::Europe::Brussels;
    let next_day = week.with_timezone(&brussels).date_naive() + Duration::days(1);
    let at = |hour, minute| {
        brussels
            .from_local_datetime(&next_day.and_hms_opt(hour, minute, 0).unwrap())
            .single()
            .unwrap()
            .with_timezone(&Utc)
    };
    assert_eq!(
        digest::send_due(&pool, &mailer, at(7, 30)).await.unwrap(),
        0,
        "before 08:00"
    );
    // Two workers at once: one digest.
    let (a, b) = tokio::join!(
        digest::send_due(&pool, &mailer, at(8, 30)),
        digest::send_due(&pool, &mailer, at(8, 30))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(
        digest::send_due(&pool, &mailer, at(17, 0)).await.unwrap(),
        0,
        "twice a day"
    );

    let messages = outbox_messages(outbox.path());
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    for reference in [&first["reference"], &second["reference"]] {
        assert!(mail.contains(reference.as_str().unwrap()), "{mail}");
    }
    assert!(mail.contains("X-Vigil-Reminder: digest"), "{mail}");
    assert!(
        mail.contains(&format!("Message-ID: <digest-{hod_id}-{next_day}@vigil>")),
        "{mail}"
    );
    assert!(
        !mail.contains("Digest Person"),
        "the digest holds confidential text:\n{mail}"
    );
    // The next day has nothing new: no digest.
    let day_after = at(8, 30) + Duration::days(1);
    assert_eq!(digest::send_due(&pool, &mailer, day_after).await.unwrap(), 0);
}

#[actix_web::test]
async fn smtps_and_starttls_with_credentials_deliver_and_refuse_what_they_should() {
    use crate::support::smtp::SmtpSink;
    use vigil::mail::{self, Email};

    let email = |n: u32| Email {
        message_id: format!("<tls-{n}@vigil>"),
        tag: "test".into(),
        subject: format!("[Vigil] TLS {n}"),
        text: "text".into(),
        html: "<p>html</p>".into(),
    };
    for mode in ["smtps", "starttls"] {
        let address = crate::support::process::free_address();
        let (sink, ca) = SmtpSink::start_tls(address, mode, "vigil", "s3cr%t");
        let url = |password: &str| match mode {
            "smtps" => format!("smtps://vigil:{password}@localhost:{}", address.port()),
            _ => format!("smtp://vigil:{password}@localhost:{}?tls=required", address.port()),
        };
        let trusted = Outbox::smtp_trusting(&url("s3cr%25t"), ca.clone()).unwrap();
        mail::deliver(&trusted, "vigil@example.org", "fp@example.org", email(1))
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        // Again on the pooled connection.
        mail::deliver(&trusted, "vigil@example.org", "fp@example.org", email(2))
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));

        let wrong_password = Outbox::smtp_trusting(&url("guess"), ca.clone()).unwrap();
        let refused = mail::deliver(&wrong_password, "vigil@example.org", "fp@example.org", email(3)).await;
        assert!(refused.is_err(), "{mode}: a wrong password was accepted");
        let untrusted = Outbox::smtp(&url("s3cr%25t")).unwrap();
        let refused = mail::deliver(&untrusted, "vigil@example.org", "fp@example.org", email(4)).await;
        assert!(refused.is_err(), "{mode}: an unknown certificate was accepted");

        let received = sink.messages();
        assert_eq!(received.len(), 2, "{mode}");
        assert!(received.iter().any(|m| m.contains("<tls-2@vigil>")));
    }
}

/// A hearing entered too close for its 7-day notice, or already past, still sends the notice:
/// at once in working hours (else at their next start), to the owner and the head of delegation.
/// The case is overdue from the moment the notice stood for, before it goes out and after,
/// in the API's list, "Overdue only" and "Needs me", until the step moves on; a hearing far
/// ahead is not.
#[actix_web::test]
async fn a_reminder_whose_moment_has_passed_when_scheduled_goes_out_late_not_never() {
    use crate::support::ui::{request, sign_in};
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, head) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    let outbox = tempfile::tempdir().unwrap();
    let mailer = mailer(Outbox::Files(outbox.path().to_owned()));
    let now = Utc::now();
    // The cases with something due before now, by id.
    let overdue = || async {
        let before = Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
        let listed = call(
            &service,
            "GET",
            &format!("/api/v1/cases?due_before={before}"),
            &fp,
            None,
        )
        .await;
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let mut cases = Vec::new();
    for (days, name) in [(5, "Five Days Ahead"), (-2, "Two Days Past"), (30, "Thirty Days Ahead")] {
        let opened = call(
            &service,
            "POST",
            "/api/v1/cases",
            &fp,
            Some(json!({
                "country": "KE", "themes": ["MEDIA"], "risk": "high",
                "confidential": {"defender_name": name}, "procedure": {"workflow": "trial_observation"}
            })),
        )
        .await;
        let id = opened["id"].as_str().unwrap().to_owned();
        let hearing = (now + Duration::days(days)).to_rfc3339();
        let requested = call(
            &service,
            "POST",
            &transitions_of(&opened),
            &fp,
            Some(json!({
            "action": "request_observation", "expected_version": 1, "data": {
                "court": "Milimani", "case_number": "E123", "charges": "sedition",
                "hearing_date": hearing, "proposed_observers": "the focal point"}})),
        )
        .await;
        assert_eq!(requested["state"], "approval_requested", "{requested}");
        cases.push((opened, requested["version"].as_i64().unwrap()));
        if days == 30 {
            assert!(!overdue().await.contains(&id), "a hearing a month ahead is overdue");
            continue;
        }
        let case = call(&service, "GET", &format!("/api/v1/cases/{id}"), &fp, None).await;
        let notice: Vec<&serde_json::Value> = case["upcoming"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|due| due["what"] == "trial.hearing_in_7_days_unapproved")
            .collect();
        assert_eq!(notice.len(), 1, "{days} days: {case}");
        let due_at: chrono::DateTime<Utc> = notice[0]["due_at"].as_str().unwrap().parse().unwrap();
        // Now, or the next working morning in Nairobi: within three days whatever the hour.
        assert!(
            due_at >= now - Duration::seconds(5) && due_at <= now + Duration::days(3),
            "{days} days: due {due_at}"
        );
        // Overdue from the notice's own moment, seven days before the hearing, already past.
        let from: chrono::DateTime<Utc> = notice[0]["overdue_from"].as_str().unwrap().parse().unwrap();
        assert!(
            from < now && from > now + Duration::days(days - 8),
            "{days} days: overdue from {from}"
        );
        assert!(
            overdue().await.contains(&id),
            "{days} days: not overdue before it went out"
        );
        // The notice goes out (with the hand-off to the head of delegation, due at the same
        // moment, when it is still waiting), to the owner and the head of delegation.
        let notices = || {
            outbox_messages(outbox.path())
                .iter()
                .filter(|m| m.contains("Hearing in 7 days"))
                .count()
        };
        let before = notices();
        dispatch::send_due(&pool, &workflows, &mailer, due_at).await.unwrap();
        assert_eq!(
            notices(),
            before + 2,
            "{days} days: the owner and the head of delegation"
        );
        assert!(
            outbox_messages(outbox.path()).iter().all(|m| !m.contains(name)),
            "a defender's name in a reminder"
        );
        // Sent, and still not approved: still overdue.
        assert!(
            overdue().await.contains(&id),
            "{days} days: no longer overdue once sent"
        );
    }

    // The web interface says the same: "Overdue only" and "Needs me" list the two, not the third.
    let session = sign_in(&service, &fp).await;
    let references: Vec<String> = cases
        .iter()
        .map(|(c, _)| c["reference"].as_str().unwrap().to_owned())
        .collect();
    let only = request(&service, "/ui/cases?overdue=1", &[("vigil_session", &session)], None).await;
    let needs = request(&service, "/ui/needs-me", &[("vigil_session", &session)], None).await;
    let needs_overdue = needs
        .body
        .split("id=\"overdue\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    for page in [only.body.as_str(), needs_overdue] {
        assert!(page.contains(&references[0]) && page.contains(&references[1]), "{page}");
        assert!(!page.contains(&references[2]), "{page}");
    }

    // Approved: the approval's notice no longer counts, but the next step's own notice (to
    // notify the authorities a week ahead) had passed too; once they are notified, with the
    // next notice (three days ahead) still to come, the case is overdue no more.
    let (opened, version) = &cases[0];
    let id = opened["id"].as_str().unwrap().to_owned();
    let approved = call(
        &service,
        "POST",
        &transitions_of(opened),
        &head,
        Some(json!({"action": "approve", "expected_version": version, "data": {"observers": "two officers"}})),
    )
    .await;
    assert!(
        overdue().await.contains(&id),
        "the late notice to notify the authorities"
    );
    let case = call(&service, "GET", &format!("/api/v1/cases/{id}"), &fp, None).await;
    let late: Vec<&str> = case["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|due| due.get("overdue_from").is_some())
        .filter_map(|due| due["what"].as_str())
        .collect();
    assert_eq!(late, ["trial.notify_authorities"], "{case}");
    call(
        &service,
        "POST",
        &transitions_of(opened),
        &fp,
        Some(
            json!({"action": "notify_authorities", "expected_version": approved["version"],
                    "data": {"note_verbale_date": now.date_naive().to_string(), "addressee": "both"}}),
        ),
    )
    .await;
    let still = overdue().await;
    assert!(!still.contains(&id), "notified, still overdue");
    assert!(still.contains(&cases[1].0["id"].as_str().unwrap().to_owned()));
}

/// The address of the user `id`.
fn email_of(pool: &Db, id: vigil::domain::UserId) -> String {
    pool.run_blocking(|conn| vigil::store::users::user(conn, id))
        .unwrap()
        .unwrap()
        .email
}

#[actix_web::test]
async fn a_hand_off_emails_who_must_act_at_once_over_smtp_by_reference_only() {
    use crate::support::smtp::SmtpSink;

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (fp_id, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (hod_id, hod) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (reviewer_id, _) = seed_user(&pool, "eusr_reviewer", None);
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    let sink = SmtpSink::start_on(crate::support::process::free_address());
    let mailer = mailer(Outbox::smtp(&sink.url()).unwrap());

    // Submitted for approval: the head of delegation hears of it on the next pass, not in a
    // working day's time.
    let (opened, transitions) = submitted_demarche(&service, &fp, "Handoff Confidential", "standard").await;
    let reference = opened["reference"].as_str().unwrap().to_owned();
    let now = Utc::now() + Duration::seconds(1);
    let sent = dispatch::send_due(&pool, &workflows, &mailer, now).await.unwrap();
    assert_eq!(sent.sent, 1);
    let received = sink.messages();
    assert_eq!(received.len(), 1);
    let first = &received[0];
    assert!(first.contains(&format!("To: {}", email_of(&pool, hod_id))), "{first}");
    assert!(first.contains("Handed to you"), "{first}");
    assert!(first.contains(&reference), "{first}");
    assert!(first.contains("Message-ID: <"), "{first}");
    assert!(!first.contains("Handoff Confidential"), "no case content: {first}");
    assert_eq!(
        dispatch::send_due(&pool, &workflows, &mailer, now).await.unwrap().sent,
        0,
        "once"
    );

    // Approved: back to the owner. Escalated: the EUSR office.
    let approve = json!({"action": "approve", "expected_version": 2,
                         "data": {"delivery_level": "head_of_delegation", "planned_date": "2026-12-20", "needs_hq_clearance": false}});
    call(&service, "POST", &transitions, &hod, Some(approve)).await;
    let escalate =
        json!({"action": "escalate_to_eusr", "expected_version": 3, "data": {"reason": "Handoff Confidential held"}});
    call(&service, "POST", &transitions, &fp, Some(escalate)).await;
    let sent = dispatch::send_due(&pool, &workflows, &mailer, Utc::now() + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(sent.sent, 2);
    let received = sink.messages();
    for (who, id) in [("the owner", fp_id), ("the EUSR office", reviewer_id)] {
        let to = format!("To: {}", email_of(&pool, id));
        let theirs: Vec<&String> = received.iter().filter(|m| m.contains(&to)).collect();
        assert_eq!(theirs.len(), 1, "{who}: {received:#?}");
        assert!(theirs[0].contains("Handed to you") && theirs[0].contains(&reference));
        assert!(!theirs[0].contains("Handoff Confidential"), "{}", theirs[0]);
    }

    // A hand-off not yet sent when the procedure moves on is cancelled with the state.
    let (_, other) = submitted_demarche(&service, &fp, "Second Confidential", "standard").await;
    let decline = json!({"action": "decline", "expected_version": 2, "data": {"reason": "Not now"}});
    call(&service, "POST", &other, &hod, Some(decline)).await;
    let sent = dispatch::send_due(&pool, &workflows, &mailer, Utc::now() + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(
        sent.sent, 1,
        "only the decline's hand-off to the owner, not the stale approval request"
    );
}

/// A pass recording what it sent and a transition of the same case, at the same time, both
/// land: the pass locks the cases before their scheduled rows, as a transition does, so neither
/// holds what the other waits for (PostgreSQL would abort one as a deadlock).
#[actix_web::test]
async fn a_pass_recording_what_it_sent_waits_for_a_transition_of_the_same_case() {
    use diesel::connection::SimpleConnection;
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, _head) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let app_state = state(pool.clone());
    let workflows = app_state.workflows.clone();
    let service = web_test::init_service(app(app_state)).await;
    let (opened, _) = submitted_demarche(&service, &fp, "Wanjiru Kamau", "urgent").await;
    let case = opened["id"].as_str().unwrap().to_owned();
    db.connect()
        .batch_execute(&format!(
            "UPDATE scheduled SET due_at = now() - interval '1 minute' WHERE case_id = '{case}' AND kind = 'reminder'"
        ))
        .unwrap();

    // A transition under way: its case locked, then (once the pass has sent) the reminders of
    // the step it leaves cancelled, as `cases::transition` does.
    let mut transition = db.connect();
    transition
        .batch_execute(&format!("BEGIN; SELECT id FROM cases WHERE id = '{case}' FOR UPDATE"))
        .unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().to_owned();
    let pass = std::thread::spawn(move || {
        let mailer = mailer(Outbox::Files(dir));
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(dispatch::send_due(&pool, &workflows, &mailer, Utc::now()))
    });
    std::thread::sleep(std::time::Duration::from_millis(700));
    transition
        .batch_execute(&format!(
            "UPDATE scheduled SET status = 'cancelled' WHERE case_id = '{case}' AND status = 'pending'; COMMIT"
        ))
        .unwrap();
    let sent = pass.join().unwrap().unwrap();
    assert!(sent.sent >= 1, "{sent:?}");
    assert!(!outbox_messages(outbox.path()).is_empty());
}
