//! `vigil-bench checkpoints`: the time a signed checkpoint takes over N cases (1,000,000 by
//! default): the first (every case's leaf recorded), one with nothing changed since, and one
//! after 1 % of the cases changed (their chain heads moved on, as new events move them). The
//! target: under 10 s at 1,000,000 cases. Then, once, what `vigil audit verify` takes over the
//! same cases (every chain walked, every projection checked, the database held to the file;
//! the generated cases have no events, so this is the per-case cost of the walk).

use std::path::Path;

use super::{BenchDatabase, Stage, median};
use crate::signing::time_checkpoint;
use vigil::config::Config;

#[derive(Debug, Clone)]
pub struct Options {
    pub cases: i64,
    pub runs: usize,
}

pub fn run(config: &Config, options: &Options, out_dir: &Path) -> anyhow::Result<serde_json::Value> {
    let outcome = BenchDatabase::around(config, |database| {
        let stage = Stage::new(config, database)?;
        let generated_s = stage.generate_cases(options.cases)?;
        let Stage { db, served, .. } = stage;
        let signer = served.signer()?;
        // The server signs too (its first pass, and every 10 minutes): it stops first.
        drop(served);
        let (first_s, first_leaves, committed) = time_checkpoint(&db, &signer)?;
        eprintln!("first checkpoint over {committed} cases: {first_s:.1} s ({first_leaves} leaves recorded)");
        let (mut unchanged, mut changed) = (Vec::new(), Vec::new());
        for round in 1..=options.runs {
            let (quiet_s, quiet_leaves, _) = time_checkpoint(&db, &signer)?;
            let moved = db.run_blocking(|conn| crate::data::advance_heads(conn, options.cases / 100))?;
            let (busy_s, busy_leaves, _) = time_checkpoint(&db, &signer)?;
            eprintln!(
                "run {round}/{}: unchanged {quiet_s:.2} s ({quiet_leaves} leaves), after {moved} cases changed {busy_s:.2} s ({busy_leaves} leaves)",
                options.runs
            );
            unchanged.push(quiet_s);
            changed.push(busy_s);
        }
        let verify_s = {
            let mut conn = db.get_timeout(std::time::Duration::from_secs(30))?;
            let started = std::time::Instant::now();
            let report = vigil::audit::verify(&mut conn, &signer.file, &signer.key.public())?;
            let seconds = started.elapsed().as_secs_f64();
            // The generated cases carry chain heads and no events (their checkpoints are what
            // is measured above), so verify finds every chain short: its time is the walk's.
            eprintln!(
                "audit verify over {committed} cases ({} events, {} problems, as generated): {seconds:.1} s",
                report.events,
                report.problems.len()
            );
            seconds
        };
        Ok::<_, anyhow::Error>((
            generated_s,
            committed,
            first_s,
            median(&unchanged),
            median(&changed),
            verify_s,
        ))
    })?;
    let (generated_s, committed, first_s, unchanged_s, changed_s, verify_s) = outcome;
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    let report = serde_json::json!({
        "scenario": "checkpoints",
        "cases": committed,
        "runs": options.runs,
        "first_s": round2(first_s),
        "unchanged_s": round2(unchanged_s),
        "one_percent_changed_s": round2(changed_s),
        "verify_s": round2(verify_s),
        "generated_cases_in_s": generated_s.round(),
        "machine": super::provenance(),
    });
    let path = super::write_report(out_dir, "checkpoints", &report)?;
    println!("checkpoints: {committed} cases, median of {} runs", options.runs);
    println!("  {:<44} {:>7.2} s", "first checkpoint (every leaf recorded)", first_s);
    println!("  {:<44} {:>7.2} s", "nothing changed since the last", unchanged_s);
    println!("  {:<44} {:>7.2} s", "1 % of the cases changed since", changed_s);
    println!("  {:<44} {:>7.2} s", "vigil audit verify (once)", verify_s);
    println!("  written to {}", path.display());
    Ok(report)
}
