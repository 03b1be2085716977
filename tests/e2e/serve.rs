//! `vigil serve` against a database of the test's own.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use nix::sys::signal::Signal;

use crate::support::{Serve, TestDb, reachable_home, serve_on, vigil};

#[test]
fn serve_is_healthy_and_ready_on_a_migrated_database() {
    let db = TestDb::migrated();
    let (serve, _home) = serve_on(&db, &[]);
    let health = serve.get("/healthz").unwrap();
    assert_eq!(health.status(), 200);
    let ready = serve.get("/readyz").unwrap();
    assert_eq!(ready.status(), 200);
    assert!(ready.header("x-request-id").is_some_and(|id| !id.is_empty()));
    let body: serde_json::Value = ready.into_json().unwrap();
    assert_eq!(body["status"], "ready");
    // HEAD answers as GET, with no body.
    let head = ureq::head(&serve.url("/readyz")).call().unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.into_string().unwrap(), "");
}

#[test]
fn serve_applies_migrations_to_an_empty_database() {
    let db = TestDb::empty();
    let (serve, _home) = serve_on(&db, &[]);
    assert_eq!(serve.get("/readyz").unwrap().status(), 200);
    let pending = vigil::store::migrations::pending(&mut db.connect()).unwrap();
    assert!(pending.is_empty(), "{pending:?}");
}

#[test]
fn unknown_paths_are_problem_json_404() {
    let db = TestDb::migrated();
    let (serve, _home) = serve_on(&db, &[]);
    let response = serve.get("/no/such/thing").unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.content_type(), "application/problem+json");
    let problem: serde_json::Value = response.into_json().unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["title"], "Not Found");
    assert_eq!(problem["type"], "/problems/no-such-endpoint");
}

/// An address over 8 KiB, up to the 64 KiB past which the HTTP parser itself refuses it, is
/// 414 problem+json that repeats nothing of it; one just under the limit is routed as ever.
#[test]
fn an_address_over_8_kib_is_414_problem_json() {
    let db = TestDb::migrated();
    let (serve, _home) = serve_on(&db, &[]);
    let query = |length: usize| format!("/api/v1/cases?q={}", "x".repeat(length - "/api/v1/cases?q=".len()));
    for length in [vigil::http::MAX_URL + 1, 60 * 1024] {
        let response = serve.get(&query(length)).unwrap();
        assert_eq!(response.status(), 414, "{length} bytes");
        assert_eq!(response.content_type(), "application/problem+json");
        let problem = response.into_string().unwrap();
        assert!(problem.contains("/problems/uri-too-long"), "{problem}");
        assert!(!problem.contains("xxxx"), "{problem}");
    }
    let just_under = serve.get(&query(vigil::http::MAX_URL)).unwrap();
    assert_eq!(just_under.status(), 401, "routed, and refused for want of a token");
}

#[test]
fn a_plain_request_id_from_the_caller_is_kept_and_a_hostile_one_replaced() {
    let db = TestDb::migrated();
    let (serve, _home) = serve_on(&db, &[]);
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
    let (serve, _home) = serve_on(&db, &[]);
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
    let (mut serve, _home) = serve_on(&db, &[]);
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
    let (mut serve, _home) = serve_on(&db, &[]);
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
    let (serve, _home) = serve_on(&db, &[]);
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
/// filter, an export recipient with whitespace, an unknown query key, a grant request, and the
/// web interface's forms: sign-in, sign-in link, opening and editing a case, an action, the
/// administrators' forms), and no line of its log holds it, at any level; nor does what a
/// refused administrators' form says is wrong.
#[test]
fn refusals_put_nothing_that_was_sent_in_the_log() {
    const CANARY: &str = "LOGCANARY5e1d";
    let db = TestDb::migrated();
    let pool = vigil::store::Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = crate::support::app::seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (serve, _home) = serve_on(&db, &[("VIGIL_LOG", "debug")]);
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
    // The API's administrators' refusals and the web interface's forms, too.
    let (_, admin) = crate::support::app::seed_user(&pool, "admin", None);
    let grant = status_of(
        ureq::post(&serve.url("/api/v1/grant-requests"))
            .set("Authorization", &format!("Bearer {admin}"))
            .send_json(serde_json::json!({"kind": "new_user", "email": CANARY, "role": CANARY, "delegation": CANARY})),
    );
    assert!((400..500).contains(&grant), "a grant request: {grant}");
    let web = Web::new(&serve);
    let refused = web.post(&["/ui/sign-in"], &[("token", &format!("vgl_{CANARY}"))]);
    assert_eq!(refused.status(), 401);
    web.post(&["/ui/sign-in", "/ui/sign-in/link"], &[("email", CANARY)]);
    let fp = Web::signed_in(&serve, &token);
    let case_page = format!("/ui/cases/{}", opened["id"].as_str().unwrap());
    let refused = fp.post(
        &["/ui/cases/new", "/ui/cases"],
        &[
            ("country", CANARY),
            ("themes", CANARY),
            ("risk", CANARY),
            ("defender_name", CANARY),
            ("workflow", CANARY),
        ],
    );
    assert_eq!(refused.status(), 422);
    fp.post(
        &[&format!("{case_page}/edit"), &format!("{case_page}/edit")],
        &[("risk", CANARY), ("version", CANARY)],
    );
    let procedure = read["procedures"][0]["id"].as_str().unwrap();
    fp.post(
        &[&case_page, &format!("/ui/procedures/{procedure}/actions/{CANARY}")],
        &[("expected_version", "1")],
    );
    let case_id = opened["id"].as_str().unwrap();
    let version = read["procedures"][0]["workflow_version"].as_str().unwrap();
    let note = fp.post(
        &[&case_page, &format!("/ui/procedures/{procedure}/actions/add_note")],
        &[
            ("case", case_id),
            ("version", "1"),
            ("workflow", "demarche"),
            ("workflow_version", version),
            ("data.note", ""),
            (&format!("data.{CANARY}"), CANARY),
        ],
    );
    assert_eq!(note.status(), 422, "a note with no text is refused beside its field");
    let admin = Web::signed_in(&serve, &admin);
    // The page comes back with the form as typed; what it says is wrong quotes none of it.
    let alert = |answer: ureq::Response| {
        assert_eq!(answer.status(), 422);
        let page = answer.into_string().unwrap();
        let alert = page.split("role=\"alert\">").nth(1).unwrap_or_default();
        alert.split('<').next().unwrap_or_default().to_owned()
    };
    for (path, fields) in [
        (
            "/ui/admin/users",
            &[
                ("email", CANARY),
                ("role", CANARY),
                ("delegation", CANARY),
                ("name", CANARY),
            ][..],
        ),
        ("/ui/admin/erasures", &[("reference", CANARY), ("reason", CANARY)]),
        ("/ui/admin/tokens/revoke", &[("prefix", CANARY)]),
    ] {
        let said = alert(admin.post(&["/ui/admin", path], fields));
        assert!(!said.is_empty() && !said.contains(CANARY), "{path}: {said}");
    }
    let logs = serve.logs();
    assert!(
        logs.contains("DEBUG") || logs.contains("debug"),
        "not logging at debug:\n{logs}"
    );
    assert!(!logs.contains(CANARY), "the log holds what was sent:\n{logs}");
}

/// A browser of the web interface over real HTTP, for tests of a real `vigil serve`: cookies by
/// hand, no redirects followed.
struct Web<'a> {
    serve: &'a Serve,
    agent: ureq::Agent,
    cookies: String,
}

impl<'a> Web<'a> {
    fn new(serve: &'a Serve) -> Self {
        Self {
            serve,
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            cookies: String::new(),
        }
    }

    /// Signed in with `token` through the sign-in form.
    fn signed_in(serve: &'a Serve, token: &str) -> Self {
        let mut web = Self::new(serve);
        let answer = web.post(&["/ui/sign-in"], &[("token", token)]);
        let session = answer
            .all("set-cookie")
            .into_iter()
            .find(|c| c.starts_with("vigil_session="))
            .expect("a session cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        web.cookies = session;
        web
    }

    /// GETs `path[0]` for its form's CSRF token (and pairing cookie), then posts `fields` with
    /// it to the last path; the answer whatever its status (asserted not a server error).
    fn post(&self, path: &[&str], fields: &[(&str, &str)]) -> ureq::Response {
        let page = match self
            .agent
            .get(&self.serve.url(path[0]))
            .set("Cookie", &self.cookies)
            .call()
        {
            Ok(page) | Err(ureq::Error::Status(_, page)) => page,
            Err(e) => panic!("no answer: {e}"),
        };
        let paired: Vec<String> = page
            .all("set-cookie")
            .into_iter()
            .filter_map(|c| c.split(';').next().map(str::to_owned))
            .collect();
        let (status, body) = (page.status(), page.into_string().unwrap());
        assert!(
            body.contains("name=\"csrf\""),
            "{}: {status} with no form:\n{body}",
            path[0]
        );
        let csrf = crate::support::ui::csrf_of(&body);
        let cookies = std::iter::once(self.cookies.clone())
            .chain(paired)
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        form.extend_from_slice(fields);
        let uri = self.serve.url(path[path.len() - 1]);
        match self.agent.post(&uri).set("Cookie", &cookies).send_form(&form) {
            Ok(answer) => answer,
            Err(ureq::Error::Status(status, answer)) => {
                assert!(status < 500, "{uri}: {status}");
                answer
            }
            Err(e) => panic!("no answer: {e}"),
        }
    }
}

/// With PostgreSQL gone (the embedded cluster this test started, shut down under `serve`), a
/// request is answered within about a second (`VIGIL_DB_WAIT`), 503 problem+json with
/// `Retry-After`: the first one, on a connection that broke, as much as the ones after it,
/// which find no connection to be had. Never a 500, never a hang; and once PostgreSQL is back,
/// `serve` reconnects by itself.
#[test]
fn with_postgresql_gone_requests_get_503_with_retry_after_within_a_second_or_two() {
    use crate::support::{ClusterGuard, postmaster_pid};
    let home = reachable_home();
    let data = home.path().join("pg");
    let _guard = ClusterGuard(data.clone());
    let token = crate::support::process::cli_focal_point(home.path());
    let mut serve = Serve::start(vigil(home.path()));
    let bearer = format!("Bearer {token}");
    let cases = serve.url("/api/v1/cases");
    assert_eq!(
        ureq::get(&cases).set("Authorization", &bearer).call().unwrap().status(),
        200
    );

    let postmaster = postmaster_pid(&data).unwrap();
    // SIGINT: a fast shutdown, which ends every session (SIGTERM would wait for them).
    nix::sys::signal::kill(postmaster, Signal::SIGINT).unwrap();
    let gone = Instant::now();
    while postmaster_pid(&data).is_some() {
        assert!(gone.elapsed() < Duration::from_secs(30), "PostgreSQL did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    for attempt in 1..=3 {
        let started = Instant::now();
        let answer = ureq::get(&cases).set("Authorization", &bearer).call();
        let took = started.elapsed();
        let Err(ureq::Error::Status(status, response)) = answer else {
            panic!("attempt {attempt}: no refusal: {answer:?}");
        };
        assert_eq!(status, 503, "attempt {attempt}");
        assert_eq!(response.header("Retry-After"), Some("1"), "attempt {attempt}");
        assert_eq!(response.content_type(), "application/problem+json");
        assert!(took < Duration::from_secs(3), "attempt {attempt} took {took:?}");
    }
    // Back again (a command starts the cluster, and leaves it to `serve`, which still uses it):
    // `serve` reconnects by itself.
    let started = vigil(home.path()).arg("migrate").output().unwrap();
    assert!(started.status.success(), "{}", crate::support::stderr(&started));
    assert!(postmaster_pid(&data).is_some(), "the cluster did not stay up for serve");
    let back = Instant::now();
    while let Err(e) = ureq::get(&cases).set("Authorization", &bearer).call() {
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "serve did not reconnect: {e}\n{}",
            serve.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(serve.stop().success(), "{}", serve.logs());
    assert!(postmaster_pid(&data).is_none(), "the cluster outlived serve");
}

/// A body that stalls mid-way is answered 408 problem+json once `VIGIL_BODY_TIMEOUT` has passed
/// since the request began, and its connection is let go; a body that arrives is not troubled.
#[test]
fn a_stalled_request_body_is_answered_408_after_the_body_timeout() {
    use std::io::{Read, Write};
    let db = TestDb::migrated();
    let pool = vigil::store::Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = crate::support::app::seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (serve, _home) = serve_on(&db, &[("VIGIL_BODY_TIMEOUT", "2s")]);
    let address = serve
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let started = Instant::now();
    write!(
        stream,
        "POST /api/v1/cases HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"country\": "
    )
    .unwrap();
    stream.flush().unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("\r\n\r\n{") {
        let read = stream.read(&mut chunk).unwrap();
        assert!(read > 0, "the connection closed with no answer");
        answer.extend_from_slice(&chunk[..read]);
    }
    let took = started.elapsed();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "answered after {took:?}"
    );
    // A whole body in time is read as ever.
    let body = serde_json::json!({"country": "KE", "themes": ["MEDIA"], "risk": "high",
        "confidential": {"defender_name": "On Time"}, "procedure": {"workflow": "demarche"}});
    let opened = ureq::post(&serve.url("/api/v1/cases"))
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(body)
        .unwrap();
    assert_eq!(opened.status(), 201);
}
