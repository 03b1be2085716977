//! The application in-process, for tests that drive it through actix-web's test service.

use std::sync::Arc;

use vigil::http::AppState;
use vigil::store::Db;
use vigil::workflow::Registry;

/// The shipped workflows, as `serve` loads them.
pub fn shipped_workflows() -> Registry {
    vigil::startup::load_workflows(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/workflows"))).unwrap()
}

pub fn state(db: Db) -> AppState {
    AppState {
        db,
        workflows: Arc::new(shipped_workflows()),
        keys: Arc::new(super::keys::load()),
    }
}
