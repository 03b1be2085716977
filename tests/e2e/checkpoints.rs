//! Signed checkpoints: each way of tampering with the database or the checkpoint file is found
//! by `vigil audit verify`, naming where and the first broken point; a case's inclusion proof
//! checks out with the public key alone.

use actix_web::test as web_test;
use diesel::connection::SimpleConnection;
use serde_json::json;
use std::path::PathBuf;
use std::process::Output;
use vigil::http::app;
use vigil::store::Db;

use crate::support::app::{seed_user, state};
use crate::support::{TestDb, reachable_home, stderr, vigil};

/// Two cases with three events each, read (so the access log has rows), and two checkpoints.
struct Signed {
    db: TestDb,
    home: tempfile::TempDir,
    references: Vec<String>,
}

impl Signed {
    async fn new() -> Self {
        let db = TestDb::migrated();
        let pool = Db::connect_lazily(&db.url, 2).unwrap();
        let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
        let service = web_test::init_service(app(state(pool))).await;
        let mut references = Vec::new();
        let mut ids = Vec::new();
        for name in ["First Person", "Second Person"] {
            let request = web_test::TestRequest::post()
                .uri("/api/v1/cases")
                .insert_header(("Authorization", format!("Bearer {fp}")))
                .set_json(json!({
                    "country": "KE", "themes": ["MEDIA"], "risk": "high",
                    "confidential": {"defender_name": name}, "procedure": {"workflow": "demarche"}
                }))
                .to_request();
            let opened: serde_json::Value = web_test::call_and_read_body_json(&service, request).await;
            let id = opened["id"].as_str().unwrap().to_owned();
            let case: serde_json::Value = web_test::call_and_read_body_json(
                &service,
                web_test::TestRequest::get()
                    .uri(&format!("/api/v1/cases/{id}"))
                    .insert_header(("Authorization", format!("Bearer {fp}")))
                    .to_request(),
            )
            .await;
            let note = web_test::TestRequest::post()
                .uri(&format!(
                    "/api/v1/procedures/{}/transitions",
                    case["procedures"][0]["id"].as_str().unwrap()
                ))
                .insert_header(("Authorization", format!("Bearer {fp}")))
                .set_json(json!({"action": "add_note", "expected_version": 1, "data": {"note": "met the family"}}))
                .to_request();
            assert_eq!(web_test::call_service(&service, note).await.status(), 200);
            references.push(opened["reference"].as_str().unwrap().to_owned());
            ids.push(id);
        }
        let signed = Self {
            db,
            home: reachable_home(),
            references,
        };
        signed.ok(&["audit", "checkpoint"]);
        for id in &ids {
            let read = web_test::TestRequest::get()
                .uri(&format!("/api/v1/cases/{id}"))
                .insert_header(("Authorization", format!("Bearer {fp}")))
                .to_request();
            assert_eq!(web_test::call_service(&service, read).await.status(), 200);
        }
        signed.ok(&["audit", "checkpoint"]);
        let verified = signed.ok(&["audit", "verify"]);
        assert!(verified.contains("2 checkpoints signed"), "{verified}");
        signed
    }

    fn file(&self) -> PathBuf {
        self.home.path().join("audit").join("checkpoints")
    }

    fn run(&self, args: &[&str]) -> Output {
        vigil(self.home.path())
            .args(args)
            .env("DATABASE_URL", self.db.url.expose())
            .env("VIGIL_CHECKPOINT_FILE", self.file())
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        String::from_utf8(output.stdout).unwrap()
    }

    /// What `vigil audit verify` reports, asserting it exits 1.
    fn problems(&self) -> String {
        let output = self.run(&["audit", "verify"]);
        let report = String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(output.status.code(), Some(1), "{report}{}", stderr(&output));
        report
    }

    /// Changes the database as someone who can write it would: the append-only triggers
    /// out of the way first.
    fn tamper(&self, sql: &str) {
        self.db
            .connect()
            .batch_execute(&format!(
                "ALTER TABLE case_events DISABLE TRIGGER case_events_append_only;
                 ALTER TABLE access_log DISABLE TRIGGER access_log_append_only;
                 ALTER TABLE admin_log DISABLE TRIGGER admin_log_append_only;
                 {sql};
                 ALTER TABLE case_events ENABLE TRIGGER case_events_append_only;
                 ALTER TABLE access_log ENABLE TRIGGER access_log_append_only;
                 ALTER TABLE admin_log ENABLE TRIGGER admin_log_append_only;"
            ))
            .unwrap();
    }

    fn case(&self, n: usize) -> String {
        format!("(SELECT id FROM cases WHERE reference = '{}')", self.references[n])
    }
}

fn assert_names(report: &str, expected: &str) {
    assert!(report.contains(expected), "expected `{expected}` in:\n{report}");
}

#[actix_web::test]
async fn an_edited_event_is_named() {
    let s = Signed::new().await;
    s.tamper(&format!(
        "UPDATE case_events SET plain = '{{\"risk\": \"low\"}}' WHERE seq = 2 AND case_id = {}",
        s.case(1)
    ));
    assert_names(
        &s.problems(),
        &format!("{} event 2: its content does not match its hash", s.references[1]),
    );
}

#[actix_web::test]
async fn reordered_events_are_named() {
    let s = Signed::new().await;
    s.tamper(&format!(
        "UPDATE case_events SET seq = 1000 WHERE seq = 2 AND case_id = {c};
         UPDATE case_events SET seq = 2 WHERE seq = 3 AND case_id = {c};
         UPDATE case_events SET seq = 3 WHERE seq = 1000 AND case_id = {c}",
        c = s.case(0)
    ));
    let report = s.problems();
    assert_names(
        &report,
        &format!("{} event 2: does not follow the event before it", s.references[0]),
    );
}

#[actix_web::test]
async fn a_deleted_middle_event_is_named() {
    let s = Signed::new().await;
    s.tamper(&format!(
        "DELETE FROM case_events WHERE seq = 2 AND case_id = {}",
        s.case(0)
    ));
    assert_names(
        &s.problems(),
        &format!("{} event 3: sequence jumps from 1 to 3", s.references[0]),
    );
}

#[actix_web::test]
async fn a_deleted_newest_event_is_found_even_with_the_case_row_made_to_agree() {
    let s = Signed::new().await;
    s.tamper(&format!(
        "DELETE FROM case_events WHERE seq = 3 AND case_id = {c};
         UPDATE cases SET event_seq = 2, event_head = (SELECT hash FROM case_events WHERE seq = 2 AND case_id = {c})
          WHERE id = {c}",
        c = s.case(0)
    ));
    assert_names(
        &s.problems(),
        &format!(
            "{} event 3: checkpoint 2 committed the chain to this event, and it is gone",
            s.references[0]
        ),
    );
}

#[actix_web::test]
async fn a_case_with_every_event_deleted_is_found() {
    let s = Signed::new().await;
    s.tamper(&format!(
        "DELETE FROM case_events WHERE case_id = {c};
         UPDATE cases SET event_seq = 0, event_head = '\\x{zeros}'::bytea, version = 1 WHERE id = {c}",
        c = s.case(1),
        zeros = "00".repeat(32)
    ));
    assert_names(
        &s.problems(),
        &format!(
            "{} event 3: checkpoint 2 committed the chain to this event, and it is gone",
            s.references[1]
        ),
    );
}

#[actix_web::test]
async fn a_case_deleted_outright_is_found() {
    let s = Signed::new().await;
    s.tamper(&format!(
        "DELETE FROM case_events WHERE case_id = {c};
         DELETE FROM procedures WHERE case_id = {c};
         DELETE FROM case_keys WHERE case_id = {c};
         DELETE FROM cases WHERE id = {c}",
        c = s.case(1)
    ));
    assert_names(
        &s.problems(),
        &format!(
            "{} event 3: checkpoint 2 committed this case and it is gone from the database",
            s.references[1]
        ),
    );
}

#[actix_web::test]
async fn a_rewritten_chain_with_every_hash_recomputed_is_found() {
    use vigil::store::events::{Chain, ChainHead, events_of};
    let s = Signed::new().await;
    // The attacker uses Vigil's own code to rebuild a chain that is consistent in itself.
    let mut conn = s.db.connect();
    let (delegation, case_id): (vigil::domain::DelegationCode, vigil::domain::CaseId) = {
        use diesel::prelude::*;
        use vigil::store::schema::cases;
        cases::table
            .filter(cases::reference.eq(&s.references[0]))
            .select((cases::delegation, cases::id))
            .first(&mut conn)
            .unwrap()
    };
    let events = events_of(&mut conn, &delegation, case_id).unwrap();
    let mut chain = Chain::after(&delegation, case_id, ChainHead::empty());
    for (n, event) in events.iter().enumerate() {
        let mut rewritten = event.as_new();
        if n == 0 {
            rewritten.plain = json!({"risk": "low"});
        }
        chain.push(rewritten);
    }
    let mut sql = String::new();
    for link in chain.pending() {
        sql.push_str(&format!(
            "UPDATE case_events SET plain = '{}', prev_hash = '\\x{}', hash = '\\x{}' WHERE case_id = '{}' AND seq = {};",
            link.event.plain,
            vigil::crypto::hex::encode(&link.prev_hash),
            vigil::crypto::hex::encode(&link.hash),
            case_id,
            link.seq
        ));
    }
    sql.push_str(&format!(
        "UPDATE cases SET event_head = '\\x{}' WHERE id = '{case_id}'",
        vigil::crypto::hex::encode(&chain.head().hash)
    ));
    s.tamper(&sql);
    // The chain alone looks intact: only the checkpoint knows it was something else.
    let report = s.problems();
    assert_names(
        &report,
        &format!(
            "{} event 3: is not the event checkpoint 2 committed the chain to: the chain was rewritten",
            s.references[0]
        ),
    );
    assert!(!report.contains("does not match its hash"), "{report}");
}

#[actix_web::test]
async fn a_procedure_that_disagrees_with_its_events_is_found() {
    let s = Signed::new().await;
    s.tamper(&format!(
        "UPDATE procedures SET state = 'closed' WHERE case_id = {}",
        s.case(0)
    ));
    s.tamper(&format!(
        "UPDATE procedures SET version = 7 WHERE case_id = {}",
        s.case(1)
    ));
    s.tamper(&format!("UPDATE cases SET risk = 'low' WHERE id = {}", s.case(1)));
    let report = s.problems();
    assert_names(
        &report,
        &format!(
            "{} event 3: the case's `risk` is not what its events set",
            s.references[1]
        ),
    );
    assert_names(
        &report,
        &format!(
            "{} event 3: a procedure's state is not the one its events lead to",
            s.references[0]
        ),
    );
    assert_names(
        &report,
        &format!(
            "{} event 3: a procedure's version is 7 and its events make it 2",
            s.references[1]
        ),
    );
}

#[actix_web::test]
async fn a_deleted_or_edited_access_log_row_is_found() {
    let s = Signed::new().await;
    s.tamper("DELETE FROM access_log WHERE id = (SELECT min(id) FROM access_log)");
    assert_names(
        &s.problems(),
        "access log rows 1 to 2: 1 rows found where checkpoint 1 signed 2",
    );

    let s = Signed::new().await;
    s.tamper("UPDATE access_log SET what = 'denied' WHERE id = (SELECT max(id) FROM access_log)");
    assert_names(
        &s.problems(),
        "access log rows 3 to 4: 2 rows found where checkpoint 2 signed 2, and some were changed",
    );
}

#[actix_web::test]
async fn a_truncated_reordered_or_edited_checkpoint_file_is_found() {
    let s = Signed::new().await;
    let text = std::fs::read_to_string(s.file()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);

    std::fs::write(s.file(), format!("{}\n", lines[0])).unwrap();
    assert_names(
        &s.problems(),
        "checkpoint file after checkpoint 1: ends there and the database holds checkpoints up to 2",
    );

    std::fs::write(s.file(), format!("{}\n{}", lines[0], &lines[1][..20])).unwrap();
    assert_names(&s.problems(), "checkpoint file line 2: is cut short");

    std::fs::write(s.file(), format!("{}\n{}\n", lines[1], lines[0])).unwrap();
    assert_names(
        &s.problems(),
        "checkpoint file line 1: is checkpoint 2 where checkpoint 1 belongs",
    );

    let edited = lines[1].replacen("\"cases\":2", "\"cases\":1", 1);
    assert_ne!(edited, lines[1]);
    std::fs::write(s.file(), format!("{}\n{edited}\n", lines[0])).unwrap();
    assert_names(
        &s.problems(),
        "checkpoint file line 2: its signature is not one of this key",
    );
}

#[actix_web::test]
async fn checkpoints_signed_by_another_key_are_refused() {
    let s = Signed::new().await;
    let other = vigil::crypto::SigningKey::generate().unwrap().public().to_string();
    let output = s.run(&["audit", "verify", "--public-key", &other]);
    assert_eq!(output.status.code(), Some(1));
    assert_names(
        &String::from_utf8_lossy(&output.stdout),
        "checkpoint file line 1: its signature is not one of this key",
    );
}

#[actix_web::test]
async fn a_case_is_proven_included_offline_with_the_public_key_alone() {
    let s = Signed::new().await;
    let proof = s.ok(&["audit", "prove", &s.references[1]]);
    let public = s.ok(&["audit", "public-key"]);
    let path = s.home.path().join("proof.json");
    std::fs::write(&path, &proof).unwrap();
    // No database at all: a fresh home, no DATABASE_URL.
    let elsewhere = reachable_home();
    let checked = vigil(elsewhere.path())
        .args([
            "audit",
            "check-proof",
            path.to_str().unwrap(),
            "--public-key",
            public.trim(),
        ])
        .output()
        .unwrap();
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert_names(
        &String::from_utf8_lossy(&checked.stdout),
        &format!("{} at event 3 is included in checkpoint 2", s.references[1]),
    );

    let other = vigil::crypto::SigningKey::generate().unwrap().public().to_string();
    let refused = vigil(elsewhere.path())
        .args(["audit", "check-proof", path.to_str().unwrap(), "--public-key", &other])
        .output()
        .unwrap();
    assert!(!refused.status.success());

    let forged = proof.replace("\"event_seq\": 3", "\"event_seq\": 2");
    assert_ne!(forged, proof);
    std::fs::write(&path, forged).unwrap();
    let refused = vigil(elsewhere.path())
        .args([
            "audit",
            "check-proof",
            path.to_str().unwrap(),
            "--public-key",
            public.trim(),
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("not included"), "{}", stderr(&refused));
}

fn lines_of(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|text| text.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Waits until both files hold `count` lines, and returns them (which must be the same).
fn both_reach(a: &std::path::Path, b: &std::path::Path, count: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (first, second) = (lines_of(a), lines_of(b));
        if first.len() >= count && second.len() >= count {
            assert_eq!(first, second, "the replicas' checkpoint files differ");
            return first;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the files hold {} and {} lines, not {count}",
            first.len(),
            second.len()
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

#[actix_web::test]
async fn two_replicas_sign_in_turn_and_an_erasure_is_checkpointed_at_once() {
    use crate::support::Serve;
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, first_admin) = seed_user(&pool, "admin", None);
    let (_, second_admin) = seed_user(&pool, "admin", None);
    let service = web_test::init_service(app(state(pool))).await;
    let opened: serde_json::Value = web_test::call_and_read_body_json(
        &service,
        web_test::TestRequest::post()
            .uri("/api/v1/cases")
            .insert_header(("Authorization", format!("Bearer {fp}")))
            .set_json(json!({
                "country": "KE", "themes": ["MEDIA"], "risk": "high",
                "confidential": {"defender_name": "To Be Erased"}, "procedure": {"workflow": "demarche"}
            }))
            .to_request(),
    )
    .await;

    // Two replicas on one database, each with its own file, signing only after erasures
    // (and the first checkpoint, as none exists yet).
    let homes = [reachable_home(), reachable_home()];
    let files: Vec<PathBuf> = homes.iter().map(|home| home.path().join("checkpoints")).collect();
    let _replicas: Vec<Serve> = homes
        .iter()
        .zip(&files)
        .map(|(home, file)| {
            let mut command = vigil(home.path());
            command
                .env("DATABASE_URL", db.url.expose())
                .env("VIGIL_CHECKPOINT_FILE", file)
                .env("VIGIL_CHECKPOINT_INTERVAL", "0");
            Serve::start(command)
        })
        .collect();
    let first = both_reach(&files[0], &files[1], 1);
    assert_eq!(first.len(), 1, "a checkpoint was signed twice: {first:?}");

    let requested: serde_json::Value = web_test::call_and_read_body_json(
        &service,
        web_test::TestRequest::post()
            .uri(&format!("/api/v1/cases/{}/erasure", opened["id"].as_str().unwrap()))
            .insert_header(("Authorization", format!("Bearer {first_admin}")))
            .set_json(json!({"reason": "defender_request"}))
            .to_request(),
    )
    .await;
    let approve = web_test::TestRequest::post()
        .uri(&format!(
            "/api/v1/erasure-requests/{}/approve",
            requested["request_id"].as_str().unwrap()
        ))
        .insert_header(("Authorization", format!("Bearer {second_admin}")))
        .to_request();
    assert_eq!(web_test::call_service(&service, approve).await.status(), 200);

    let after = both_reach(&files[0], &files[1], 2);
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[0], first[0]);
    assert_eq!(db.count("SELECT count(*) FROM checkpoints"), 2);
    let verified = vigil(homes[0].path())
        .args(["audit", "verify"])
        .env("DATABASE_URL", db.url.expose())
        .env("VIGIL_CHECKPOINT_FILE", &files[0])
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        stderr(&verified)
    );
}

#[actix_web::test]
async fn an_edited_or_truncated_administrative_log_is_found() {
    let s = Signed::new().await;
    // The focal point's creation is on the log: its delegation added, the user added and their
    // token issued, by the operator.
    assert_eq!(
        s.db.count("SELECT count(*) AS count FROM admin_log WHERE actor_id IS NULL"),
        3
    );
    s.tamper("DELETE FROM admin_log WHERE seq = 3");
    assert_names(
        &s.problems(),
        "administrative log entry 3: checkpoint 2 committed the log to this entry, and it is gone",
    );
    s.tamper("UPDATE admin_log SET detail = '{\"role\": \"admin\"}' WHERE seq = 1");
    assert_names(
        &s.problems(),
        "administrative log entry 1: its content does not match its hash",
    );
}

#[test]
fn each_checkpoint_serve_signs_is_emailed_to_the_auditor() {
    use crate::support::Serve;
    let db = TestDb::migrated();
    let home = reachable_home();
    let file = home.path().join("checkpoints");
    let mut command = vigil(home.path());
    command
        .env("DATABASE_URL", db.url.expose())
        .env("VIGIL_CHECKPOINT_FILE", &file)
        .env("VIGIL_CHECKPOINT_INTERVAL", "0")
        .env("VIGIL_AUDITOR_EMAIL", "auditor@example.org")
        .env("VIGIL_AUDITOR_LANGUAGE", "fr");
    let _serve = Serve::start(command);
    let outbox = home.path().join("outbox");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let message = loop {
        let found = std::fs::read_dir(&outbox)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .find(|text| text.contains("To: auditor@example.org"));
        if let Some(text) = found {
            break text.replace("=\r\n", "").replace("=\n", "");
        }
        assert!(std::time::Instant::now() < deadline, "no checkpoint was emailed");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let lines = lines_of(&file);
    assert_eq!(lines.len(), 1);
    // In the auditor's language (the subject is encoded as email headers are).
    assert!(
        message.contains("Vigil a sign=C3=A9 le point de contr=C3=B4le d'audit 1")
            || message.contains("Vigil a signé le point de contrôle d'audit 1"),
        "{message}"
    );
    assert!(
        message.contains(&lines[0]),
        "the email does not carry the line as written:\n{message}"
    );
}

#[actix_web::test]
async fn sealed_data_changed_beside_its_events_is_found_with_the_identity() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Recipient {
        #[diesel(sql_type = diesel::sql_types::Text)]
        recipient: String,
    }
    let s = Signed::new().await;
    // After honest work, opening every case finds nothing, and each opening is on the access log.
    let honest = s.ok(&["audit", "verify", "--sealed"]);
    assert!(honest.contains("2 cases opened"), "{honest}");
    assert_eq!(
        s.db.count("SELECT count(*) AS count FROM access_log WHERE user_id IS NULL AND request_id = 'vigil audit verify --sealed'"),
        2
    );
    // Someone who can write the database seals new data to a case's recipient (stored in clear)
    // and puts it beside the events: into a procedure, and into the case's confidential object.
    let recipient: Recipient =
        diesel::sql_query(format!("SELECT recipient FROM case_keys WHERE case_id = {}", s.case(0)))
            .get_result(&mut s.db.connect())
            .unwrap();
    let seal = |value: serde_json::Value| {
        let bytes =
            vigil::crypto::keyring::seal_json(&recipient.recipient, &vigil::domain::Sensitive::new(value)).unwrap();
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    s.tamper(&format!(
        "UPDATE procedures SET sealed_data = decode('{}', 'hex') WHERE case_id = {}",
        seal(json!({"note": "nothing happened"})),
        s.case(0)
    ));
    s.tamper(&format!(
        "UPDATE cases SET sealed = decode('{}', 'hex') WHERE id = {}",
        seal(json!({"defender_name": "Someone Else"})),
        s.case(0)
    ));
    // Without the identity nothing shows (the rows are not in any hash); with it, both do.
    s.ok(&["audit", "verify"]);
    let output = s.run(&["audit", "verify", "--sealed"]);
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{report}{}", stderr(&output));
    let reference = &s.references[0];
    assert_names(
        &report,
        &format!("{reference} confidential data: is not what its events set"),
    );
    assert_names(&report, "its sealed data is not what its events set");
    assert!(!report.contains(&s.references[1]), "{report}");
    assert!(!report.contains("Someone") && !report.contains("nothing happened") && !report.contains("Person"));
}
