//! `vigil-bench SCENARIO`: Vigil measured against the limits of the same machine, in the same
//! run, on a database of its own (created on the configured server, dropped afterwards).
//! Figures are medians of several runs; each scenario prints a table and writes
//! `target/bench/SCENARIO.json`. See BENCHMARKS.md.
//!
//! A crate of its own beside the service: nothing of it ships in `vigil`, and it uses only the
//! service's public API and SQL constants. It starts the `vigil` binary found beside its own
//! (a workspace build makes both), or the one `VIGIL_BIN` names.

mod attachments;
mod ceiling;
mod checkpoints;
mod data;
mod http;
mod lists;
mod reads;
mod reminders;
mod reports;
mod scale;
mod serve;
mod signing;
mod soak;
mod transitions;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;

use clap::Parser;
use vigil::config::{Config, ConfigArgs, DatabaseUrl};
use vigil::startup::Database;
use vigil::store::{self, Db};

/// Measures Vigil against the limits of this machine, in the same run (see BENCHMARKS.md).
#[derive(Debug, clap::Parser)]
#[command(name = "vigil-bench", version, about)]
pub struct BenchArgs {
    #[command(flatten)]
    config: ConfigArgs,
    scenario: BenchScenario,
    /// A short run (under two minutes) instead of the full one.
    #[arg(long)]
    quick: bool,
    /// How many due reminders to drain (a multiple of 200).
    #[arg(long)]
    reminders: Option<i64>,
    /// SMTP connections, for Vigil and the bare client alike (reminders).
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Leave out the graphile-worker comparison (reminders), which installs graphile-worker
    /// from npm on first use.
    #[arg(long)]
    without_graphile: bool,
    /// Concurrent HTTP clients, and pgbench clients (transitions: 32; reads: 64; lists: 8; soak: 16).
    #[arg(long)]
    clients: Option<usize>,
    /// How many cases to generate (lists, scale, checkpoints; default 1,000,000, 100,000 with --quick).
    #[arg(long)]
    cases: Option<i64>,
    /// How long each run drives the server (default 15, 5 with --quick; soak: 600, 120).
    #[arg(long)]
    seconds: Option<u64>,
    /// Runs to take the median of.
    #[arg(long)]
    runs: Option<usize>,
    /// Where SCENARIO.json is written.
    #[arg(long, default_value = "target/bench")]
    out: std::path::PathBuf,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BenchScenario {
    /// Due reminders claimed, sent to a local SMTP sink and marked sent.
    Reminders,
    /// Authenticated transitions with sealed data on distinct procedures, over HTTP.
    Transitions,
    /// Case reads with decryption, over HTTP.
    Reads,
    /// Pages of a delegation's cases with filters on, among 1,000,000 cases.
    Lists,
    /// 1,000,000 cases and 10,000,000 events: list and read latency, the claim's cost behind
    /// reminders not due, table and index sizes.
    Scale,
    /// The time a signed audit checkpoint takes over 1,000,000 cases.
    Checkpoints,
    /// Reports over 1,000,000 cases, each beside the plain GROUP BY of the same rows.
    Reports,
    /// Five 50 MiB attachments uploaded at once, and read back: throughput beside age's own
    /// command line over the same bytes, and the server's peak memory.
    Attachments,
    /// Ten minutes of mixed load (notes, reads, timelines, lists, access logs, exports): does
    /// the server's memory stay bounded?
    Soak,
}

fn run(config: &Config, args: BenchArgs) -> anyhow::Result<()> {
    let BenchArgs {
        config: _,
        scenario,
        quick,
        reminders,
        connections,
        without_graphile,
        clients,
        cases,
        seconds,
        runs,
        out,
    } = args;
    let runs = runs.unwrap_or(if quick { 1 } else { 3 }).max(1);
    match scenario {
        BenchScenario::Reminders => {
            let options = reminders::Options {
                reminders: reminders.unwrap_or(if quick { 2_000 } else { 20_000 }),
                connections: connections.clamp(1, 64),
                runs,
                graphile: !without_graphile,
            };
            reminders::run(config, &options, &out).map(drop)
        }
        BenchScenario::Transitions => {
            let options = transitions::Options {
                clients: clients.unwrap_or(32).clamp(1, 256),
                seconds: seconds.unwrap_or(if quick { 5 } else { 15 }).max(1),
                runs,
            };
            transitions::run(config, &options, &out).map(drop)
        }
        BenchScenario::Reads => {
            let options = reads::Options {
                clients: clients.unwrap_or(64).clamp(1, 256),
                cases: 256,
                seconds: seconds.unwrap_or(if quick { 5 } else { 15 }).max(1),
                runs,
            };
            reads::run(config, &options, &out).map(drop)
        }
        BenchScenario::Scale => {
            let cases = cases.unwrap_or(if quick { 100_000 } else { 1_000_000 }).max(1);
            let options = scale::Options {
                cases,
                events_per_case: 10,
                not_due: cases,
                clients: clients.unwrap_or(8).clamp(1, 256),
                seconds: seconds.unwrap_or(if quick { 3 } else { 10 }).max(1),
                runs,
            };
            scale::run(config, &options, &out).map(drop)
        }
        BenchScenario::Checkpoints => {
            let options = checkpoints::Options {
                cases: cases.unwrap_or(if quick { 100_000 } else { 1_000_000 }).max(1),
                runs,
            };
            checkpoints::run(config, &options, &out).map(drop)
        }
        BenchScenario::Attachments => {
            let options = attachments::Options {
                clients: clients.unwrap_or(5).clamp(1, 32),
                mebibytes: if quick { 10 } else { 50 },
                runs,
            };
            attachments::run(config, &options, &out).map(drop)
        }
        BenchScenario::Soak => {
            let seconds = seconds.unwrap_or(if quick { 120 } else { 600 }).max(10);
            let options = soak::Options {
                clients: clients.unwrap_or(16).clamp(1, 256),
                seconds,
                baseline_at: 60.min(seconds / 4),
            };
            soak::run(config, &options, &out).map(drop)
        }
        BenchScenario::Reports => {
            let options = reports::Options {
                cases: cases.unwrap_or(if quick { 100_000 } else { 1_000_000 }).max(1),
                events_per_case: 10,
                runs: runs.max(3),
            };
            reports::run(config, &options, &out).map(drop)
        }
        BenchScenario::Lists => {
            let options = lists::Options {
                cases: cases.unwrap_or(if quick { 100_000 } else { 1_000_000 }).max(1),
                clients: clients.unwrap_or(8).clamp(1, 256),
                seconds: seconds.unwrap_or(if quick { 5 } else { 15 }).max(1),
                runs,
            };
            lists::run(config, &options, &out).map(drop)
        }
    }
}

fn main() -> std::process::ExitCode {
    let args = match BenchArgs::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                std::process::ExitCode::from(2)
            } else {
                std::process::ExitCode::SUCCESS
            };
        }
    };
    let config = match Config::from_args(args.config.clone()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("vigil-bench: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    vigil::telemetry::init(&config.log);
    match run(&config, args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigil-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The `vigil` binary the benches start: `VIGIL_BIN`, or the one beside this one.
fn vigil_binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("VIGIL_BIN") {
        return Ok(PathBuf::from(path));
    }
    let beside = std::env::current_exe()?.with_file_name("vigil");
    anyhow::ensure!(
        beside.exists(),
        "no vigil binary at {}: build the workspace (cargo build --release) or set VIGIL_BIN",
        beside.display()
    );
    Ok(beside)
}

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
        // The bench loads, truncates and vacuums its tables: it works as their owner.
        let owner = server.owner_url();
        let url = owner.with_database(&name);
        store::admin::recreate_database(owner.expose(), &name)
            .with_context(|| format!("cannot create the bench database on {owner}"))?;
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
        store::admin::drop_database_at(self.server.owner_url().expose(), &self.name)?;
        self.server.close()
    }
}

/// A bench database with a delegation and one focal point, and a `vigil serve` on it.
pub struct Stage {
    pub db: Db,
    /// The workflows, as recorded in the bench database.
    pub registry: vigil::workflow::Registry,
    pub served: serve::Served,
    /// The focal point, who owns every case the scenario makes.
    pub user_id: vigil::domain::UserId,
    /// The focal point's API token, and its prefix (for the pgbench scripts' token look-up).
    pub token: String,
    pub prefix: String,
}

impl Stage {
    /// Starts `vigil serve` with the configured pool (`VIGIL_DB_POOL_SIZE`, 10 by default), as a
    /// deployment would run it: a pool per client made PostgreSQL's backends contend on two cores
    /// (BENCHMARKS.md, "pool size").
    pub fn new(config: &Config, database: &BenchDatabase) -> anyhow::Result<Self> {
        Self::serving_with(config, database, &[])
    }

    /// As [`Stage::new`], the server started with `settings` (variables and their values).
    pub fn serving_with(config: &Config, database: &BenchDatabase, settings: &[(&str, &str)]) -> anyhow::Result<Self> {
        let mut registry = vigil::startup::load_workflows(&config.workflows_dir)?;
        let db = database.pool(2)?;
        vigil::startup::sync_workflows(&db, &mut registry)?;
        let delegation = crate::data::DELEGATION;
        vigil::commands::add_delegation(&db, delegation, "Bench delegation", None, "Africa/Nairobi", "sat,sun")?;
        let user = vigil::commands::add_user(
            &db,
            "bench-focal-point@example.org",
            vigil::domain::Role::FocalPoint,
            Some(delegation),
            None,
            30,
            &Default::default(),
        )?;
        let token = user.token.expose().clone();
        let prefix = token.split('_').nth(1).context("a token without a prefix")?.to_owned();
        let served = serve::Served::start(&database.url, &config.workflows_dir, config.db_pool_size, settings)?;
        Ok(Self {
            db,
            registry,
            served,
            user_id: user.id,
            token,
            prefix,
        })
    }

    /// The loaded version of the workflow `name` and its states.
    pub fn version_and_states(&self, name: &str) -> anyhow::Result<(String, Vec<String>)> {
        let workflow = self
            .registry
            .get(name)
            .with_context(|| format!("the bench needs the {name} workflow"))?;
        Ok((
            workflow.version.clone(),
            workflow.definition.states.keys().cloned().collect(),
        ))
    }

    /// Generates `count` cases owned by the focal point, each with a démarche in one of its
    /// states (`crate::data::bulk_cases`); returns the seconds it took.
    pub fn generate_cases(&self, count: i64) -> anyhow::Result<f64> {
        let (version, states) = self.version_and_states("demarche")?;
        let owner = self.user_id;
        let generating = std::time::Instant::now();
        self.db
            .run_blocking(|conn| crate::data::bulk_cases(conn, owner, "demarche", &version, &states, count))?;
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
    let binaries = vigil::devdb::Binaries::find()?;
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
