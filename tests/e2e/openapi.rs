//! The OpenAPI document, generated from the code: OpenAPI 3.1, every operation it lists is
//! served and every route served is in it, each with an operationId, a tag, a schema for every
//! success and problem+json for every error.

use actix_web::test as web_test;
use vigil::http::app;
use vigil::store::Db;

use crate::support::TestDb;
use crate::support::app::state;

#[actix_web::test]
async fn every_documented_operation_exists_and_every_route_is_documented() {
    let db = TestDb::migrated();
    let service = web_test::init_service(app(state(Db::connect_lazily(&db.url, 2).unwrap()))).await;
    let response =
        web_test::call_service(&service, web_test::TestRequest::get().uri("/openapi.json").to_request()).await;
    assert_eq!(response.status(), 200);
    let spec: serde_json::Value = web_test::read_body_json(response).await;
    assert_eq!(spec["openapi"], "3.1.0");

    let mut documented = Vec::new();
    let mut operation_ids = std::collections::BTreeSet::new();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            documented.push(format!("{} {path}", method.to_uppercase()));
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                operation_ids.insert(id.to_owned()),
                "{method} {path}: operationId `{id}` missing or repeated"
            );
            assert!(
                operation["tags"].as_array().is_some_and(|tags| !tags.is_empty()),
                "{method} {path} has no tag"
            );
            let responses = operation["responses"].as_object().unwrap();
            for (status, response) in responses {
                let content = response["content"].as_object();
                if status.starts_with('2') {
                    assert!(
                        content.is_some_and(|c| c.values().all(|media| media["schema"].is_object())),
                        "{method} {path}: its {status} has no schema"
                    );
                } else {
                    assert!(
                        content.is_some_and(|c| c.keys().eq(["application/problem+json"])),
                        "{method} {path}: its {status} is not problem+json"
                    );
                }
            }
            assert!(
                responses.keys().any(|status| status.starts_with('2')) && responses.contains_key("503"),
                "{method} {path}: no success, or no 503"
            );
            let uri = path.replace("{id}", "00000000-0000-0000-0000-000000000000").replace(
                "{name}",
                if path.contains("queues") {
                    "eusr_review"
                } else {
                    "demarche"
                },
            );
            let request = web_test::TestRequest::default()
                .method(method.to_uppercase().parse().unwrap())
                .uri(&uri)
                .insert_header(("Content-Type", "application/json"))
                .set_payload("{}")
                .to_request();
            let response = web_test::call_service(&service, request).await;
            let status = response.status().as_u16();
            let body = web_test::read_body(response).await;
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let unrouted = status == 404
                && body["detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("no such endpoint"));
            assert!(
                !unrouted && status != 405,
                "{method} {path} is documented but not served ({status})"
            );
        }
    }
    documented.sort();
    let served = [
        "DELETE /api/v1/procedures/{id}/claim",
        "GET /api/v1/admin-log",
        "GET /api/v1/cases",
        "GET /api/v1/cases/{id}",
        "GET /api/v1/cases/{id}/access-log",
        "GET /api/v1/cases/{id}/attachments",
        "GET /api/v1/cases/{id}/attachments/{aid}",
        "GET /api/v1/cases/{id}/timeline",
        "GET /api/v1/erasure-requests",
        "GET /api/v1/grant-requests",
        "GET /api/v1/me",
        "GET /api/v1/procedures/{id}",
        "GET /api/v1/queues/{name}",
        "GET /api/v1/reminders",
        "GET /api/v1/reports/{name}",
        "GET /api/v1/workflows",
        "GET /api/v1/workflows/{name}",
        "GET /api/v1/workflows/{name}/graph",
        "GET /healthz",
        "GET /metrics",
        "GET /openapi.json",
        "GET /readyz",
        "PATCH /api/v1/cases/{id}",
        "POST /api/v1/cases",
        "POST /api/v1/cases/search",
        "POST /api/v1/cases/{id}/attachments",
        "POST /api/v1/cases/{id}/erasure",
        "POST /api/v1/cases/{id}/export",
        "POST /api/v1/cases/{id}/procedures",
        "POST /api/v1/erasure-requests/{id}/approve",
        "POST /api/v1/grant-requests",
        "POST /api/v1/grant-requests/{id}/approve",
        "POST /api/v1/grant-requests/{id}/refuse",
        "POST /api/v1/procedures/{id}/transitions",
        "PUT /api/v1/procedures/{id}/claim",
    ];
    assert_eq!(documented, served, "the routes of http::app and openapi.json differ");
}

/// HTTP's conventions on every documented path: another method is 405 problem+json naming in
/// `Allow` exactly the methods documented (HEAD beside each GET), HEAD answers as GET without
/// a body, and a JSON body of another type is 415.
#[actix_web::test]
async fn other_methods_are_405_with_allow_head_is_get_without_a_body_and_other_bodies_415() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = crate::support::app::seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let spec: serde_json::Value =
        web_test::call_and_read_body_json(&service, web_test::TestRequest::get().uri("/openapi.json").to_request())
            .await;
    for (path, operations) in spec["paths"].as_object().unwrap() {
        let mut documented: Vec<String> = operations
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        if documented.iter().any(|m| m == "GET") {
            documented.push("HEAD".into());
        }
        documented.sort();
        let uri = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{name}", "demarche");
        // A method no route takes (DELETE is the claim's).
        let request = web_test::TestRequest::default()
            .method(actix_web::http::Method::TRACE)
            .uri(&uri)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        let response = web_test::call_service(&service, request).await;
        assert_eq!(response.status(), 405, "TRACE {path}");
        let allow = response.headers().get("allow").unwrap().to_str().unwrap().to_owned();
        let mut allowed: Vec<String> = allow.split(", ").map(str::to_owned).collect();
        allowed.sort();
        assert_eq!(allowed, documented, "Allow of {path}");
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
    }
    let head = web_test::TestRequest::default()
        .method(actix_web::http::Method::HEAD)
        .uri("/api/v1/me")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let response = web_test::call_service(&service, head).await;
    assert_eq!(response.status(), 200);
    let wrong_type = web_test::TestRequest::post()
        .uri("/api/v1/cases")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", "text/plain"))
        .set_payload("{}")
        .to_request();
    let response = web_test::call_service(&service, wrong_type).await;
    assert_eq!(response.status(), 415);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );

    // A case's ETag is the version an edit's If-Match names; a stale one says the case changed.
    let (opened, _) = crate::support::api::opened_case(
        &service,
        &token,
        serde_json::json!({"country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "E"}, "procedure": {"workflow": "demarche"}}),
    )
    .await;
    let uri = format!("/api/v1/cases/{}", opened["id"].as_str().unwrap());
    let read = |uri: String| {
        web_test::TestRequest::get()
            .uri(&uri)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request()
    };
    let response = web_test::call_service(&service, read(uri.clone())).await;
    let etag = response.headers().get("etag").unwrap().to_str().unwrap().to_owned();
    assert_eq!(etag, "\"1\"");
    let patch = |if_match: &str| {
        web_test::TestRequest::patch()
            .uri(&uri)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("If-Match", if_match))
            .set_json(serde_json::json!({"risk": "critical"}))
            .to_request()
    };
    assert_eq!(web_test::call_service(&service, patch(&etag)).await.status(), 200);
    let stale: serde_json::Value = web_test::call_and_read_body_json(&service, patch(&etag)).await;
    assert_eq!(stale["status"], 409);
    assert_eq!(stale["current_version"], 2);
    assert!(
        stale["detail"].as_str().unwrap().contains("the case changed"),
        "{stale}"
    );
    let response = web_test::call_service(&service, read(uri.clone())).await;
    assert_eq!(response.headers().get("etag").unwrap(), "\"2\"");

    // A procedure's ETag is the version a transition names; it follows each transition.
    let procedure = format!("/api/v1/procedures/{}", opened["procedure_id"].as_str().unwrap());
    let response = web_test::call_service(&service, read(procedure.clone())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("etag").unwrap(), "\"1\"");
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    let body: serde_json::Value = web_test::read_body_json(response).await;
    assert_eq!(body["case_id"], opened["id"]);
    assert_eq!(body["version"], 1);
    let note = web_test::TestRequest::post()
        .uri(&format!("{procedure}/transitions"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .set_json(serde_json::json!({"action": "add_note", "expected_version": 1, "data": {"note": "n"}}))
        .to_request();
    assert_eq!(web_test::call_service(&service, note).await.status(), 200);
    let response = web_test::call_service(&service, read(procedure)).await;
    assert_eq!(response.headers().get("etag").unwrap(), "\"2\"");
}
