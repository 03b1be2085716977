//! Running the real `vigil` binary: commands with a clean environment, and a `serve` process
//! that is stopped (and its cluster with it) when the test ends, pass or fail.

use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The variables Vigil reads, removed so the caller's environment cannot leak into a test.
const VIGIL_VARIABLES: &[&str] = &[
    "VIGIL_HOME",
    "VIGIL_LISTEN",
    "DATABASE_URL",
    "VIGIL_MIGRATE_DATABASE_URL",
    "VIGIL_EMBEDDED_DB",
    "VIGIL_DB_POOL_SIZE",
    "SMTP_URL",
    "VIGIL_IDENTITY_FILE",
    "VIGIL_RECIPIENTS",
    "VIGIL_INDEX_KEY_FILE",
    "VIGIL_SIGNING_KEY_FILE",
    "VIGIL_CHECKPOINT_FILE",
    "VIGIL_CHECKPOINT_INTERVAL",
    "VIGIL_AUDITOR_EMAIL",
    "VIGIL_WORKFLOWS_DIR",
    "VIGIL_PUBLIC_URL",
    "VIGIL_LOG",
    "VIGIL_MAX_BODY",
    "VIGIL_LOG_FORMAT",
    "VIGIL_BODY_TIMEOUT",
    "VIGIL_AUTH_FAILURES",
    "VIGIL_DB_WAIT",
];

/// A `vigil` command with only the given home set.
pub fn vigil(home: &Path) -> Command {
    configured(Command::new(env!("CARGO_BIN_EXE_vigil")), home)
}

/// Adds, through the command line of `home`, the delegation EUD_KE (Kenya, on Nairobi's clock).
pub fn cli_kenya(home: &Path) {
    let args = [
        "delegations",
        "add",
        "EUD_KE",
        "--name",
        "Kenya",
        "--time-zone",
        "Africa/Nairobi",
    ];
    let done = vigil(home).args(args).output().unwrap();
    assert!(done.status.success(), "{args:?}: {}", stderr(&done));
}

/// Adds, through the command line of `home`, the delegation EUD_KE and its focal point
/// fp@example.org; returns the token `vigil users add` printed.
pub fn cli_focal_point(home: &Path) -> String {
    cli_kenya(home);
    let args = [
        "users",
        "add",
        "--email",
        "fp@example.org",
        "--role",
        "focal_point",
        "--delegation",
        "EUD_KE",
    ];
    let done = vigil(home).args(args).output().unwrap();
    assert!(done.status.success(), "{args:?}: {}", stderr(&done));
    let printed = String::from_utf8(done.stdout).unwrap();
    printed.lines().last().unwrap_or_default().to_owned()
}

/// A `vigil-bench` command (the bench crate's binary, which a workspace build puts beside
/// `vigil`), set up as [`vigil`] is.
pub fn vigil_bench(home: &Path) -> Command {
    let program = Path::new(env!("CARGO_BIN_EXE_vigil")).with_file_name("vigil-bench");
    assert!(
        program.exists(),
        "{} is not built: `cargo build --workspace --bins` first (scripts/test does)",
        program.display()
    );
    configured(Command::new(program), home)
}

fn configured(mut command: Command, home: &Path) -> Command {
    for variable in VIGIL_VARIABLES {
        command.env_remove(variable);
    }
    command
        .env("VIGIL_HOME", home)
        .env("VIGIL_WORKFLOWS_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/workflows"))
        .env("VIGIL_IDENTITY_FILE", &super::keys::files().0)
        .env("VIGIL_INDEX_KEY_FILE", &super::keys::files().1)
        .env("VIGIL_SIGNING_KEY_FILE", &super::keys::files().2)
        .current_dir(home.parent().unwrap_or(home));
    command
}

/// A home directory the cluster's user (postgres, when tests run as root) can reach.
pub fn reachable_home() -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("vigil-home-").tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

pub fn free_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `vigil serve` on the test database `db`, with the settings `env` besides; the home it runs
/// in is handed back with it, to live as long as it.
pub fn serve_on(db: &super::TestDb, env: &[(&str, &str)]) -> (Serve, tempfile::TempDir) {
    let home = reachable_home();
    let mut command = vigil(home.path());
    command.env("DATABASE_URL", db.url.expose()).envs(env.iter().copied());
    (Serve::start(command), home)
}

/// A running `vigil serve`.
pub struct Serve {
    child: Option<Child>,
    pub address: SocketAddr,
    pub log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Serve {
    /// Starts `command` (a `vigil(...)` to which `serve` is added) and waits until `/readyz` is 200.
    pub fn start(mut command: Command) -> Self {
        let address = free_address();
        let log_dir = tempfile::tempdir().unwrap();
        let log = log_dir.path().join("vigil.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let child = command
            .arg("serve")
            .env("VIGIL_LISTEN", address.to_string())
            .env("VIGIL_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .unwrap();
        let mut serve = Self {
            child: Some(child),
            address,
            log,
            _log_dir: log_dir,
        };
        serve.wait_ready(Duration::from_secs(60));
        serve
    }

    fn wait_ready(&mut self, limit: Duration) {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("vigil serve exited with {status} before it was ready:\n{}", self.logs());
            }
            if self.get("/readyz").is_ok_and(|r| r.status() == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("vigil serve was not ready after {limit:?}:\n{}", self.logs());
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A GET whose error statuses are responses too.
    pub fn get(&self, path: &str) -> Result<ureq::Response, Box<ureq::Transport>> {
        match ureq::get(&self.url(path)).timeout(Duration::from_secs(30)).call() {
            Ok(response) | Err(ureq::Error::Status(_, response)) => Ok(response),
            Err(ureq::Error::Transport(transport)) => Err(Box::new(transport)),
        }
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.as_ref().unwrap().id() as i32)
    }

    pub fn signal(&self, signal: Signal) {
        kill(self.pid(), signal).unwrap();
    }

    /// Waits for the process to exit, at most `limit`; None if it is still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut()?.try_wait().unwrap() {
                self.child = None;
                return Some(status);
            }
            if started.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, and the exit status once it is gone.
    pub fn stop(&mut self) -> ExitStatus {
        self.signal(Signal::SIGTERM);
        self.wait_exit(Duration::from_secs(15))
            .expect("vigil serve did not stop within 15 s of SIGTERM")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
            if self.wait_exit(Duration::from_secs(15)).is_none()
                && let Some(mut child) = self.child.take()
            {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// The postmaster of the cluster under `data`, if one is running.
pub fn postmaster_pid(data: &Path) -> Option<Pid> {
    let text = std::fs::read_to_string(data.join("postmaster.pid")).ok()?;
    let pid = Pid::from_raw(text.lines().next()?.trim().parse().ok()?);
    kill(pid, None).is_ok().then_some(pid)
}

/// Stops a cluster a test left running on purpose (or by failing), and waits for it to go.
pub struct ClusterGuard(pub PathBuf);

impl Drop for ClusterGuard {
    fn drop(&mut self) {
        if let Some(pid) = postmaster_pid(&self.0) {
            let _ = kill(pid, Signal::SIGINT);
            let started = Instant::now();
            while kill(pid, None).is_ok() && started.elapsed() < Duration::from_secs(20) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// A program from Debian's packages: unpacked by `scripts/install-deps` under `VIGIL_TOOLS`
/// (`unpacked`, e.g. `usr/sbin/nginx`), else the one on `PATH`.
pub fn debian_tool(unpacked: &str) -> PathBuf {
    let tools = std::env::var_os("VIGIL_TOOLS").map_or_else(|| "/var/tmp/vigil-tools".into(), PathBuf::from);
    let path = tools.join(unpacked);
    if path.exists() {
        path
    } else {
        Path::new(unpacked)
            .file_name()
            .map_or_else(|| path.clone(), PathBuf::from)
    }
}

/// A server a test started (nginx, pgbouncer) in a process group of its own, stopped when
/// dropped: SIGTERM to its group, then SIGKILL to what is left of it; nothing else is touched.
pub struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    /// Starts `command` (its output thrown away; it logs to `log`) and waits until it accepts
    /// connections on loopback `port`.
    pub fn start(mut command: Command, port: u16, log: PathBuf) -> Self {
        use std::os::unix::process::CommandExt;
        let program = command.get_program().to_string_lossy().into_owned();
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e} (scripts/install-deps provides it)"));
        let mut daemon = Self { child, log };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = daemon.child.try_wait().unwrap() {
                panic!("{program} exited with {status}: {}", daemon.log());
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{program} did not start: {}",
                daemon.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        daemon
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let group = Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::killpg(group, Signal::SIGTERM);
        let started = Instant::now();
        while self.child.try_wait().ok().flatten().is_none() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = nix::sys::signal::killpg(group, Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Serve {
    /// A JSON request with `token`, its error statuses answers too: the status and the body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let request = ureq::request(method, &self.url(path))
            .set("Authorization", &format!("Bearer {token}"))
            .timeout(Duration::from_secs(30));
        let answer = match body {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        let response = match answer {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = response.status();
        (status, response.into_json().unwrap_or(serde_json::Value::Null))
    }
}
