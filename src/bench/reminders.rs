//! `vigil bench reminders`: N due reminders claimed, sent to a local SMTP sink and marked sent,
//! next to two ceilings measured in the same run on the same machine:
//! - SQL: pgbench running the claim and the completion Vigil issues (the very statements, from
//!   `store::cases`), one client, batches of the same size;
//! - SMTP: Python's smtplib pushing as many ~1 KB messages into the same sink over as many
//!   connections.
//!
//! Also measured: Vigil's claim-and-mark path alone (mail discarded), and the peak RSS of this
//! process while it drains the reminders (flat means it does not grow with N).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;

use super::{BenchDatabase, RssWatch, SmtpSink, median, rss_mb};
use crate::config::Config;
use crate::reminders::dispatch::{self, Mailer};
use crate::reminders::mail::Outbox;
use crate::startup::{load_workflows, sync_workflows};
use crate::store::{Db, bench as data, cases as rows};
use crate::workflow::Registry;

const SMTP_PUSH: &str = include_str!("smtp_push.py");
/// Cases the reminders are spread over.
const CASES: i64 = 1_000;

#[derive(Debug, Clone)]
pub struct Options {
    pub reminders: i64,
    pub connections: usize,
    pub runs: usize,
}

/// One run's figures, in reminders (or messages) per second.
#[derive(Debug, Default, Clone, Copy)]
struct Run {
    vigil: f64,
    vigil_null: f64,
    sql: f64,
    smtp: f64,
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
            let run = measure(&runtime, &db, &registry, database, &sink, options)?;
            eprintln!(
                "run {round}/{}: vigil {:.0}/s, vigil (mail discarded) {:.0}/s, pgbench SQL {:.0}/s, smtplib {:.0}/s",
                options.runs, run.vigil, run.vigil_null, run.sql, run.smtp
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
    Ok(Run {
        vigil,
        vigil_null,
        sql,
        smtp,
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
        params(rows::CLAIM_DUE_SQL, &["now", "lease_until", "batch", "kind"]),
        params(rows::COMPLETE_ALL_SQL, &["d", "i"]),
        params(rows::REFRESH_NEXT_DUE_SQL, &["d", "c"]),
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
