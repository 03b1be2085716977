//! Opening the database a command runs against: the server `DATABASE_URL` names, or the
//! embedded cluster under `VIGIL_HOME`, started for as long as this process needs it.

use anyhow::Context;

use crate::config::{Config, DatabaseSource, DatabaseUrl};
use crate::crypto::{self, Keyring, Keys};
use crate::devdb::{Cluster, ClusterLease, ClusterOptions, Released};
use crate::store::{self, Db};
use crate::workflow::{Registry, Source};

/// The database of this process, and the embedded cluster's lease when there is one.
pub struct Database {
    pub url: DatabaseUrl,
    lease: Option<ClusterLease>,
    /// Where migrations run: the tables' owner (`VIGIL_MIGRATE_DATABASE_URL`), or `url`.
    migrate_url: DatabaseUrl,
    /// The role `url` connects as, given the serving privileges after every migration: the
    /// embedded cluster's own, or `DATABASE_URL`'s when `VIGIL_MIGRATE_DATABASE_URL` names
    /// another (so tables a migration adds at start are the serving role's to use at once).
    serving_role: Option<String>,
}

impl Database {
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        match &config.database {
            DatabaseSource::External(url) => {
                let migrate_url = config.migrate_database_url.clone().unwrap_or_else(|| url.clone());
                let serving_role = Some(url.user()).filter(|role| {
                    !role.is_empty() && *role != migrate_url.user() && store::privileges::grants_for(role).is_some()
                });
                Ok(Self {
                    url: url.clone(),
                    lease: None,
                    migrate_url,
                    serving_role,
                })
            }
            DatabaseSource::Embedded => {
                let cluster = Cluster::new(&config.home, ClusterOptions::default())
                    .context("cannot prepare the embedded PostgreSQL cluster")?;
                if cluster.layout().relocated {
                    tracing::warn!(
                        cluster = %cluster.layout().root.display(),
                        "the postgres user cannot reach VIGIL_HOME, so the embedded cluster lives here instead"
                    );
                }
                let lease = cluster
                    .acquire()
                    .context("cannot start the embedded PostgreSQL cluster")?;
                let malformed = "the embedded cluster's URL is malformed";
                let url = DatabaseUrl::parse(&lease.serving_url(crate::devdb::DATABASE)).context(malformed)?;
                let migrate_url = DatabaseUrl::parse(&lease.url(crate::devdb::DATABASE)).context(malformed)?;
                tracing::info!(
                    data = %lease.layout().data.display(),
                    started = lease.started(),
                    "using the embedded PostgreSQL cluster: for a laptop, not for production (set DATABASE_URL)"
                );
                Ok(Self {
                    migrate_url,
                    url,
                    lease: Some(lease),
                    serving_role: Some(crate::devdb::SERVING_ROLE.to_owned()),
                })
            }
        }
    }

    /// Applies pending migrations, then gives the serving role (when there is one apart from
    /// the owner) the privileges on what they made; returns the versions applied.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let applied = self.migrate_only()?;
        if let Some(role) = &self.serving_role {
            self.grant_serving(role)?;
        }
        Ok(applied)
    }

    /// The tables' owner's URL (the embedded superuser's, `VIGIL_MIGRATE_DATABASE_URL`, or `url`):
    /// for what only an owner may do, such as creating a database for a bench.
    pub fn owner_url(&self) -> &DatabaseUrl {
        &self.migrate_url
    }

    fn migrate_only(&self) -> anyhow::Result<Vec<String>> {
        store::migrations::run_pending_at(&self.migrate_url).map_err(|e| match e {
            store::StoreError::Connect(cause) => anyhow::anyhow!(
                "cannot connect to {}; check DATABASE_URL (or VIGIL_MIGRATE_DATABASE_URL) and that the server runs: {cause}",
                self.migrate_url
            ),
            other => anyhow::Error::new(other).context("cannot apply the database migrations"),
        })
    }

    /// Gives `role` the serving privileges (`store::privileges`), as the tables' owner.
    pub fn grant_serving(&self, role: &str) -> anyhow::Result<()> {
        store::privileges::grant_serving_at(&self.migrate_url, role)
            .context("cannot grant the serving privileges")?
            .with_context(|| format!("`{role}` is not a plain role name (lower-case letters, digits and _)"))
    }

    pub fn pool(&self, max_size: u32) -> anyhow::Result<Db> {
        Ok(Db::connect_lazily(&self.url, max_size)?)
    }

    /// A pool whose checkouts wait at most `wait` (`VIGIL_DB_WAIT`): what `serve` answers with.
    pub fn pool_waiting(&self, max_size: u32, wait: std::time::Duration) -> anyhow::Result<Db> {
        Ok(Db::connect_observed(
            &self.url,
            max_size,
            wait,
            crate::metrics::POOL_WATCH,
        )?)
    }

    /// Stops the embedded cluster if this process was its last user.
    pub fn close(mut self) -> anyhow::Result<()> {
        if let Some(lease) = self.lease.take() {
            let released = lease.release().context("cannot stop the embedded PostgreSQL cluster")?;
            match released {
                Released::Stopped => tracing::info!("stopped the embedded PostgreSQL cluster"),
                Released::LeftForOthers => {
                    tracing::info!("the embedded PostgreSQL cluster keeps running for another vigil process")
                }
            }
        }
        Ok(())
    }
}

/// Reads every `*.toml` in `dir` and validates them together. The error lists every problem,
/// one per line, each with its file and line.
pub fn load_workflows(dir: &std::path::Path) -> anyhow::Result<Registry> {
    let entries = std::fs::read_dir(dir).with_context(|| {
        format!(
            "cannot read the workflows directory {}; set VIGIL_WORKFLOWS_DIR",
            dir.display()
        )
    })?;
    let mut sources = Vec::new();
    for entry in entries {
        let path = entry.with_context(|| format!("cannot read {}", dir.display()))?.path();
        if path.extension().is_none_or(|ext| ext != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        sources.push(Source {
            file: path.display().to_string(),
            stem,
            text,
        });
    }
    sources.sort_by(|a, b| a.file.cmp(&b.file));
    anyhow::ensure!(
        !sources.is_empty(),
        "no workflow definitions (*.toml) in {}",
        dir.display()
    );
    Registry::load(&sources).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(WorkflowProblems(lines))
    })
}

/// Every problem of the workflow files, one per line.
#[derive(Debug)]
pub struct WorkflowProblems(pub Vec<String>);

impl std::fmt::Display for WorkflowProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid workflow definitions:")?;
        for line in &self.0 {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for WorkflowProblems {}

/// Records the loaded workflow versions in the database, and adds to the registry the older
/// versions that procedures may still run on.
pub fn sync_workflows(db: &Db, registry: &mut Registry) -> anyhow::Result<()> {
    let current: Vec<store::workflows::NewWorkflowVersion> = registry
        .iter()
        .map(|w| store::workflows::NewWorkflowVersion {
            name: w.name().to_owned(),
            version: w.version.clone(),
            definition: w.definition_json(),
        })
        .collect();
    let stored = db
        .run_blocking(|conn| {
            store::workflows::record(conn, &current)?;
            store::workflows::all(conn)
        })
        .context("cannot record the workflow versions")?;
    for json in stored {
        let definition: crate::workflow::Definition =
            serde_json::from_value(json).context("a recorded workflow version cannot be read")?;
        registry.add_stored(definition).map_err(|problems| {
            anyhow::anyhow!(WorkflowProblems(problems.iter().map(ToString::to_string).collect()))
        })?;
    }
    Ok(())
}

/// Where the keys come from, decided from the configuration before anything is created.
#[derive(Debug, Clone)]
pub enum KeySource {
    Files {
        identity: std::path::PathBuf,
        index: std::path::PathBuf,
        signing: std::path::PathBuf,
    },
    /// The embedded default's development keys under `$VIGIL_HOME/keys`.
    Development { dir: std::path::PathBuf },
}

impl KeySource {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        match (
            &config.identity_file,
            &config.index_key_file,
            &config.signing_key_file,
            &config.database,
        ) {
            (Some(identity), Some(index), Some(signing), _) => Ok(Self::Files {
                identity: identity.clone(),
                index: index.clone(),
                signing: signing.clone(),
            }),
            (None, None, None, DatabaseSource::Embedded) => Ok(Self::Development {
                dir: config.home.join("keys"),
            }),
            (None, _, _, _) => anyhow::bail!(
                "VIGIL_IDENTITY_FILE is required outside the embedded default; create one with `age-keygen -o identity.txt` (mode 0600)"
            ),
            (Some(_), None, _, _) => anyhow::bail!(
                "VIGIL_INDEX_KEY_FILE is required with VIGIL_IDENTITY_FILE; create one with `vigil keys new-index-key > index.key` (mode 0600)"
            ),
            (Some(_), Some(_), None, _) => anyhow::bail!(
                "VIGIL_SIGNING_KEY_FILE is required with VIGIL_IDENTITY_FILE; create one with `vigil keys new-signing-key > signing.key` (mode 0600)"
            ),
        }
    }

    /// Reads the keys, creating the development keys on first use.
    pub fn load(&self, config: &Config) -> anyhow::Result<Keys> {
        let (identity, index) = match self {
            Self::Files { identity, index, .. } => (identity.clone(), index.clone()),
            Self::Development { dir } => {
                let keys = crypto::ensure_dev_keys(dir).context("cannot create the development keys")?;
                tracing::warn!(
                    keys = %dir.display(),
                    created = keys.created,
                    "using DEVELOPMENT keys kept beside the data: anyone with this folder reads every case; never use them for real cases (set VIGIL_IDENTITY_FILE, VIGIL_INDEX_KEY_FILE and VIGIL_SIGNING_KEY_FILE)"
                );
                (keys.identity, keys.index)
            }
        };
        let identities = crypto::read_identities(&identity).with_context(|| format!("{}", identity.display()))?;
        let keyring = Keyring::new(identities, &config.recipients)?
            .with_cache(config.case_key_cache, crypto::keyring::CASE_KEY_LIFETIME);
        let index = crypto::read_index_key(&index).with_context(|| format!("{}", index.display()))?;
        Ok(Keys { keyring, index })
    }

    /// Reads the audit signing key (creating the development keys on first use).
    pub fn signing_key(&self) -> anyhow::Result<crypto::SigningKey> {
        let path = match self {
            Self::Files { signing, .. } => signing.clone(),
            Self::Development { dir } => {
                crypto::ensure_dev_keys(dir)
                    .context("cannot create the development keys")?
                    .signing
            }
        };
        crypto::signing::read_signing_key(&path).with_context(|| format!("{}", path.display()))
    }
}

/// What signs the audit checkpoints: the signing key, the checkpoint file, the interval.
pub fn signer(config: &Config, keys: &KeySource) -> anyhow::Result<crate::audit::Signer> {
    Ok(crate::audit::Signer {
        key: keys.signing_key()?,
        file: crate::audit::LineFile::new(config.checkpoint_file.clone()),
        interval: config.checkpoint_interval,
    })
}

/// The erasure ledger: the signing key and the ledger file.
pub fn ledger(config: &Config, keys: &KeySource) -> anyhow::Result<crate::audit::ledger::Ledger> {
    Ok(crate::audit::ledger::Ledger::new(
        keys.signing_key()?,
        crate::audit::LineFile::new(config.erasure_ledger.clone()),
    ))
}

/// Makes every erasure in the ledger true before anything is served (a restored backup may
/// have brought a key back); refuses to go on when the ledger cannot be trusted.
pub fn apply_erasure_ledger(db: &Db, ledger: &crate::audit::ledger::Ledger) -> anyhow::Result<()> {
    let mut conn = db.get_timeout(std::time::Duration::from_secs(30))?;
    let applied = crate::cases::apply_erasure_ledger(&mut conn, ledger, chrono::Utc::now())
        .context("the erasure ledger cannot be applied; nothing is served until it is")?;
    if applied.shredded > 0 || applied.to_database > 0 {
        tracing::warn!(
            shredded = applied.shredded,
            restored_lines = applied.to_database,
            "the database was behind the erasure ledger (a restored backup?): erased cases shredded again"
        );
    }
    if applied.to_file > 0 {
        tracing::info!(
            lines = applied.to_file,
            "the erasure ledger file caught up with the database"
        );
    }
    Ok(())
}

/// Disclosure control's threshold and the regions table of the reports.
pub fn report_settings(config: &Config) -> anyhow::Result<crate::reports::Settings> {
    let regions = match &config.regions_file {
        None => crate::reports::Regions::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read VIGIL_REGIONS_FILE {}", path.display()))?;
            crate::reports::Regions::parse(&text).with_context(|| format!("VIGIL_REGIONS_FILE {}", path.display()))?
        }
    };
    Ok(crate::reports::Settings {
        min_count: config.report_min_count,
        regions,
    })
}

/// Where mail goes: SMTP when `SMTP_URL` is set, else files under `$VIGIL_HOME/outbox`; with
/// the words of every email from `workflows/messages`.
pub fn mailer(config: &Config) -> anyhow::Result<crate::mail::Mailer> {
    use crate::config::MailTransport;
    use crate::mail::Outbox;
    let outbox = match &config.mail {
        MailTransport::Files(outbox) => Outbox::Files(outbox.clone()),
        MailTransport::Smtp(url) => match &config.smtp_ca_file {
            None => Outbox::smtp(url.expose()),
            Some(path) => {
                let pem = std::fs::read(path).with_context(|| format!("SMTP_CA_FILE {}", path.display()))?;
                Outbox::smtp_trusting(url.expose(), pem)
            }
        }
        .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?,
    };
    let messages = config.workflows_dir.join("messages");
    let catalog = crate::mail::catalog::Catalog::load(&messages)?;
    Ok(crate::mail::Mailer {
        catalog: std::sync::Arc::new(catalog),
        outbox,
        from: config
            .mail_from
            .clone()
            .unwrap_or_else(|| format!("vigil@{}", config.public_url.host_str().unwrap_or("localhost"))),
        public_url: config.public_url.to_string(),
    })
}

/// Who may scrape `/metrics` besides administrators: the holder of the token in
/// `VIGIL_METRICS_TOKEN_FILE`, and clients from `VIGIL_METRICS_FROM`.
pub fn scrape_access(config: &Config) -> anyhow::Result<crate::metrics::ScrapeAccess> {
    let token = match &config.metrics_token_file {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("VIGIL_METRICS_TOKEN_FILE {} cannot be read", path.display()))?;
            let token = text.trim();
            anyhow::ensure!(
                token.len() >= crate::metrics::MIN_TOKEN_LEN && token.chars().all(|c| c.is_ascii_graphic()),
                "VIGIL_METRICS_TOKEN_FILE {} must hold one token of at least {} printable characters (make one with `openssl rand -hex 32`)",
                path.display(),
                crate::metrics::MIN_TOKEN_LEN
            );
            Some(crate::domain::Sensitive::new(token.to_owned()))
        }
    };
    Ok(crate::metrics::ScrapeAccess::new(
        token.as_ref(),
        config.metrics_from.clone(),
    ))
}
