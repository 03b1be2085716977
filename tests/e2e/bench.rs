//! `vigil bench reminders` runs end to end on a small load: it drains every reminder through a
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

#[test]
fn the_reminders_bench_measures_vigil_and_both_ceilings_and_cleans_up() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = TestDb::migrated();
    let home = crate::support::reachable_home();
    let out = home.path().join("bench");
    let output = crate::support::vigil(home.path())
        .args([
            "bench",
            "reminders",
            "--reminders",
            "400",
            "--runs",
            "1",
            "--connections",
            "2",
            "--out",
        ])
        .arg(&out)
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}{}", crate::support::stderr(&output));
    assert!(printed.contains("ratio (vigil / lower ceiling)"), "{printed}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("reminders.json")).unwrap()).unwrap();
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

    no_bench_database_left(&db);
}

#[test]
fn the_transitions_bench_drives_a_real_server_and_pgbench_on_the_same_sql() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = TestDb::migrated();
    let home = crate::support::reachable_home();
    let out = home.path().join("bench");
    let output = crate::support::vigil(home.path())
        .args([
            "bench",
            "transitions",
            "--clients",
            "2",
            "--seconds",
            "1",
            "--runs",
            "1",
            "--out",
        ])
        .arg(&out)
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}{}", crate::support::stderr(&output));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("transitions.json")).unwrap()).unwrap();
    for figure in ["vigil_per_s", "reference_per_s", "ratio", "p50_ms", "p99_ms", "rss_mb"] {
        assert!(report[figure].as_f64().unwrap() > 0.0, "{figure}: {report}");
    }
    assert!(report["p99_ms"].as_f64().unwrap() >= report["p50_ms"].as_f64().unwrap());
    assert_eq!(report["clients"], 2);
    assert!(report["machine"]["commit"].is_string());
    no_bench_database_left(&db);
}

#[test]
fn the_reads_bench_reports_both_ceilings() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = TestDb::migrated();
    let home = crate::support::reachable_home();
    let out = home.path().join("bench");
    let output = crate::support::vigil(home.path())
        .args([
            "bench",
            "reads",
            "--clients",
            "2",
            "--seconds",
            "1",
            "--runs",
            "2",
            "--out",
        ])
        .arg(&out)
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}{}", crate::support::stderr(&output));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("reads.json")).unwrap()).unwrap();
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
    no_bench_database_left(&db);
}

#[test]
fn the_lists_bench_generates_cases_and_reports_latency_and_sequential_scans() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let db = TestDb::migrated();
    let home = crate::support::reachable_home();
    let out = home.path().join("bench");
    let output = crate::support::vigil(home.path())
        .args([
            "bench",
            "lists",
            "--cases",
            "3000",
            "--clients",
            "2",
            "--seconds",
            "1",
            "--runs",
            "1",
            "--out",
        ])
        .arg(&out)
        .env("DATABASE_URL", db.url.expose())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}{}", crate::support::stderr(&output));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("lists.json")).unwrap()).unwrap();
    for figure in ["vigil_per_s", "p50_ms", "p95_ms", "p99_ms", "rss_mb"] {
        assert!(report[figure].as_f64().unwrap() > 0.0, "{figure}: {report}");
    }
    assert_eq!(report["cases"], 3000);
    assert!(report["sequential_scans_while_listing"].is_object(), "{report}");
    assert!(report["sizes"]["cases_mb"].as_f64().unwrap() > 0.0, "{report}");
    no_bench_database_left(&db);
}
