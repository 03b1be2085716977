//! Migrations: every one reverts cleanly, concurrent runs apply each once, and `/readyz`
//! tells a database that lags behind.

use actix_web::test as web_test;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use vigil::config::DatabaseUrl;
use vigil::http::app;
use vigil::store::{Db, migrations};

use crate::support::TestDb;
use crate::support::app::bare_state as state;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn user_tables(conn: &mut PgConnection) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS count FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'",
    )
    .get_result::<Count>(conn)
    .unwrap()
    .count
}

#[test]
fn all_migrations_run_up_then_down_then_up_again() {
    let db = TestDb::empty();
    let mut conn = db.connect();
    let up = migrations::run_pending(&mut conn).unwrap();
    assert!(!up.is_empty());
    assert!(user_tables(&mut conn) > 0);

    let down = migrations::revert_all(&mut conn).unwrap();
    assert_eq!(down.len(), up.len());
    assert_eq!(user_tables(&mut conn), 0, "a down.sql left a table behind");

    let again = migrations::run_pending(&mut conn).unwrap();
    assert_eq!(again, up);
    assert_eq!(up, migrations::versions().unwrap());
    assert!(migrations::pending(&mut conn).unwrap().is_empty());
}

#[test]
fn concurrent_migration_runs_apply_each_migration_once() {
    let db = TestDb::empty();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            std::thread::spawn(move || migrations::run_pending(&mut PgConnection::establish(url.expose()).unwrap()))
        })
        .collect();
    let applied: Vec<Vec<String>> = runs.into_iter().map(|run| run.join().unwrap().unwrap()).collect();
    let total: usize = applied.iter().map(Vec::len).sum();
    let expected = migrations::versions().unwrap().len();
    assert_eq!(total, expected, "{applied:?}");
}

#[actix_web::test]
async fn readyz_is_503_while_a_migration_is_pending() {
    let db = TestDb::migrated();
    let reverted = migrations::revert_last(&mut db.connect()).unwrap();
    let service = web_test::init_service(app(state(Db::connect_lazily(&db.url, 2).unwrap()))).await;
    let response = web_test::call_service(&service, web_test::TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let problem: serde_json::Value = web_test::read_body_json(response).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("pending") && detail.contains(&reverted), "{detail}");
}

#[actix_web::test]
async fn readyz_is_503_when_the_database_does_not_answer() {
    let nowhere = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse(&format!(
        "postgres://vigil@localhost/vigil?host={}",
        nowhere.path().display()
    ))
    .unwrap();
    let service = web_test::init_service(app(state(Db::connect_lazily(&url, 1).unwrap()))).await;
    let response = web_test::call_service(&service, web_test::TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(response.status(), 503);
    let problem: serde_json::Value = web_test::read_body_json(response).await;
    assert_eq!(problem["detail"], "the database does not answer");
}

#[actix_web::test]
async fn healthz_answers_even_when_the_database_does_not() {
    let nowhere = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse(&format!(
        "postgres://vigil@localhost/vigil?host={}",
        nowhere.path().display()
    ))
    .unwrap();
    let service = web_test::init_service(app(state(Db::connect_lazily(&url, 1).unwrap()))).await;
    let response = web_test::call_service(&service, web_test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(response.status(), 200);
}
