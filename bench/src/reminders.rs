//! `vigil-bench reminders`: N due reminders claimed, sent to a local SMTP sink and marked sent,
//! next to two ceilings measured in the same run on the same machine:
//! - SQL: pgbench running the claim and the completion Vigil issues (the very statements, from
//!   `store::cases`), one client, batches of the same size;
//! - SMTP: Python's smtplib pushing as many ~1 KB messages into the same sink over as many
//!   connections.
//!
//! Also measured: Vigil's claim-and-mark path alone (mail discarded), beside graphile-worker
//! (from npm, where Node.js is present) draining as many no-op jobs with the same concurrency,
//! and the peak RSS of this process while it drains the reminders (flat means it does not grow
//! with N).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;

use super::{BenchDatabase, RssWatch, SmtpSink, median, rss_mb};
use crate::data;
use vigil::config::Config;
use vigil::mail::Mailer;
use vigil::mail::Outbox;
use vigil::reminders::dispatch;
use vigil::startup::{load_workflows, sync_workflows};
use vigil::store::Db;
use vigil::store::scheduled;
use vigil::workflow::Registry;

const SMTP_PUSH: &str = include_str!("smtp_push.py");
const GRAPHILE_DRAIN: &str = include_str!("graphile_drain.js");
/// The graphile-worker release the reference installs from npm.
const GRAPHILE_WORKER: &str = "graphile-worker@0.16";
/// Cases the reminders are spread over.
const CASES: i64 = 1_000;

#[derive(Debug, Clone)]
pub struct Options {
    pub reminders: i64,
    pub connections: usize,
    pub runs: usize,
    /// Also drain as many jobs with graphile-worker (Node.js and npm needed).
    pub graphile: bool,
}

/// One run's figures, in reminders (or messages) per second.
#[derive(Debug, Default, Clone, Copy)]
struct Run {
    vigil: f64,
    vigil_null: f64,
    sql: f64,
    smtp: f64,
    /// graphile-worker draining as many no-op jobs; none without Node.js and npm.
    graphile: Option<f64>,
    peak_rss_mb: f64,
}

pub fn run(config: &Config, options: &Options, out_dir: &Path) -> anyhow::Result<serde_json::Value> {
    anyhow::ensure!(
        options.reminders >= dispatch::BATCH && options.reminders % dispatch::BATCH == 0,
        "--reminders takes a multiple of {} (the batch size), so pgbench runs whole batches",
        dispatch::BATCH
    );
    let mut registry = load_workflows(&config.workflows_dir)?;
    let outcome = BenchDatabase::around(config, |database| {
        let db = database.pool(4)?;
        sync_workflows(&db, &mut registry)?;
        let demarche = registry
            .get("demarche")
            .context("the bench needs the demarche workflow")?;
        let state = demarche.initial_state().to_owned();
        let version = demarche.version.clone();
        db.run_blocking(|conn| data::seed(conn, "demarche", &version, &state, CASES))?;
        let sink = SmtpSink::start()?;
        let runtime = super::runtime()?;
        let rss_before = rss_mb();
        let mut runs = Vec::new();
        for round in 1..=options.runs {
            let run = measure(&runtime, &db, &registry, database, &sink, options, out_dir)?;
            eprintln!(
                "run {round}/{}: vigil {:.0}/s, vigil (mail discarded) {:.0}/s, pgbench SQL {:.0}/s, smtplib {:.0}/s, graphile-worker {}",
                options.runs,
                run.vigil,
                run.vigil_null,
                run.sql,
                run.smtp,
                run.graphile.map_or("not measured".into(), |g| format!("{g:.0}/s"))
            );
            runs.push(run);
        }
        Ok::<_, anyhow::Error>((runs, rss_before))
    })?;
    let (runs, rss_before) = outcome;

    let pick = |f: fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let (vigil, vigil_null, sql, smtp) = (
        pick(|r| r.vigil),
        pick(|r| r.vigil_null),
        pick(|r| r.sql),
        pick(|r| r.smtp),
    );
    let reference = sql.min(smtp);
    let graphile: Vec<f64> = runs.iter().filter_map(|r| r.graphile).collect();
    let graphile = (!graphile.is_empty()).then(|| median(&graphile));
    let peak = runs.iter().map(|r| r.peak_rss_mb).fold(0.0, f64::max);
    let report = serde_json::json!({
        "scenario": "reminders",
        "reminders": options.reminders,
        "connections": options.connections,
        "runs": options.runs,
        "vigil_per_s": vigil.round(),
        "vigil_null_transport_per_s": vigil_null.round(),
        "reference_sql_per_s": sql.round(),
        "reference_smtp_per_s": smtp.round(),
        "reference_per_s": reference.round(),
        "graphile_worker_per_s": graphile.map(f64::round),
        "vigil_null_vs_graphile_worker": graphile.map(|g| (vigil_null / g * 100.0).round() / 100.0),
        "ratio": (vigil / reference * 100.0).round() / 100.0,
        "rss_mb": (peak * 10.0).round() / 10.0,
        "rss_before_mb": (rss_before * 10.0).round() / 10.0,
        "machine": super::provenance(),
    });
    let path = super::write_report(out_dir, "reminders", &report)?;
    println!(
        "reminders: {} due, {} SMTP connections, median of {} runs",
        options.reminders, options.connections, options.runs
    );
    println!(
        "  {:<44} {:>10.0} /s",
        "vigil: claim, send to the sink, mark sent", vigil
    );
    println!(
        "  {:<44} {:>10.0} /s",
        "vigil: claim and mark, mail discarded", vigil_null
    );
    println!(
        "  {:<44} {:>10.0} /s",
        "ceiling: pgbench, the same claim+complete SQL", sql
    );
    println!("  {:<44} {:>10.0} /s", "ceiling: smtplib into the same sink", smtp);
    match graphile {
        Some(g) => {
            println!(
                "  {:<44} {:>10.0} /s",
                "graphile-worker: no-op jobs, same concurrency", g
            );
            println!(
                "  {:<44} {:>10.2}",
                "vigil (mail discarded) / graphile-worker",
                vigil_null / g
            );
        }
        None if options.graphile => println!("  graphile-worker: not measured (Node.js and npm are needed)"),
        None => println!("  graphile-worker: left out (--without-graphile)"),
    }
    println!("  {:<44} {:>10.2}", "ratio (vigil / lower ceiling)", vigil / reference);
    println!(
        "  {:<44} {:>7.1} MB (before {:.1} MB)",
        "peak RSS while draining", peak, rss_before
    );
    println!("  written to {}", path.display());
    Ok(report)
}

fn measure(
    runtime: &tokio::runtime::Runtime,
    db: &Db,
    registry: &Registry,
    database: &BenchDatabase,
    sink: &SmtpSink,
    options: &Options,
    out_dir: &Path,
) -> anyhow::Result<Run> {
    let n = options.reminders;
    let drain = |outbox: Outbox| -> anyhow::Result<(f64, f64)> {
        db.run_blocking(|conn| data::load_due_reminders(conn, "demarche.decision_due", n, Utc::now()))?;
        let mailer = Mailer {
            outbox,
            from: "vigil@bench.example".into(),
            public_url: "https://vigil.bench.example/".into(),
            catalog: Default::default(),
        };
        let watch = RssWatch::start();
        let started = Instant::now();
        let pass = runtime.block_on(dispatch::send_due(db, registry, &mailer, Utc::now()))?;
        let elapsed = started.elapsed().as_secs_f64();
        let pending = db.run_blocking(data::pending_reminders)?;
        anyhow::ensure!(
            pass.sent as i64 == n && pending == 0,
            "the bench sent {} of {n} reminders ({} failed, {pending} left)",
            pass.sent,
            pass.failed
        );
        Ok((n as f64 / elapsed, watch.peak_mb()))
    };
    let (vigil, peak_rss_mb) = drain(Outbox::smtp_with(&sink.url(), options.connections)?)?;
    let (vigil_null, _) = drain(Outbox::Discard)?;
    db.run_blocking(|conn| data::load_due_reminders(conn, "demarche.decision_due", n, Utc::now()))?;
    let sql = pgbench(database, n)?;
    let smtp = smtplib(sink, n, options.connections)?;
    let graphile = options
        .graphile
        .then(|| graphile(database, n, options.connections, &out_dir.join("tools")))
        .flatten();
    Ok(Run {
        vigil,
        vigil_null,
        sql,
        smtp,
        graphile,
        peak_rss_mb,
    })
}

/// pgbench running Vigil's own claim and completion statements, a batch per transaction.
fn pgbench(database: &BenchDatabase, n: i64) -> anyhow::Result<f64> {
    let batch = dispatch::BATCH;
    let params = |sql: &str, names: &[&str]| {
        names.iter().enumerate().rev().fold(sql.to_owned(), |sql, (i, name)| {
            sql.replace(&format!("${}", i + 1), &format!(":{name}"))
        })
    };
    let script = format!(
        "WITH claimed AS ({}) SELECT array_agg(delegation) AS d, array_agg(id) AS i, array_agg(case_id) AS c FROM claimed \\gset\n{};\n{};\n",
        params(scheduled::CLAIM_DUE_SQL, &["now", "lease_until", "batch", "kind"]),
        params(scheduled::COMPLETE_ALL_SQL, &["d", "i"]),
        params(scheduled::REFRESH_NEXT_DUE_SQL, &["d", "c"]),
    );
    let now = Utc::now();
    let args = [
        "-c".to_owned(),
        "1".to_owned(),
        "-t".to_owned(),
        (n / batch).to_string(),
        "-D".to_owned(),
        format!("now={}", now.to_rfc3339()),
        "-D".to_owned(),
        format!("lease_until={}", (now + chrono::Duration::minutes(2)).to_rfc3339()),
        "-D".to_owned(),
        format!("batch={batch}"),
        "-D".to_owned(),
        "kind=reminder".to_owned(),
    ];
    let tps = super::pgbench(&database.url, &script, &args)?;
    Ok(tps * batch as f64)
}

fn smtplib(sink: &SmtpSink, n: i64, connections: usize) -> anyhow::Result<f64> {
    let output = Command::new("/usr/bin/python3")
        .args(["-c", SMTP_PUSH, "127.0.0.1"])
        .args([sink.port.to_string(), n.to_string(), connections.to_string()])
        .output()
        .context("cannot run python3")?;
    anyhow::ensure!(
        output.status.success(),
        "the smtplib client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .context("the smtplib client printed no rate")
}

/// graphile-worker (installed from npm into `tools` on first use) draining `n` no-op jobs on the
/// same server with `concurrency`; none, with the reason on standard error, where Node.js or
/// npm is missing or the install fails: it is a comparison, not a ceiling.
fn graphile(database: &BenchDatabase, n: i64, concurrency: usize, tools: &Path) -> Option<f64> {
    let attempt = || -> anyhow::Result<f64> {
        let dir = tools.join("graphile-worker");
        if !dir.join("node_modules/graphile-worker").exists() {
            std::fs::create_dir_all(&dir)?;
            let installed = Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
                .arg(&dir)
                .arg(GRAPHILE_WORKER)
                .output()
                .context("cannot run npm")?;
            anyhow::ensure!(
                installed.status.success(),
                "npm install {GRAPHILE_WORKER} failed: {}",
                String::from_utf8_lossy(&installed.stderr)
            );
        }
        let script = dir.join("graphile_drain.js");
        std::fs::write(&script, GRAPHILE_DRAIN)?;
        let output = Command::new("node")
            .arg(&script)
            .arg(database.url.expose())
            .args([n.to_string(), concurrency.to_string()])
            .current_dir(&dir)
            .output()
            .context("cannot run node")?;
        anyhow::ensure!(
            output.status.success(),
            "graphile-worker failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .parse()
            .context("graphile-worker printed no rate")
    };
    attempt()
        .inspect_err(|e| eprintln!("graphile-worker not measured: {e:#}"))
        .ok()
}
