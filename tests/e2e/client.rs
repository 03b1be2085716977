//! A client generated from the served `/openapi.json` with `openapi-python-client`, used
//! against a real `vigil serve`: every answer of the walk parses into its typed model.

use std::process::Command;

use crate::support::process::stderr;
use crate::support::{TestDb, python, serve_on};

#[test]
fn a_generated_python_client_gets_typed_answers_for_the_main_walk() {
    let db = TestDb::migrated();
    let pool = vigil::store::Db::connect_lazily(&db.url, 2).unwrap();
    let (_, token) = crate::support::app::seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (serve, _home) = serve_on(&db, &[]);

    let spec = serve.get("/openapi.json").unwrap().into_string().unwrap();
    let out = tempfile::tempdir().unwrap();
    let spec_file = out.path().join("openapi.json");
    std::fs::write(&spec_file, spec).unwrap();
    let generated = Command::new(python::tool("openapi-python-client"))
        .args(["generate", "--meta", "none", "--path"])
        .arg(&spec_file)
        .arg("--output-path")
        .arg(out.path().join("vigil_client"))
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&generated.stdout), stderr(&generated));
    assert!(generated.status.success(), "openapi-python-client failed: {said}");
    // A warning is an operation or a model the generator could not make: none may be missing.
    assert!(
        !said.contains("WARNING"),
        "openapi-python-client left parts of the document out: {said}"
    );

    let walked = Command::new(python::tool("python"))
        .arg(python::script("client_walk.py"))
        .env("PYTHONPATH", out.path())
        .env("VIGIL_URL", serve.url(""))
        .env("VIGIL_TOKEN", &token)
        .output()
        .unwrap();
    assert!(
        walked.status.success(),
        "the generated client's walk failed: {}{}",
        String::from_utf8_lossy(&walked.stdout),
        stderr(&walked)
    );
    db.assert_audit_holds();
}
