//! `vigil bench reminders` runs end to end on a small load: it drains every reminder through a
//! real SMTP sink, measures both ceilings, writes its report and leaves no database behind.

use crate::support::TestDb;

#[test]
fn the_reminders_bench_measures_vigil_and_both_ceilings_and_cleans_up() {
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

    let mut conn = db.connect();
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let left: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'vigil_bench') AS exists")
            .get_result(&mut conn)
            .unwrap();
    assert!(!left.exists, "the bench database was left behind");
}
