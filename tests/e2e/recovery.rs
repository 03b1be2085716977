//! No lock-in: a recovery identity and the standard age tool open a case without Vigil.

use std::sync::Arc;

use actix_web::test as web_test;
use serde_json::json;
use vigil::crypto::{Keyring, Recipients};
use vigil::http::app;
use vigil::store::Db;

use crate::support::TestDb;
use crate::support::app::{seed_user, state};

#[actix_web::test]
async fn scripts_recover_case_opens_a_case_with_psql_and_age_alone() {
    let dir = tempfile::tempdir().unwrap();
    let recovery = dir.path().join("recovery.txt");
    let keygen = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(&recovery)
        .output()
        .unwrap();
    assert!(
        keygen.status.success(),
        "age-keygen (Debian's age package) is needed: {keygen:?}"
    );
    let public = String::from_utf8(keygen.stderr)
        .unwrap()
        .trim()
        .trim_start_matches("Public key: ")
        .to_owned();

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let mut state = state(pool);
    let server = crate::support::keys::load();
    let identities = vigil::crypto::read_identities(&crate::support::keys::files().0).unwrap();
    state.keys = Arc::new(vigil::startup::Keys {
        keyring: Keyring::new(identities, &Recipients::parse(&public).unwrap()).unwrap(),
        index: server.index,
    });
    let service = web_test::init_service(app(state)).await;
    let request = web_test::TestRequest::post()
        .uri("/api/v1/cases")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .set_json(json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "Recoverable Name", "narrative": "Held without charge."},
            "procedure": {"workflow": "protection_referral", "data": {"risk_description": "Threats after an article."}}
        }))
        .to_request();
    let opened: serde_json::Value = web_test::call_and_read_body_json(&service, request).await;
    let reference = opened["reference"].as_str().unwrap();

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/recover-case");
    let output = std::process::Command::new(script)
        .arg(reference)
        .arg(&recovery)
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines = stdout.lines();
    let case: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(case["defender_name"], "Recoverable Name");
    let procedure = lines.next().unwrap();
    assert!(
        procedure.starts_with("protection_referral: ") && procedure.contains("Threats after an article."),
        "{stdout}"
    );

    // Without the recovery identity (another key), nothing opens.
    let stranger = dir.path().join("stranger.txt");
    assert!(
        std::process::Command::new("age-keygen")
            .arg("-o")
            .arg(&stranger)
            .output()
            .unwrap()
            .status
            .success()
    );
    let refused = std::process::Command::new(script)
        .arg(reference)
        .arg(&stranger)
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(!String::from_utf8_lossy(&refused.stdout).contains("Recoverable"));

    let injected = std::process::Command::new(script)
        .arg(format!("{reference}' OR true --"))
        .arg(&recovery)
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    assert_eq!(injected.status.code(), Some(2));
}
