//! schemathesis (from PyPI, pinned in tests/python/requirements.txt) against a real `vigil
//! serve` seeded with users, a case and its procedure: every check it runs by default, over
//! every operation of the served `/openapi.json`, finds nothing. `tests/python/schemathesis.toml`
//! lists, with their reasons, the few answers it is told to expect beyond its defaults.

use std::process::Command;

use crate::support::process::stderr;
use crate::support::{TestDb, python, serve_on};

#[test]
fn schemathesis_finds_no_server_error_no_undocumented_answer_and_no_schema_violation() {
    let db = TestDb::migrated();
    let pool = vigil::store::Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = crate::support::app::seed_user(&pool, "focal_point", Some("EUD_KE"));
    crate::support::app::seed_user(&pool, "head_of_delegation", Some("EUD_KE"));
    crate::support::app::seed_user(&pool, "admin", None);
    // schemathesis sends wrong and missing tokens on purpose; the limiter would, rightly, shut
    // the test's one address out after ten of them.
    let (serve, _home) = serve_on(&db, &[("VIGIL_AUTH_FAILURES", "100000")]);
    let opened = ureq::post(&serve.url("/api/v1/cases"))
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(serde_json::json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "Seeded Defender"},
            "procedure": {"workflow": "demarche"}
        }))
        .unwrap();
    assert_eq!(opened.status(), 201);

    let scratch = tempfile::tempdir().unwrap();
    let run = Command::new(python::tool("st"))
        .arg("--config-file")
        .arg(python::script("schemathesis.toml"))
        .arg("run")
        .arg(serve.url("/openapi.json"))
        .args(["--no-color", "--max-examples", "30", "--seed", "1", "--workers", "1"])
        // schemathesis keeps a cache where it runs: in a directory of the test's own.
        .current_dir(scratch.path())
        .env("SCHEMATHESIS_HOOKS", python::script("schemathesis_hooks.py"))
        .env("VIGIL_TOKEN", &token)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "schemathesis found failures:\n{said}\n{}",
        stderr(&run)
    );
    assert!(said.contains("Tested: 34"), "not every operation was tested:\n{said}");
    db.assert_audit_holds();
}
