//! Cases over HTTP: opening, reading, transitions, scope, and nothing confidential in clear.

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test as web_test;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bytea, Text};
use serde_json::{Value, json};
use vigil::http::app;
use vigil::store::Db;

use crate::support::TestDb;
use crate::support::api::{call, listed, post_with_key, transitions_of};
use crate::support::app::{seed_user, state};

fn new_case(name: &str, workflow: &str) -> Value {
    json!({
        "country": "KE",
        "themes": ["ENV_LAND", "LAWYERS"],
        "risk": "high",
        "confidential": {"defender_name": name, "narrative": "Arrested after a land-rights meeting."},
        "procedure": {"workflow": workflow, "data": {}}
    })
}

/// Opens `new_case(name, workflow)` as `token`; the answer, and the case's address.
async fn open<S, B>(service: &S, token: &str, name: &str, workflow: &str) -> (Value, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, opened) = call(service, "POST", "/api/v1/cases", token, Some(new_case(name, workflow))).await;
    assert_eq!(status, 201, "{opened}");
    let uri = format!("/api/v1/cases/{}", opened["id"].as_str().unwrap());
    (opened, uri)
}

#[derive(QueryableByName)]
struct Link {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Bytea)]
    prev_hash: Vec<u8>,
    #[diesel(sql_type = Bytea)]
    hash: Vec<u8>,
    #[diesel(sql_type = Text)]
    action: String,
}

#[actix_web::test]
async fn a_case_is_opened_read_and_taken_through_a_trial_observation() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (fp_id, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hod) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (_, reviewer) = seed_user(&pool, "eusr_reviewer", None);
    let service = web_test::init_service(app(state(pool))).await;

    let (status, opened) = call(
        &service,
        "POST",
        "/api/v1/cases",
        &fp,
        Some(new_case("Ana-María López", "trial_observation")),
    )
    .await;
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_str().unwrap().to_owned();
    let reference = opened["reference"].as_str().unwrap();
    assert!(
        reference.starts_with("VG-20") && reference.len() == "VG-2026-00001".len(),
        "{reference}"
    );
    assert_eq!(opened["possible_duplicates"], json!([]));

    let (status, case) = call(&service, "GET", &format!("/api/v1/cases/{id}"), &fp, None).await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["confidential"]["defender_name"], "Ana-María López");
    assert_eq!(case["owner"], fp_id.to_string());
    let procedure = &case["procedures"][0];
    assert_eq!(procedure["state"], "identified");
    let actions: Vec<&str> = procedure["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"request_observation") && actions.contains(&"escalate_to_eusr"),
        "{actions:?}"
    );
    assert!(
        !actions.contains(&"approve"),
        "a focal point was offered the head of delegation's action"
    );
    let procedure_id = procedure["id"].as_str().unwrap().to_owned();
    let transitions = format!("/api/v1/procedures/{procedure_id}/transitions");

    // A stale version is 409 whatever else is wrong with the request.
    let (status, problem) = call(
        &service,
        "POST",
        &transitions,
        &fp,
        Some(json!({"action": "nonsense", "expected_version": 7})),
    )
    .await;
    assert_eq!(
        (status, problem["current_version"].as_i64()),
        (409, Some(1)),
        "{problem}"
    );

    let (status, problem) = call(
        &service,
        "POST",
        &transitions,
        &fp,
        Some(json!({"action": "request_observation", "expected_version": 1, "data": {"court": "Milimani", "hearing_date": "tomorrow"}})),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"data.hearing_date") && fields.contains(&"data.charges"),
        "{fields:?}"
    );
    assert!(!problem.to_string().contains("Milimani"));

    let hearing = (chrono::Utc::now() + chrono::Duration::days(20)).to_rfc3339();
    let (status, moved) = call(
        &service,
        "POST",
        &transitions,
        &fp,
        Some(json!({"action": "request_observation", "expected_version": 1, "data": {
            "court": "Milimani Law Courts", "case_number": "E123/2026", "charges": "unlawful assembly",
            "hearing_date": hearing, "proposed_observers": "EUD, FR, DE"
        }})),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (moved["state"].as_str(), moved["version"].as_i64()),
        (Some("approval_requested"), Some(2))
    );
    // Reminders before the (sealed) hearing date are scheduled by due time only; beside them,
    // the hand-off to the head of delegation, due at once.
    assert_eq!(
        db.count("SELECT count(*) AS count FROM scheduled WHERE status = 'pending'"),
        3
    );

    let (status, refused) = call(
        &service,
        "POST",
        &transitions,
        &fp,
        Some(json!({"action": "approve", "expected_version": 2, "data": {"observers": "x"}})),
    )
    .await;
    assert_eq!(status, 422, "a focal point approved: {refused}");
    let (status, approved) = call(
        &service,
        "POST",
        &transitions,
        &hod,
        Some(json!({"action": "approve", "expected_version": 2, "data": {"observers": "Political officer"}})),
    )
    .await;
    assert_eq!(
        (status, approved["state"].as_str()),
        (200, Some("approved")),
        "{approved}"
    );
    // Leaving the state cancels its reminders, and the hand-off not sent yet (no pass ran).
    assert_eq!(
        db.count("SELECT count(*) AS count FROM scheduled WHERE status = 'cancelled'"),
        3
    );

    // Escalation starts an EUSR review, which opens the case to the EUSR office.
    let (status, _) = call(&service, "GET", &format!("/api/v1/cases/{id}"), &reviewer, None).await;
    assert_eq!(status, 404);
    let (status, escalated) = call(
        &service,
        "POST",
        &transitions,
        &fp,
        Some(json!({"action": "escalate_to_eusr", "expected_version": 3, "data": {"reason": "Access to the hearing refused"}})),
    )
    .await;
    assert_eq!(status, 200, "{escalated}");
    assert_eq!(escalated["started"][0]["workflow"], "eusr_review");
    let (status, seen) = call(&service, "GET", &format!("/api/v1/cases/{id}"), &reviewer, None).await;
    assert_eq!(status, 200, "{seen}");
    let review = seen["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["workflow"] == "eusr_review")
        .unwrap();
    assert_eq!(review["queue"], "eusr_review");
    assert_eq!(review["data"]["reason"], "Access to the hearing refused");
    assert!(
        review["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == "acknowledge")
    );

    // The event chain is unbroken, and reads are on record.
    let links: Vec<Link> = diesel::sql_query("SELECT seq, prev_hash, hash, action FROM case_events ORDER BY seq")
        .load(&mut db.connect())
        .unwrap();
    let actions: Vec<&str> = links.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "open_case",
            "start_procedure",
            "request_observation",
            "approve",
            "escalate_to_eusr",
            "start_procedure"
        ]
    );
    assert_eq!(links[0].prev_hash, vec![0u8; 32]);
    for pair in links.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash, "chain broken at {}", pair[1].seq);
    }
    assert_eq!(
        db.count("SELECT count(*) AS count FROM access_log WHERE what = 'read'"),
        2
    );
    assert_eq!(
        db.count("SELECT count(*) AS count FROM access_log WHERE what = 'denied'"),
        1
    );
    // Every transition kept the case's steps (the list's filters) equal to its procedures'.
    assert_eq!(db.count("SELECT count(*) FROM cases WHERE steps <> case_steps(id)"), 0);
    let tampered = diesel::sql_query("UPDATE case_events SET action = 'x' WHERE seq = 1").execute(&mut db.connect());
    assert!(tampered.is_err(), "events can be rewritten");
}

#[actix_web::test]
async fn another_delegation_sees_nothing_and_its_attempts_are_logged() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, other) = seed_user(&pool, "focal_point", Some("EUD_BY"));
    let (_, admin) = seed_user(&pool, "admin", None);
    let service = web_test::init_service(app(state(pool))).await;
    let (_, opened) = call(
        &service,
        "POST",
        "/api/v1/cases",
        &fp,
        Some(new_case("Ana López", "demarche")),
    )
    .await;
    let id = opened["id"].as_str().unwrap();
    let procedure_id = opened["procedure_id"].as_str().unwrap();

    for token in [&other, &admin] {
        let (status, body) = call(&service, "GET", &format!("/api/v1/cases/{id}"), token, None).await;
        assert_eq!(status, 404, "{body}");
        assert!(!body.to_string().contains("Ana"));
        let (status, body) = call(
            &service,
            "GET",
            &format!("/api/v1/procedures/{procedure_id}"),
            token,
            None,
        )
        .await;
        assert_eq!(status, 404, "{body}");
        let (status, _) = call(
            &service,
            "POST",
            &format!("/api/v1/procedures/{procedure_id}/transitions"),
            token,
            Some(json!({"action": "add_note", "expected_version": 1, "data": {"note": "x"}})),
        )
        .await;
        assert_eq!(status, 404);
    }
    let (status, _) = call(
        &service,
        "GET",
        "/api/v1/cases/00000000-0000-0000-0000-000000000000",
        &fp,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(&service, "GET", "/api/v1/cases/not-a-uuid", &fp, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &service,
        "GET",
        "/api/v1/procedures/00000000-0000-0000-0000-000000000000",
        &fp,
        None,
    )
    .await;
    assert_eq!(status, 404);
    // Each out-of-scope attempt, on the case, its procedure or its transitions, is on record.
    assert_eq!(
        db.count("SELECT count(*) AS count FROM access_log WHERE what = 'denied'"),
        6
    );
    let (status, _) = call(
        &service,
        "POST",
        "/api/v1/cases",
        &other,
        Some(json!({
            "delegation": "EUD_KE", "country": "KE", "themes": ["MEDIA"], "risk": "low",
            "confidential": {"defender_name": "x"}, "procedure": {"workflow": "demarche"}
        })),
    )
    .await;
    assert_eq!(status, 403);
}

#[actix_web::test]
async fn bad_input_is_refused_with_its_fields_and_writes_nothing() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let secret = "Secret-Defender-Name-91";

    let mut unknown = new_case(secret, "demarche");
    unknown["colour"] = json!("red");
    let (status, problem) = call(&service, "POST", "/api/v1/cases", &fp, Some(unknown)).await;
    assert_eq!(status, 400, "{problem}");
    // The field is the client's: not repeated, and the fields the request takes are listed.
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        !detail.contains("colour") && detail.contains("`confidential`"),
        "{detail}"
    );

    let mut wrong_type = new_case(secret, "demarche");
    wrong_type["themes"] = json!(secret);
    let (status, problem) = call(&service, "POST", "/api/v1/cases", &fp, Some(wrong_type)).await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        !problem.to_string().contains(secret),
        "the error repeats a value: {problem}"
    );

    let mut bad = new_case(secret, "no_such_workflow");
    bad["country"] = json!("XY");
    bad["themes"] = json!(["CLIMATE"]);
    bad["risk"] = json!("extreme");
    let (status, problem) = call(&service, "POST", "/api/v1/cases", &fp, Some(bad)).await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["country", "themes", "risk", "procedure.workflow"]);
    assert!(!problem.to_string().contains(secret));

    let big = json!({"blob": "x".repeat(1024 * 1024 + 10)});
    let mut oversize = new_case(secret, "demarche");
    oversize["confidential"] = big;
    let (status, _) = call(&service, "POST", "/api/v1/cases", &fp, Some(oversize)).await;
    assert_eq!(status, 400);

    assert_eq!(db.count("SELECT count(*) AS count FROM cases"), 0);
    assert_eq!(db.count("SELECT count(*) AS count FROM case_events"), 0);
}

#[actix_web::test]
async fn the_same_defender_is_flagged_without_decrypting_and_stays_sealed_at_rest() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool.clone()))).await;
    let (_, first) = call(
        &service,
        "POST",
        "/api/v1/cases",
        &fp,
        Some(new_case("Ana-María López", "demarche")),
    )
    .await;
    let (_, second) = call(
        &service,
        "POST",
        "/api/v1/cases",
        &fp,
        Some(new_case("LOPEZ, ana maria", "trial_observation")),
    )
    .await;
    // Each by id and reference, so a client can open it.
    assert_eq!(
        second["possible_duplicates"],
        json!([{"id": first["id"], "reference": first["reference"]}])
    );
    // Reading either case later names the other, for the delegation's staff only.
    let (_, read) = call(
        &service,
        "GET",
        &format!("/api/v1/cases/{}", first["id"].as_str().unwrap()),
        &fp,
        None,
    )
    .await;
    assert_eq!(
        read["possible_duplicates"],
        json!([{"id": second["id"], "reference": second["reference"]}]),
        "{read}"
    );
    let (_, other) = seed_user(&pool, "focal_point", Some("EUD_UG"));
    let (_, elsewhere) = call(
        &service,
        "POST",
        "/api/v1/cases",
        &other,
        Some(new_case("Ana Maria Lopez", "demarche")),
    )
    .await;
    assert_eq!(
        elsewhere["possible_duplicates"],
        json!([]),
        "another delegation's cases are not named"
    );

    let dump = std::process::Command::new("pg_dump")
        .arg(db.url.expose())
        .output()
        .unwrap();
    assert!(dump.status.success());
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(
        dump.contains(first["reference"].as_str().unwrap()),
        "the dump is not of this database"
    );
    for secret in ["López", "Lopez", "LOPEZ", "land-rights meeting"] {
        assert!(!dump.contains(secret), "`{secret}` is stored in clear");
    }
}

#[actix_web::test]
async fn the_list_pages_stably_filters_and_stays_in_scope_and_procedures_can_be_added() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, other) = seed_user(&pool, "focal_point", Some("EUD_BY"));
    let (_, admin) = seed_user(&pool, "admin", None);
    let service = web_test::init_service(app(state(pool))).await;
    let mut opened = Vec::new();
    for (i, risk) in ["low", "critical", "high", "critical", "medium"].iter().enumerate() {
        let mut case = new_case(
            &format!("Person {i}"),
            if i % 2 == 0 { "demarche" } else { "trial_observation" },
        );
        case["risk"] = json!(risk);
        let (status, body) = call(&service, "POST", "/api/v1/cases", &fp, Some(case)).await;
        assert_eq!(status, 201, "{body}");
        opened.push(body["reference"].as_str().unwrap().to_owned());
    }
    call(
        &service,
        "POST",
        "/api/v1/cases",
        &other,
        Some(new_case("Elsewhere", "demarche")),
    )
    .await;

    let mut seen = Vec::new();
    let mut uri = "/api/v1/cases?limit=2".to_owned();
    loop {
        let (status, page) = call(&service, "GET", &uri, &fp, None).await;
        assert_eq!(status, 200, "{page}");
        assert!(!page.to_string().contains("Person"), "the list decrypted something");
        seen.extend(listed(&page, "reference"));
        match page["next"].as_str() {
            Some(next) => uri = format!("/api/v1/cases?limit=2&after={next}"),
            None => break,
        }
    }
    opened.reverse();
    assert_eq!(seen, opened, "pages are not newest first, or repeat or skip a case");

    let (_, critical) = call(
        &service,
        "GET",
        "/api/v1/cases?risk=critical&workflow=trial_observation",
        &fp,
        None,
    )
    .await;
    assert_eq!(critical["items"].as_array().unwrap().len(), 2, "{critical}");
    let (_, theirs) = call(&service, "GET", "/api/v1/cases", &other, None).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    let (_, asked) = call(&service, "GET", "/api/v1/cases?delegation=EUD_KE", &other, None).await;
    assert_eq!(asked["items"], json!([]));
    let (status, _) = call(&service, "GET", "/api/v1/cases", &admin, None).await;
    assert_eq!(status, 403);
    let (status, problem) = call(
        &service,
        "GET",
        "/api/v1/cases?limit=0&theme=CLIMATE&after=x",
        &fp,
        None,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"].as_array().unwrap().len(), 3);

    // A second procedure on one case: a démarche after the trial.
    let (_, page) = call(
        &service,
        "GET",
        "/api/v1/cases?workflow=trial_observation&limit=1",
        &fp,
        None,
    )
    .await;
    let id = page["items"][0]["id"].as_str().unwrap();
    let (status, started) = call(
        &service,
        "POST",
        &format!("/api/v1/cases/{id}/procedures"),
        &fp,
        Some(json!({"workflow": "demarche", "data": {"urgency": "urgent"}})),
    )
    .await;
    assert_eq!((status, started["state"].as_str()), (201, Some("draft")), "{started}");
    let (_, case) = call(&service, "GET", &format!("/api/v1/cases/{id}"), &fp, None).await;
    let workflows: Vec<&str> = case["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["workflow"].as_str().unwrap())
        .collect();
    assert_eq!(workflows, ["trial_observation", "demarche"]);
    let (status, _) = call(
        &service,
        "POST",
        &format!("/api/v1/cases/{id}/procedures"),
        &other,
        Some(json!({"workflow": "demarche"})),
    )
    .await;
    assert_eq!(status, 404);
    // The step filters follow the procedure started just now, and workflow and step must be
    // those of one procedure (the trial is at `identified`, the démarche at `draft`).
    for (filters, expected) in [
        ("workflow=demarche&state=draft", true),
        ("state=identified", true),
        ("workflow=demarche&state=identified", false),
        ("workflow=trial_observation&state=draft", false),
        ("workflow=demarche&queue=eusr_review", false),
    ] {
        let (status, page) = call(&service, "GET", &format!("/api/v1/cases?{filters}"), &fp, None).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(
            listed(&page, "id").contains(&id.to_owned()),
            expected,
            "{filters}: {page}"
        );
    }
    assert_eq!(db.count("SELECT count(*) FROM cases WHERE steps <> case_steps(id)"), 0);
}

#[actix_web::test]
async fn a_retried_request_never_opens_a_case_twice() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 8).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let body = new_case("Retry Person", "demarche");

    // Four identical requests at once, as a flaky link retries: one case, one answer.
    let (a, b, c, d) = tokio::join!(
        post_with_key(&service, "/api/v1/cases", &fp, "open-1", body.clone()),
        post_with_key(&service, "/api/v1/cases", &fp, "open-1", body.clone()),
        post_with_key(&service, "/api/v1/cases", &fp, "open-1", body.clone()),
        post_with_key(&service, "/api/v1/cases", &fp, "open-1", body.clone()),
    );
    for (status, _, answer) in [&a, &b, &c, &d] {
        assert_eq!(*status, 201, "{answer}");
        assert_eq!(answer["id"], a.2["id"]);
    }
    let (status, replayed, again) = post_with_key(&service, "/api/v1/cases", &fp, "open-1", body.clone()).await;
    assert_eq!((status, replayed.as_deref()), (201, Some("true")));
    assert_eq!(again, a.2);
    assert_eq!(db.count("SELECT count(*) AS count FROM cases"), 1);

    let mut other = body.clone();
    other["risk"] = json!("low");
    let (status, _, problem) = post_with_key(&service, "/api/v1/cases", &fp, "open-1", other.clone()).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(db.count("SELECT count(*) AS count FROM cases"), 1);
    // Also when the two bodies race with a fresh key: one is made, the other refused.
    let (one, two) = tokio::join!(
        post_with_key(&service, "/api/v1/cases", &fp, "open-2", body.clone()),
        post_with_key(&service, "/api/v1/cases", &fp, "open-2", other),
    );
    let mut statuses = [one.0, two.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 422], "{} {}", one.2, two.2);
    assert_eq!(db.count("SELECT count(*) AS count FROM cases"), 2);

    // A transition retried with its key moves the procedure once.
    let transitions = transitions_of(&a.2);
    let note = json!({"action": "add_note", "expected_version": 1, "data": {"note": "called the lawyer"}});
    let first = post_with_key(&service, &transitions, &fp, "note-1", note.clone()).await;
    let retry = post_with_key(&service, &transitions, &fp, "note-1", note.clone()).await;
    assert_eq!((first.0, retry.0), (200, 200));
    assert_eq!(first.2, retry.2);
    assert_eq!(retry.1.as_deref(), Some("true"));
    assert_eq!(
        db.count("SELECT count(*) AS count FROM case_events WHERE action = 'add_note'"),
        1
    );
    let (status, _, _) = post_with_key(&service, &transitions, &fp, "", note).await;
    assert_eq!(status, 400);

    // Retries that race the first get its answer too, not "the procedure changed": the losers
    // find the change done (a stale version, or the key recorded) and are answered from the record.
    let note = json!({"action": "add_note", "expected_version": 2, "data": {"note": "called again"}});
    let (a, b, c, d) = tokio::join!(
        post_with_key(&service, &transitions, &fp, "note-2", note.clone()),
        post_with_key(&service, &transitions, &fp, "note-2", note.clone()),
        post_with_key(&service, &transitions, &fp, "note-2", note.clone()),
        post_with_key(&service, &transitions, &fp, "note-2", note.clone()),
    );
    for (status, _, answer) in [&a, &b, &c, &d] {
        assert_eq!(*status, 200, "{answer}");
        assert_eq!(*answer, a.2);
    }
    assert_eq!(
        db.count("SELECT count(*) AS count FROM case_events WHERE action = 'add_note'"),
        2
    );
    // Two bodies racing under one key: one transition, and the other is told the key is taken.
    let one = json!({"action": "add_note", "expected_version": 3, "data": {"note": "one"}});
    let two = json!({"action": "add_note", "expected_version": 3, "data": {"note": "two"}});
    let (a, b) = tokio::join!(
        post_with_key(&service, &transitions, &fp, "note-3", one),
        post_with_key(&service, &transitions, &fp, "note-3", two),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 422], "{} {}", a.2, b.2);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM case_events WHERE action = 'add_note'"),
        3
    );

    // After the retention, keys are forgotten (and may be used afresh).
    let mut conn = db.connect();
    assert_eq!(
        vigil::store::idempotency::purge(&mut conn, chrono::Utc::now()).unwrap(),
        0
    );
    let later = chrono::Utc::now() + vigil::store::idempotency::RETENTION + chrono::Duration::minutes(1);
    assert_eq!(vigil::store::idempotency::purge(&mut conn, later).unwrap(), 5);
}

async fn patch<S, B>(service: &S, uri: &str, token: &str, if_match: Option<&str>, body: Value) -> (u16, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut request = web_test::TestRequest::patch()
        .uri(uri)
        .insert_header(("Authorization", format!("Bearer {token}")));
    if let Some(version) = if_match {
        request = request.insert_header(("If-Match", version));
    }
    let response = web_test::call_service(service, request.set_json(body).to_request()).await;
    let status = response.status().as_u16();
    let bytes = web_test::read_body(response).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Every page of `first`, following each page's `next` to the end.
async fn all_pages<S, B>(service: &S, first: &str, token: &str) -> Vec<Value>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (mut pages, mut address) = (Vec::new(), Some(first.to_owned()));
    while let Some(uri) = address {
        let (status, page) = call(service, "GET", &uri, token, None).await;
        assert_eq!(status, 200, "{uri}: {page}");
        address = page["next"].as_str().map(str::to_owned);
        pages.push(page);
    }
    pages
}

#[actix_web::test]
async fn a_long_timeline_and_its_access_log_are_read_a_page_at_a_time() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let (_, uri) = open(&service, &fp, "Paged Person", "demarche").await;
    // Two events at opening, then one per change: eight in all.
    for version in 1..=6 {
        let risk = if version % 2 == 0 { "high" } else { "critical" };
        let (status, changed) = patch(&service, &uri, &fp, Some(&version.to_string()), json!({"risk": risk})).await;
        assert_eq!(status, 200, "{changed}");
    }

    let pages = all_pages(&service, &format!("{uri}/timeline?limit=3"), &fp).await;
    let sizes: Vec<usize> = pages.iter().map(|p| p["items"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [3, 3, 2], "{pages:?}");
    let seqs: Vec<i64> = pages
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap().clone())
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>(), "every event once, in order");
    assert_eq!(pages[0]["items"][0]["data"]["defender_name"], "Paged Person");
    // A page that ends exactly at the last event says there is no next.
    let (_, whole) = call(&service, "GET", &format!("{uri}/timeline?limit=8"), &fp, None).await;
    assert_eq!(
        (whole["items"].as_array().unwrap().len(), &whole["next"]),
        (8, &Value::Null)
    );
    let (_, rest) = call(&service, "GET", &format!("{uri}/timeline?after=8"), &fp, None).await;
    assert_eq!(rest["items"], json!([]));

    // Each page read was a line in the access log: read back newest first, a page at a time.
    let lines: Vec<Value> = all_pages(&service, &format!("{uri}/access-log?limit=2"), &fp)
        .await
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap().clone())
        .collect();
    let timeline_reads = lines.iter().filter(|l| l["what"] == "timeline").count();
    assert_eq!(timeline_reads, 3 + 2, "three pages, the whole, the rest: {lines:?}");
    let ids: Vec<i64> = lines.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, each once: {ids:?}");

    // Out of range is 422 naming the parameter, never repeating it.
    for (query, field) in [
        ("timeline?limit=0", "limit"),
        ("timeline?limit=501", "limit"),
        ("timeline?after=-7", "after"),
        ("access-log?limit=0", "limit"),
        ("access-log?before=-7", "before"),
    ] {
        let (status, problem) = call(&service, "GET", &format!("{uri}/{query}"), &fp, None).await;
        assert_eq!(status, 422, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
        assert!(
            !problem.to_string().contains("-7") && !problem.to_string().contains("501"),
            "{problem}"
        );
    }
}

#[actix_web::test]
async fn case_data_changes_only_against_the_version_read_and_the_timeline_tells_it_all() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, other) = seed_user(&pool, "focal_point", Some("EUD_BY"));
    let service = web_test::init_service(app(state(pool))).await;
    let (_, uri) = open(&service, &fp, "Amina Otieno", "demarche").await;

    let change = json!({"risk": "critical", "confidential": {"location": "Nairobi", "narrative": null}});
    let (status, _) = patch(&service, &uri, &fp, None, change.clone()).await;
    assert_eq!(status, 428);
    let (status, stale) = patch(&service, &uri, &fp, Some("\"7\""), change.clone()).await;
    assert_eq!((status, stale["current_version"].as_i64()), (409, Some(1)), "{stale}");
    let (status, done) = patch(&service, &uri, &fp, Some("\"1\""), change.clone()).await;
    assert_eq!((status, done["version"].as_i64()), (200, Some(2)), "{done}");
    let (status, _) = patch(&service, &uri, &other, Some("2"), change).await;
    assert_eq!(status, 404);
    let (status, problem) = patch(
        &service,
        &uri,
        &fp,
        Some("2"),
        json!({"confidential": {"defender_name": null}}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    // Nor emptied, nor made something else than a name: opening a case requires one.
    for nameless in [json!(""), json!("  "), json!(42)] {
        let (status, problem) = patch(
            &service,
            &uri,
            &fp,
            Some("2"),
            json!({"confidential": {"defender_name": nameless}}),
        )
        .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "confidential.defender_name");
    }

    // A patch that changes nothing (schemathesis found it was a 500) keeps the version and
    // writes no event; it still names the version it read.
    for nothing in [json!({}), json!({"confidential": {}})] {
        let (status, same) = patch(&service, &uri, &fp, Some("2"), nothing.clone()).await;
        assert_eq!((status, same["version"].as_i64()), (200, Some(2)), "{nothing}: {same}");
        let (status, _) = patch(&service, &uri, &fp, Some("1"), nothing).await;
        assert_eq!(status, 409);
    }

    let (_, case) = call(&service, "GET", &uri, &fp, None).await;
    assert_eq!(case["risk"], "critical");
    assert_eq!(
        case["confidential"],
        json!({"defender_name": "Amina Otieno", "location": "Nairobi"})
    );

    let (status, page) = call(&service, "GET", &format!("{uri}/timeline"), &fp, None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["next"], Value::Null, "one page holds three events");
    let timeline = &page["items"];
    let actions: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["open_case", "start_procedure", "update_case"]);
    assert_eq!(timeline[0]["data"]["defender_name"], "Amina Otieno");
    assert_eq!(timeline[2]["data"]["risk"], "critical");
    assert_eq!(timeline[2]["data"]["location"], "Nairobi");
    let (status, _) = call(&service, "GET", &format!("{uri}/timeline"), &other, None).await;
    assert_eq!(status, 404);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM access_log WHERE what = 'timeline'"),
        1
    );
    // A field set and a field removed by the edit: the sealed check folds them as the edit did.
    db.assert_audit_holds();
}

#[actix_web::test]
async fn erasure_takes_two_admins_and_leaves_only_a_tombstone() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, first_admin) = seed_user(&pool, "admin", None);
    let (_, second_admin) = seed_user(&pool, "admin", None);
    let service = web_test::init_service(app(state(pool))).await;
    let (opened, uri) = open(&service, &fp, "To Be Erased", "trial_observation").await;
    let transitions = transitions_of(&opened);
    // An answer kept for retries of a change to this case: the erasure deletes it.
    let noted = web_test::TestRequest::post()
        .uri(&transitions)
        .insert_header(("Authorization", format!("Bearer {fp}")))
        .insert_header(("Idempotency-Key", "note-before-erasure"))
        .set_json(json!({"action": "add_note", "expected_version": 1, "data": {"note": "kept"}}))
        .to_request();
    assert_eq!(web_test::call_service(&service, noted).await.status(), 200);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM idempotency_keys WHERE case_id IS NOT NULL"),
        1
    );

    let (status, _) = call(
        &service,
        "POST",
        &format!("{uri}/erasure"),
        &fp,
        Some(json!({"reason": "defender_request"})),
    )
    .await;
    assert_eq!(status, 403, "a focal point asked for erasure");
    let (status, problem) = call(
        &service,
        "POST",
        &format!("{uri}/erasure"),
        &first_admin,
        Some(json!({"reason": "because"})),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let (status, requested) = call(
        &service,
        "POST",
        &format!("{uri}/erasure"),
        &first_admin,
        Some(json!({"reason": "defender_request"})),
    )
    .await;
    assert_eq!(status, 201, "{requested}");
    let approve = format!(
        "/api/v1/erasure-requests/{}/approve",
        requested["request_id"].as_str().unwrap()
    );

    // A request alone, or its requester's own approval, changes nothing.
    assert_eq!(call(&service, "GET", &uri, &fp, None).await.0, 200);
    assert_eq!(call(&service, "POST", &approve, &first_admin, None).await.0, 403);
    assert_eq!(call(&service, "POST", &approve, &fp, None).await.0, 403);
    assert_eq!(call(&service, "GET", &uri, &fp, None).await.0, 200);

    let (status, erased) = call(&service, "POST", &approve, &second_admin, None).await;
    assert_eq!(status, 200, "{erased}");
    for (method, path) in [("GET", uri.clone()), ("GET", format!("{uri}/timeline"))] {
        assert_eq!(call(&service, method, &path, &fp, None).await.0, 410, "{path}");
    }
    let (status, _) = call(
        &service,
        "POST",
        &transitions,
        &fp,
        Some(json!({"action": "add_note", "expected_version": 2, "data": {"note": "x"}})),
    )
    .await;
    assert_eq!(status, 410);
    assert_eq!(call(&service, "POST", &approve, &second_admin, None).await.0, 410);
    let (_, list) = call(&service, "GET", "/api/v1/cases", &fp, None).await;
    assert_eq!(list["items"], json!([]));
    assert_eq!(db.count("SELECT count(*) AS count FROM case_keys"), 0);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM cases WHERE erased_at IS NOT NULL AND length(sealed) = 0"),
        1
    );
    // What the reports count of it follows its procedures, whose plain data is gone.
    assert_eq!(
        db.count("SELECT count(*) AS count FROM cases WHERE figures <> case_figures(delegation, id)"),
        0
    );
    // Nothing scheduled is left, in any status: due times computed from sealed dates tell them.
    assert_eq!(db.count("SELECT count(*) AS count FROM scheduled"), 0);
    assert_eq!(db.count("SELECT count(*) AS count FROM digest_entries"), 0);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM idempotency_keys WHERE case_id IS NOT NULL"),
        0
    );
    assert_eq!(
        db.count("SELECT count(*) AS count FROM case_events WHERE action = 'erase_case'"),
        1
    );
    db.assert_audit_holds();
}

#[actix_web::test]
async fn the_review_queue_puts_critical_first_and_the_access_log_is_for_owner_head_and_admins() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, colleague) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hod) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (_, reviewer) = seed_user(&pool, "eusr_reviewer", None);
    let (_, admin) = seed_user(&pool, "admin", None);
    let service = web_test::init_service(app(state(pool))).await;
    let mut ids = Vec::new();
    for risk in ["high", "critical", "low"] {
        let mut case = new_case(&format!("Queued {risk}"), "demarche");
        case["risk"] = json!(risk);
        let (_, opened) = call(&service, "POST", "/api/v1/cases", &fp, Some(case)).await;
        let id = opened["id"].as_str().unwrap().to_owned();
        if risk != "low" {
            let (_, case) = call(&service, "GET", &format!("/api/v1/cases/{id}"), &fp, None).await;
            let uri = format!(
                "/api/v1/procedures/{}/transitions",
                case["procedures"][0]["id"].as_str().unwrap()
            );
            let body = json!({"action": "escalate_to_eusr", "expected_version": 1, "data": {"reason": "detained"}});
            assert_eq!(call(&service, "POST", &uri, &fp, Some(body)).await.0, 200);
        }
        ids.push(id);
    }
    let (status, queue) = call(&service, "GET", "/api/v1/queues/eusr_review", &reviewer, None).await;
    assert_eq!(status, 200, "{queue}");
    let risks: Vec<&str> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["risk"].as_str().unwrap())
        .collect();
    assert_eq!(risks, ["critical", "high"]);
    assert!(!queue.to_string().contains("Queued"), "the queue decrypted something");
    assert_eq!(
        call(&service, "GET", "/api/v1/queues/eusr_review", &fp, None).await.0,
        403
    );
    assert_eq!(
        call(&service, "GET", "/api/v1/queues/other", &reviewer, None).await.0,
        404
    );

    let log = format!("/api/v1/cases/{}/access-log", ids[0]);
    for (token, status) in [
        (&fp, 200),
        (&hod, 200),
        (&admin, 200),
        (&colleague, 404),
        (&reviewer, 404),
    ] {
        assert_eq!(call(&service, "GET", &log, token, None).await.0, status);
    }
    let (_, page) = call(&service, "GET", &log, &fp, None).await;
    let entries = &page["items"];
    let what: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"].as_str().unwrap())
        .collect();
    assert!(what.contains(&"read") && what.contains(&"denied"), "{what:?}");
}

#[actix_web::test]
async fn reassignment_stays_in_the_delegation_and_other_delegations_reach_nothing() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (colleague_id, colleague) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (stranger_id, stranger) = seed_user(&pool, "focal_point", Some("EUD_BY"));
    let service = web_test::init_service(app(state(pool))).await;
    let (_, opened) = call(
        &service,
        "POST",
        "/api/v1/cases",
        &fp,
        Some(new_case("Handed Over", "raise_in_dialogue")),
    )
    .await;
    let id = opened["id"].as_str().unwrap();
    let transitions = transitions_of(&opened);

    let to_stranger =
        json!({"action": "reassign", "expected_version": 1, "data": {"new_owner": stranger_id.to_string()}});
    let (status, problem) = call(&service, "POST", &transitions, &fp, Some(to_stranger)).await;
    assert_eq!(status, 422, "{problem}");
    let to_colleague =
        json!({"action": "reassign", "expected_version": 1, "data": {"new_owner": colleague_id.to_string()}});
    assert_eq!(
        call(&service, "POST", &transitions, &fp, Some(to_colleague)).await.0,
        200
    );
    let (_, case) = call(&service, "GET", &format!("/api/v1/cases/{id}"), &colleague, None).await;
    assert_eq!(case["owner"], colleague_id.to_string());

    // Another delegation's focal point, by every road.
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    for (method, uri, body) in [
        ("GET", format!("/api/v1/cases/{id}"), None),
        ("GET", format!("/api/v1/cases/{id}/timeline"), None),
        ("GET", format!("/api/v1/cases/{id}/access-log"), None),
        (
            "POST",
            format!("/api/v1/cases/{id}/export"),
            Some(json!({"recipient": recipient})),
        ),
        (
            "POST",
            format!("/api/v1/cases/{id}/procedures"),
            Some(json!({"workflow": "demarche"})),
        ),
        (
            "POST",
            transitions.clone(),
            Some(json!({"action": "add_note", "expected_version": 2, "data": {"note": "x"}})),
        ),
    ] {
        let (status, body) = call(&service, method, &uri, &stranger, body).await;
        assert_eq!(status, 404, "{method} {uri}: {body}");
        assert!(!body.to_string().contains("Handed"));
    }
    let (_, filtered) = call(
        &service,
        "GET",
        "/api/v1/cases?delegation=EUD_KE&risk=high",
        &stranger,
        None,
    )
    .await;
    assert_eq!(filtered["items"], json!([]));
    db.assert_audit_holds();
}

#[actix_web::test]
async fn the_eusr_office_sees_the_case_while_reviewing_and_only_its_decision_after() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, reviewer) = seed_user(&pool, "eusr_reviewer", None);
    let service = web_test::init_service(app(state(pool))).await;
    let (opened, uri) = open(&service, &fp, "Reviewed Person", "demarche").await;
    let demarche = transitions_of(&opened);
    // What the delegation writes names the defender in practice; what the office writes is its own.
    let body = json!({"action": "escalate_to_eusr", "expected_version": 1,
                      "data": {"reason": "Reviewed Person detained, no reply in 60 days"}});
    let (_, escalated) = call(&service, "POST", &demarche, &fp, Some(body)).await;
    let review = format!(
        "/api/v1/procedures/{}/transitions",
        escalated["started"][0]["id"].as_str().unwrap()
    );

    let steps = [
        (&reviewer, json!({"action": "acknowledge", "expected_version": 1})),
        (
            &reviewer,
            json!({"action": "request_info", "expected_version": 2,
                   "data": {"question": "Which court?", "answer_by": "2027-01-15"}}),
        ),
        (
            &fp,
            json!({"action": "provide_info", "expected_version": 3,
                   "data": {"information": "Reviewed Person's lawyer: the High Court"}}),
        ),
        (
            &reviewer,
            json!({"action": "advise", "expected_version": 4, "data": {"advice": "Raise it at the next dialogue"}}),
        ),
    ];
    for (who, step) in steps {
        let (status, body) = call(&service, "POST", &review, who, Some(step)).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, during) = call(&service, "GET", &uri, &reviewer, None).await;
    assert_eq!(during["confidential"]["defender_name"], "Reviewed Person");
    // While the review is open, the office reads the démarche it is about as the case shows it.
    let demarche_read = demarche.trim_end_matches("/transitions").to_owned();
    let (status, body) = call(&service, "GET", &demarche_read, &reviewer, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["workflow"], "demarche");
    let close = json!({"action": "close", "expected_version": 5, "data": {"outcome": "advice_followed"}});
    assert_eq!(call(&service, "POST", &review, &reviewer, Some(close)).await.0, 200);

    let (status, after) = call(&service, "GET", &uri, &reviewer, None).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["confidential"], Value::Null);
    let workflows: Vec<&str> = after["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["workflow"].as_str().unwrap())
        .collect();
    assert_eq!(workflows, ["eusr_review"]);
    assert_eq!(after["procedures"][0]["state"], "closed");
    assert!(!after.to_string().contains("Reviewed Person"), "{after}");
    // The review's metadata and the office's own words stay.
    let data = &after["procedures"][0]["data"];
    assert_eq!(data["advice"], "Raise it at the next dialogue", "{after}");
    assert_eq!(data["question"], "Which court?", "{after}");
    assert_eq!(data["outcome"], "advice_followed", "{after}");
    assert!(
        data.get("reason").is_none() && data.get("information").is_none(),
        "{after}"
    );
    let (_, timeline) = call(&service, "GET", &format!("{uri}/timeline"), &reviewer, None).await;
    assert!(!timeline.to_string().contains("Reviewed Person"), "{timeline}");
    let events = timeline["items"].as_array().unwrap();
    assert!(
        events
            .iter()
            .all(|e| e["procedure_id"] == escalated["started"][0]["id"])
    );
    let actions: Vec<&str> = events.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "start_procedure",
            "acknowledge",
            "request_info",
            "provide_info",
            "advise",
            "close"
        ]
    );
    assert!(
        timeline.to_string().contains("Raise it at the next dialogue"),
        "{timeline}"
    );
    // The delegation still sees everything it wrote.
    let (_, owner_view) = call(&service, "GET", &uri, &fp, None).await;
    assert!(
        owner_view.to_string().contains("Reviewed Person detained"),
        "{owner_view}"
    );
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    assert_eq!(
        call(
            &service,
            "POST",
            &format!("{uri}/export"),
            &reviewer,
            Some(json!({"recipient": recipient}))
        )
        .await
        .0,
        404
    );
    let note = json!({"action": "add_note", "expected_version": 2, "data": {"note": "still watching"}});
    assert_eq!(call(&service, "POST", &demarche, &reviewer, Some(note)).await.0, 404);
    // Once it is closed, the démarche is out of the office's reach, the review still in it.
    let denied = "SELECT count(*) AS count FROM access_log WHERE what = 'denied'";
    let denied_before = db.count(denied);
    let (status, body) = call(&service, "GET", &demarche_read, &reviewer, None).await;
    assert_eq!(status, 404, "{body}");
    assert!(!body.to_string().contains("Reviewed Person"), "{body}");
    assert_eq!(db.count(denied), denied_before + 1);
    let review_read = review.trim_end_matches("/transitions").to_owned();
    let (status, body) = call(&service, "GET", &review_read, &reviewer, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["advice"], "Raise it at the next dialogue", "{body}");
    assert!(
        body["data"].get("reason").is_none() && !body.to_string().contains("Reviewed Person"),
        "{body}"
    );
    db.assert_audit_holds();
}

#[actix_web::test]
async fn the_due_before_filter_follows_what_each_transition_schedules() {
    use crate::support::api::{call_ok, submitted_demarche};

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool.clone()))).await;
    // A démarche waiting for the head of delegation has a decision due within two weeks; one in
    // draft has nothing due.
    let (submitted, transitions) = submitted_demarche(&service, &fp, "Due Person", "standard").await;
    let draft = call_ok(
        &service,
        "POST",
        "/api/v1/cases",
        &fp,
        Some(json!({"country": "KE", "themes": ["MEDIA"], "risk": "low",
            "confidential": {"defender_name": "Draft Person"}, "procedure": {"workflow": "demarche"}})),
    )
    .await;
    let due_within = |days: i64| {
        let before = (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
        format!("/api/v1/cases?due_before={}", before.replace('+', "%2B"))
    };
    let soon = call_ok(&service, "GET", &due_within(30), &fp, None).await;
    assert_eq!(
        listed(&soon, "reference"),
        [submitted["reference"].as_str().unwrap()],
        "{soon}"
    );
    let tomorrow = call_ok(&service, "GET", &due_within(1), &fp, None).await;
    assert!(listed(&tomorrow, "reference").is_empty(), "{tomorrow}");
    assert!(!listed(&soon, "reference").contains(&draft["reference"].as_str().unwrap().to_owned()));

    // A note changes nothing of what is due; the case's next due time stays.
    let note = json!({"action": "add_note", "expected_version": 2, "data": {"note": "called the ministry"}});
    call_ok(&service, "POST", &transitions, &fp, Some(note)).await;
    let still = call_ok(&service, "GET", &due_within(30), &fp, None).await;
    assert_eq!(
        listed(&still, "reference"),
        [submitted["reference"].as_str().unwrap()],
        "{still}"
    );
    db.assert_audit_holds();
}

#[actix_web::test]
async fn the_list_sorted_by_due_time_pages_soonest_first_with_nothing_due_last() {
    use crate::support::api::call_ok;
    use diesel::connection::SimpleConnection;

    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool.clone()))).await;
    for n in 0..7 {
        call_ok(
            &service,
            "POST",
            "/api/v1/cases",
            &fp,
            Some(json!({"country": "KE", "themes": ["MEDIA"], "risk": "low",
                "confidential": {"defender_name": format!("Person {n}")}, "procedure": {"workflow": "demarche"}})),
        )
        .await;
    }
    // Two cases due at the same time (a tie broken by id), three at others, two with nothing due.
    db.connect()
        .batch_execute(
            "UPDATE cases SET next_due_at = now() + make_interval(days => (ARRAY[3, 1, 2, 2, 5])[rn])
             FROM (SELECT id AS cid, row_number() OVER (ORDER BY reference) AS rn FROM cases) numbered
             WHERE cases.id = numbered.cid AND numbered.rn <= 5",
        )
        .unwrap();
    #[derive(QueryableByName)]
    struct Reference {
        #[diesel(sql_type = Text)]
        reference: String,
    }
    let expected: Vec<String> =
        diesel::sql_query("SELECT reference FROM cases ORDER BY next_due_at ASC NULLS LAST, id")
            .load::<Reference>(&mut db.connect())
            .unwrap()
            .into_iter()
            .map(|r| r.reference)
            .collect();

    let mut seen = Vec::new();
    let mut uri = "/api/v1/cases?sort=due&limit=2".to_owned();
    loop {
        let page = call_ok(&service, "GET", &uri, &fp, None).await;
        seen.extend(listed(&page, "reference"));
        match page["next"].as_str() {
            Some(next) => uri = format!("/api/v1/cases?sort=due&limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);

    // A cursor belongs to its order; an unknown order is refused.
    let newest = call_ok(&service, "GET", "/api/v1/cases?limit=2", &fp, None).await;
    let foreign = format!("/api/v1/cases?sort=due&after={}", newest["next"].as_str().unwrap());
    let (status, problem) = call(&service, "GET", &foreign, &fp, None).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("after")),
        "{problem}"
    );
    let (status, problem) = call(&service, "GET", "/api/v1/cases?sort=risk", &fp, None).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("sort")),
        "{problem}"
    );
}

#[derive(QueryableByName, Debug)]
struct PreparedStatement {
    #[diesel(sql_type = Text)]
    statement: String,
    #[diesel(sql_type = BigInt)]
    runs: i64,
}

/// The writes of a transition and of a read (UPDATEs, INSERTs, raw SQL), which diesel would
/// send as unnamed statements parsed and planned again each time, are prepared once on their
/// connection and run again from there (`store::prepared`).
#[actix_web::test]
async fn transitions_and_reads_run_from_statements_prepared_once_per_connection() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 1).unwrap(); // one connection: every request uses it
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool.clone()))).await;
    let (opened, transitions) =
        crate::support::api::opened_case(&service, &fp, new_case("Wanjiru Kamau", "trial_observation")).await;
    let id = opened["id"].as_str().unwrap();
    for version in 1..=3 {
        let note = json!({"action": "add_note", "expected_version": version, "data": {"note": "Seen at court."}});
        let (status, body) = call(&service, "POST", &transitions, &fp, Some(note)).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = call(&service, "GET", &format!("/api/v1/cases/{id}"), &fp, None).await;
        assert_eq!(status, 200, "{body}");
    }

    let prepared: Vec<PreparedStatement> = pool
        .run_blocking(|conn| {
            Ok(
                diesel::sql_query("SELECT statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements")
                    .load(conn)?,
            )
        })
        .unwrap();
    for (start, at_least) in [
        ("SELECT c.*, k.recipient AS key_recipient", 3),
        ("UPDATE \"procedures\"", 3),
        ("WITH appended AS (", 3),
        ("SELECT c.*, k.wrapped AS key_wrapped", 3),
        ("WITH boundary AS (SELECT pg_advisory_xact_lock_shared", 3),
    ] {
        let found: Vec<&PreparedStatement> = prepared.iter().filter(|p| p.statement.starts_with(start)).collect();
        assert_eq!(found.len(), 1, "{start}: {prepared:#?}");
        assert!(found[0].runs >= at_least, "{start}: {prepared:#?}");
    }
}

/// A wrapped statement counts the rows it changed (through its RETURNING rows) and is prepared
/// once however often it runs.
#[test]
fn a_prepared_update_counts_its_rows_and_is_prepared_once() {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::Integer;
    use vigil::store::prepared::prepared;
    let db = TestDb::migrated();
    let mut conn = db.connect();
    conn.batch_execute("CREATE TABLE numbers (n integer); INSERT INTO numbers VALUES (1), (2), (3)")
        .unwrap();
    for (above, changed) in [(1, 2), (2, 2), (4, 1), (9, 0)] {
        let count = prepared(
            diesel::sql_query("UPDATE numbers SET n = n + 1 WHERE n > $1 RETURNING n").bind::<Integer, _>(above),
        )
        .execute(&mut conn)
        .unwrap();
        assert_eq!(count, changed, "above {above}");
    }
    let runs: Vec<PreparedStatement> = diesel::sql_query(
        "SELECT statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements
         WHERE statement LIKE 'UPDATE numbers%'",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].runs, 4);
}

#[derive(QueryableByName, Debug)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    statements: i64,
    #[diesel(sql_type = Text)]
    list: String,
}

/// The statements PostgreSQL ran in this test's database since the last [`reset_statements`]
/// (the counting statements themselves left out),
/// as pg_stat_statements counts them (every statement, BEGIN and COMMIT included), with their
/// texts for the failure message.
fn statements_since_reset(counter: &mut PgConnection) -> Counted {
    diesel::sql_query(
        "SELECT coalesce(sum(calls), 0)::bigint AS statements,
                coalesce(string_agg(calls || ' x ' || left(query, 90), E'\\n' ORDER BY query), '') AS list
         FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND query NOT LIKE '%pg_stat_statements%'",
    )
    .get_result(counter)
    .expect("pg_stat_statements: the server DATABASE_URL names must load it (shared_preload_libraries); the tests' own cluster does")
}

/// Clears the counts of this test's database; `counter`, made beforehand, asks for it (a
/// connection made afterwards would count its own set-up).
fn reset_statements(counter: &mut PgConnection) {
    diesel::sql_query(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)::text AS list,
                0::bigint AS statements",
    )
    .get_result::<Counted>(counter)
    .unwrap();
}

/// What one `add_note` transition and one case read cost in statements, counted by PostgreSQL:
/// a transition at most 7 (the token, BEGIN, the case locked with its key and calendar, its
/// procedures, the procedure's update, the event with the case row, COMMIT), a read at most 4
/// (the token, the case with its key, duplicates and pending items, its procedures, the access
/// line). Counts, not timings: they do not flake, and they grow only with Vigil's own waste.
#[actix_web::test]
async fn a_transition_issues_at_most_seven_statements_and_a_case_read_four() {
    use diesel::connection::SimpleConnection;
    let db = TestDb::migrated();
    db.connect()
        .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .unwrap();
    let pool = Db::connect_lazily(&db.url, 1).unwrap(); // one connection, set up before counting
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let (opened, transitions) =
        crate::support::api::opened_case(&service, &fp, new_case("Wanjiru Kamau", "trial_observation")).await;
    let case = format!("/api/v1/cases/{}", opened["id"].as_str().unwrap());
    let note =
        |version: i64| json!({"action": "add_note", "expected_version": version, "data": {"note": "Seen at court."}});
    // Once each first: the connection is made and its statements prepared outside the count.
    let (status, body) = call(&service, "POST", &transitions, &fp, Some(note(1))).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(&service, "GET", &case, &fp, None).await;
    assert_eq!(status, 200, "{body}");

    let mut counter = db.connect();
    reset_statements(&mut counter);
    let (status, body) = call(&service, "POST", &transitions, &fp, Some(note(2))).await;
    assert_eq!(status, 200, "{body}");
    let transition = statements_since_reset(&mut counter);
    assert!(
        transition.statements <= 7,
        "a transition issued {}:\n{}",
        transition.statements,
        transition.list
    );
    // The count sees what it counts: BEGIN and COMMIT are among them.
    assert!(
        transition.list.contains("BEGIN") && transition.list.contains("COMMIT"),
        "{}",
        transition.list
    );

    reset_statements(&mut counter);
    let (status, body) = call(&service, "GET", &case, &fp, None).await;
    assert_eq!(status, 200, "{body}");
    let read = statements_since_reset(&mut counter);
    assert!(
        read.statements <= 4,
        "a case read issued {}:\n{}",
        read.statements,
        read.list
    );
    assert!(read.list.contains("INSERT INTO access"), "{}", read.list);
}

/// No refusal repeats what was sent: a canary through the refusal paths (unknown fields at the
/// top and in `data`, an unknown theme, action, query key, graph state and export recipient, a
/// NUL byte in a list filter, a 100,000-character action name) is in no answer, and each is a
/// 4xx with a short answer, never a 500.
#[actix_web::test]
async fn refusals_never_repeat_what_was_sent() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, admin) = seed_user(&pool, "admin", None);
    let service = web_test::init_service(app(state(pool))).await;
    const CANARY: &str = "CANARY7f3a";
    let (opened, transitions) =
        crate::support::api::opened_case(&service, &fp, new_case("Canary Person", "demarche")).await;
    let case = format!("/api/v1/cases/{}", opened["id"].as_str().unwrap());

    let mut unknown_top = new_case("Canary Person", "demarche");
    unknown_top[CANARY] = json!(1);
    let mut unknown_theme = new_case("Canary Person", "demarche");
    unknown_theme["themes"] = json!([CANARY]);
    let mut unknown_in_data = new_case("Canary Person", "demarche");
    unknown_in_data["procedure"]["data"] = json!({ CANARY: "x" });
    let long_action = "A".repeat(100_000);
    let posts: Vec<(&str, String, Value)> = vec![
        ("unknown top-level field", "/api/v1/cases".into(), unknown_top),
        ("unknown theme", "/api/v1/cases".into(), unknown_theme),
        ("unknown field in data", "/api/v1/cases".into(), unknown_in_data),
        (
            "unknown action",
            transitions.clone(),
            json!({"action": CANARY, "expected_version": 1}),
        ),
        (
            "unknown field in an action's data",
            transitions.clone(),
            json!({"action": "add_note", "expected_version": 1, "data": { CANARY: "x" }}),
        ),
        (
            "a long action name",
            transitions.clone(),
            json!({"action": long_action, "expected_version": 1}),
        ),
        (
            "an export recipient that is none",
            format!("{case}/export"),
            json!({ "recipient": CANARY }),
        ),
        (
            "an export recipient with a newline after it",
            format!("{case}/export"),
            json!({ "recipient": format!("{}\n", age::x25519::Identity::generate().to_public()) }),
        ),
    ];
    for (what, uri, body) in posts {
        let (status, answer) = call(&service, "POST", &uri, &fp, Some(body)).await;
        let text = answer.to_string();
        assert!((400..500).contains(&status), "{what}: {status} {text}");
        assert!(!text.contains(CANARY), "{what} repeats what was sent: {text}");
        assert!(text.len() < 2_000, "{what}: a {} byte answer", text.len());
    }
    let gets = [
        ("unknown query key", format!("/api/v1/cases?{CANARY}=1")),
        ("a NUL byte in a filter", format!("/api/v1/cases?state=%00{CANARY}")),
        (
            "a NUL byte in a workflow filter",
            format!("/api/v1/cases?workflow={CANARY}%00"),
        ),
        (
            "a workflow that is not loaded",
            format!("/api/v1/cases?workflow={CANARY}"),
        ),
        (
            "unknown graph state",
            format!("/api/v1/workflows/demarche/graph?state={CANARY}"),
        ),
    ];
    for (what, uri) in gets {
        let (status, answer) = call(&service, "GET", &uri, &fp, None).await;
        let text = answer.to_string();
        assert!((400..500).contains(&status), "{what}: {status} {text}");
        assert!(!text.contains(CANARY), "{what} repeats what was sent: {text}");
    }
    // The administrators' endpoints refuse in the same words, whatever they were sent.
    let admin_calls: Vec<(&str, &str, String, Option<Value>)> = vec![
        (
            "unknown admin-log key",
            "GET",
            format!("/api/v1/admin-log?{CANARY}=1"),
            None,
        ),
        (
            "a page that is no number",
            "GET",
            format!("/api/v1/admin-log?before={CANARY}"),
            None,
        ),
        (
            "unknown reminder state",
            "GET",
            format!("/api/v1/reminders?state={CANARY}"),
            None,
        ),
        (
            "unknown erasure reason",
            "POST",
            format!("{case}/erasure"),
            Some(json!({ "reason": CANARY })),
        ),
        (
            "an erasure request id that is none",
            "POST",
            format!("/api/v1/erasure-requests/{CANARY}/approve"),
            None,
        ),
        (
            "a grant of an unknown role, to an address that is none, in no delegation",
            "POST",
            "/api/v1/grant-requests".into(),
            Some(json!({"kind": "new_user", "email": CANARY, "role": CANARY, "delegation": CANARY, "name": CANARY})),
        ),
        (
            "a grant of an unknown kind",
            "POST",
            "/api/v1/grant-requests".into(),
            Some(json!({"kind": CANARY})),
        ),
        (
            "a grant with an unknown field",
            "POST",
            "/api/v1/grant-requests".into(),
            Some(json!({"kind": "re_enable", "user_id": "00000000-0000-0000-0000-000000000000", CANARY: 1})),
        ),
        (
            "a grant for a user id that is none",
            "POST",
            "/api/v1/grant-requests".into(),
            Some(json!({"kind": "change", "user_id": CANARY, "role": "admin"})),
        ),
        (
            "a grant request id that is none",
            "POST",
            format!("/api/v1/grant-requests/{CANARY}/refuse"),
            None,
        ),
    ];
    for (what, method, uri, body) in admin_calls {
        let (status, answer) = call(&service, method, &uri, &admin, body).await;
        let text = answer.to_string();
        assert!((400..500).contains(&status), "{what}: {status} {text}");
        assert!(!text.contains(CANARY), "{what} repeats what was sent: {text}");
    }
}

/// A confidential key opened with no value (`null`) holds nothing: it is not stored, so the case
/// is what its events set (schemathesis found the sealed audit check failing on such a case).
#[actix_web::test]
async fn a_confidential_key_opened_as_null_is_not_stored_and_the_sealed_audit_holds() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let service = web_test::init_service(app(state(pool))).await;
    let mut body = new_case("Nula Null", "demarche");
    body["confidential"]["location"] = Value::Null;
    let (status, opened) = call(&service, "POST", "/api/v1/cases", &fp, Some(body)).await;
    assert_eq!(status, 201, "{opened}");
    let uri = format!("/api/v1/cases/{}", opened["id"].as_str().unwrap());
    let (_, case) = call(&service, "GET", &uri, &fp, None).await;
    assert!(case["confidential"].get("location").is_none(), "{case}");
    db.assert_audit_holds();
}

/// Search finds a case by its reference or its defender's name (however it is spelt), within
/// the caller's scope only: the delegation's own for its staff, the escalated ones of every
/// delegation for the EUSR office; each case found is a line of its access log; the name is
/// never in the address, nor repeated in an answer; the web interface's box does the same (and
/// names the cases found, as recorded, to the delegation's staff).
#[actix_web::test]
async fn search_finds_a_case_by_reference_or_name_within_scope_and_records_each_hit() {
    use crate::support::ui::{csrf_of, request, sign_in};
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, kenya) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, uganda) = seed_user(&pool, "focal_point", Some("EUD_UG"));
    let (_, reviewer) = seed_user(&pool, "eusr_reviewer", None);
    let (_, analyst) = seed_user(&pool, "hq_analyst", None);
    let service = web_test::init_service(app(state(pool))).await;
    let open = |token: String, country: &'static str, name: &'static str| {
        let service = &service;
        async move {
            let mut body = new_case(name, "trial_observation");
            body["country"] = json!(country);
            let (status, opened) = call(service, "POST", "/api/v1/cases", &token, Some(body)).await;
            assert_eq!(status, 201, "{opened}");
            opened
        }
    };
    let ours = open(kenya.clone(), "KE", "Wanjiru Kamau").await;
    let other = open(kenya.clone(), "KE", "Otieno Odhiambo").await;
    let theirs = open(uganda.clone(), "UG", "Wanjiru Kamau").await;
    let search = |token: String, q: Value| {
        let service = &service;
        async move { call(service, "POST", "/api/v1/cases/search", &token, Some(json!({ "q": q }))).await }
    };
    let found = |answer: &Value| -> Vec<String> { listed(answer, "reference") };
    let reference = |case: &Value| case["reference"].as_str().unwrap().to_owned();

    for q in ["Wanjiru Kamau", "kamau WANJIRU", "Wánjiru-Kamau"] {
        let (status, answer) = search(kenya.clone(), json!(q)).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(found(&answer), [reference(&ours)], "{q}");
        assert!(!answer.to_string().contains("Wanjiru"));
    }
    let (_, answer) = search(kenya.clone(), json!(reference(&other).to_lowercase())).await;
    assert_eq!(found(&answer), [reference(&other)]);
    // Another delegation's case, by its reference or its name: nothing.
    let (_, answer) = search(kenya.clone(), json!(reference(&theirs))).await;
    assert!(found(&answer).is_empty(), "{answer}");
    let (_, answer) = search(uganda.clone(), json!("Wanjiru Kamau")).await;
    assert_eq!(found(&answer), [reference(&theirs)]);
    // Each case found is on record, once a hit; a search that finds nothing records nothing.
    let hits = |case: &Value| {
        db.count(&format!(
            "SELECT count(*) AS count FROM access_log WHERE what = 'search' AND case_id = '{}'",
            case["id"].as_str().unwrap()
        ))
    };
    assert_eq!((hits(&ours), hits(&other), hits(&theirs)), (3, 1, 1));

    // The EUSR office finds what was escalated to it, in any delegation, and nothing else.
    let (_, answer) = search(reviewer.clone(), json!("Wanjiru Kamau")).await;
    assert!(found(&answer).is_empty(), "{answer}");
    let (status, escalated) = call(
        &service,
        "POST",
        &transitions_of(&theirs),
        &uganda,
        Some(json!({"action": "escalate_to_eusr", "expected_version": 1, "data": {"reason": "Threats"}})),
    )
    .await;
    assert_eq!(status, 200, "{escalated}");
    let (_, answer) = search(reviewer.clone(), json!("kamau wanjiru")).await;
    assert_eq!(found(&answer), [reference(&theirs)], "{answer}");

    // Refusals repeat nothing that was sent.
    // (A NUL byte answered 500 once: PostgreSQL's text cannot hold it; schemathesis found it.)
    for q in [
        json!(""),
        json!("x".repeat(201) + "Wanjiru"),
        json!("Wanjiru\u{0}Kamau"),
    ] {
        let (status, answer) = search(kenya.clone(), q).await;
        assert_eq!(status, 422, "{answer}");
        assert!(!answer.to_string().contains("Wanjiru") && !answer.to_string().contains("xxx"));
    }
    let (status, _) = search(analyst.clone(), json!("Wanjiru Kamau")).await;
    assert_eq!(status, 403);
    let (status, _) = call(&service, "GET", "/api/v1/cases/search", &kenya, None).await;
    assert_eq!(status, 405);

    // The web interface's search box: a form's body, the cases listed, the name not shown.
    let session = sign_in(&service, &kenya).await;
    let cookies = [("vigil_session", session.as_str())];
    let list = request(&service, "/ui/cases", &cookies, None).await;
    assert!(list.body.contains("action=\"/ui/cases/search\""));
    let csrf = csrf_of(&list.body);
    let page = request(
        &service,
        "/ui/cases/search",
        &cookies,
        Some(&[("csrf", &csrf), ("q", "KAMAU Wanjiru")]),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("One case found."), "{}", page.body);
    assert!(page.body.contains(&reference(&ours)));
    assert!(!page.body.contains(&reference(&other)) && !page.body.contains(&reference(&theirs)));
    // The case found is named as it was recorded, for the delegation's staff; what was typed
    // is not repeated.
    assert!(page.body.contains("Wanjiru Kamau") && !page.body.contains("KAMAU Wanjiru"));
    let refused = request(&service, "/ui/cases/search", &cookies, Some(&[("q", "Wanjiru Kamau")])).await;
    assert_eq!(refused.status, 403);
    assert_eq!(hits(&ours), 4);
}

/// The list tells cases apart by their defenders' names, to the delegation's own staff only:
/// asked for (`names=true`; the web interface asks for its staff), each name opened for its row
/// and each case shown a `list` line of its access log, written before any name leaves, in a
/// fixed number of statements whatever the page's size; a list without names opens and
/// records nothing; the EUSR office and headquarters are refused names; a search asked for
/// names names what it found, on the `search` lines it records anyway.
#[actix_web::test]
async fn the_list_names_defenders_to_the_delegation_and_records_each_row_shown() {
    use crate::support::ui::{request, sign_in};
    use diesel::connection::SimpleConnection;
    let db = TestDb::migrated();
    db.connect()
        .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .unwrap();
    let pool = Db::connect_lazily(&db.url, 1).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, head) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let (_, uganda) = seed_user(&pool, "focal_point", Some("EUD_UG"));
    let (_, reviewer) = seed_user(&pool, "eusr_reviewer", None);
    let (_, analyst) = seed_user(&pool, "hq_analyst", None);
    let service = web_test::init_service(app(state(pool))).await;
    let mut ids = Vec::new();
    for name in ["Wanjiru Kamau", "Otieno Odhiambo", "Achieng Njeri"] {
        let (opened, _) = crate::support::api::opened_case(&service, &fp, new_case(name, "demarche")).await;
        ids.push(opened["id"].as_str().unwrap().to_owned());
    }
    let lines = |what: &str| {
        db.count(&format!(
            "SELECT count(*) AS count FROM access_log WHERE what = '{what}'"
        ))
    };
    let lines_of = |id: &str| {
        db.count(&format!(
            "SELECT count(*) AS count FROM access_log WHERE what = 'list' AND case_id = '{id}'"
        ))
    };

    // Without names: metadata only, nothing on record.
    let (status, plain) = call(&service, "GET", "/api/v1/cases", &fp, None).await;
    assert_eq!(status, 200, "{plain}");
    assert!(
        plain["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("defender_name").is_none()),
        "{plain}"
    );
    assert!(!plain.to_string().contains("Kamau"));
    assert_eq!(lines("list"), 0);

    // With names, newest first, two a page: the two shown are named and on record, the third not.
    let mut counter = db.connect();
    reset_statements(&mut counter);
    let (status, named) = call(&service, "GET", "/api/v1/cases?names=true&limit=2", &fp, None).await;
    assert_eq!(status, 200, "{named}");
    let costs_two = statements_since_reset(&mut counter);
    assert_eq!(
        listed(&named, "defender_name"),
        ["Achieng Njeri", "Otieno Odhiambo"],
        "{named}"
    );
    assert_eq!((lines_of(&ids[0]), lines_of(&ids[1]), lines_of(&ids[2])), (0, 1, 1));
    // The lines carry the request that showed them, all the same one.
    assert_eq!(
        db.count("SELECT count(DISTINCT request_id) AS count FROM access_log WHERE what = 'list'"),
        1
    );
    reset_statements(&mut counter);
    let (status, one) = call(&service, "GET", "/api/v1/cases?names=true&limit=1", &fp, None).await;
    assert_eq!(status, 200, "{one}");
    let costs_one = statements_since_reset(&mut counter);
    // The token, the cases, their procedures, the access lines, the keys: however many cases.
    assert!(
        costs_two.statements <= 5,
        "a named list issued {}:\n{}",
        costs_two.statements,
        costs_two.list
    );
    assert_eq!(
        costs_one.statements, costs_two.statements,
        "{}\n--\n{}",
        costs_one.list, costs_two.list
    );

    // The head of the delegation sees the names too; another delegation neither names nor records.
    let (_, theirs) = call(&service, "GET", "/api/v1/cases?names=true", &head, None).await;
    assert_eq!(listed(&theirs, "defender_name").len(), 3, "{theirs}");
    let before = lines("list");
    let (status, other) = call(
        &service,
        "GET",
        "/api/v1/cases?names=true&delegation=EUD_KE",
        &uganda,
        None,
    )
    .await;
    assert_eq!((status, other["items"].as_array().unwrap().len()), (200, 0), "{other}");
    assert_eq!(lines("list"), before);
    // Names are refused to the EUSR office and to headquarters, and nothing is on record.
    for token in [&reviewer, &analyst] {
        let (status, refused) = call(&service, "GET", "/api/v1/cases?names=true", token, None).await;
        assert_eq!(status, 403, "{refused}");
        let (status, _) = call(
            &service,
            "POST",
            "/api/v1/cases/search",
            token,
            Some(json!({"q": "Wanjiru Kamau", "names": true})),
        )
        .await;
        assert_eq!(status, 403);
    }
    assert_eq!(lines("list"), before);

    // A search asked for names names what it found, on its one `search` line a hit.
    let (status, found) = call(
        &service,
        "POST",
        "/api/v1/cases/search",
        &fp,
        Some(json!({"q": "kamau wanjiru", "names": true})),
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(listed(&found, "defender_name"), ["Wanjiru Kamau"]);
    assert_eq!((lines("search"), lines("list")), (1, before));

    // The web interface names the cases for the delegation's staff, each row on record.
    let session = sign_in(&service, &fp).await;
    let page = request(
        &service,
        "/ui/cases?whose=all",
        &[("vigil_session", session.as_str())],
        None,
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    for name in ["Wanjiru Kamau", "Otieno Odhiambo", "Achieng Njeri"] {
        assert!(page.body.contains(name), "{name}: {}", page.body);
    }
    assert_eq!(lines("list"), before + 3);
    db.assert_audit_holds();
}

/// A reviewer takes an item of the EUSR queue so the office knows who works on it: the queue
/// shows who and since when; a colleague can neither take it nor give it back; the holder
/// gives it back; a claim is an event of the chain that changes nothing of the procedure, and
/// lapses when the procedure moves on; only the office claims, only what is in its queue.
#[actix_web::test]
async fn a_reviewer_takes_an_item_of_the_queue_and_gives_it_back() {
    use crate::support::ui::{csrf_of, request, sign_in};
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 4).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (anna_id, anna) = seed_user(&pool, "eusr_reviewer", None);
    let (_, boris) = seed_user(&pool, "eusr_reviewer", None);
    let service = web_test::init_service(app(state(pool))).await;
    let (opened, _) = open(&service, &fp, "Claimed Person", "trial_observation").await;
    let (status, escalated) = call(
        &service,
        "POST",
        &transitions_of(&opened),
        &fp,
        Some(json!({"action": "escalate_to_eusr", "expected_version": 1, "data": {"reason": "Threats"}})),
    )
    .await;
    assert_eq!(status, 200, "{escalated}");
    let review = escalated["started"][0]["id"].as_str().unwrap().to_owned();
    let claim = format!("/api/v1/procedures/{review}/claim");
    let queued = |token: String| {
        let service = &service;
        async move {
            let (_, queue) = call(service, "GET", "/api/v1/queues/eusr_review", &token, None).await;
            queue.as_array().unwrap()[0].clone()
        }
    };
    assert!(queued(anna.clone()).await.get("claimed_by").is_none());

    let (status, taken) = call(&service, "PUT", &claim, &anna, None).await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["claimed_by"], anna_id.to_string());
    let item = queued(boris.clone()).await;
    assert_eq!(item["claimed_by"], anna_id.to_string());
    assert_eq!(item["claimed_at"], taken["claimed_at"]);
    // Taking it again changes nothing; a colleague can neither take it nor give it back.
    let (_, again) = call(&service, "PUT", &claim, &anna, None).await;
    assert_eq!(again, taken);
    for method in ["PUT", "DELETE"] {
        let (status, refused) = call(&service, method, &claim, &boris, None).await;
        assert_eq!(status, 409, "{method}: {refused}");
        assert_eq!(refused["type"], "/problems/taken");
    }
    // The focal point does not claim; nor does anyone claim what is not in the queue.
    let (status, _) = call(&service, "PUT", &claim, &fp, None).await;
    assert_eq!(status, 403);
    let trial = format!("/api/v1/procedures/{}/claim", opened["procedure_id"].as_str().unwrap());
    let (status, _) = call(&service, "PUT", &trial, &anna, None).await;
    assert_eq!(status, 409);

    // Given back, a colleague takes it.
    let (status, given) = call(&service, "DELETE", &claim, &anna, None).await;
    assert_eq!(status, 200, "{given}");
    assert!(given["claimed_by"].is_null());
    let (status, _) = call(&service, "PUT", &claim, &boris, None).await;
    assert_eq!(status, 200);
    // Who holds it is held to the chain: a row that names another reviewer is caught.
    let mut conn = db.connect();
    let forge = |conn: &mut diesel::PgConnection, who: String| {
        diesel::sql_query(format!(
            "UPDATE procedures SET claimed_by = '{who}' WHERE id = '{review}'"
        ))
        .execute(conn)
        .unwrap();
    };
    let boris_id: String = {
        #[derive(QueryableByName)]
        struct Who {
            #[diesel(sql_type = Text)]
            id: String,
        }
        diesel::sql_query(format!(
            "SELECT claimed_by::text AS id FROM procedures WHERE id = '{review}'"
        ))
        .get_result::<Who>(&mut conn)
        .unwrap()
        .id
    };
    forge(&mut conn, anna_id.to_string());
    let check = vigil::store::audit::verify(&mut conn, &Default::default()).unwrap();
    assert!(
        check.broken.iter().any(|b| b.problem.contains("who holds a procedure")),
        "{:?}",
        check.broken
    );
    forge(&mut conn, boris_id);
    // The claims are on the case's timeline, and the review's version is what its actions made.
    let (_, timeline) = call(
        &service,
        "GET",
        &format!("/api/v1/cases/{}/timeline", opened["id"].as_str().unwrap()),
        &fp,
        None,
    )
    .await;
    let actions: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.ends_with("_review"))
            .copied()
            .collect::<Vec<_>>(),
        ["take_review", "give_back_review", "take_review"],
        "{timeline}"
    );
    let (_, procedure) = call(&service, "GET", &format!("/api/v1/procedures/{review}"), &boris, None).await;
    assert_eq!(procedure["version"], 1, "{procedure}");

    // The queue page says who holds what, and offers to give back one's own.
    let session = sign_in(&service, &anna).await;
    let cookies = [("vigil_session", session.as_str())];
    let page = request(&service, "/ui/queues/eusr_review", &cookies, None).await;
    assert!(!page.body.contains("Take it"), "{}", page.body);
    let boris_session = sign_in(&service, &boris).await;
    let theirs = request(
        &service,
        "/ui/queues/eusr_review",
        &[("vigil_session", boris_session.as_str())],
        None,
    )
    .await;
    assert!(theirs.body.contains("you, since"), "{}", theirs.body);
    assert!(theirs.body.contains("Give back"));
    let csrf = csrf_of(&theirs.body);
    let back = request(
        &service,
        &format!("/ui/procedures/{review}/claim"),
        &[("vigil_session", boris_session.as_str())],
        Some(&[("csrf", &csrf), ("take", "0")]),
    )
    .await;
    assert_eq!(back.status, 303, "{}", back.body);
    let page = request(&service, "/ui/queues/eusr_review", &cookies, None).await;
    assert!(page.body.contains("Take it"), "{}", page.body);
    let csrf = csrf_of(&page.body);
    let took = request(
        &service,
        &format!("/ui/procedures/{review}/claim"),
        &cookies,
        Some(&[("csrf", &csrf), ("take", "1")]),
    )
    .await;
    assert_eq!(took.status, 303);
    assert_eq!(queued(boris.clone()).await["claimed_by"], anna_id.to_string());

    // Needs me lists what a reviewer has taken, theirs only.
    let reference = opened["reference"].as_str().unwrap().to_owned();
    let taken = |cookies: Vec<(&'static str, String)>| {
        let service = &service;
        async move {
            let cookies: Vec<(&str, &str)> = cookies.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let page = request(service, "/ui/needs-me", &cookies, None).await;
            let start = page.body.find("<h2 id=\"taken\"").expect("a Taken by you section");
            let rest = &page.body[start..];
            rest[..rest.find("</section>").unwrap()].to_owned()
        }
    };
    assert!(
        taken(vec![("vigil_session", session.clone())])
            .await
            .contains(&reference)
    );
    assert!(
        !taken(vec![("vigil_session", boris_session.clone())])
            .await
            .contains(&reference)
    );

    // The procedure moves on: the claim lapses.
    let (status, body) = call(
        &service,
        "POST",
        &format!("/api/v1/procedures/{review}/transitions"),
        &anna,
        Some(json!({"action": "acknowledge", "expected_version": 1})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(queued(anna.clone()).await.get("claimed_by").is_none());
    assert!(
        !taken(vec![("vigil_session", session.clone())])
            .await
            .contains(&reference)
    );
    db.assert_audit_holds();
}
