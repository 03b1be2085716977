//! `vigil-bench soak`: ten minutes of mixed load on one `vigil serve`, its resident memory
//! sampled every second. Each client works on cases of its own, turn after turn: a sealed
//! note (a transition), the case read, the first page of its timeline, a page of the case
//! list, the first page of its access log, and on its first turn and every 25th after, an
//! export of the whole case (age-sealed and streamed). Timelines and access logs grow all the
//! while, as they do in use.
//!
//! Memory is bounded when RSS at the end is at most 1.2 × RSS after the first minute (the
//! allocator's and the pool's working set are in place by then) and under 150 MB.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

use super::http::{Client, Latencies};
use super::transitions::{add_note, open_cases};
use super::{BenchDatabase, Stage};
use vigil::config::Config;

/// Cases each client works on.
const PER_CLIENT: usize = 2;
/// An export every this many turns of a client (the first turn's included).
const EXPORT_EVERY: usize = 25;
/// How often the server signs a checkpoint during the soak.
const CHECKPOINT_INTERVAL: &str = "30s";
/// The bounds the scenario checks (issue 18).
const GROWTH_LIMIT: f64 = 1.2;
const RSS_LIMIT_MB: f64 = 150.0;

#[derive(Debug, Clone)]
pub struct Options {
    pub clients: usize,
    pub seconds: u64,
    /// When the baseline is taken, in seconds from the start of the load.
    pub baseline_at: u64,
}

/// What the clients did.
#[derive(Debug, Default)]
struct Done {
    requests: usize,
    transitions: usize,
    exports: usize,
    latencies: Latencies,
}

impl Done {
    /// One request answered, after `took`.
    fn record(&mut self, took: Duration) {
        self.requests += 1;
        self.latencies.push(took);
    }
}

pub fn run(config: &Config, options: &Options, out_dir: &Path) -> anyhow::Result<serde_json::Value> {
    let (done, samples, elapsed) = BenchDatabase::around(config, |database| {
        // A checkpoint every 30 s (10 min by default): the baseline includes the working set of
        // signing one, instead of the end alone (its access segment is read 10,000 rows a batch).
        let settings = [("VIGIL_CHECKPOINT_INTERVAL", CHECKPOINT_INTERVAL)];
        let Stage { served, token, .. } = Stage::serving_with(config, database, &settings)?;
        let runtime = super::runtime()?;
        let opened = runtime.block_on(open_cases(served.port, &token, options.clients * PER_CLIENT))?;
        let stop = AtomicBool::new(false);
        let started = Instant::now();
        std::thread::scope(|scope| {
            let sampler = scope.spawn(|| {
                let mut samples = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    samples.push((started.elapsed().as_secs_f64(), served.rss_mb()));
                    std::thread::sleep(Duration::from_secs(1));
                }
                samples.push((started.elapsed().as_secs_f64(), served.rss_mb()));
                samples
            });
            let load = runtime.block_on(drive(served.port, &token, &opened, options));
            stop.store(true, Ordering::Relaxed);
            let samples = sampler
                .join()
                .map_err(|_| anyhow::anyhow!("the RSS sampler panicked"))?;
            Ok::<_, anyhow::Error>((load?, samples, started.elapsed()))
        })
    })?;

    let at = |second: f64| {
        samples
            .iter()
            .find(|(t, _)| *t >= second)
            .or(samples.last())
            .map_or(f64::NAN, |(_, mb)| *mb)
    };
    let baseline = at(options.baseline_at as f64);
    let end = samples.last().map_or(f64::NAN, |(_, mb)| *mb);
    let peak = samples.iter().map(|(_, mb)| *mb).fold(0.0, f64::max);
    let growth = end / baseline;
    let bounded = growth <= GROWTH_LIMIT && end < RSS_LIMIT_MB;
    // Every tenth second's sample: enough to tell a steady leak from a step.
    let every_ten: Vec<serde_json::Value> = (0..=elapsed.as_secs() / 10)
        .map(|tens| serde_json::json!([tens * 10, round1(at(tens as f64 * 10.0))]))
        .collect();
    let report = serde_json::json!({
        "scenario": "soak",
        "clients": options.clients,
        "seconds": options.seconds,
        "requests": done.requests,
        "transitions": done.transitions,
        "exports": done.exports,
        "requests_per_s": (done.requests as f64 / elapsed.as_secs_f64()).round(),
        "p50_ms": round1(done.latencies.quantile_ms(0.5)),
        "p99_ms": round1(done.latencies.quantile_ms(0.99)),
        "baseline_at_s": options.baseline_at,
        "checkpoint_interval": CHECKPOINT_INTERVAL,
        "rss_baseline_mb": round1(baseline),
        "rss_end_mb": round1(end),
        "rss_peak_mb": round1(peak),
        "growth": (growth * 100.0).round() / 100.0,
        "bounded": bounded,
        "rss_every_10_s": every_ten,
        "machine": super::provenance(),
    });
    let path = super::write_report(out_dir, "soak", &report)?;
    println!(
        "soak: {} clients, {} s of mixed load ({} requests, {} transitions, {} exports; {:.0}/s, p50 {:.1} ms, p99 {:.1} ms)",
        options.clients,
        options.seconds,
        done.requests,
        done.transitions,
        done.exports,
        done.requests as f64 / elapsed.as_secs_f64(),
        done.latencies.quantile_ms(0.5),
        done.latencies.quantile_ms(0.99)
    );
    println!(
        "  {:<44} {:>7.1} MB",
        format!("RSS after {} s", options.baseline_at),
        baseline
    );
    println!("  {:<44} {:>7.1} MB", "RSS at the end", end);
    println!("  {:<44} {:>7.1} MB", "peak RSS", peak);
    println!(
        "  {:<44} {:>10.2}  (bounded: ≤ {GROWTH_LIMIT} and under {RSS_LIMIT_MB} MB: {})",
        "end / baseline",
        growth,
        if bounded { "yes" } else { "NO" }
    );
    println!("  written to {}", path.display());
    Ok(report)
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Every client's turns, on its own cases, for `options.seconds`.
async fn drive(port: u16, token: &str, opened: &[(String, String)], options: &Options) -> anyhow::Result<Done> {
    let token: Arc<str> = token.into();
    let recipient: Arc<str> = age::x25519::Identity::generate().to_public().to_string().into();
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for mine in opened.chunks(PER_CLIENT).take(options.clients) {
        let mine = mine.to_vec();
        let (token, recipient) = (token.clone(), recipient.clone());
        tasks.spawn(async move {
            let mut client = Client::connect(port).await?;
            let mut done = Done::default();
            let mut versions: Vec<Option<i64>> = vec![None; mine.len()];
            let mut turn = 0;
            while Instant::now() < deadline {
                let k = turn % mine.len();
                turn += 1;
                let (case, procedure) = &mine[k];
                let note = format!("soak turn {turn}");
                done.record(add_note(&mut client, &token, procedure, &mut versions[k], note).await?);
                done.transitions += 1;
                let case_path = format!("/api/v1/cases/{case}");
                for path in [
                    case_path.clone(),
                    format!("{case_path}/timeline"),
                    "/api/v1/cases?limit=20".to_owned(),
                    format!("{case_path}/access-log"),
                ] {
                    request(&mut client, &mut done, "GET", &path, &token, None).await?;
                }
                if turn % EXPORT_EVERY == 1 {
                    let body = serde_json::to_vec(&serde_json::json!({"recipient": &*recipient}))?;
                    let sealed = request(
                        &mut client,
                        &mut done,
                        "POST",
                        &format!("{case_path}/export"),
                        &token,
                        Some(&body),
                    )
                    .await?;
                    anyhow::ensure!(
                        sealed.starts_with(b"age-encryption.org/v1"),
                        "an export that is not an age file"
                    );
                    done.exports += 1;
                }
            }
            Ok::<_, anyhow::Error>(done)
        });
    }
    let mut all = Done::default();
    while let Some(done) = tasks.join_next().await {
        let done = done.context("a client task failed")??;
        all.requests += done.requests;
        all.transitions += done.transitions;
        all.exports += done.exports;
        all.latencies.extend(done.latencies);
    }
    Ok(all)
}

/// One request that must succeed; its body.
async fn request(
    client: &mut Client,
    done: &mut Done,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&[u8]>,
) -> anyhow::Result<Vec<u8>> {
    let (response, took) = client.request(method, path, token, body).await?;
    anyhow::ensure!(
        (200..300).contains(&response.status),
        "{method} {path}: {}",
        response.status
    );
    done.record(took);
    Ok(response.body)
}
