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
