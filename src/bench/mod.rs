//! `vigil bench SCENARIO`: Vigil measured against the limits of the same machine, in the same
//! run, on a database of its own (created on the configured server, dropped afterwards).
//! Figures are medians of several runs; each scenario prints a table and writes
//! `target/bench/SCENARIO.json`. See BENCHMARKS.md.

pub mod http;
pub mod lists;
pub mod reads;
pub mod reminders;
pub mod scale;
pub mod serve;
pub mod transitions;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;

use crate::config::{Config, DatabaseUrl};
use crate::startup::Database;
use crate::store::{self, Db};

/// The database a bench runs on: `vigil_bench_<pid>` on the configured server, made anew
/// (so benches can run side by side), dropped at the end.
pub struct BenchDatabase {
    pub url: DatabaseUrl,
    name: String,
    server: Database,
}

impl BenchDatabase {
    pub fn create(config: &Config) -> anyhow::Result<Self> {
        let server = Database::open(config)?;
        let name = format!("vigil_bench_{}", std::process::id());
        let url = server.url.with_database(&name);
        store::admin::recreate_database(server.url.expose(), &name)
            .with_context(|| format!("cannot create the bench database on {}", server.url))?;
        store::migrations::run_pending_at(&url)?;
        Ok(Self { url, name, server })
    }

    pub fn pool(&self, size: u32) -> anyhow::Result<Db> {
        Ok(Db::connect_lazily(&self.url, size)?)
    }

    /// Runs `work` on a new bench database, then drops it, whether `work` succeeded or not.
    pub fn around<T>(config: &Config, work: impl FnOnce(&BenchDatabase) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let database = Self::create(config)?;
        let outcome = work(&database);
        let dropped = database.drop();
        let value = outcome?;
        dropped?;
        Ok(value)
    }

    /// Drops the bench database and stops the embedded cluster if this process started it.
    pub fn drop(self) -> anyhow::Result<()> {
        store::admin::drop_database_at(self.server.url.expose(), &self.name)?;
        self.server.close()
    }
}

/// A bench database with a delegation and one focal point, and a `vigil serve` on it.
pub struct Stage {
    pub db: Db,
    /// The workflows, as recorded in the bench database.
    pub registry: crate::workflow::Registry,
    pub served: serve::Served,
    /// The focal point, who owns every case the scenario makes.
    pub user_id: uuid::Uuid,
    /// The focal point's API token, and its prefix (for the pgbench scripts' token look-up).
    pub token: String,
    pub prefix: String,
}

impl Stage {
    /// Starts `vigil serve` with the configured pool (`VIGIL_DB_POOL_SIZE`, 10 by default), as a
    /// deployment would run it: a pool per client made PostgreSQL's backends contend on two cores
    /// (BENCHMARKS.md, "pool size").
    pub fn new(config: &Config, database: &BenchDatabase) -> anyhow::Result<Self> {
        let mut registry = crate::startup::load_workflows(&config.workflows_dir)?;
        let db = database.pool(2)?;
        crate::startup::sync_workflows(&db, &mut registry)?;
        let delegation = store::bench::DELEGATION;
        crate::commands::add_delegation(&db, delegation, "Bench delegation", None, "Africa/Nairobi", "sat,sun")?;
        let user = crate::commands::add_user(
            &db,
            "bench-focal-point@example.org",
            crate::domain::Role::FocalPoint,
            Some(delegation),
            None,
            30,
            &Default::default(),
        )?;
        let token = user.token.expose().clone();
        let prefix = token.split('_').nth(1).context("a token without a prefix")?.to_owned();
        let served = serve::Served::start(&database.url, &config.workflows_dir, config.db_pool_size)?;
        Ok(Self {
            db,
            registry,
            served,
            user_id: user.id,
            token,
            prefix,
        })
    }

    /// Generates `count` cases owned by the focal point, each with a démarche in one of its
    /// states (`store::bench::bulk_cases`); returns the seconds it took.
    pub fn generate_cases(&self, count: i64) -> anyhow::Result<f64> {
        let demarche = self
            .registry
            .get("demarche")
            .context("the bench needs the demarche workflow")?;
        let states: Vec<String> = demarche.definition.states.keys().cloned().collect();
        let version = demarche.version.clone();
        let owner = self.user_id;
        let generating = std::time::Instant::now();
        self.db
            .run_blocking(|conn| store::bench::bulk_cases(conn, owner, "demarche", &version, &states, count))?;
        let seconds = generating.elapsed().as_secs_f64();
        eprintln!("generated {count} cases in {seconds:.0} s");
        Ok(seconds)
    }
}

/// The runtime a bench drives its load and its dispatch from: two workers, as many as cores.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// The median of `samples` (the mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// This process's resident memory now, in MiB.
pub fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Samples this process's RSS every 20 ms until dropped; `peak_mb` is the highest seen.
pub struct RssWatch {
    peak_kb: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssWatch {
    pub fn start() -> Self {
        let (peak_kb, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let thread = {
            let (peak_kb, stop) = (peak_kb.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak_kb.fetch_max((rss_mb() * 1024.0) as u64, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        Self {
            peak_kb,
            stop,
            thread: Some(thread),
        }
    }

    pub fn peak_mb(&self) -> f64 {
        self.peak_kb.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

impl Drop for RssWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A local SMTP sink that accepts and discards: Debian's aiosmtpd (`python3-aiosmtpd`).
pub struct SmtpSink {
    child: Child,
    pub port: u16,
}

impl SmtpSink {
    pub fn start() -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Sink"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start aiosmtpd (Debian's python3-aiosmtpd; scripts/install-deps installs it)")?;
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(15) && child.try_wait()?.is_none(),
                "aiosmtpd did not start (Debian's python3-aiosmtpd; scripts/install-deps installs it)"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Self { child, port })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs pgbench with `script` (a pgbench script's text) and `args` against `database`;
/// returns the transactions per second it reports (without connection time).
pub fn pgbench(database: &DatabaseUrl, script: &str, args: &[String]) -> anyhow::Result<f64> {
    let dir = std::env::temp_dir().join(format!("vigil-pgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("script.sql");
    std::fs::write(&file, script)?;
    let binaries = crate::devdb::Binaries::find()?;
    let output = Command::new(binaries.tool("pgbench"))
        .args(["-n", "-M", "prepared", "-f"])
        .arg(&file)
        .args(args)
        .arg(database.expose())
        .output()
        .context("cannot run pgbench (in Debian's postgresql package; scripts/install-deps installs it)");
    let _ = std::fs::remove_dir_all(&dir);
    let output = output?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "pgbench failed: {}{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .context("pgbench printed no tps")
}

/// pgbench with `clients` clients on 2 threads for `seconds`, each `-D name=value` in
/// `defines` set; returns transactions per second.
pub fn pgbench_for(
    database: &DatabaseUrl,
    script: &str,
    clients: usize,
    seconds: u64,
    defines: &[(&str, String)],
) -> anyhow::Result<f64> {
    let mut args = vec![
        "-c".to_owned(),
        clients.to_string(),
        "-j".to_owned(),
        "2".to_owned(),
        "-T".to_owned(),
        seconds.to_string(),
    ];
    for (name, value) in defines {
        args.push("-D".to_owned());
        args.push(format!("{name}={value}"));
    }
    pgbench(database, script, &args)
}

/// The machine and the code a figure belongs to.
pub fn provenance() -> serde_json::Value {
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    serde_json::json!({
        "cores": std::thread::available_parallelism().map_or(0, usize::from),
        "commit": commit,
        "vigil_version": env!("CARGO_PKG_VERSION"),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}

/// Writes `report` to `dir/NAME.json`; returns the path.
pub fn write_report(dir: &Path, name: &str, report: &serde_json::Value) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(report)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert!(rss_mb() > 0.0);
    }
}
