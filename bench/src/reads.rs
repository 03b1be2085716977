//! `vigil-bench reads`: `GET /api/v1/cases/{id}` (the case and its procedures decrypted, the
//! read recorded in the access log) by concurrent clients over HTTP, next to two ceilings
//! measured in the same run:
//! - the database: pgbench running the least one read needs (`read.sql`: the token, the case
//!   with its key, its procedures, the access line), as many clients;
//! - HTTP: an actix-web handler in this process returning a fixed JSON body as large as a case,
//!   driven by the same load generator with as many clients.
//!
//! `ratio` is against the database ceiling (the target); both are reported.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::http::{Client, Latencies};
use super::transitions::open_cases;
use super::{BenchDatabase, Stage, median};
use crate::ceiling::FixedServer;
use crate::data;
use vigil::config::Config;

const READ_SQL: &str = include_str!("read.sql");

#[derive(Debug, Clone)]
pub struct Options {
    pub clients: usize,
    pub cases: usize,
    pub seconds: u64,
    pub runs: usize,
}

#[derive(Debug, Clone, Copy)]
struct Run {
    vigil: f64,
    /// The same, while a checkpoint is signed every second.
    vigil_signing: f64,
    database: f64,
    http: f64,
    p50_ms: f64,
    p99_ms: f64,
}

pub fn run(config: &Config, options: &Options, out_dir: &Path) -> anyhow::Result<serde_json::Value> {
    let outcome = BenchDatabase::around(config, |database| {
        let Stage {
            db,
            served,
            token,
            prefix,
            ..
        } = Stage::new(config, database)?;
        let runtime = super::runtime()?;
        let opened = runtime.block_on(open_cases(served.port, &token, options.cases))?;
        let paths: Vec<String> = opened.iter().map(|(case, _)| format!("/api/v1/cases/{case}")).collect();
        db.run_blocking(data::number_targets)?;
        // The HTTP ceiling answers with a body as large as a case's.
        let (probe, _) = runtime.block_on(async {
            let mut client = Client::connect(served.port).await?;
            client.request("GET", &paths[0], &token, None).await
        })?;
        anyhow::ensure!(probe.status == 200, "reading a case: {}", probe.status);
        let fixed = runtime.block_on(FixedServer::start(probe.body.len()))?;
        let length = Duration::from_secs(options.seconds);
        let signer = Arc::new(served.signer()?);
        let mut runs = Vec::new();
        let read_all = || runtime.block_on(drive_gets(served.port, &token, &paths, options.clients, length));
        for round in 1..=options.runs {
            let (count, elapsed, latencies, _) = read_all()?;
            let signing = crate::signing::Signing::start(db.clone(), signer.clone());
            let (signing_count, signing_elapsed, _, _) = read_all()?;
            let signed = signing.finish()?;
            anyhow::ensure!(signed > 0, "no checkpoint was signed beside the reads");
            let fixed_paths = vec!["/fixed".to_owned()];
            let (http_count, http_elapsed, _, _) =
                runtime.block_on(drive_gets(fixed.port, &token, &fixed_paths, options.clients, length))?;
            let defines = [("prefix", prefix.clone()), ("count", options.cases.to_string())];
            let run = Run {
                vigil: count as f64 / elapsed.as_secs_f64(),
                vigil_signing: signing_count as f64 / signing_elapsed.as_secs_f64(),
                database: super::pgbench_for(&database.url, READ_SQL, options.clients, options.seconds, &defines)?,
                http: http_count as f64 / http_elapsed.as_secs_f64(),
                p50_ms: latencies.quantile_ms(0.5),
                p99_ms: latencies.quantile_ms(0.99),
            };
            eprintln!(
                "run {round}/{}: vigil {:.0}/s (p50 {:.1} ms, p99 {:.1} ms), {:.0}/s while signing {signed} checkpoints, pgbench, the least a read needs, {:.0}/s, fixed JSON over actix-web {:.0}/s",
                options.runs, run.vigil, run.p50_ms, run.p99_ms, run.vigil_signing, run.database, run.http
            );
            runs.push(run);
        }
        runtime.block_on(fixed.stop());
        Ok::<_, anyhow::Error>((runs, served.peak_rss_mb(), probe.body.len()))
    })?;
    let (runs, rss, body_bytes) = outcome;

    let pick = |f: fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let (vigil, database_ceiling, http) = (pick(|r| r.vigil), pick(|r| r.database), pick(|r| r.http));
    let signing_ratio = pick(|r| r.vigil_signing / r.vigil);
    let (p50, p99) = (pick(|r| r.p50_ms), pick(|r| r.p99_ms));
    let report = serde_json::json!({
        "scenario": "reads",
        "clients": options.clients,
        "cases": options.cases,
        "seconds": options.seconds,
        "runs": options.runs,
        "body_bytes": body_bytes,
        "vigil_per_s": vigil.round(),
        "vigil_signing_per_s": pick(|r| r.vigil_signing).round(),
        "signing_ratio": (signing_ratio * 100.0).round() / 100.0,
        "reference_per_s": database_ceiling.round(),
        "http_ceiling_per_s": http.round(),
        "ratio": (vigil / database_ceiling * 100.0).round() / 100.0,
        "ratio_to_http_ceiling": (vigil / http * 100.0).round() / 100.0,
        "p50_ms": (p50 * 100.0).round() / 100.0,
        "p99_ms": (p99 * 100.0).round() / 100.0,
        "rss_mb": (rss * 10.0).round() / 10.0,
        "db_pool_size": config.db_pool_size,
        "machine": super::provenance(),
    });
    let path = super::write_report(out_dir, "reads", &report)?;
    println!(
        "reads: {} clients over {} cases, {} s a run, median of {} runs",
        options.clients, options.cases, options.seconds, options.runs
    );
    println!(
        "  {:<44} {:>10.0} /s",
        "vigil: GET a case, decrypted, access logged", vigil
    );
    println!(
        "  {:<44} {:>10.0} /s",
        "database: pgbench, the least a read needs", database_ceiling
    );
    println!("  {:<44} {:>10.0} /s", "HTTP ceiling: fixed JSON from actix-web", http);
    println!(
        "  {:<44} {:>10.2}",
        "ratio (to the database ceiling)",
        vigil / database_ceiling
    );
    println!(
        "  {:<44} {:>10.2}",
        "ratio while signing a checkpoint a second", signing_ratio
    );
    println!("  {:<44} {:>7.1} ms / {:.1} ms", "latency p50 / p99", p50, p99);
    println!("  {:<44} {:>7.1} MB", "peak RSS of vigil serve", rss);
    println!("  written to {}", path.display());
    Ok(report)
}

/// `clients` clients sending GETs to `paths` in turn for `length`.
pub(super) async fn drive_gets(
    port: u16,
    token: &str,
    paths: &[String],
    clients: usize,
    length: Duration,
) -> anyhow::Result<(usize, Duration, Latencies, Vec<Latencies>)> {
    let (token, paths): (Arc<str>, Arc<[String]>) = (token.into(), paths.into());
    let started = Instant::now();
    let deadline = started + length;
    let mut tasks = tokio::task::JoinSet::new();
    for client_id in 0..clients {
        let (token, paths) = (token.clone(), paths.clone());
        tasks.spawn(async move {
            let mut client = Client::connect(port).await?;
            let mut by_path: Vec<Latencies> = paths.iter().map(|_| Latencies::default()).collect();
            // Each client goes through every path in turn, from its own starting point: every
            // path is asked for as often, whatever the number of clients.
            let mut turn = client_id;
            while Instant::now() < deadline {
                let which = turn % paths.len();
                let path = &paths[which];
                turn += 1;
                let (response, took) = client.request("GET", path, &token, None).await?;
                anyhow::ensure!(response.status == 200, "GET {path}: {}", response.status);
                by_path[which].push(took);
            }
            Ok::<_, anyhow::Error>(by_path)
        });
    }
    let mut by_path: Vec<Latencies> = paths.iter().map(|_| Latencies::default()).collect();
    while let Some(done) = tasks.join_next().await {
        for (mine, theirs) in by_path.iter_mut().zip(done.context("a client task failed")??) {
            mine.extend(theirs);
        }
    }
    let mut all = Latencies::default();
    for latencies in &by_path {
        all.extend(latencies.clone());
    }
    Ok((all.len(), started.elapsed(), all, by_path))
}
