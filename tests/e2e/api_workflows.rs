//! `/api/v1/workflows`: definitions, recorded versions and drawings.

use actix_web::test as web_test;
use vigil::http::app;
use vigil::store::Db;

use crate::support::TestDb;
use crate::support::app::state;

#[actix_web::test]
async fn workflows_are_listed_with_their_versions_and_drawn() {
    let db = TestDb::migrated();
    let state = state(Db::connect_lazily(&db.url, 2).unwrap());
    let service = web_test::init_service(app(state)).await;

    let list: serde_json::Value = web_test::call_and_read_body_json(
        &service,
        web_test::TestRequest::get().uri("/api/v1/workflows").to_request(),
    )
    .await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "demarche",
            "eusr_review",
            "protection_referral",
            "raise_in_dialogue",
            "trial_observation"
        ]
    );

    let detail: serde_json::Value = web_test::call_and_read_body_json(
        &service,
        web_test::TestRequest::get()
            .uri("/api/v1/workflows/trial_observation")
            .to_request(),
    )
    .await;
    assert_eq!(detail["versions"][0]["current"], true);
    assert_eq!(detail["versions"][0]["procedures"], 0);
    assert_eq!(detail["definition"]["states"]["identified"]["initial"], true);

    let graph = web_test::call_service(
        &service,
        web_test::TestRequest::get()
            .uri("/api/v1/workflows/trial_observation/graph?format=mermaid&state=attended")
            .to_request(),
    )
    .await;
    assert_eq!(graph.status(), 200);
    let body = String::from_utf8(web_test::read_body(graph).await.to_vec()).unwrap();
    assert!(body.starts_with("stateDiagram-v2") && body.contains("class attended current"));

    for (uri, status) in [
        ("/api/v1/workflows/nope", 404),
        ("/api/v1/workflows/nope/graph", 404),
        ("/api/v1/workflows/demarche/graph?format=png", 422),
        ("/api/v1/workflows/demarche/graph?state=nowhere", 404),
        ("/api/v1/workflows/demarche/graph?colour=red", 400),
    ] {
        let response = web_test::call_service(&service, web_test::TestRequest::get().uri(uri).to_request()).await;
        assert_eq!(response.status(), status, "{uri}");
    }
}
