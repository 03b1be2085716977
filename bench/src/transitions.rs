//! `vigil-bench transitions`: authenticated transitions (`add_note`, whose note is sealed) on
//! distinct procedures, sent by concurrent clients over HTTP to a real `vigil serve`, next to
//! pgbench running the least such a transition needs (`transition.sql`: the token, then the
//! case locked, the procedure's versioned update, the chained event, the case's version and
//! chain head) with as many clients on the same server, right after.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::http::{Client, Latencies};
use super::{BenchDatabase, Stage, median};
use crate::data;
use vigil::config::Config;

const TRANSITION_SQL: &str = include_str!("transition.sql");
/// Procedures each client works on, in turn (pgbench's script assumes 4).
const PER_CLIENT: usize = 4;
/// The note each transition seals: about what a focal point writes.
const NOTE_LENGTH: usize = 400;

#[derive(Debug, Clone)]
pub struct Options {
    pub clients: usize,
    pub seconds: u64,
    pub runs: usize,
}

#[derive(Debug, Clone, Copy)]
struct Run {
    vigil: f64,
    /// The same, while a checkpoint is signed every second.
    vigil_signing: f64,
    reference: f64,
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
        let opened = runtime.block_on(open_cases(served.port, &token, options.clients * PER_CLIENT))?;
        let procedures: Vec<String> = opened.into_iter().map(|(_, procedure)| procedure).collect();
        db.run_blocking(data::number_targets)?;
        let sealed = sealed_sample(&db)?;
        let signer = std::sync::Arc::new(served.signer()?);
        let mut runs = Vec::new();
        let transition_all = || {
            runtime.block_on(drive(
                served.port,
                &token,
                &procedures,
                options.clients,
                Duration::from_secs(options.seconds),
            ))
        };
        for round in 1..=options.runs {
            let (count, elapsed, latencies) = transition_all()?;
            let signing = crate::signing::Signing::start(db.clone(), signer.clone());
            let (signing_count, signing_elapsed, _) = transition_all()?;
            let signed = signing.finish()?;
            anyhow::ensure!(signed > 0, "no checkpoint was signed beside the transitions");
            let defines = [("prefix", prefix.clone()), ("sealed", format!("\\x{}", hex(&sealed)))];
            let reference = super::pgbench_for(
                &database.url,
                TRANSITION_SQL,
                options.clients,
                options.seconds,
                &defines,
            )?;
            let run = Run {
                vigil: count as f64 / elapsed.as_secs_f64(),
                vigil_signing: signing_count as f64 / signing_elapsed.as_secs_f64(),
                reference,
                p50_ms: latencies.quantile_ms(0.5),
                p99_ms: latencies.quantile_ms(0.99),
            };
            eprintln!(
                "run {round}/{}: vigil {:.0}/s (p50 {:.1} ms, p99 {:.1} ms), {:.0}/s while signing {signed} checkpoints, pgbench, the least a transition needs, {:.0}/s",
                options.runs, run.vigil, run.p50_ms, run.p99_ms, run.vigil_signing, run.reference
            );
            runs.push(run);
        }
        Ok::<_, anyhow::Error>((runs, served.peak_rss_mb()))
    })?;
    let (runs, rss) = outcome;

    let pick = |f: fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let (vigil, reference) = (pick(|r| r.vigil), pick(|r| r.reference));
    let signing_ratio = pick(|r| r.vigil_signing / r.vigil);
    let (p50, p99) = (pick(|r| r.p50_ms), pick(|r| r.p99_ms));
    let report = serde_json::json!({
        "scenario": "transitions",
        "clients": options.clients,
        "seconds": options.seconds,
        "runs": options.runs,
        "vigil_per_s": vigil.round(),
        "vigil_signing_per_s": pick(|r| r.vigil_signing).round(),
        "signing_ratio": (signing_ratio * 100.0).round() / 100.0,
        "reference_per_s": reference.round(),
        "ratio": (vigil / reference * 100.0).round() / 100.0,
        "p50_ms": (p50 * 100.0).round() / 100.0,
        "p99_ms": (p99 * 100.0).round() / 100.0,
        "rss_mb": (rss * 10.0).round() / 10.0,
        "db_pool_size": config.db_pool_size,
        "machine": super::provenance(),
    });
    let path = super::write_report(out_dir, "transitions", &report)?;
    println!(
        "transitions: {} clients, {} s a run, median of {} runs",
        options.clients, options.seconds, options.runs
    );
    println!("  {:<44} {:>10.0} /s", "vigil: add_note over HTTP, sealed", vigil);
    println!(
        "  {:<44} {:>10.0} /s",
        "reference: pgbench, the least it needs", reference
    );
    println!("  {:<44} {:>10.2}", "ratio", vigil / reference);
    println!(
        "  {:<44} {:>10.2}",
        "ratio while signing a checkpoint a second", signing_ratio
    );
    println!("  {:<44} {:>7.1} ms / {:.1} ms", "latency p50 / p99", p50, p99);
    println!("  {:<44} {:>7.1} MB", "peak RSS of vigil serve", rss);
    println!("  written to {}", path.display());
    Ok(report)
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A sealed note as Vigil stores it, for pgbench to write the same number of bytes.
fn sealed_sample(db: &vigil::store::Db) -> anyhow::Result<Vec<u8>> {
    let sealed = db.run_blocking(data::largest_sealed_event)?;
    sealed.context("no sealed event to copy")
}

/// Opens `count` cases with a démarche each, in order, and adds a sealed note to each;
/// returns (case id, procedure id) pairs.
pub(super) async fn open_cases(port: u16, token: &str, count: usize) -> anyhow::Result<Vec<(String, String)>> {
    let mut client = Client::connect(port).await?;
    let mut procedures = Vec::with_capacity(count);
    for i in 0..count {
        let body = serde_json::json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": format!("Bench Person {i}")},
            "procedure": {"workflow": "demarche"}
        });
        let (response, _) = client
            .request("POST", "/api/v1/cases", token, Some(&serde_json::to_vec(&body)?))
            .await?;
        anyhow::ensure!(response.status == 201, "opening a case: {}", response.status);
        let opened: serde_json::Value = serde_json::from_slice(&response.body)?;
        let case = opened["id"].as_str().context("no id")?;
        let procedure = opened["procedure_id"].as_str().context("no procedure_id")?;
        procedures.push((case.to_owned(), procedure.to_owned()));
    }
    // One note each, so every procedure has a sealed event for pgbench to copy the size of.
    let note =
        serde_json::json!({"action": "add_note", "expected_version": 1, "data": {"note": "x".repeat(NOTE_LENGTH)}});
    for (_, procedure) in &procedures {
        let path = format!("/api/v1/procedures/{procedure}/transitions");
        let (response, _) = client
            .request("POST", &path, token, Some(&serde_json::to_vec(&note)?))
            .await?;
        anyhow::ensure!(response.status == 200, "a first note: {}", response.status);
    }
    Ok(procedures)
}

/// `clients` clients, each on its own procedures, sending transitions for `length`.
async fn drive(
    port: u16,
    token: &str,
    procedures: &[String],
    clients: usize,
    length: Duration,
) -> anyhow::Result<(usize, Duration, Latencies)> {
    let token: Arc<str> = token.into();
    let started = Instant::now();
    let deadline = started + length;
    let mut tasks = tokio::task::JoinSet::new();
    for client_id in 0..clients {
        let mine: Vec<String> = procedures[client_id * PER_CLIENT..(client_id + 1) * PER_CLIENT].to_vec();
        let token = token.clone();
        tasks.spawn(async move {
            let mut client = Client::connect(port).await?;
            let mut latencies = Latencies::default();
            // Every procedure starts this run at a version read from its first answer.
            let mut versions: Vec<Option<i64>> = vec![None; mine.len()];
            let mut turn = 0;
            while Instant::now() < deadline {
                let k = turn % mine.len();
                turn += 1;
                let note = format!("{turn:>width$}", width = NOTE_LENGTH);
                latencies.push(add_note(&mut client, &token, &mine[k], &mut versions[k], note).await?);
            }
            Ok::<_, anyhow::Error>(latencies)
        });
    }
    let mut all = Latencies::default();
    while let Some(done) = tasks.join_next().await {
        all.extend(done??);
    }
    Ok((all.len(), started.elapsed(), all))
}

/// Adds `note` to `procedure` at `version` (learned from a stale attempt when not known yet),
/// which then holds the version the answer gave; how long the transition took.
pub(super) async fn add_note(
    client: &mut Client,
    token: &str,
    procedure: &str,
    version: &mut Option<i64>,
    note: String,
) -> anyhow::Result<Duration> {
    let expected = match *version {
        Some(version) => version,
        None => current_version(client, token, procedure).await?,
    };
    let body = serde_json::json!({"action": "add_note", "expected_version": expected, "data": {"note": note}});
    let path = format!("/api/v1/procedures/{procedure}/transitions");
    let (response, took) = client
        .request("POST", &path, token, Some(&serde_json::to_vec(&body)?))
        .await?;
    anyhow::ensure!(response.status == 200, "a transition: {}", response.status);
    let answer: serde_json::Value = serde_json::from_slice(&response.body)?;
    *version = answer["version"].as_i64();
    Ok(took)
}

async fn current_version(client: &mut Client, token: &str, procedure: &str) -> anyhow::Result<i64> {
    // A stale version is answered with 409 and the current one: the cheapest way to learn it.
    let body = serde_json::json!({"action": "add_note", "expected_version": 0, "data": {"note": "?"}});
    let path = format!("/api/v1/procedures/{procedure}/transitions");
    let (response, _) = client
        .request("POST", &path, token, Some(&serde_json::to_vec(&body)?))
        .await?;
    let answer: serde_json::Value = serde_json::from_slice(&response.body)?;
    answer["current_version"]
        .as_i64()
        .with_context(|| format!("no current_version in a {} answer", response.status))
}
