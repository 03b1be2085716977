//! `vigil audit verify` catches a tampered event; `vigil audit digest` catches a truncated chain.

use actix_web::test as web_test;
use diesel::connection::SimpleConnection;
use serde_json::json;
use vigil::http::app;
use vigil::store::Db;

use crate::support::app::{seed_user, state};
use crate::support::{TestDb, reachable_home, stderr, vigil};

#[actix_web::test]
async fn tampering_is_reported_by_case_and_event_and_truncation_changes_the_digest() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let mut references = Vec::new();
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
        let case: serde_json::Value = web_test::call_and_read_body_json(
            &service,
            web_test::TestRequest::get()
                .uri(&format!("/api/v1/cases/{}", opened["id"].as_str().unwrap()))
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
    }

    let home = reachable_home();
    let run = |args: &[&str]| {
        vigil(home.path())
            .args(args)
            .env("DATABASE_URL", db.url.expose())
            .output()
            .unwrap()
    };
    let verified = run(&["audit", "verify"]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains("6 events checked"),
        "{verified:?}"
    );
    let digest = String::from_utf8(run(&["audit", "digest"]).stdout).unwrap();

    // Tampering needs the trigger out of the way, as an attacker with the database would do.
    db.connect()
        .batch_execute(&format!(
            "ALTER TABLE case_events DISABLE TRIGGER case_events_append_only;
             UPDATE case_events SET plain = '{{\"risk\": \"low\"}}'
              WHERE seq = 1 AND case_id = (SELECT id FROM cases WHERE reference = '{}');
             ALTER TABLE case_events ENABLE TRIGGER case_events_append_only;",
            references[1]
        ))
        .unwrap();
    let tampered = run(&["audit", "verify"]);
    assert!(!tampered.status.success());
    let report = String::from_utf8_lossy(&tampered.stdout);
    assert!(
        report.contains(&format!(
            "{} event 1: its content does not match its hash",
            references[1]
        )),
        "{report}"
    );
    assert!(
        !report.contains(&references[0]),
        "an intact chain was reported: {report}"
    );

    // Removing the newest event leaves a consistent chain, but the case row still names it as
    // the chain's end; and the digest kept outside catches it too.
    db.connect()
        .batch_execute(&format!(
            "ALTER TABLE case_events DISABLE TRIGGER case_events_append_only;
             DELETE FROM case_events WHERE seq = 3 AND case_id = (SELECT id FROM cases WHERE reference = '{}');
             ALTER TABLE case_events ENABLE TRIGGER case_events_append_only;",
            references[0]
        ))
        .unwrap();
    let truncated = run(&["audit", "verify"]);
    assert!(!truncated.status.success());
    let report = String::from_utf8_lossy(&truncated.stdout);
    assert!(
        report.contains(&format!(
            "{} event 3: the case names event 3 as its last, and its chain ends at 2",
            references[0]
        )),
        "{report}"
    );
    let after = String::from_utf8(run(&["audit", "digest"]).stdout).unwrap();
    assert_ne!(after, digest);
}
