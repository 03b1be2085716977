//! Losing the database server: `vigil serve` on a pg_auto_failover pair (scripts/ha-demo), the
//! primary killed with SIGKILL under a steady load of transitions. Clients get 503 with
//! `Retry-After` while the pair switches, never a 500 or a hang; Vigil finds the new primary
//! by itself; every acknowledged transition is there afterwards, and retries with their
//! Idempotency-Key applied once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vigil::config::DatabaseUrl;
use vigil::store::Db;

use crate::support::app::seed_user;
use crate::support::process::{Serve, reachable_home};
use crate::support::vigil;

/// The pair scripts/ha-demo started under `dir`, stopped (its own process groups only) when dropped.
struct Pair {
    dir: tempfile::TempDir,
    url: String,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/ha-demo")
}

/// Three consecutive free loopback ports, the first returned.
fn free_ports() -> u16 {
    for _ in 0..100 {
        let base = 20_000 + (uuid::Uuid::new_v4().as_u128() % 30_000) as u16;
        if (base..base + 3).all(|port| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()) {
            return base;
        }
    }
    panic!("no three consecutive free ports");
}

impl Pair {
    /// Starts a pair, trying a second time on a fresh directory and ports when pg_auto_failover
    /// does not bring it up: its monitor once left a standby marked unhealthy for two minutes
    /// (`catchingup`, no further health check logged) on this shared 2-core machine. That is
    /// the failover engine's start, before any Vigil code runs; the first failure is printed.
    fn start() -> Self {
        match Self::try_start() {
            Ok(pair) => pair,
            Err(first) => {
                eprintln!("the pair did not start; trying once more on new ports:\n{first}");
                Self::try_start().unwrap_or_else(|second| panic!("{second}"))
            }
        }
    }

    fn try_start() -> Result<Self, String> {
        let dir = reachable_home();
        let base = free_ports();
        let started = Command::new(script())
            .arg("start")
            .arg(dir.path())
            .arg(base.to_string())
            .output()
            .unwrap();
        let pair = Self {
            url: String::from_utf8_lossy(&started.stdout).trim().to_owned(),
            dir,
        };
        if !started.status.success() {
            // Dropping the pair stops what its start left running.
            return Err(format!(
                "scripts/ha-demo start: {}\n{}",
                String::from_utf8_lossy(&started.stderr),
                pair.logs()
            ));
        }
        Ok(pair)
    }

    fn logs(&self) -> String {
        ["monitor", "node1", "node2"]
            .iter()
            .map(|name| {
                let log = std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(15).collect();
                format!("--- {name}\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn primary(&self) -> String {
        let primary = Command::new(script())
            .arg("primary")
            .arg(self.dir.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&primary.stdout).trim().to_owned()
    }

    /// SIGKILL to the node's whole process group: its pg_autoctl and its PostgreSQL, as if
    /// the machine were lost.
    fn kill(&self, node: &str) {
        let group: i32 = std::fs::read_to_string(self.dir.path().join(format!("{node}.pgid")))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        nix::sys::signal::killpg(nix::unistd::Pid::from_raw(group), nix::sys::signal::Signal::SIGKILL).unwrap();
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(self.dir.path()).status();
    }
}

/// What one client saw: transitions acknowledged, and every status answered.
#[derive(Default)]
struct Seen {
    acknowledged: usize,
    /// When each acknowledgement came.
    acks: Vec<Instant>,
    statuses: Vec<u16>,
    unavailable_without_retry_after: usize,
    transport_errors: usize,
}

/// Adds notes to `procedure` until `stop`, each retried with its Idempotency-Key until it is
/// acknowledged (a 503 waits its Retry-After; a broken connection is retried at once).
fn client(serve: &str, token: &str, procedure: &str, stop: &AtomicBool) -> Seen {
    let mut seen = Seen::default();
    let path = format!("{serve}/api/v1/procedures/{procedure}/transitions");
    let mut version: Option<i64> = None;
    while !stop.load(Ordering::Relaxed) {
        let key = uuid::Uuid::new_v4().to_string();
        loop {
            let expected = version.unwrap_or(0);
            let body = json!({"action": "add_note", "expected_version": expected, "data": {"note": "a visit"}});
            let answer = ureq::post(&path)
                .set("Authorization", &format!("Bearer {token}"))
                .set("Idempotency-Key", &key)
                .timeout(Duration::from_secs(20))
                .send_json(body);
            let response = match answer {
                Ok(r) | Err(ureq::Error::Status(_, r)) => r,
                Err(ureq::Error::Transport(_)) => {
                    seen.transport_errors += 1;
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            let status = response.status();
            seen.statuses.push(status);
            let retry_after = response.header("Retry-After").map(str::to_owned);
            let answer: Value = response.into_json().unwrap_or(Value::Null);
            match status {
                200 => {
                    version = answer["version"].as_i64();
                    seen.acknowledged += 1;
                    seen.acks.push(Instant::now());
                    break;
                }
                // The first attempt learns the version; a retry's stored answer never says 409.
                409 if version.is_none() => version = answer["current_version"].as_i64(),
                503 => {
                    let wait = retry_after.as_deref().and_then(|s| s.parse::<u64>().ok());
                    if wait.is_none() {
                        seen.unavailable_without_retry_after += 1;
                    }
                    std::thread::sleep(Duration::from_secs(wait.unwrap_or(1)));
                }
                other => panic!("a transition answered {other}: {answer}"),
            }
        }
    }
    seen
}

#[test]
fn the_primary_killed_under_load_loses_no_acknowledged_transition_and_applies_none_twice() {
    let pair = Pair::start();
    let url = DatabaseUrl::parse(&pair.url).unwrap();
    let home = reachable_home();
    let migrated = vigil(home.path())
        .env("DATABASE_URL", &pair.url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let pool = Db::connect_lazily(&url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, hod) = seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    let mut command = vigil(home.path());
    command.env("DATABASE_URL", &pair.url).env("VIGIL_DB_WAIT", "1s");
    let serve = Serve::start(command);

    const CLIENTS: usize = 4;
    let mut procedures = Vec::new();
    for n in 0..CLIENTS {
        let opened: Value = ureq::post(&serve.url("/api/v1/cases"))
            .set("Authorization", &format!("Bearer {fp}"))
            .send_json(json!({
                "country": "KE", "themes": ["MEDIA"], "risk": "high",
                "confidential": {"defender_name": format!("Defender {n}"), "narrative": "Followed."},
                "procedure": {"workflow": "protection_referral", "data": {"risk_description": "Threats."}}
            }))
            .unwrap()
            .into_json()
            .unwrap();
        procedures.push((
            opened["id"].as_str().unwrap().to_owned(),
            opened["procedure_id"].as_str().unwrap().to_owned(),
        ));
    }

    // A trial observation whose access was refused: its escalation timer and its reminders
    // wait, made due a few seconds after the kill below, to fire on the new primary.
    let post = |path: &str, token: &str, body: Value| -> Value {
        ureq::post(&serve.url(path))
            .set("Authorization", &format!("Bearer {token}"))
            .send_json(body)
            .unwrap()
            .into_json()
            .unwrap()
    };
    let trial = post(
        "/api/v1/cases",
        &fp,
        json!({"country": "KE", "themes": ["LAWYERS"], "risk": "high",
               "confidential": {"defender_name": "Timer Person"}, "procedure": {"workflow": "trial_observation"}}),
    );
    let trial_case = trial["id"].as_str().unwrap().to_owned();
    let steps = format!(
        "/api/v1/procedures/{}/transitions",
        trial["procedure_id"].as_str().unwrap()
    );
    for (token, body) in crate::support::api::to_refused_access(&fp, &hod) {
        post(&steps, token, body);
    }
    let waiting = format!(
        "SELECT count(*) AS count FROM scheduled WHERE case_id = '{trial_case}' AND status = 'pending' AND due_at < now()"
    );
    let pending = crate::support::count_at(
        &pool,
        &format!("SELECT count(*) AS count FROM scheduled WHERE case_id = '{trial_case}' AND status = 'pending'"),
    );
    assert!(pending >= 1, "the refused access schedules its escalation");
    crate::support::count_at(
        &pool,
        &format!(
            "WITH due AS (UPDATE scheduled SET due_at = now() + interval '6 seconds'
             WHERE case_id = '{trial_case}' AND status = 'pending' RETURNING 1) SELECT count(*) AS count FROM due"
        ),
    );
    drop(pool);

    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = procedures
        .iter()
        .map(|(_, procedure)| {
            let (base, token, procedure, stop) = (serve.url(""), fp.clone(), procedure.clone(), stop.clone());
            std::thread::spawn(move || client(&base, &token, &procedure, &stop))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let primary = pair.primary();
    assert_eq!(primary, "node1", "{}", pair.logs());
    let killed = Instant::now();
    pair.kill(&primary);
    // Load goes on until the other node has been primary for a while, or gives up.
    let deadline = killed + Duration::from_secs(90);
    while Instant::now() < deadline && pair.primary() != "node2" {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(pair.primary(), "node2", "no failover within 90 s:\n{}", pair.logs());
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::Relaxed);
    let seen: Vec<Seen> = clients.into_iter().map(|client| client.join().unwrap()).collect();

    // What the new primary holds, case by case: one add_note event per acknowledgement.
    let pool = Db::connect_lazily(&url, 1).unwrap();
    // The timer and reminders made due during the switch were carried out on the new primary
    // (their leases are rows there): the escalation happened once.
    let waited = Instant::now();
    while crate::support::count_at(&pool, &waiting) > 0 && waited.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(
        crate::support::count_at(&pool, &waiting),
        0,
        "work due after the failover is still waiting"
    );
    let escalated = crate::support::count_at(
        &pool,
        &format!(
            "SELECT count(*) AS count FROM procedures WHERE case_id = '{trial_case}' AND workflow = 'eusr_review'"
        ),
    );
    assert_eq!(escalated, 1, "the escalation timer fired once");
    let dead = crate::support::count_at(
        &pool,
        &format!("SELECT count(*) AS count FROM scheduled WHERE case_id = '{trial_case}' AND status = 'dead'"),
    );
    assert_eq!(dead, 0, "scheduled work gave up during the failover");
    let mut report = Vec::new();
    let (mut acknowledged, mut found, mut duplicated, mut lost) = (0, 0, 0, 0);
    for ((case, _), seen) in procedures.iter().zip(&seen) {
        let notes = crate::support::count_at(
            &pool,
            &format!("SELECT count(*) AS count FROM case_events WHERE case_id = '{case}' AND action = 'add_note'"),
        ) as usize;
        acknowledged += seen.acknowledged;
        found += notes.min(seen.acknowledged);
        duplicated += notes.saturating_sub(seen.acknowledged);
        lost += seen.acknowledged.saturating_sub(notes);
    }
    let acks_after = seen.iter().flat_map(|s| &s.acks).filter(|at| **at > killed).count();
    // Unavailability: the longest time without any acknowledgement, from the kill on.
    let mut times: Vec<Instant> = seen
        .iter()
        .flat_map(|s| s.acks.clone())
        .filter(|at| *at > killed)
        .collect();
    times.insert(0, killed);
    times.sort();
    let unavailable = times
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).as_secs_f64())
        .fold(0.0, f64::max);
    let statuses: Vec<u16> = seen.iter().flat_map(|s| s.statuses.clone()).collect();
    let count = |status: u16| statuses.iter().filter(|s| **s == status).count();
    report.push(format!(
        "acknowledged {acknowledged}, found {found}, duplicated {duplicated}, lost {lost}; unavailable {unavailable:.1} s (the longest time without an acknowledgement after the kill); {acks_after} acknowledged after it; answers: {} × 200, {} × 503, {} × 500; {} broken connections",
        count(200),
        count(503),
        count(500),
        seen.iter().map(|s| s.transport_errors).sum::<usize>()
    ));
    eprintln!("failover: {}", report.join("; "));
    assert_eq!(lost, 0, "{report:?}");
    assert_eq!(duplicated, 0, "{report:?}");
    assert_eq!(count(500), 0, "{report:?}");
    assert!(count(503) > 0, "the switch was never seen: {report:?}");
    assert_eq!(
        seen.iter().map(|s| s.unavailable_without_retry_after).sum::<usize>(),
        0,
        "a 503 without Retry-After"
    );
    assert!(
        acks_after >= CLIENTS,
        "Vigil did not carry on on the new primary: {report:?}"
    );
    assert!(unavailable < 60.0, "{report:?}");
    // The service itself stayed up, and is ready on the new primary: at once or within a few
    // seconds (a pool connection made to the old primary may answer its last 503 first, as one
    // run on the shared machine saw).
    let ready_by = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let ready = loop {
        let status = serve.get("/readyz").unwrap().status();
        if status == 200 || std::time::Instant::now() > ready_by {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    };
    assert_eq!(ready, 200, "not ready on the new primary within 15 s");
}
