//! `vigil serve`, `vigil migrate` and `vigil healthcheck`: the service and its database.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use vigil::config::{Config, MailTransport};
use vigil::http::{self, AppState};
use vigil::reminders::pass::{self, ScheduledWork};
use vigil::startup::{self, Database, KeySource, load_workflows, sync_workflows};
use vigil::workflow::Registry;

pub fn serve(config: &Config) -> anyhow::Result<()> {
    // Definitions are checked before anything else: an invalid one must not start a service.
    let registry = load_workflows(&config.workflows_dir)?;
    let key_source = KeySource::from_config(config)?;
    // Bind first: a busy address must fail before anything is created or started.
    let listener = TcpListener::bind(config.listen).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {} ({e}); set VIGIL_LISTEN (or --listen) to a free address",
            config.listen
        )
    })?;
    let database = Database::open(config)?;
    let served = run_service(config, &database, listener, registry, &key_source);
    let closed = database.close();
    served.and(closed)
}

fn run_service(
    config: &Config,
    database: &Database,
    listener: TcpListener,
    mut registry: Registry,
    key_source: &KeySource,
) -> anyhow::Result<()> {
    let keys = key_source.load(config)?;
    let signer = Arc::new(startup::signer(config, key_source)?);
    let applied = database.migrate()?;
    let versions: Vec<String> = registry.iter().map(|w| format!("{}@{}", w.name(), w.version)).collect();
    tracing::info!(workflows = ?versions, "workflow definitions loaded");
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }
    if let MailTransport::Files(outbox) = &config.mail {
        tracing::warn!(outbox = %outbox.display(), "SMTP_URL is unset: mail will be written to files, for a laptop only");
    }
    let db = database.pool_waiting(config.db_pool_size, config.db_wait)?;
    let ledger = Arc::new(startup::ledger(config, key_source)?);
    startup::apply_erasure_ledger(&db, &ledger)?;
    sync_workflows(&db, &mut registry)?;
    let older =
        db.run_blocking(|conn| vigil::store::cases::count_to_reindex(conn, vigil::crypto::BLIND_INDEX_VERSION))?;
    if older > 0 {
        tracing::warn!(
            cases = older,
            "cases have an older blind index and are not found as duplicates of new ones; run `vigil keys reindex`"
        );
    }
    let mailer = Arc::new(startup::mailer(config)?);
    // Counting starts before the background work or any request does.
    vigil::metrics::exporter();
    let state = AppState {
        db,
        workflows: Arc::new(registry),
        keys: Arc::new(keys),
        max_body: config.max_body,
        body_timeout: config.body_timeout,
        auth_limiter: Arc::new(http::limiter::AuthLimiter::new(config.auth_failures)),
        trusted_proxies: config.trusted_proxies.clone().into(),
        scrape: Arc::new(startup::scrape_access(config)?),
        mailer: Some(mailer.clone()),
        ledger: ledger.clone(),
        reports: Arc::new(startup::report_settings(config)?),
        uploads: Arc::new(http::attachments::Uploads::sharing(
            config.attachments,
            config.db_pool_size,
        )),
    };
    let work = ScheduledWork {
        db: state.db.clone(),
        workflows: state.workflows.clone(),
        keys: state.keys.clone(),
        mailer,
        signer: Some(signer),
        ledger: Some(ledger),
        auditor: vigil::reminders::pass::Auditor::of(config),
    };
    let background = http::Background {
        every: pass::INTERVAL,
        job: Arc::new(move || {
            let work = work.clone();
            Box::pin(async move { work.run_once().await })
        }),
    };
    tracing::info!(listen = %config.listen, public_url = %config.public_url, "vigil is serving");
    http::serve_blocking(listener, state, Some(background)).context("the HTTP server failed")?;
    tracing::info!("vigil stopped");
    Ok(())
}

pub fn migrate(config: &Config, grant_to: Option<&str>) -> anyhow::Result<()> {
    let database = Database::open(config)?;
    let applied = database.migrate().and_then(|applied| {
        if let Some(role) = grant_to {
            database.grant_serving(role)?;
        }
        Ok(applied)
    });
    let closed = database.close();
    let applied = applied?;
    closed?;
    if applied.is_empty() {
        println!("no pending migrations");
    }
    for version in applied {
        println!("applied {version}");
    }
    if let Some(role) = grant_to {
        println!("granted {role} the serving privileges");
    }
    Ok(())
}

/// `vigil openapi`: the document `/openapi.json` serves, for the workflows in
/// VIGIL_WORKFLOWS_DIR; needs no database (to generate a client before deploying).
pub fn openapi(config: &Config) -> anyhow::Result<()> {
    let registry = load_workflows(&config.workflows_dir)?;
    let document = http::api_doc::document(&registry);
    println!("{}", document.to_pretty_json()?);
    Ok(())
}

pub fn healthcheck(config: &Config) -> anyhow::Result<()> {
    let status = http::probe::healthz(config.listen, Duration::from_secs(3))
        .with_context(|| format!("no answer on {}", config.listen))?;
    anyhow::ensure!(status == 200, "/healthz answered {status}");
    Ok(())
}
