//! Least privilege: a role given the serving privileges (`vigil migrate --grant-to`) runs
//! Vigil, and cannot change the record: no event deleted, no access-log line rewritten, no
//! administrative-log entry removed, no trigger set aside, whatever it sends.

use actix_web::test as web_test;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;
use vigil::http::app;
use vigil::store::Db;

use crate::support::app::{seed_user, state};
use crate::support::{TestDb, reachable_home, stderr, vigil};

/// A login role of this test's own (roles are the server's, so the name is the database's),
/// dropped at the end.
struct Role<'a> {
    db: &'a TestDb,
    name: String,
}

impl Drop for Role<'_> {
    fn drop(&mut self) {
        let _ = self
            .db
            .connect()
            .batch_execute(&format!("DROP OWNED BY {0}; DROP ROLE {0}", self.name));
    }
}

#[actix_web::test]
async fn the_serving_role_runs_vigil_and_cannot_rewrite_the_record() {
    let db = TestDb::migrated();
    let role = Role {
        db: &db,
        name: format!(
            "serve_{}",
            db.name
                .to_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        ),
    };
    db.connect()
        .batch_execute(&format!("CREATE ROLE {} LOGIN", role.name))
        .unwrap();
    // The owner migrates and grants, as an operator would.
    let home = reachable_home();
    let granted = vigil(home.path())
        .args(["migrate", "--grant-to", &role.name])
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    assert!(granted.status.success(), "{}", stderr(&granted));
    let refused = vigil(home.path())
        .args(["migrate", "--grant-to", "Robert'); DROP TABLE cases;--"])
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    assert!(!refused.status.success());

    let serving = db.url.with_user(&role.name);
    // A migration applied at start by a process serving as that role (the owner's URL beside
    // its own) gives it the privileges on what the migration made, with no `--grant-to`.
    vigil::store::migrations::revert_last(&mut db.connect()).unwrap();
    let upgraded = vigil(home.path())
        .arg("migrate")
        .env("DATABASE_URL", serving.expose())
        .env("VIGIL_MIGRATE_DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    assert!(upgraded.status.success(), "{}", stderr(&upgraded));
    // Vigil works as the serving role: users, a case, a transition, a read, an erasure.
    let pool = Db::connect_lazily(&serving, 2).unwrap();
    let (fp_id, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, first_admin) = seed_user(&pool, "admin", None);
    let (_, second_admin) = seed_user(&pool, "admin", None);
    let service = web_test::init_service(app(state(pool))).await;
    let (opened, transitions) = crate::support::api::opened_case(
        &service,
        &fp,
        json!({"country": "KE", "themes": ["MEDIA"], "risk": "high",
               "confidential": {"defender_name": "Least Privilege"}, "procedure": {"workflow": "demarche"}}),
    )
    .await;
    let note = json!({"action": "add_note", "expected_version": 1, "data": {"note": "n"}});
    crate::support::api::call_ok(&service, "POST", &transitions, &fp, Some(note)).await;
    let case = format!("/api/v1/cases/{}", opened["id"].as_str().unwrap());
    crate::support::api::call_ok(&service, "GET", &case, &fp, None).await;
    let requested = crate::support::api::call_ok(
        &service,
        "POST",
        &format!("{case}/erasure"),
        &first_admin,
        Some(json!({"reason": "defender_request"})),
    )
    .await;
    let approve = format!(
        "/api/v1/erasure-requests/{}/approve",
        requested["request_id"].as_str().unwrap()
    );
    crate::support::api::call_ok(&service, "POST", &approve, &second_admin, None).await;
    // A grant asked for and approved (its request row is decided, the user's row changed).
    let ask = json!({"kind": "change", "user_id": fp_id, "role": "head_of_delegation", "delegation": "EUD_KE"});
    let asked = crate::support::api::call_ok(&service, "POST", "/api/v1/grant-requests", &first_admin, Some(ask)).await;
    let decide = format!(
        "/api/v1/grant-requests/{}/approve",
        asked["request_id"].as_str().unwrap()
    );
    crate::support::api::call_ok(&service, "POST", &decide, &second_admin, None).await;
    // Ready, as the serving role: the check of pending migrations creates nothing.
    let ready = web_test::call_service(&service, web_test::TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(ready.status(), 200);

    // And cannot change what was recorded, by statement or by setting a trigger aside.
    let mut conn = PgConnection::establish(serving.expose()).unwrap();
    for attack in [
        "DELETE FROM case_events",
        "UPDATE case_events SET plain = '{}'",
        "TRUNCATE case_events",
        "UPDATE access_log SET what = 'denied'",
        "DELETE FROM access_log",
        "DELETE FROM admin_log",
        "UPDATE admin_log SET detail = '{}'",
        "DELETE FROM checkpoints",
        "ALTER TABLE case_events DISABLE TRIGGER case_events_append_only",
        "ALTER TABLE access_log DISABLE TRIGGER access_log_append_only",
        "DROP TRIGGER admin_log_append_only ON admin_log",
        "CREATE TABLE mine (x int)",
    ] {
        let error = conn.batch_execute(attack).expect_err(attack).to_string();
        assert!(
            error.contains("permission denied") || error.contains("must be owner"),
            "{attack}: {error}"
        );
    }
    assert!(db.count("SELECT count(*) AS count FROM case_events") >= 3);
    assert!(db.count("SELECT count(*) AS count FROM admin_log") >= 8);
}
