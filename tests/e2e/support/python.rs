//! The Python tools the tests drive (openapi-python-client, schemathesis), from the virtual
//! environment `scripts/install-deps` makes from `tests/python/requirements.txt`.

use std::path::PathBuf;

/// The program `name` of that environment (`VIGIL_PYTHON`, by default /var/tmp/vigil-python).
pub fn tool(name: &str) -> PathBuf {
    let venv = std::env::var_os("VIGIL_PYTHON").map_or_else(|| PathBuf::from("/var/tmp/vigil-python"), PathBuf::from);
    let program = venv.join("bin").join(name);
    assert!(
        program.exists(),
        "{} is missing: run scripts/install-deps (scripts/test does)",
        program.display()
    );
    program
}

/// A file of `tests/python`.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python")).join(name)
}
