//! Calling the in-process application as a client would.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test as web_test;
use serde_json::{Value, json};

/// A GET (or, for any other method, a POST) with `token`; the status and the JSON answer
/// (`Null` when the body is not JSON).
pub async fn call<S, B>(service: &S, method: &str, uri: &str, token: &str, body: Option<Value>) -> (u16, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = web_test::TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header(("Authorization", format!("Bearer {token}")));
    if let Some(body) = body {
        request = request.set_json(body);
    }
    let response = web_test::call_service(service, request.to_request()).await;
    let status = response.status().as_u16();
    let bytes = web_test::read_body(response).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// As [`call`], for requests that must succeed: the JSON answer.
pub async fn call_ok<S, B>(service: &S, method: &str, uri: &str, token: &str, body: Option<Value>) -> Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (status, answer) = call(service, method, uri, token, body).await;
    assert!((200..300).contains(&status), "{method} {uri}: {status} {answer}");
    answer
}

/// The `field` (`id`, `reference` …) of each case on a page of the case list, in its order.
pub fn listed(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| case[field].as_str().unwrap().to_owned())
        .collect()
}

/// The transitions URI of a case's first procedure, from the answer that opened the case.
pub fn transitions_of(opened: &Value) -> String {
    format!(
        "/api/v1/procedures/{}/transitions",
        opened["procedure_id"].as_str().unwrap()
    )
}

/// Opens the case `body` describes; returns the answer and its first procedure's transitions URI.
pub async fn opened_case<S, B>(service: &S, token: &str, body: Value) -> (Value, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let opened = call_ok(service, "POST", "/api/v1/cases", token, Some(body)).await;
    let transitions = transitions_of(&opened);
    (opened, transitions)
}

/// Opens a démarche case for `name` and submits it to the head of delegation with `urgency`;
/// returns the opening answer and the procedure's transitions URI.
pub async fn submitted_demarche<S, B>(service: &S, token: &str, name: &str, urgency: &str) -> (Value, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let case = json!({
        "country": "KE", "themes": ["MEDIA"], "risk": "high",
        "confidential": {"defender_name": name}, "procedure": {"workflow": "demarche"}
    });
    let (opened, transitions) = opened_case(service, token, case).await;
    let submit = json!({"action": "submit", "expected_version": 1, "data": {
        "demarche_type": "letter", "urgency": urgency, "addressee": "x", "key_messages": name,
        "public_element_consent": false}});
    call_ok(service, "POST", &transitions, token, Some(submit)).await;
    (opened, transitions)
}

/// A POST with `token` and an `Idempotency-Key`: the status, the `Idempotent-Replayed` header
/// and the JSON answer.
pub async fn post_with_key<S, B>(
    service: &S,
    uri: &str,
    token: &str,
    key: &str,
    body: Value,
) -> (u16, Option<String>, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let request = web_test::TestRequest::post()
        .uri(uri)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Idempotency-Key", key))
        .set_json(body)
        .to_request();
    let response = web_test::call_service(service, request).await;
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = web_test::read_body(response).await;
    (status, replayed, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The transitions that take a new trial observation to refused access, where its escalation
/// timer (and reminders) wait: each with the token that takes it, in order. The hearing is 30
/// days ahead.
pub fn to_refused_access<'a>(focal_point: &'a str, head: &'a str) -> [(&'a str, Value); 4] {
    let hearing = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    [
        (
            focal_point,
            serde_json::json!({"action": "request_observation", "expected_version": 1, "data": {
                "court": "c", "case_number": "n", "charges": "x", "hearing_date": hearing, "proposed_observers": "o"}}),
        ),
        (
            head,
            serde_json::json!({"action": "approve", "expected_version": 2, "data": {"observers": "o"}}),
        ),
        (
            focal_point,
            serde_json::json!({"action": "notify_authorities", "expected_version": 3,
                "data": {"note_verbale_date": "2026-11-27", "addressee": "court"}}),
        ),
        (
            focal_point,
            serde_json::json!({"action": "confirm_access", "expected_version": 4, "data": {"access_granted": "no"}}),
        ),
    ]
}

/// A case opened by `token` with a protection referral, on `country` and `theme`: the answer.
pub async fn open_case<S, B>(service: &S, token: &str, country: &str, theme: &str) -> Value
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (status, opened) = call(
        service,
        "POST",
        "/api/v1/cases",
        token,
        Some(json!({"country": country, "themes": [theme], "risk": "high",
            "confidential": {"defender_name": "Someone", "narrative": "Followed."},
            "procedure": {"workflow": "protection_referral", "data": {"risk_description": "Threats."}}})),
    )
    .await;
    assert_eq!(status, 201, "{opened}");
    opened
}
