//! The `vigil` command line: `serve`, `migrate`, `healthcheck`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use vigil::commands;
use vigil::config::{Config, ConfigArgs, MailTransport};
use vigil::http::{self, AppState};
use vigil::startup::{Database, KeySource, WorkflowProblems, load_workflows, sync_workflows};
use vigil::store;
use vigil::telemetry;
use vigil::workflow::{Registry, graph};

/// Workflow and case management for the cases of human rights defenders at risk.
#[derive(Debug, Parser)]
#[command(name = "vigil", version, about)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (applies pending migrations first).
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Exit 0 when the service on VIGIL_LISTEN answers /healthz (the container's HEALTHCHECK).
    Healthcheck,
    /// Manage delegations.
    Delegations {
        #[command(subcommand)]
        command: DelegationsCommand,
    },
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Scheduled reminders and timers.
    Reminders {
        #[command(subcommand)]
        command: RemindersCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Export data, age-encrypted.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Manage API tokens.
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// Manage keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Check and draw workflow definitions.
    Workflows {
        #[command(subcommand)]
        command: WorkflowsCommand,
    },
    /// Measure Vigil against the limits of this machine (see BENCHMARKS.md).
    Bench {
        scenario: BenchScenario,
        /// A short run (under two minutes) instead of the full one.
        #[arg(long)]
        quick: bool,
        /// How many due reminders to drain (a multiple of 200).
        #[arg(long)]
        reminders: Option<i64>,
        /// SMTP connections, for Vigil and the bare client alike (reminders).
        #[arg(long, default_value_t = 4)]
        connections: usize,
        /// Leave out the graphile-worker comparison (reminders), which installs graphile-worker
        /// from npm on first use.
        #[arg(long)]
        without_graphile: bool,
        /// Concurrent HTTP clients, and pgbench clients (transitions: 32; reads: 64; lists: 8).
        #[arg(long)]
        clients: Option<usize>,
        /// How many cases to generate (lists, scale; default 1,000,000, 100,000 with --quick).
        #[arg(long)]
        cases: Option<i64>,
        /// How long each run drives the server (default 15, 5 with --quick).
        #[arg(long)]
        seconds: Option<u64>,
        /// Runs to take the median of.
        #[arg(long)]
        runs: Option<usize>,
        /// Where SCENARIO.json is written.
        #[arg(long, default_value = "target/bench")]
        out: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BenchScenario {
    /// Due reminders claimed, sent to a local SMTP sink and marked sent.
    Reminders,
    /// Authenticated transitions with sealed data on distinct procedures, over HTTP.
    Transitions,
    /// Case reads with decryption, over HTTP.
    Reads,
    /// Pages of a delegation's cases with filters on, among 1,000,000 cases.
    Lists,
    /// 1,000,000 cases and 10,000,000 events: list and read latency, the claim's cost behind
    /// reminders not due, table and index sizes.
    Scale,
}

#[derive(Debug, Subcommand)]
enum DelegationsCommand {
    /// Add a delegation (an EU Delegation, or another unit cases belong to).
    Add {
        /// A code such as EUD_KE.
        code: String,
        #[arg(long)]
        name: String,
        /// The host country, ISO 3166-1 alpha-2.
        #[arg(long)]
        country: Option<String>,
        /// The office's time zone, for reminders and deadlines.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
        /// The days the office does not work, e.g. `sat,sun` or `fri,sat`.
        #[arg(long, default_value = "sat,sun")]
        weekend: String,
    },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Add a user; prints a new API token as the last line (shown once, stored only as a hash).
    Add {
        #[arg(long)]
        email: String,
        /// focal_point, head_of_delegation, eusr_reviewer or admin.
        #[arg(long)]
        role: String,
        /// The user's delegation (focal points and heads of delegation only).
        #[arg(long)]
        delegation: Option<String>,
        /// The name shown to colleagues (default: the email).
        #[arg(long)]
        name: Option<String>,
        /// How many days the token is valid.
        #[arg(long, default_value = "90")]
        token_days: u32,
        /// The user's time zone for reminders (default: their delegation's).
        #[arg(long)]
        time_zone: Option<String>,
        /// The language of their emails (a file under workflows/messages/; default en).
        #[arg(long, default_value = "en")]
        language: String,
        /// Send their reminders as one digest email a day.
        #[arg(long)]
        digest: bool,
    },
    /// Change how Vigil writes to a user.
    Set {
        #[arg(long)]
        email: String,
        /// A time zone such as Africa/Nairobi, or `delegation` for their delegation's.
        #[arg(long)]
        time_zone: Option<String>,
        #[arg(long)]
        language: Option<String>,
        /// `true`: one digest email a day; `false`: each reminder as it falls due.
        #[arg(long)]
        digest: Option<bool>,
    },
    /// List users.
    List,
    /// Disable a user: their tokens stop working at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum TokensCommand {
    /// Issue a new API token for a user; prints it as the last line (shown once).
    Issue {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "90")]
        days: u32,
    },
    /// Revoke a token, given whole or by its 8-digit prefix.
    Revoke { token: String },
}

#[derive(Debug, Subcommand)]
enum RemindersCommand {
    /// List pending reminders and timers, or with --dead those given up.
    List {
        #[arg(long)]
        dead: bool,
    },
    /// Give a dead reminder or timer another round of attempts.
    Retry { id: uuid::Uuid },
    /// Send due reminders and fire due timers until SIGTERM or SIGINT (a worker beside `serve`).
    Run,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk every case's event chain; print each broken link; exit 1 if any.
    Verify,
    /// Print one hash over every chain head; keep it outside the database and compare later.
    Digest,
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// One case: metadata, confidential data and timeline, as JSON encrypted to RECIPIENT.
    Case {
        /// The case reference, e.g. VG-2026-00042.
        reference: String,
        /// The age recipient (age1…) the bundle is encrypted to.
        #[arg(long)]
        recipient: String,
        /// Write here (mode 0600) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Print a new random blind-index key (64 hex digits) for VIGIL_INDEX_KEY_FILE.
    NewIndexKey,
    /// Re-wrap every case key to the current master recipients (the identities' own and
    /// VIGIL_RECIPIENTS), in batches; safe to interrupt and run again, and to run beside `serve`.
    Rotate {
        #[arg(long, default_value = "200")]
        batch: i64,
    },
}

#[derive(Debug, Subcommand)]
enum WorkflowsCommand {
    /// Validate every definition; print one line per workflow, or every problem.
    Check {
        /// The directory to check (default: VIGIL_WORKFLOWS_DIR).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// List the recorded versions of each workflow and how many procedures run on each.
    List,
    /// Print a workflow's state machine.
    Graph {
        name: String,
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let config = match Config::from_args(cli.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("vigil: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    let result = match cli.command {
        Command::Serve => serve(&config),
        Command::Migrate => migrate(&config),
        Command::Healthcheck => healthcheck(&config),
        Command::Workflows { command } => workflows(&config, command),
        Command::Delegations {
            command:
                DelegationsCommand::Add {
                    code,
                    name,
                    country,
                    time_zone,
                    weekend,
                },
        } => with_database(&config, |db| {
            commands::add_delegation(db, &code, &name, country.as_deref(), &time_zone, &weekend)?;
            println!("added delegation {code}");
            Ok(())
        }),
        Command::Users {
            command:
                UsersCommand::Add {
                    email,
                    role,
                    delegation,
                    name,
                    token_days,
                    time_zone,
                    language,
                    digest,
                },
        } => with_database(&config, |db| {
            let preferences = commands::Preferences {
                time_zone,
                language,
                digest,
            };
            let added = commands::add_user(
                db,
                &email,
                &role,
                delegation.as_deref(),
                name.as_deref(),
                token_days,
                &preferences,
            )?;
            println!(
                "added user {} ({role}); token valid until {}:",
                added.id,
                added.expires_at.format("%Y-%m-%d")
            );
            println!("{}", added.token.expose());
            Ok(())
        }),
        Command::Export {
            command:
                ExportCommand::Case {
                    reference,
                    recipient,
                    out,
                },
        } => export_case(&config, &reference, &recipient, out.as_deref()),
        Command::Users {
            command: UsersCommand::List,
        } => with_database(&config, |db| {
            for user in db.run_blocking(store::users::list_users)? {
                println!(
                    "{}  {:<19} {:<12} {}  {} {}{}{}",
                    user.id,
                    user.role,
                    user.delegation.as_deref().unwrap_or("-"),
                    user.email,
                    user.language,
                    user.time_zone.as_deref().unwrap_or("(delegation's time zone)"),
                    if user.digest { "  digest" } else { "" },
                    if user.disabled_at.is_some() { "  (disabled)" } else { "" }
                );
            }
            Ok(())
        }),
        Command::Users {
            command:
                UsersCommand::Set {
                    email,
                    time_zone,
                    language,
                    digest,
                },
        } => with_database(&config, |db| {
            let changes = store::users::PreferenceChanges {
                time_zone: time_zone.map(|tz| Some(tz).filter(|tz| tz != "delegation")),
                language,
                digest,
            };
            commands::set_preferences(db, &email, &changes)?;
            println!("updated {email}");
            Ok(())
        }),
        Command::Users {
            command: UsersCommand::Disable { email },
        } => with_database(&config, |db| {
            commands::disable_user(db, &email)?;
            println!("disabled {email}");
            Ok(())
        }),
        Command::Tokens {
            command: TokensCommand::Issue { email, days },
        } => with_database(&config, |db| {
            let issued = commands::issue_token(db, &email, days)?;
            println!(
                "token for {email}, valid until {}:",
                issued.expires_at.format("%Y-%m-%d")
            );
            println!("{}", issued.token.expose());
            Ok(())
        }),
        Command::Tokens {
            command: TokensCommand::Revoke { token },
        } => with_database(&config, |db| {
            commands::revoke_token(db, &token)?;
            println!("revoked");
            Ok(())
        }),
        Command::Reminders {
            command: RemindersCommand::Run,
        } => run_worker(&config),
        Command::Bench {
            scenario,
            quick,
            reminders,
            connections,
            without_graphile,
            clients,
            cases,
            seconds,
            runs,
            out,
        } => {
            let runs = runs.unwrap_or(if quick { 1 } else { 3 }).max(1);
            match scenario {
                BenchScenario::Reminders => {
                    let options = vigil::bench::reminders::Options {
                        reminders: reminders.unwrap_or(if quick { 2_000 } else { 20_000 }),
                        connections: connections.clamp(1, 64),
                        runs,
                        graphile: !without_graphile,
                    };
                    vigil::bench::reminders::run(&config, &options, &out).map(drop)
                }
                BenchScenario::Transitions => {
                    let options = vigil::bench::transitions::Options {
                        clients: clients.unwrap_or(32).clamp(1, 256),
                        seconds: seconds.unwrap_or(if quick { 5 } else { 15 }).max(1),
                        runs,
                    };
                    vigil::bench::transitions::run(&config, &options, &out).map(drop)
                }
                BenchScenario::Reads => {
                    let options = vigil::bench::reads::Options {
                        clients: clients.unwrap_or(64).clamp(1, 256),
                        cases: 256,
                        seconds: seconds.unwrap_or(if quick { 5 } else { 15 }).max(1),
                        runs,
                    };
                    vigil::bench::reads::run(&config, &options, &out).map(drop)
                }
                BenchScenario::Scale => {
                    let cases = cases.unwrap_or(if quick { 100_000 } else { 1_000_000 }).max(1);
                    let options = vigil::bench::scale::Options {
                        cases,
                        events_per_case: 10,
                        not_due: cases,
                        clients: clients.unwrap_or(8).clamp(1, 256),
                        seconds: seconds.unwrap_or(if quick { 3 } else { 10 }).max(1),
                        runs,
                    };
                    vigil::bench::scale::run(&config, &options, &out).map(drop)
                }
                BenchScenario::Lists => {
                    let options = vigil::bench::lists::Options {
                        cases: cases.unwrap_or(if quick { 100_000 } else { 1_000_000 }).max(1),
                        clients: clients.unwrap_or(8).clamp(1, 256),
                        seconds: seconds.unwrap_or(if quick { 5 } else { 15 }).max(1),
                        runs,
                    };
                    vigil::bench::lists::run(&config, &options, &out).map(drop)
                }
            }
        }
        Command::Reminders {
            command: RemindersCommand::List { dead },
        } => with_database(&config, |db| {
            let status = if dead { "dead" } else { "pending" };
            for item in db.run_blocking(|conn| store::scheduled::scheduled_in(conn, status, 1000))? {
                println!(
                    "{}  {}  {:<8} {:<40} due {}  attempts {}",
                    item.id,
                    item.reference,
                    item.kind,
                    item.message.or(item.action).unwrap_or_default(),
                    item.due_at.format("%Y-%m-%d %H:%M UTC"),
                    item.attempts
                );
            }
            Ok(())
        }),
        Command::Reminders {
            command: RemindersCommand::Retry { id },
        } => with_database(&config, |db| {
            anyhow::ensure!(
                db.run_blocking(|conn| store::scheduled::revive(conn, id))?,
                "no dead reminder or timer {id}"
            );
            println!("{id} will be tried again");
            Ok(())
        }),
        Command::Audit {
            command: AuditCommand::Verify,
        } => audit_verify(&config),
        Command::Audit {
            command: AuditCommand::Digest,
        } => with_database(&config, |db| {
            let (digest, chains) = db.run_blocking(store::audit::digest)?;
            println!("{digest}  ({chains} case chains)");
            Ok(())
        }),
        Command::Keys {
            command: KeysCommand::Rotate { batch },
        } => rotate_keys(&config, batch),
        Command::Keys {
            command: KeysCommand::NewIndexKey,
        } => vigil::crypto::IndexKey::generate()
            .map(|key| println!("{}", key.to_hex().expose()))
            .map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<WorkflowProblems>().is_some() => {
            // One problem per line, each with its file and line, is the point of this error.
            eprintln!("vigil: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            // `{:#}` puts the cause chain on one line; libpq's messages span several.
            let message = format!("{e:#}");
            let folded: Vec<&str> = message.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
            eprintln!("vigil: {}", folded.join(" "));
            ExitCode::FAILURE
        }
    }
}

/// Help and version go to stdout as clap prints them; a usage error is one line.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        print!("{e}");
        return ExitCode::SUCCESS;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        eprint!("{e}");
        return ExitCode::from(2);
    }
    let rendered = e.to_string();
    let first = rendered.lines().next().unwrap_or("bad arguments");
    eprintln!("vigil: {} (see `vigil --help`)", first.trim_start_matches("error: "));
    ExitCode::from(2)
}

fn serve(config: &Config) -> anyhow::Result<()> {
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

/// How often `serve` looks for due timers and reminders.
const TIMER_INTERVAL: Duration = Duration::from_secs(15);

fn run_service(
    config: &Config,
    database: &Database,
    listener: TcpListener,
    mut registry: Registry,
    key_source: &KeySource,
) -> anyhow::Result<()> {
    let keys = key_source.load(config)?;
    let applied = database.migrate()?;
    let versions: Vec<String> = registry.iter().map(|w| format!("{}@{}", w.name(), w.version)).collect();
    tracing::info!(workflows = ?versions, "workflow definitions loaded");
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }
    if let MailTransport::Files(outbox) = &config.mail {
        tracing::warn!(outbox = %outbox.display(), "SMTP_URL is unset: mail will be written to files, for a laptop only");
    }
    let db = database.pool(config.db_pool_size)?;
    sync_workflows(&db, &mut registry)?;
    let mailer = Arc::new(mailer_for(config)?);
    let state = AppState {
        db,
        workflows: Arc::new(registry),
        keys: Arc::new(keys),
        max_body: config.max_body,
        auth_limiter: Default::default(),
        mailer: Some(mailer.clone()),
    };
    let background = http::Background {
        every: TIMER_INTERVAL,
        job: scheduled_work(state.db.clone(), state.workflows.clone(), state.keys.clone(), mailer),
    };
    tracing::info!(listen = %config.listen, public_url = %config.public_url, "vigil is serving");
    actix_web::rt::System::new()
        .block_on(http::serve(listener, state, Some(background)))
        .context("the HTTP server failed")?;
    tracing::info!("vigil stopped");
    Ok(())
}

fn migrate(config: &Config) -> anyhow::Result<()> {
    let database = Database::open(config)?;
    let applied = database.migrate();
    let closed = database.close();
    let applied = applied?;
    closed?;
    if applied.is_empty() {
        println!("no pending migrations");
    }
    for version in applied {
        println!("applied {version}");
    }
    Ok(())
}

fn healthcheck(config: &Config) -> anyhow::Result<()> {
    let status = http::probe::healthz(config.listen, Duration::from_secs(3))
        .with_context(|| format!("no answer on {}", config.listen))?;
    anyhow::ensure!(status == 200, "/healthz answered {status}");
    Ok(())
}

fn workflows(config: &Config, command: WorkflowsCommand) -> anyhow::Result<()> {
    match command {
        WorkflowsCommand::Check { dir } => {
            let dir = dir.unwrap_or_else(|| config.workflows_dir.clone());
            let registry = load_workflows(&dir)?;
            let catalog = vigil::reminders::catalog::Catalog::load(&dir.join("messages"))?;
            let keys = message_keys(&registry);
            let missing = catalog.missing_in_english(keys.iter().map(String::as_str));
            anyhow::ensure!(
                missing.is_empty(),
                "{}: no English text for {}",
                dir.join("messages/en.toml").display(),
                missing.join(", ")
            );
            for workflow in registry.iter() {
                let definition = &workflow.definition;
                println!(
                    "{}: ok, version {}, {} states, {} actions",
                    workflow.name(),
                    workflow.version,
                    definition.states.len(),
                    definition.actions.len()
                );
            }
            let languages: Vec<&str> = catalog.languages().collect();
            println!(
                "messages: ok, {} keys in English; languages {}",
                keys.len(),
                languages.join(", ")
            );
            Ok(())
        }
        WorkflowsCommand::List => {
            let registry = load_workflows(&config.workflows_dir)?;
            for line in with_database(config, |db| list_versions(db, &registry))? {
                println!("{line}");
            }
            Ok(())
        }
        WorkflowsCommand::Graph { name, format } => {
            let registry = load_workflows(&config.workflows_dir)?;
            let workflow = registry.get(&name).with_context(|| {
                let known: Vec<&str> = registry.iter().map(|w| w.name()).collect();
                format!("no workflow `{name}`; known: {}", known.join(", "))
            })?;
            let format = match format {
                GraphFormat::Dot => graph::Format::Dot,
                GraphFormat::Mermaid => graph::Format::Mermaid,
            };
            print!("{}", graph::render(workflow, format, None));
            Ok(())
        }
    }
}

/// Runs `work` against the database (migrated first), then releases the embedded cluster.
fn with_database<T>(config: &Config, work: impl FnOnce(&store::Db) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let database = Database::open(config)?;
    let result = database.migrate().and_then(|_| work(&database.pool(1)?));
    let closed = database.close();
    let value = result?;
    closed?;
    Ok(value)
}

/// One line per recorded version (and per current version not recorded yet).
fn list_versions(db: &store::Db, registry: &Registry) -> anyhow::Result<Vec<String>> {
    let recorded = db.run_blocking(store::workflows::list)?;
    let mut lines = Vec::new();
    for workflow in registry.iter() {
        let current_recorded = recorded
            .iter()
            .any(|r| r.name == workflow.name() && r.version == workflow.version);
        if !current_recorded {
            lines.push(format!(
                "{:<20} {}  current (not recorded yet: `vigil serve` records it)  0 procedures",
                workflow.name(),
                workflow.version
            ));
        }
    }
    for row in recorded {
        let current = registry.get(&row.name).is_some_and(|w| w.version == row.version);
        lines.push(format!(
            "{:<20} {}  {:<7}  recorded {}  {} running, {} in all",
            row.name,
            row.version,
            if current { "current" } else { "older" },
            row.recorded_at.format("%Y-%m-%d %H:%M UTC"),
            row.running,
            row.total
        ));
    }
    lines.sort();
    Ok(lines)
}

fn export_case(config: &Config, reference: &str, recipient: &str, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    let mut registry = load_workflows(&config.workflows_dir)?;
    let keys = KeySource::from_config(config)?.load(config)?;
    let sealed = with_database(config, |db| {
        sync_workflows(db, &mut registry)?;
        db.run_blocking(|conn| {
            Ok(vigil::cases::export_by_reference(
                conn,
                &registry,
                &keys,
                reference,
                recipient,
                chrono::Utc::now(),
            ))
        })?
        .map_err(|e| match e {
            vigil::cases::CaseError::NotFound => anyhow::anyhow!("no case {reference}"),
            vigil::cases::CaseError::Erased => {
                anyhow::anyhow!("case {reference} was erased: nothing of it can be opened")
            }
            vigil::cases::CaseError::Invalid(_) => anyhow::anyhow!("`{recipient}` is not an age recipient (age1…)"),
            other => anyhow::Error::new(other),
        })
    })?;
    match out {
        Some(path) => {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            file.write_all(&sealed)?;
            eprintln!(
                "wrote {} ({} bytes, encrypted to {recipient})",
                path.display(),
                sealed.len()
            );
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&sealed)?;
        }
    }
    Ok(())
}

fn rotate_keys(config: &Config, batch: i64) -> anyhow::Result<()> {
    anyhow::ensure!((1..=10_000).contains(&batch), "--batch takes 1 to 10000");
    let keys = KeySource::from_config(config)?.load(config)?;
    let rotated = with_database(config, |db| {
        commands::rotate_keys(db, &keys.keyring, batch, |done, total| {
            eprint!("\rre-wrapped {done}/{total} case keys");
        })
    })?;
    eprintln!();
    println!("re-wrapped {rotated} case keys to {}", keys.keyring.wrapped_for());
    Ok(())
}

fn audit_verify(config: &Config) -> anyhow::Result<()> {
    let (broken, checked) = with_database(config, |db| Ok(db.run_blocking(store::audit::verify)?))?;
    for link in &broken {
        println!("{} event {}: {}", link.reference, link.seq, link.problem);
    }
    anyhow::ensure!(
        broken.is_empty(),
        "{} broken link(s) in the audit trail ({checked} events checked)",
        broken.len()
    );
    println!("{checked} events checked, every chain intact");
    Ok(())
}

/// Every reminder message key the workflows use.
fn message_keys(registry: &Registry) -> std::collections::BTreeSet<String> {
    registry
        .iter()
        .flat_map(|w| w.definition.states.values())
        .flat_map(|state| state.reminders.iter().map(|r| r.message.clone()))
        .collect()
}

/// Where reminders go: SMTP when `SMTP_URL` is set, else files under `$VIGIL_HOME/outbox`.
fn mailer_for(config: &Config) -> anyhow::Result<vigil::reminders::dispatch::Mailer> {
    let outbox = match &config.mail {
        MailTransport::Files(outbox) => vigil::reminders::mail::Outbox::Files(outbox.clone()),
        MailTransport::Smtp(url) => match &config.smtp_ca_file {
            None => vigil::reminders::mail::Outbox::smtp(url.expose()),
            Some(path) => {
                let pem = std::fs::read(path).with_context(|| format!("SMTP_CA_FILE {}", path.display()))?;
                vigil::reminders::mail::Outbox::smtp_trusting(url.expose(), pem)
            }
        }
        .map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?,
    };
    let messages = config.workflows_dir.join("messages");
    let catalog = vigil::reminders::catalog::Catalog::load(&messages)?;
    Ok(vigil::reminders::dispatch::Mailer {
        catalog: Arc::new(catalog),
        outbox,
        from: format!("vigil@{}", config.public_url.host_str().unwrap_or("localhost")),
        public_url: config.public_url.to_string(),
    })
}

/// One pass of scheduled work: due timers, then due reminders.
fn scheduled_work(
    db: store::Db,
    workflows: Arc<Registry>,
    keys: Arc<vigil::startup::Keys>,
    mailer: Arc<vigil::reminders::dispatch::Mailer>,
) -> http::Job {
    Arc::new(move || {
        let (db, workflows, keys, mailer) = (db.clone(), workflows.clone(), keys.clone(), mailer.clone());
        Box::pin(async move {
            let now = chrono::Utc::now();
            let timers = {
                let (db, workflows) = (db.clone(), workflows.clone());
                tokio::task::spawn_blocking(move || {
                    let fired = vigil::reminders::timers::fire_due(&db, &workflows, &keys, now);
                    let purged = db.run_blocking(|conn| store::idempotency::purge(conn, now));
                    (fired, purged)
                })
                .await
            };
            match timers {
                Ok((Ok(pass), _)) if pass.fired + pass.dropped > 0 => {
                    tracing::info!(fired = pass.fired, dropped = pass.dropped, "timers")
                }
                Ok((Err(e), _)) => tracing::warn!(error = %e, "timers could not run"),
                Ok((_, Err(e))) => tracing::warn!(error = %e, "old idempotency keys could not be purged"),
                _ => {}
            }
            match vigil::reminders::dispatch::send_due(&db, &workflows, &mailer, now).await {
                Ok(pass) if pass.sent + pass.failed > 0 => {
                    tracing::info!(
                        sent = pass.sent,
                        failed = pass.failed,
                        skipped = pass.skipped,
                        "reminders"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reminders could not run"),
            }
            match vigil::reminders::digest::send_due(&db, &mailer, now).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "digests"),
                Err(e) => tracing::warn!(error = %e, "digests could not run"),
            }
        })
    })
}

/// `vigil reminders run`: the scheduled work alone, beside or instead of `serve`, until
/// SIGTERM or SIGINT.
fn run_worker(config: &Config) -> anyhow::Result<()> {
    let mut registry = load_workflows(&config.workflows_dir)?;
    let keys = KeySource::from_config(config)?.load(config)?;
    let mailer = mailer_for(config)?;
    let database = Database::open(config)?;
    let result = (|| {
        database.migrate()?;
        let db = database.pool(config.db_pool_size.min(4))?;
        sync_workflows(&db, &mut registry)?;
        let job = scheduled_work(db, Arc::new(registry), Arc::new(keys), Arc::new(mailer));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (mut term, mut int) = (signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?);
            tracing::info!("vigil reminders worker running");
            loop {
                job().await;
                tokio::select! {
                    _ = tokio::time::sleep(TIMER_INTERVAL) => {}
                    _ = term.recv() => break,
                    _ = int.recv() => break,
                }
            }
            tracing::info!("vigil reminders worker stopped");
            Ok::<_, anyhow::Error>(())
        })
    })();
    let closed = database.close();
    result?;
    closed
}
