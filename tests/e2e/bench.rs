//! `vigil-bench reminders` runs end to end on a small load: it drains every reminder through a
//! real SMTP sink, measures both ceilings, writes its report and leaves no database behind.

use crate::support::TestDb;

/// The benches measure: one at a time, so they do not measure each other.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn no_bench_database_left(db: &TestDb) {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let left: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname LIKE 'vigil_bench%') AS exists")
            .get_result(&mut db.connect())
            .unwrap();
    assert!(!left.exists, "a bench database was left behind");
}

/// Runs `vigil-bench SCENARIO ARGS…` on a fresh test database, one bench at a time; checks it
/// succeeded and left no database behind; returns what it printed and its report.
fn bench(scenario: &str, args: &[&str]) -> (String, serde_json::Value) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = TestDb::migrated();
    let home = crate::support::reachable_home();
    let out = home.path().join("bench");
    let output = crate::support::vigil_bench(home.path())
        .arg(scenario)
        .args(args)
        .arg("--out")
        .arg(&out)
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{printed}{}", crate::support::stderr(&output));
    let report = std::fs::read_to_string(out.join(format!("{scenario}.json"))).unwrap();
    no_bench_database_left(&db);
    (printed, serde_json::from_str(&report).unwrap())
}

#[test]
fn the_reminders_bench_measures_vigil_and_both_ceilings_and_cleans_up() {
    let (printed, report) = bench(
        "reminders",
        // No graphile-worker here: it comes from npm, and tests reach no network.
        &[
            "--reminders",
            "400",
            "--runs",
            "1",
            "--connections",
            "2",
            "--without-graphile",
        ],
    );
    assert!(printed.contains("ratio (vigil / lower ceiling)"), "{printed}");

    for figure in [
        "vigil_per_s",
        "vigil_null_transport_per_s",
        "reference_sql_per_s",
        "reference_smtp_per_s",
    ] {
        assert!(report[figure].as_f64().unwrap() > 0.0, "{figure}: {report}");
    }
    let lower = report["reference_sql_per_s"]
        .as_f64()
        .unwrap()
        .min(report["reference_smtp_per_s"].as_f64().unwrap());
    assert_eq!(report["reference_per_s"].as_f64().unwrap(), lower);
    assert!(report["rss_mb"].as_f64().unwrap() > 0.0);
    assert!(report["machine"]["cores"].as_u64().unwrap() >= 1);
    assert_eq!(report["reminders"], 400);
    assert!(report["graphile_worker_per_s"].is_null());
    assert!(printed.contains("graphile-worker: left out"), "{printed}");
}

#[test]
fn the_transitions_bench_drives_a_real_server_and_pgbench_on_the_least_a_transition_needs() {
    // Two runs: the second must work on what the first run's pgbench reference left behind
    // (it once wrote another case's ciphertext into the procedures, and Vigil answered 500).
    let (_, report) = bench("transitions", &["--clients", "2", "--seconds", "1", "--runs", "2"]);
    for figure in ["vigil_per_s", "reference_per_s", "ratio", "p50_ms", "p99_ms", "rss_mb"] {
        assert!(report[figure].as_f64().unwrap() > 0.0, "{figure}: {report}");
    }
    assert!(report["p99_ms"].as_f64().unwrap() >= report["p50_ms"].as_f64().unwrap());
    assert_eq!(report["clients"], 2);
    assert!(report["machine"]["commit"].is_string());
}

#[test]
fn the_soak_bench_drives_every_kind_of_request_and_samples_memory() {
    let (printed, report) = bench("soak", &["--clients", "2", "--seconds", "10"]);
    assert!(printed.contains("end / baseline"), "{printed}");
    assert!(report["transitions"].as_u64().unwrap() > 0, "{report}");
    assert!(report["exports"].as_u64().unwrap() > 0, "{report}");
    // Each turn is a transition and four reads, and each export one more request.
    let (requests, transitions, exports) = (
        report["requests"].as_u64().unwrap(),
        report["transitions"].as_u64().unwrap(),
        report["exports"].as_u64().unwrap(),
    );
    assert_eq!(requests, transitions * 5 + exports, "{report}");
    for figure in ["rss_baseline_mb", "rss_end_mb", "rss_peak_mb", "growth"] {
        assert!(report[figure].as_f64().unwrap() > 0.0, "{figure}: {report}");
    }
    assert_eq!(report["baseline_at_s"], 2);
    assert!(report["bounded"].is_boolean());
}

#[test]
fn the_reads_bench_reports_both_ceilings() {
    let (_, report) = bench("reads", &["--clients", "2", "--seconds", "1", "--runs", "2"]);
    for figure in [
        "vigil_per_s",
        "reference_per_s",
        "http_ceiling_per_s",
        "ratio",
        "p50_ms",
        "p99_ms",
        "rss_mb",
    ] {
        assert!(report[figure].as_f64().unwrap() > 0.0, "{figure}: {report}");
    }
    assert!(report["body_bytes"].as_u64().unwrap() > 500, "{report}");
}

#[test]
fn the_attachments_bench_uploads_reads_back_and_reports_memory_beside_age() {
    let (_, report) = bench("attachments", &["--quick", "--clients", "2", "--runs", "1"]);
    for figure in [
        "upload_mb_per_s",
        "download_mb_per_s",
        "age_cli_mb_per_s",
        "upload_ratio",
        "rss_peak_mb",
    ] {
        assert!(report[figure].as_f64().unwrap() > 0.0, "{figure}: {report}");
    }
    assert_eq!(report["file_mib"], 10);
}

#[test]
fn the_lists_bench_generates_cases_and_reports_latency_and_sequential_scans() {
    let (_, report) = bench(
        "lists",
        &["--cases", "3000", "--clients", "4", "--seconds", "1", "--runs", "1"],
    );
    for figure in ["vigil_per_s", "p50_ms", "p95_ms", "p99_ms", "rss_mb"] {
        assert!(report[figure].as_f64().unwrap() > 0.0, "{figure}: {report}");
    }
    assert_eq!(report["cases"], 3000);
    assert!(report["sequential_scans_while_listing"].is_object(), "{report}");
    assert!(report["sizes"]["cases_mb"].as_f64().unwrap() > 0.0, "{report}");
    // Every client asks for every page in turn, so the pages are asked for equally often (a
    // client kept to one page let slow pages count less in the p95 over all pages).
    let requests: Vec<u64> = report["per_page"]
        .as_array()
        .unwrap()
        .iter()
        .map(|page| page["requests"].as_u64().unwrap())
        .collect();
    assert_eq!(requests.len(), 4, "{report}");
    let (fewest, most) = (requests.iter().min().unwrap(), requests.iter().max().unwrap());
    assert!(
        *fewest > 0 && most - fewest <= 4,
        "one page asked for more than another: {requests:?}"
    );
}

#[test]
fn the_reports_bench_times_each_report_beside_the_plain_group_by() {
    let (printed, report) = bench("reports", &["--cases", "3000", "--runs", "1"]);
    let rows = report["reports"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "{report}");
    for row in rows {
        for figure in ["vigil_ms", "plain_group_by_ms", "ratio"] {
            assert!(row[figure].as_f64().unwrap() > 0.0, "{figure}: {report}");
        }
    }
    assert!(printed.contains("plain GROUP BY"), "{printed}");
}

#[test]
fn the_scale_bench_generates_history_and_reports_latency_claim_cost_and_sizes() {
    let (printed, report) = bench(
        "scale",
        &["--cases", "2000", "--clients", "2", "--seconds", "1", "--runs", "1"],
    );
    for figure in [
        "list_p50_ms",
        "list_p95_ms",
        "read_p50_ms",
        "read_p95_ms",
        "claim_per_s_alone",
        "claim_per_s_behind_not_due",
        "claim_cost_growth",
        "claim_statement_ms_alone",
        "claim_statement_ms_behind_not_due",
        "claim_statement_buffers_alone",
        "rss_mb",
    ] {
        assert!(report[figure].as_f64().unwrap() > 0.0, "{figure}: {report}");
    }
    assert_eq!(report["cases"], 2000);
    assert_eq!(report["events"], 20000);
    let sizes = report["sizes"].as_array().unwrap();
    let events = sizes.iter().find(|s| s["table"] == "case_events").unwrap();
    // The 2,000 generated cases' 20,000 events, and the opened case's own.
    assert!(events["rows"].as_i64().unwrap() >= 20000, "{report}");
    assert!(printed.contains("claim cost growth"), "{printed}");
}
