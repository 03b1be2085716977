//! `/metrics` of a real `vigil serve`: what it counts, who may scrape it, and that Prometheus's
//! own checker (`promtool check metrics`, from Debian's prometheus package) accepts it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::app::seed_user;
use crate::support::process::stderr;
use crate::support::{TestDb, serve_on};

fn scrape(serve: &crate::support::process::Serve, bearer: Option<&str>) -> (u16, String) {
    let mut request = ureq::get(&serve.url("/metrics"));
    if let Some(token) = bearer {
        request = request.set("Authorization", &format!("Bearer {token}"));
    }
    match request.call() {
        Ok(response) => (response.status(), response.into_string().unwrap()),
        Err(ureq::Error::Status(status, response)) => (status, response.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    }
}

/// The value of the sample whose line starts with `series` (its name and labels).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
        .parse()
        .unwrap()
}

/// Debian's promtool: installed, or unpacked by `scripts/install-deps` under `VIGIL_TOOLS`.
fn promtool() -> std::path::PathBuf {
    crate::support::process::debian_tool("usr/bin/promtool")
}

fn promtool_check(text: &str) {
    let mut child = Command::new(promtool())
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is missing: run scripts/install-deps (scripts/test does)");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    // promtool lists each problem it finds, its lint warnings included: there must be none.
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), stderr(&output));
    assert!(
        output.status.success() && said.trim().is_empty(),
        "promtool: {said}\n{text}"
    );
}

#[test]
fn the_metrics_token_scrapes_what_promtool_accepts_and_nothing_names_a_case() {
    let db = TestDb::migrated();
    let pool = vigil::store::Db::connect_lazily(&db.url, 2).unwrap();
    let (_, focal_point) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, admin) = seed_user(&pool, "admin", None);
    let secrets = tempfile::tempdir().unwrap();
    let token_file = secrets.path().join("metrics-token");
    let metrics_token = "7f3c9a1e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a";
    std::fs::write(&token_file, format!("{metrics_token}\n")).unwrap();
    let (serve, _home) = serve_on(&db, &[("VIGIL_METRICS_TOKEN_FILE", token_file.to_str().unwrap())]);

    // Some traffic: a case opened and read, a request to no route.
    let opened: serde_json::Value = ureq::post(&serve.url("/api/v1/cases"))
        .set("Authorization", &format!("Bearer {focal_point}"))
        .send_json(serde_json::json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "Metrics Person"},
            "procedure": {"workflow": "demarche"}
        }))
        .unwrap()
        .into_json()
        .unwrap();
    let id = opened["id"].as_str().unwrap().to_owned();
    let read = ureq::get(&serve.url(&format!("/api/v1/cases/{id}")))
        .set("Authorization", &format!("Bearer {focal_point}"))
        .call()
        .unwrap();
    assert_eq!(read.status(), 200);
    assert_eq!(serve.get("/no/such/page").unwrap().status(), 404);

    let (status, text) = scrape(&serve, Some(metrics_token));
    assert_eq!(status, 200, "{text}");
    promtool_check(&text);
    // Requests by route pattern and status: the pattern, never the path with its id.
    assert!(
        sample(
            &text,
            r#"vigil_http_request_duration_seconds_count{method="GET",route="/api/v1/cases/{id}",status="200"}"#
        ) >= 1.0
    );
    assert!(
        sample(
            &text,
            r#"vigil_http_request_duration_seconds_count{method="POST",route="/api/v1/cases",status="201"}"#
        ) >= 1.0
    );
    assert!(
        sample(
            &text,
            r#"vigil_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}"#
        ) >= 1.0
    );
    assert!(!text.contains(&id), "{text}");
    assert!(!text.contains(opened["reference"].as_str().unwrap()), "{text}");
    assert!(!text.contains("Metrics Person"), "{text}");
    // The pool, the process, the build, the queues.
    assert!(sample(&text, "vigil_db_pool_wait_seconds_count") >= 1.0);
    assert_eq!(sample(&text, "vigil_db_pool_timeouts_total"), 0.0);
    assert_eq!(sample(&text, "vigil_db_pool_max_connections"), 10.0);
    assert!(sample(&text, r#"vigil_db_pool_connections{state="idle"}"#) >= 0.0);
    assert!(sample(&text, "process_resident_memory_bytes") > 1_000_000.0);
    assert!(sample(&text, "process_open_fds") >= 3.0);
    // A counter of whole seconds (metrics counters are integers): present, not yet 1.
    assert!(sample(&text, "process_cpu_seconds_total") >= 0.0);
    assert_eq!(
        sample(
            &text,
            &format!("vigil_build_info{{version=\"{}\"}}", env!("CARGO_PKG_VERSION"))
        ),
        1.0
    );
    assert_eq!(sample(&text, "vigil_database_up"), 1.0);
    assert!(sample(&text, r#"vigil_scheduled_pending{kind="reminder"}"#) >= 0.0);
    assert_eq!(sample(&text, "vigil_reminders_sent_total"), 0.0);

    // Anyone else: no token is 401, a wrong one 401, a case worker's 403, an admin's 200.
    assert_eq!(scrape(&serve, None).0, 401);
    assert_eq!(scrape(&serve, Some(&metrics_token.replace('7', "8"))).0, 401);
    assert_eq!(scrape(&serve, Some(&focal_point)).0, 403);
    assert_eq!(scrape(&serve, Some(&admin)).0, 200);
}

#[test]
fn a_configured_network_scrapes_without_a_token_and_no_other() {
    let db = TestDb::migrated();
    let (inside, _home) = serve_on(&db, &[("VIGIL_METRICS_FROM", "10.9.0.0/16, 127.0.0.0/8")]);
    let (status, text) = scrape(&inside, None);
    assert_eq!(status, 200, "{text}");
    promtool_check(&text);
    let (outside, _home) = serve_on(&db, &[("VIGIL_METRICS_FROM", "10.9.0.0/16")]);
    assert_eq!(scrape(&outside, None).0, 401);
}

#[test]
fn a_metrics_token_too_short_to_be_secret_stops_the_server_at_start() {
    let db = TestDb::migrated();
    let secrets = tempfile::tempdir().unwrap();
    let token_file = secrets.path().join("metrics-token");
    std::fs::write(&token_file, "short\n").unwrap();
    let home = crate::support::reachable_home();
    let output = crate::support::vigil(home.path())
        .arg("serve")
        .env("DATABASE_URL", db.url.expose())
        .env("VIGIL_LISTEN", crate::support::process::free_address().to_string())
        .env("VIGIL_METRICS_TOKEN_FILE", &token_file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = stderr(&output);
    assert!(said.contains("VIGIL_METRICS_TOKEN_FILE"), "{said}");
    assert!(!said.contains("short"), "the token is never repeated: {said}");
}

#[actix_web::test]
async fn with_the_database_down_the_metrics_still_answer_and_say_so() {
    use actix_web::test as web_test;
    let port = crate::support::process::free_address().port();
    let url = vigil::config::DatabaseUrl::parse(&format!("postgres://vigil@127.0.0.1:{port}/vigil")).unwrap();
    let db = vigil::store::Db::connect_waiting(&url, 2, std::time::Duration::from_millis(300)).unwrap();
    let mut state = crate::support::app::bare_state(db);
    state.scrape = std::sync::Arc::new(vigil::metrics::ScrapeAccess::new(
        None,
        vec!["127.0.0.1/32".parse().unwrap()],
    ));
    let service = web_test::init_service(vigil::http::app(state)).await;
    let request = web_test::TestRequest::get()
        .uri("/metrics")
        .peer_addr("127.0.0.1:40000".parse().unwrap())
        .to_request();
    let response = web_test::call_service(&service, request).await;
    assert_eq!(response.status(), 200);
    let text = String::from_utf8(web_test::read_body(response).await.to_vec()).unwrap();
    assert_eq!(sample(&text, "vigil_database_up"), 0.0);
    assert!(!text.contains("vigil_scheduled_pending{"), "{text}");
    promtool_check(&text);
}
