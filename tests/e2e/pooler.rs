//! Vigil through pgbouncer (Debian's, 1.18) in session mode: every request a user makes works
//! with Vigil's prepared statements. (Transaction mode does not: see the README's deployment
//! section for why, and for what to use instead.)

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::{Value, json};
use vigil::store::Db;

use crate::support::app::seed_user;
use crate::support::process::{Serve, debian_tool, free_address, reachable_home};
use crate::support::{TestDb, vigil};

/// pgbouncer in front of the test server, in a process group of its own, stopped when dropped.
struct Bouncer {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Bouncer {
    fn start(db: &TestDb, mode: &str) -> Self {
        let dir = reachable_home();
        let server = url::Url::parse(db.url.expose()).unwrap();
        let parameter = |name: &str| {
            server
                .query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        };
        let host = parameter("host").unwrap_or_else(|| server.host_str().unwrap_or("localhost").to_owned());
        let server_port = parameter("port")
            .or(server.port().map(|p| p.to_string()))
            .unwrap_or("5432".into());
        let port = free_address().port();
        let path = |name: &str| dir.path().join(name).display().to_string();
        std::fs::write(
            dir.path().join("users.txt"),
            format!("\"{}\" \"\"\n", server.username()),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("pgbouncer.ini"),
            format!(
                "[databases]\n* = host={host} port={server_port}\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
                 unix_socket_dir =\nauth_type = trust\nauth_file = {}\npool_mode = {mode}\ndefault_pool_size = 4\n\
                 max_client_conn = 100\nlogfile = {}\npidfile = {}\n",
                path("users.txt"),
                path("pgbouncer.log"),
                path("pgbouncer.pid"),
            ),
        )
        .unwrap();
        let program = debian_tool("usr/sbin/pgbouncer");
        let mut command = Command::new(&program);
        command
            .arg(path("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        // pgbouncer refuses to run as root.
        if nix::unistd::Uid::effective().is_root() {
            let postgres = nix::unistd::User::from_name("postgres").unwrap().unwrap();
            nix::unistd::chown(dir.path(), Some(postgres.uid), Some(postgres.gid)).unwrap();
            command.uid(postgres.uid.as_raw()).gid(postgres.gid.as_raw());
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e} (scripts/install-deps unpacks it)", program.display()));
        let mut bouncer = Self { child, dir, port };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = bouncer.child.try_wait().unwrap() {
                panic!("pgbouncer exited with {status}: {}", bouncer.log());
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "pgbouncer did not start: {}",
                bouncer.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        bouncer
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.log")).unwrap_or_default()
    }

    /// The database `db` names, through this pgbouncer.
    fn url(&self, db: &TestDb) -> String {
        let server = url::Url::parse(db.url.expose()).unwrap();
        format!("postgres://{}@127.0.0.1:{}/{}", server.username(), self.port, db.name)
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let group = Pid::from_raw(self.child.id() as i32);
        let _ = killpg(group, Signal::SIGTERM);
        let started = Instant::now();
        while self.child.try_wait().ok().flatten().is_none() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = killpg(group, Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

fn call(serve: &Serve, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let request = ureq::request(method, &serve.url(path))
        .set("Authorization", &format!("Bearer {token}"))
        .timeout(Duration::from_secs(30));
    let answer = match body {
        Some(body) => request.send_json(body),
        None => request.call(),
    };
    let response = match answer {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = response.status();
    (status, response.into_json().unwrap_or(Value::Null))
}

#[test]
fn vigil_serves_through_pgbouncer_in_session_mode() {
    let db = TestDb::migrated();
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    drop(pool);
    let bouncer = Bouncer::start(&db, "session");
    let home = reachable_home();
    let mut command = vigil(home.path());
    // More of Vigil's connections than pgbouncer has for the database: they wait their turn.
    command
        .env("DATABASE_URL", bouncer.url(&db))
        .env("VIGIL_DB_POOL_SIZE", "3");
    let serve = Serve::start(command);

    let (status, opened) = call(
        &serve,
        "POST",
        "/api/v1/cases",
        &fp,
        Some(json!({"country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "Through The Pooler", "narrative": "Followed."},
            "procedure": {"workflow": "protection_referral", "data": {"risk_description": "Threats."}}})),
    );
    assert_eq!(status, 201, "{opened}\n{}", bouncer.log());
    let case = format!("/api/v1/cases/{}", opened["id"].as_str().unwrap());
    let transitions = format!(
        "/api/v1/procedures/{}/transitions",
        opened["procedure_id"].as_str().unwrap()
    );
    let mut version = 1;
    // Several clients at once, each statement prepared on whichever connection serves it.
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (url, fp, case) = (serve.url(""), fp.clone(), case.clone());
            std::thread::spawn(move || {
                for _ in 0..20 {
                    let read = ureq::get(&format!("{url}{case}"))
                        .set("Authorization", &format!("Bearer {fp}"))
                        .call()
                        .unwrap();
                    assert_eq!(read.status(), 200);
                }
            })
        })
        .collect();
    for _ in 0..20 {
        let (status, done) = call(
            &serve,
            "POST",
            &transitions,
            &fp,
            Some(json!({"action": "add_note", "expected_version": version, "data": {"note": "a visit"}})),
        );
        assert_eq!(status, 200, "{done}");
        version = done["version"].as_i64().unwrap();
    }
    for thread in threads {
        thread.join().unwrap();
    }
    let (status, timeline) = call(&serve, "GET", &format!("{case}/timeline"), &fp, None);
    assert_eq!(status, 200);
    let notes = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["action"] == "add_note")
        .count();
    assert_eq!(notes, 20);
    assert!(serve.get("/readyz").unwrap().status() == 200);
    db.assert_audit_holds();
}
