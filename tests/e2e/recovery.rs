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
    state.keys = Arc::new(vigil::crypto::Keys {
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
    // An attachment of three chunk rows, to recover with the rest.
    let evidence: Vec<u8> = (0..600 * 1024).map(|i| (i % 253) as u8).collect();
    let upload = web_test::TestRequest::post()
        .uri(&format!("/api/v1/cases/{}/attachments", opened["id"].as_str().unwrap()))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Disposition", "attachment; filename=\"summons.bin\""))
        .set_payload(evidence.clone())
        .to_request();
    let uploaded: serde_json::Value = web_test::call_and_read_body_json(&service, upload).await;
    let attachment = uploaded["id"].as_str().unwrap().to_owned();

    // An export for the recovery recipient opens with the age tool alone.
    let export = web_test::TestRequest::post()
        .uri(&format!("/api/v1/cases/{}/export", opened["id"].as_str().unwrap()))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .set_json(json!({"recipient": public}))
        .to_request();
    let response = web_test::call_service(&service, export).await;
    assert_eq!(response.status(), 200);
    let bundle = web_test::read_body(response).await;
    assert!(!String::from_utf8_lossy(&bundle).contains("Recoverable"));
    let exported = dir.path().join("export.age");
    std::fs::write(&exported, &bundle).unwrap();
    let opened_bundle = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&recovery)
        .arg(&exported)
        .output()
        .unwrap();
    assert!(opened_bundle.status.success(), "{opened_bundle:?}");
    let bundle: serde_json::Value = serde_json::from_slice(&opened_bundle.stdout).unwrap();
    assert_eq!(bundle["case"]["confidential"]["defender_name"], "Recoverable Name");
    assert_eq!(bundle["timeline"][0]["action"], "open_case");
    // Its attachments with it, each with its custody record and its bytes.
    assert_eq!(bundle["attachments"][0]["name"], "summons.bin");
    assert_eq!(bundle["attachments"][0]["sha256"], uploaded["sha256"]);
    let exported_bytes = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        bundle["attachments"][0]["base64"].as_str().unwrap(),
    )
    .unwrap();
    assert!(exported_bytes == evidence, "the exported attachment is not the file");
    let bad = web_test::TestRequest::post()
        .uri(&format!("/api/v1/cases/{}/export", opened["id"].as_str().unwrap()))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .set_json(json!({"recipient": "age1nope"}))
        .to_request();
    assert_eq!(web_test::call_service(&service, bad).await.status(), 422);

    // The same from the command line.
    let home = crate::support::reachable_home();
    let out = dir.path().join("cli-export.age");
    let cli = crate::support::vigil(home.path())
        .args(["export", "case", reference, "--recipient", &public, "--out"])
        .arg(&out)
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    let from_cli = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&recovery)
        .arg(&out)
        .output()
        .unwrap();
    let from_cli: serde_json::Value = serde_json::from_slice(&from_cli.stdout).unwrap();
    assert_eq!(from_cli["case"]["reference"], reference);
    let exports: i64 = {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        diesel::sql_query("SELECT count(*) AS count FROM access_log WHERE what = 'export'")
            .get_result::<Count>(&mut db.connect())
            .unwrap()
            .count
    };
    assert_eq!(exports, 2);

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/recover-case");
    let recovered = dir.path().join("attachments");
    let output = std::process::Command::new(script)
        .arg(reference)
        .arg(&recovery)
        .arg(&recovered)
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
    let custody = lines.next().unwrap();
    assert!(
        custody.starts_with(&format!("attachment {attachment}: ")) && custody.contains("\"name\":\"summons.bin\""),
        "{stdout}"
    );
    assert!(
        std::fs::read(recovered.join(&attachment)).unwrap() == evidence,
        "the attachment recovered is not the file"
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
