//! `vigil serve` against a database of the test's own.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use nix::sys::signal::Signal;

use crate::support::{Serve, TestDb, reachable_home, vigil};

fn serve_on(db: &TestDb) -> (Serve, tempfile::TempDir) {
    let home = reachable_home();
    let mut command = vigil(home.path());
    command.env("DATABASE_URL", db.url.expose());
    (Serve::start(command), home)
}

#[test]
fn serve_is_healthy_and_ready_on_a_migrated_database() {
    let db = TestDb::migrated();
    let (serve, _home) = serve_on(&db);
    let health = serve.get("/healthz").unwrap();
    assert_eq!(health.status(), 200);
    let ready = serve.get("/readyz").unwrap();
    assert_eq!(ready.status(), 200);
    assert!(ready.header("x-request-id").is_some_and(|id| !id.is_empty()));
    let body: serde_json::Value = ready.into_json().unwrap();
    assert_eq!(body["status"], "ready");
}

#[test]
fn serve_applies_migrations_to_an_empty_database() {
    let db = TestDb::empty();
    let (serve, _home) = serve_on(&db);
    assert_eq!(serve.get("/readyz").unwrap().status(), 200);
    let pending = vigil::store::migrations::pending(&mut db.connect()).unwrap();
    assert!(pending.is_empty(), "{pending:?}");
}

#[test]
fn unknown_paths_are_problem_json_404() {
    let db = TestDb::migrated();
    let (serve, _home) = serve_on(&db);
    let response = serve.get("/no/such/thing").unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.content_type(), "application/problem+json");
    let problem: serde_json::Value = response.into_json().unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["title"], "Not Found");
}

#[test]
fn a_plain_request_id_from_the_caller_is_kept_and_a_hostile_one_replaced() {
    let db = TestDb::migrated();
    let (serve, _home) = serve_on(&db);
    let kept = ureq::get(&serve.url("/healthz"))
        .set("X-Request-Id", "proxy-42.a_b")
        .call()
        .unwrap();
    assert_eq!(kept.header("x-request-id"), Some("proxy-42.a_b"));
    let replaced = ureq::get(&serve.url("/healthz"))
        .set("X-Request-Id", "a b\"<script>")
        .call()
        .unwrap();
    let id = replaced.header("x-request-id").unwrap();
    assert!(id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
}

#[test]
fn each_request_is_logged_once_with_route_status_and_id_but_never_its_body_or_path() {
    let db = TestDb::migrated();
    let (serve, _home) = serve_on(&db);
    let secret = "Defender-Name-Marker-7f3a";
    let response = ureq::post(&serve.url(&format!("/cases/{secret}?name={secret}")))
        .set("Content-Type", "application/json")
        .send_string(&format!("{{\"defender_name\": \"{secret}\"}}"));
    let response = match response {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let id = response.header("x-request-id").unwrap().to_owned();
    assert_eq!(serve.get("/readyz").unwrap().status(), 200);
    let logs = serve.logs();
    assert!(!logs.contains(secret), "the log holds request data:\n{logs}");
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["message"] == "request")
        .collect();
    let ours: Vec<_> = lines
        .iter()
        .filter(|line| line["span"]["request.id"] == id.as_str())
        .collect();
    assert_eq!(ours.len(), 1, "{logs}");
    assert_eq!(ours[0]["http.method"], "POST");
    assert_eq!(ours[0]["http.status"], 404);
    assert_eq!(ours[0]["http.route"], "-");
    assert!(ours[0]["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{logs}");
    let readyz: Vec<_> = lines.iter().filter(|line| line["http.route"] == "/readyz").collect();
    assert!(!readyz.is_empty(), "{logs}");
}

#[test]
fn sigterm_drains_an_in_flight_request_and_exits_zero() {
    let db = TestDb::migrated();
    let (mut serve, _home) = serve_on(&db);
    // Hold a lock that /readyz needs, so its request is in flight when SIGTERM arrives.
    let mut blocker = db.connect();
    blocker
        .batch_execute("BEGIN; LOCK TABLE __diesel_schema_migrations IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let url = serve.url("/readyz");
    let in_flight = std::thread::spawn(move || {
        ureq::get(&url)
            .timeout(Duration::from_secs(30))
            .call()
            .map(|r| r.status())
            .map_err(|e| e.to_string())
    });
    std::thread::sleep(Duration::from_millis(500));
    serve.signal(Signal::SIGTERM);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        serve.wait_exit(Duration::ZERO).is_none(),
        "vigil exited with a request in flight"
    );
    blocker.batch_execute("COMMIT").unwrap();
    assert_eq!(in_flight.join().unwrap().unwrap(), 200);
    let status = serve
        .wait_exit(Duration::from_secs(10))
        .expect("vigil did not exit after draining");
    assert!(status.success(), "{status}\n{}", serve.logs());
}

#[test]
fn sigint_stops_the_service_within_a_few_seconds() {
    let db = TestDb::migrated();
    let (mut serve, _home) = serve_on(&db);
    let started = Instant::now();
    serve.signal(Signal::SIGINT);
    let status = serve
        .wait_exit(Duration::from_secs(8))
        .expect("vigil did not stop on SIGINT");
    assert!(status.success(), "{status}");
    assert!(started.elapsed() < Duration::from_secs(8));
    assert!(serve.logs().contains("SIGINT"));
}

#[test]
fn opening_and_reading_a_case_never_puts_the_defender_in_the_log() {
    let db = TestDb::migrated();
    let pool = vigil::store::Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = crate::support::app::seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (serve, _home) = serve_on(&db);
    let name = "Zawadi-Distinctive-Name-5521";
    let opened: serde_json::Value = ureq::post(&serve.url("/api/v1/cases"))
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(serde_json::json!({
            "country": "KE", "themes": ["WHRD"], "risk": "critical",
            "confidential": {"defender_name": name, "narrative": format!("{name} was detained")},
            "procedure": {"workflow": "protection_referral", "data": {"risk_description": name}}
        }))
        .unwrap()
        .into_json()
        .unwrap();
    let id = opened["id"].as_str().unwrap();
    let read: serde_json::Value = ureq::get(&serve.url(&format!("/api/v1/cases/{id}")))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(read["confidential"]["defender_name"], name);
    let logs = serve.logs();
    assert!(logs.contains("case opened"), "{logs}");
    assert!(
        !logs.contains(name) && !logs.contains("Zawadi"),
        "the log holds the defender's name:\n{logs}"
    );
}

/// The log half of "no refusal repeats what was sent": a real `vigil serve`, logging at debug,
/// is sent a canary through the refusal paths (unknown fields and action, a NUL byte in a
/// filter, an export recipient with whitespace, an unknown query key), and no line of its log
/// holds it, at any level.
#[test]
fn refusals_put_nothing_that_was_sent_in_the_log() {
    const CANARY: &str = "LOGCANARY5e1d";
    let db = TestDb::migrated();
    let pool = vigil::store::Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = crate::support::app::seed_user(&pool, "focal_point", Some("EUD_KE"));
    let home = reachable_home();
    let mut command = vigil(home.path());
    command.env("DATABASE_URL", db.url.expose()).env("VIGIL_LOG", "debug");
    let serve = Serve::start(command);
    let bearer = format!("Bearer {token}");
    let opened: serde_json::Value = ureq::post(&serve.url("/api/v1/cases"))
        .set("Authorization", &bearer)
        .send_json(serde_json::json!({
            "country": "KE", "themes": ["WHRD"], "risk": "high",
            "confidential": {"defender_name": "Someone"},
            "procedure": {"workflow": "demarche"}
        }))
        .unwrap()
        .into_json()
        .unwrap();
    let case = format!("/api/v1/cases/{}", opened["id"].as_str().unwrap());
    let read: serde_json::Value = ureq::get(&serve.url(&case))
        .set("Authorization", &bearer)
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    let transitions = format!(
        "/api/v1/procedures/{}/transitions",
        read["procedures"][0]["id"].as_str().unwrap()
    );
    // The status a refusal answered with (ureq reports a 4xx as an error).
    let status_of = |result: Result<ureq::Response, ureq::Error>| match result {
        Ok(response) => response.status(),
        Err(ureq::Error::Status(status, _)) => status,
        Err(e) => panic!("no answer: {e}"),
    };
    let post = |uri: &str, body: serde_json::Value| {
        status_of(
            ureq::post(&serve.url(uri))
                .set("Authorization", &bearer)
                .send_json(body),
        )
    };
    let get = |uri: &str| status_of(ureq::get(&serve.url(uri)).set("Authorization", &bearer).call());
    let refusals = [
        (
            "an unknown field",
            post("/api/v1/cases", serde_json::json!({ CANARY: 1, "country": "KE" })),
        ),
        (
            "an unknown action",
            post(
                &transitions,
                serde_json::json!({"action": CANARY, "expected_version": 1}),
            ),
        ),
        (
            "an unknown field in data",
            post(
                &transitions,
                serde_json::json!({"action": "add_note", "expected_version": 1, "data": { CANARY: "x" }}),
            ),
        ),
        (
            "an export recipient",
            post(
                &format!("{case}/export"),
                serde_json::json!({ "recipient": format!(" {CANARY}\n") }),
            ),
        ),
        (
            "a NUL byte in a filter",
            get(&format!("/api/v1/cases?state=%00{CANARY}")),
        ),
        ("an unknown query key", get(&format!("/api/v1/cases?{CANARY}=1"))),
    ];
    for (what, status) in refusals {
        assert!((400..500).contains(&status), "{what}: {status}");
    }
    let logs = serve.logs();
    assert!(
        logs.contains("DEBUG") || logs.contains("debug"),
        "not logging at debug:\n{logs}"
    );
    assert!(!logs.contains(CANARY), "the log holds what was sent:\n{logs}");
}
