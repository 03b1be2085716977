//! `vigil-bench reports`: N cases (1,000,000 by default) with their procedures, and the reports
//! an analyst runs, over HTTP, one at a time; beside each, in the same run, the plain
//! `GROUP BY` over the same rows that is the least such a table needs (no totals, no slices,
//! no disclosure control, no HTTP). Reports the medians and their ratio; the target is under
//! 2 s a report.

use std::path::Path;
use std::time::Instant;

use diesel::prelude::*;

use super::http::Client;
use super::{BenchDatabase, Stage, median};
use vigil::config::Config;

#[derive(Debug, Clone)]
pub struct Options {
    pub cases: i64,
    /// Events written for each case: the history a year of work leaves (10 per case over
    /// 1,000,000 cases is 10,000,000; the reports read none of them, but share the server).
    pub events_per_case: i64,
    pub runs: usize,
}

/// A report, and the plain GROUP BY that counts the same cells.
struct Pair {
    name: &'static str,
    path: String,
    plain: String,
}

fn pairs(from: &str, to: &str, start: &str, end: &str) -> Vec<Pair> {
    vec![
        Pair {
            name: "cases by country and theme",
            path: format!("/api/v1/reports/cases?from={from}&to={to}&by=country,theme"),
            plain: format!(
                "SELECT country, t.theme, count(*) FROM cases CROSS JOIN LATERAL unnest(themes) AS t(theme)
                 WHERE created_at >= '{start}' AND created_at < '{end}' GROUP BY country, t.theme"
            ),
        },
        Pair {
            name: "cases by country and risk",
            path: format!("/api/v1/reports/cases?from={from}&to={to}&by=country,risk"),
            plain: format!(
                "SELECT country, risk, count(*) FROM cases
                 WHERE created_at >= '{start}' AND created_at < '{end}' GROUP BY country, risk"
            ),
        },
        Pair {
            name: "procedures by outcome, high risk",
            path: format!("/api/v1/reports/procedures?from={from}&to={to}&by=workflow,outcome&risk=high"),
            plain: format!(
                "SELECT p.workflow, p.state, count(*) FROM procedures p JOIN cases c ON c.delegation = p.delegation AND c.id = p.case_id
                 WHERE p.created_at >= '{start}' AND p.created_at < '{end}' AND c.risk = 'high' GROUP BY p.workflow, p.state"
            ),
        },
        Pair {
            name: "cases by month, one country",
            path: format!("/api/v1/reports/cases?from={from}&to={to}&by=month&country=UG"),
            plain: format!(
                "SELECT to_char(created_at, 'YYYY-MM'), count(*) FROM cases
                 WHERE created_at >= '{start}' AND created_at < '{end}' AND country = 'UG' GROUP BY 1"
            ),
        },
    ]
}

pub fn run(config: &Config, options: &Options, out_dir: &Path) -> anyhow::Result<serde_json::Value> {
    let outcome = BenchDatabase::around(config, |database| {
        let stage = Stage::new(config, database)?;
        let generated_s = stage.generate_cases(options.cases)?;
        // Every third case has a trial observation besides its démarche.
        let (version, states) = stage.version_and_states("trial_observation")?;
        let generating = Instant::now();
        let second = stage
            .db
            .run_blocking(|conn| super::data::second_procedures(conn, "trial_observation", &version, &states, 3))?;
        stage
            .db
            .run_blocking(|conn| super::data::bulk_events(conn, options.events_per_case))?;
        let history_s = generating.elapsed().as_secs_f64();
        eprintln!("added {second} trial observations and their events in {history_s:.0} s");
        let analyst = vigil::commands::add_user(
            &stage.db,
            "bench-analyst@example.org",
            vigil::domain::Role::HqAnalyst,
            None,
            None,
            30,
            &Default::default(),
        )?;
        let token = analyst.token.expose().clone();
        // The generated cases go back 90 seconds each from now: the last 60 months hold them.
        let now = chrono::Utc::now().date_naive();
        let last = chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&now), chrono::Datelike::month(&now), 1)
            .unwrap_or(now);
        let first = last.checked_sub_months(chrono::Months::new(59)).unwrap_or(last);
        let end = last.checked_add_months(chrono::Months::new(1)).unwrap_or(last);
        let pairs = pairs(
            &first.format("%Y-%m").to_string(),
            &last.format("%Y-%m").to_string(),
            &first.to_string(),
            &end.to_string(),
        );
        let runtime = super::runtime()?;
        let port = stage.served.port;
        let mut measured = Vec::new();
        for pair in &pairs {
            let (mut vigil, mut plain) = (Vec::new(), Vec::new());
            for round in 0..=options.runs {
                let took = runtime.block_on(async {
                    let mut client = Client::connect(port).await?;
                    let (response, took) = client.request("GET", &pair.path, &token, None).await?;
                    anyhow::ensure!(response.status == 200, "{}: {}", pair.path, response.status);
                    Ok::<_, anyhow::Error>(took.as_secs_f64() * 1000.0)
                })?;
                let started = Instant::now();
                stage
                    .db
                    .run_blocking(|conn| Ok(diesel::sql_query(&pair.plain).execute(conn)?))?;
                let plain_ms = started.elapsed().as_secs_f64() * 1000.0;
                // The first round warms the caches for both; it is not counted.
                if round > 0 {
                    vigil.push(took);
                    plain.push(plain_ms);
                }
            }
            let (vigil, plain) = (median(&vigil), median(&plain));
            eprintln!("{}: vigil {vigil:.0} ms, plain GROUP BY {plain:.0} ms", pair.name);
            measured.push((pair.name, pair.path.clone(), vigil, plain));
        }
        Ok::<_, anyhow::Error>((measured, generated_s, history_s, second, stage.served.peak_rss_mb()))
    })?;
    let (measured, generated_s, history_s, second, rss) = outcome;
    let round = |ms: f64| (ms * 10.0).round() / 10.0;
    let rows: Vec<serde_json::Value> = measured
        .iter()
        .map(|(name, path, vigil, plain)| {
            serde_json::json!({
                "report": name, "path": path, "vigil_ms": round(*vigil), "plain_group_by_ms": round(*plain),
                "ratio": (vigil / plain.max(0.001) * 100.0).round() / 100.0,
            })
        })
        .collect();
    let report = serde_json::json!({
        "scenario": "reports",
        "cases": options.cases,
        "runs": options.runs,
        "reports": rows,
        "trial_observations": second,
        "events": options.cases * options.events_per_case,
        "generated_in_s": generated_s.round(),
        "history_generated_in_s": history_s.round(),
        "rss_mb": (rss * 10.0).round() / 10.0,
        "machine": super::provenance(),
    });
    let path = super::write_report(out_dir, "reports", &report)?;
    println!(
        "reports: {} cases, {} with a second procedure, {} events, median of {} runs each",
        options.cases,
        second,
        options.cases * options.events_per_case,
        options.runs
    );
    for (name, _, vigil, plain) in &measured {
        println!(
            "  {name:<36} vigil {vigil:>8.0} ms   plain GROUP BY {plain:>8.0} ms   ratio {:.2}",
            vigil / plain.max(0.001)
        );
    }
    println!("  written to {}", path.display());
    Ok(report)
}
