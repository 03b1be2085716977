//! The application in-process, for tests that drive it through actix-web's test service.

use std::sync::Arc;

use vigil::http::AppState;
use vigil::store::Db;
use vigil::workflow::Registry;

/// The shipped workflows, as `serve` loads them.
pub fn shipped_workflows() -> Registry {
    vigil::startup::load_workflows(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/workflows"))).unwrap()
}

/// The application state as `serve` builds it, with the workflow versions recorded.
pub fn state(db: Db) -> AppState {
    let mut state = bare_state(db);
    let mut registry = (*state.workflows).clone();
    vigil::startup::sync_workflows(&state.db, &mut registry).unwrap();
    state.workflows = Arc::new(registry);
    state
}

/// The application state without touching the database (which may be down or behind).
pub fn bare_state(db: Db) -> AppState {
    // Errors the application logs (internal errors with their cause) show with a failing test.
    vigil::telemetry::init(&vigil::config::LogConfig {
        filter: "warn".into(),
        format: vigil::config::LogFormat::Text,
    });
    AppState {
        db,
        workflows: Arc::new(shipped_workflows()),
        keys: Arc::new(super::keys::load()),
        max_body: 1024 * 1024,
        body_timeout: std::time::Duration::from_secs(30),
        auth_limiter: Default::default(),
        trusted_proxies: Vec::new().into(),
        scrape: Default::default(),
        mailer: None,
        ledger: Arc::new(ledger()),
        reports: Arc::new(vigil::reports::Settings {
            min_count: vigil::reports::DEFAULT_MIN_COUNT,
            regions: Default::default(),
        }),
        uploads: Arc::new(vigil::http::attachments::Uploads::new(Default::default(), 4)),
    }
}

/// An erasure ledger of its own, signed with the test signing key; its file (made on the first
/// erasure) under cargo's temporary directory for integration tests.
pub fn ledger() -> vigil::audit::ledger::Ledger {
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("vigil-test-ledgers")
        .join(uuid::Uuid::new_v4().simple().to_string());
    let key = vigil::crypto::signing::read_signing_key(&super::keys::files().2).unwrap();
    vigil::audit::ledger::Ledger::new(key, vigil::audit::LineFile::new(file))
}

/// Adds the delegation if needed and a user of `role` in it; returns the user's id and token.
pub fn seed_user(db: &Db, role: &str, delegation: Option<&str>) -> (vigil::domain::UserId, String) {
    if let Some(code) = delegation
        && db
            .run_blocking(|conn| vigil::store::users::delegation(conn, code))
            .unwrap()
            .is_none()
    {
        vigil::commands::add_delegation(
            db,
            code,
            &format!("Delegation {code}"),
            None,
            "Europe/Brussels",
            "sat,sun",
        )
        .unwrap();
    }
    let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
    let added = vigil::commands::add_user(
        db,
        &email,
        role.parse().unwrap(),
        delegation,
        None,
        30,
        &Default::default(),
    )
    .unwrap();
    (added.id, added.token.expose().clone())
}
