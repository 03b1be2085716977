//! `vigil-bench lists`: a focal point's delegation with N cases (1,000,000 by default), and
//! `GET /api/v1/cases` pages of 50 with filters on, from concurrent clients over HTTP. Reports
//! the latency quantiles (the target is a p95, not a ratio: lists decrypt nothing) and the
//! sequential scans PostgreSQL made of each table while the lists were served, which must be
//! none on `cases` and `procedures`.

use std::path::Path;
use std::time::Duration;

use super::http::Latencies;
use super::reads::drive_gets;
use super::{BenchDatabase, Stage, median};
use crate::data;
use vigil::config::Config;

/// The pages asked for, in turn: filters a focal point uses.
pub(super) const PAGES: [&str; 4] = [
    "/api/v1/cases?limit=50&risk=high",
    "/api/v1/cases?limit=50&risk=critical&theme=MEDIA",
    "/api/v1/cases?limit=50&country=UG&state=awaiting_reply",
    "/api/v1/cases?limit=50&workflow=demarche&state=delivered&risk=low",
];

#[derive(Debug, Clone)]
pub struct Options {
    pub cases: i64,
    pub clients: usize,
    pub seconds: u64,
    pub runs: usize,
}

pub fn run(config: &Config, options: &Options, out_dir: &Path) -> anyhow::Result<serde_json::Value> {
    let outcome = BenchDatabase::around(config, |database| {
        let stage = Stage::new(config, database)?;
        let generated_s = stage.generate_cases(options.cases)?;
        let Stage { db, served, token, .. } = stage;
        let runtime = super::runtime()?;
        let paths: Vec<String> = PAGES.iter().map(|p| (*p).to_owned()).collect();
        let mut rates = Vec::new();
        let mut all = Latencies::default();
        let mut by_page: Vec<Latencies> = PAGES.iter().map(|_| Latencies::default()).collect();
        let before = db.run_blocking(data::seq_scans)?;
        for round in 1..=options.runs {
            let (count, elapsed, latencies, pages) = runtime.block_on(drive_gets(
                served.port,
                &token,
                &paths,
                options.clients,
                Duration::from_secs(options.seconds),
            ))?;
            let rate = count as f64 / elapsed.as_secs_f64();
            eprintln!(
                "run {round}/{}: {rate:.0} pages/s (p50 {:.1} ms, p95 {:.1} ms)",
                options.runs,
                latencies.quantile_ms(0.5),
                latencies.quantile_ms(0.95)
            );
            rates.push(rate);
            all.extend(latencies);
            for (mine, theirs) in by_page.iter_mut().zip(pages) {
                mine.extend(theirs);
            }
        }
        // The statistics reach the shared counters within a second of each backend's work.
        std::thread::sleep(Duration::from_millis(1500));
        let after = db.run_blocking(data::seq_scans)?;
        let scans: serde_json::Map<String, serde_json::Value> = after
            .iter()
            .map(|(table, n)| {
                let was = before.iter().find(|(t, _)| t == table).map_or(0, |(_, n)| *n);
                (table.clone(), serde_json::json!(n - was))
            })
            .filter(|(_, delta)| delta.as_i64() != Some(0))
            .collect();
        let sizes = serde_json::json!({
            "cases_mb": db.run_blocking(|conn| data::table_size_mb(conn, "cases"))?.round(),
            "procedures_mb": db.run_blocking(|conn| data::table_size_mb(conn, "procedures"))?.round(),
        });
        Ok::<_, anyhow::Error>((rates, all, by_page, scans, sizes, generated_s, served.peak_rss_mb()))
    })?;
    let (rates, latencies, by_page, scans, sizes, generated_s, rss) = outcome;
    let round = |ms: f64| (ms * 100.0).round() / 100.0;
    let per_page: Vec<serde_json::Value> = PAGES
        .iter()
        .zip(&by_page)
        .map(|(page, l)| {
            serde_json::json!({
                "page": page, "requests": l.len(),
                "p50_ms": round(l.quantile_ms(0.5)), "p95_ms": round(l.quantile_ms(0.95)),
            })
        })
        .collect();

    let rate = median(&rates);
    let (p50, p95, p99) = (
        latencies.quantile_ms(0.5),
        latencies.quantile_ms(0.95),
        latencies.quantile_ms(0.99),
    );
    let report = serde_json::json!({
        "scenario": "lists",
        "cases": options.cases,
        "clients": options.clients,
        "seconds": options.seconds,
        "runs": options.runs,
        "pages": PAGES,
        "vigil_per_s": rate.round(),
        "p50_ms": round(p50),
        "p95_ms": round(p95),
        "p99_ms": round(p99),
        "per_page": per_page,
        "sequential_scans_while_listing": scans,
        "sizes": sizes,
        "generated_in_s": generated_s.round(),
        "rss_mb": (rss * 10.0).round() / 10.0,
        "db_pool_size": config.db_pool_size,
        "machine": super::provenance(),
    });
    let path = super::write_report(out_dir, "lists", &report)?;
    println!(
        "lists: {} cases, {} clients, {} s a run, {} runs",
        options.cases, options.clients, options.seconds, options.runs
    );
    println!("  {:<44} {:>10.0} /s", "vigil: a page of 50, filters on", rate);
    println!(
        "  {:<44} {:>7.1} ms / {:.1} ms / {:.1} ms",
        "latency p50 / p95 / p99", p50, p95, p99
    );
    for (page, l) in PAGES.iter().zip(&by_page) {
        let filters = page.split_once("limit=50&").map_or(*page, |(_, f)| f);
        println!(
            "    {:<42} {:>7.1} ms / {:.1} ms",
            filters,
            l.quantile_ms(0.5),
            l.quantile_ms(0.95)
        );
    }
    println!(
        "  {:<44} {}",
        "sequential scans while listing", report["sequential_scans_while_listing"]
    );
    println!("  {:<44} {:>7.1} MB", "peak RSS of vigil serve", rss);
    println!("  written to {}", path.display());
    Ok(report)
}
