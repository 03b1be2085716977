//! `vigil keys rotate`: every case key re-wrapped to the new master recipients, resumably.

use actix_web::test as web_test;
use diesel::prelude::*;
use diesel::sql_types::Bytea;
use serde_json::json;
use vigil::crypto::{Keyring, Recipients};
use vigil::http::app;
use vigil::store::Db;

use crate::support::app::{seed_user, state};
use crate::support::{TestDb, reachable_home, stderr, vigil};

/// A case's two blind-index values, as stored.
type Indexes = Vec<(Option<Vec<u8>>, Option<Vec<u8>>)>;

#[derive(QueryableByName)]
struct Wrapped {
    #[diesel(sql_type = Bytea)]
    wrapped: Vec<u8>,
}

#[actix_web::test]
async fn rotation_rewraps_every_case_key_to_the_new_recipients_and_a_rerun_has_nothing_left() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    for i in 0..5 {
        let request = web_test::TestRequest::post()
            .uri("/api/v1/cases")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(json!({
                "country": "KE", "themes": ["MEDIA"], "risk": "low",
                "confidential": {"defender_name": format!("Rotated {i}")},
                "procedure": {"workflow": "demarche"}
            }))
            .to_request();
        assert_eq!(web_test::call_service(&service, request).await.status(), 201);
    }

    let successor = age::x25519::Identity::generate();
    let home = reachable_home();
    let rotate = || {
        vigil(home.path())
            .args(["keys", "rotate", "--batch", "2"])
            .env("DATABASE_URL", db.url.expose())
            .env("VIGIL_RECIPIENTS", successor.to_public().to_string())
            .output()
            .unwrap()
    };
    let first = rotate();
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        String::from_utf8_lossy(&first.stdout).starts_with("re-wrapped 5 case keys"),
        "{first:?}"
    );
    assert!(
        stderr(&first).contains("re-wrapped 5/5"),
        "no progress shown: {}",
        stderr(&first)
    );
    let again = rotate();
    assert!(
        String::from_utf8_lossy(&again.stdout).starts_with("re-wrapped 0 case keys"),
        "{again:?}"
    );

    // The successor alone now opens every case key.
    let successor_only = Keyring::new(vec![successor], &Recipients::default()).unwrap();
    let keys: Vec<Wrapped> = diesel::sql_query("SELECT wrapped FROM case_keys")
        .load(&mut db.connect())
        .unwrap();
    assert_eq!(keys.len(), 5);
    for key in keys {
        successor_only.open_case_key(&key.wrapped).unwrap();
    }
}

/// Cases written before the blind index's version 2 (or under another index key) are found as
/// duplicates again once `vigil keys reindex` has rewritten them, batch by batch, each opening
/// recorded in the access log; a second run finds nothing left.
#[actix_web::test]
async fn reindexing_rewrites_old_blind_indexes_resumably_and_duplicates_are_found_again() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let mut ids = Vec::new();
    for name in ["Ana-María López", "Olga Petrova", "Jean Dupont"] {
        let request = web_test::TestRequest::post()
            .uri("/api/v1/cases")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(json!({
                "country": "KE", "themes": ["MEDIA"], "risk": "low",
                "confidential": {"defender_name": name},
                "procedure": {"workflow": "demarche"}
            }))
            .to_request();
        let opened: serde_json::Value = web_test::call_and_read_body_json(&service, request).await;
        ids.push(opened["id"].as_str().unwrap().to_owned());
    }
    let current = |db: &TestDb| {
        db.count("SELECT count(*) AS count FROM cases WHERE blind_index_version = 2 AND blind_index_joined IS NOT NULL")
    };
    assert_eq!(current(&db), 3);
    let before: Indexes = {
        use vigil::store::schema::cases;
        cases::table
            .order(cases::id)
            .select((cases::blind_index, cases::blind_index_joined))
            .load(&mut db.connect())
            .unwrap()
    };
    // As an older Vigil left them: one value, of another form.
    diesel::sql_query(
        "UPDATE cases SET blind_index = sha256(id::text::bytea), blind_index_joined = NULL, blind_index_version = 1",
    )
    .execute(&mut db.connect())
    .unwrap();

    let home = reachable_home();
    // A server started now says what is left to do.
    {
        let mut command = vigil(home.path());
        command.env("DATABASE_URL", db.url.expose());
        let mut serve = crate::support::Serve::start(command);
        assert!(serve.stop().success());
        assert!(serve.logs().contains("run `vigil keys reindex`"), "{}", serve.logs());
    }
    let reindex = || {
        vigil(home.path())
            .args(["keys", "reindex", "--batch", "2"])
            .env("DATABASE_URL", db.url.expose())
            .output()
            .unwrap()
    };
    let first = reindex();
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        String::from_utf8_lossy(&first.stdout).starts_with("rewrote the blind index of 3 cases"),
        "{first:?}"
    );
    assert!(stderr(&first).contains("reindexed 2/3 cases"), "{}", stderr(&first));
    assert_eq!(current(&db), 3);
    let after: Indexes = {
        use vigil::store::schema::cases;
        cases::table
            .order(cases::id)
            .select((cases::blind_index, cases::blind_index_joined))
            .load(&mut db.connect())
            .unwrap()
    };
    assert_eq!(after, before, "reindexing wrote other values than opening did");
    assert_eq!(
        db.count("SELECT count(*) AS count FROM access_log WHERE request_id = 'vigil keys reindex' AND what = 'read'"),
        3
    );
    let again = reindex();
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("rewrote the blind index of 0 cases"));

    // The duplicate check sees the rewritten cases: a dropped hyphen and a zero-width space
    // do not hide the defender.
    let request = web_test::TestRequest::post()
        .uri("/api/v1/cases")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .set_json(json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "low",
            "confidential": {"defender_name": "AnaMa\u{200B}ría López"},
            "procedure": {"workflow": "demarche"}
        }))
        .to_request();
    let opened: serde_json::Value = web_test::call_and_read_body_json(&service, request).await;
    assert_eq!(
        opened["possible_duplicates"].as_array().map(Vec::len),
        Some(1),
        "{opened}"
    );
}
