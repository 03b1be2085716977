//! Vigil through pgbouncer (Debian's, 1.18) in session mode: every request a user makes works
//! with Vigil's prepared statements. (Transaction mode does not: see the README's deployment
//! section for why, and for what to use instead.)

use std::os::unix::process::CommandExt;
use std::process::Command;

use serde_json::json;
use vigil::store::Db;

use crate::support::app::seed_user;
use crate::support::process::{Daemon, Serve, debian_tool, free_address, reachable_home};
use crate::support::{TestDb, vigil};

/// pgbouncer in front of the test server, stopped when dropped.
struct Bouncer {
    daemon: Daemon,
    port: u16,
    _dir: tempfile::TempDir,
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
        let mut command = Command::new(debian_tool("usr/sbin/pgbouncer"));
        command.arg(path("pgbouncer.ini"));
        // pgbouncer refuses to run as root.
        if nix::unistd::Uid::effective().is_root() {
            let postgres = nix::unistd::User::from_name("postgres").unwrap().unwrap();
            nix::unistd::chown(dir.path(), Some(postgres.uid), Some(postgres.gid)).unwrap();
            command.uid(postgres.uid.as_raw()).gid(postgres.gid.as_raw());
        }
        let daemon = Daemon::start(command, port, dir.path().join("pgbouncer.log"));
        Self {
            daemon,
            port,
            _dir: dir,
        }
    }

    /// The database `db` names, through this pgbouncer.
    fn url(&self, db: &TestDb) -> String {
        let server = url::Url::parse(db.url.expose()).unwrap();
        format!("postgres://{}@127.0.0.1:{}/{}", server.username(), self.port, db.name)
    }
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

    let (status, opened) = serve.call(
        "POST",
        "/api/v1/cases",
        &fp,
        Some(json!({"country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "Through The Pooler", "narrative": "Followed."},
            "procedure": {"workflow": "protection_referral", "data": {"risk_description": "Threats."}}})),
    );
    assert_eq!(status, 201, "{opened}\n{}", bouncer.daemon.log());
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
        let (status, done) = serve.call(
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
    let (status, timeline) = serve.call("GET", &format!("{case}/timeline"), &fp, None);
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
