//! The `vigil` command line (clap), one file per command group. Each group parses its own
//! arguments and calls into the library; errors are reported here, on one line, and a usage
//! error exits 2.

mod args;
mod audit;
mod backup;
mod delegations;
mod export;
mod keys;
mod reminders;
mod serve;
mod tokens;
mod users;
mod workflows;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use vigil::config::{Config, ConfigArgs};
use vigil::startup::{Database, WorkflowProblems};
use vigil::store;
use vigil::telemetry;

/// Workflow and case management for the cases of human rights defenders at risk.
#[derive(Debug, Parser)]
#[command(name = "vigil", version, about)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    /// Log what the command does (INFO); without it, commands other than `serve` and
    /// `reminders run` log only warnings and errors, unless VIGIL_LOG says otherwise.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (applies pending migrations first).
    Serve,
    /// Apply pending database migrations (as the tables' owner).
    Migrate {
        /// Then give this role (which must exist) the serving privileges and no more: what
        /// `serve` needs, and no UPDATE, DELETE or TRUNCATE of events, access log,
        /// administrative log or checkpoints. Run it after every upgrade.
        #[arg(long, value_name = "ROLE")]
        grant_to: Option<String>,
    },
    /// Back the database up to a new file, in pg_dump's custom format (stop nothing: the dump
    /// is one consistent snapshot). Keep backups beside the erasure ledger and the checkpoint
    /// file, which a restore needs.
    Backup {
        /// The file to write (never overwritten).
        output: PathBuf,
    },
    /// Replace the database with a backup, all or nothing, then apply pending migrations and
    /// the erasure ledger (cases erased since the backup stay erased) and check the event
    /// chains. Stop every vigil process first.
    Restore {
        /// A file `vigil backup` wrote.
        archive: PathBuf,
        /// Restore even while other sessions are connected to the database.
        #[arg(long)]
        force: bool,
    },
    /// Exit 0 when the service on VIGIL_LISTEN answers /healthz (the container's HEALTHCHECK).
    Healthcheck,
    /// Print the API's OpenAPI document, as `serve` would serve it with these workflows.
    Openapi,
    /// Manage delegations.
    Delegations {
        #[command(subcommand)]
        command: delegations::DelegationsCommand,
    },
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// Scheduled reminders and timers.
    Reminders {
        #[command(subcommand)]
        command: reminders::RemindersCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Export data, age-encrypted.
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Manage API tokens.
    Tokens {
        #[command(subcommand)]
        command: tokens::TokensCommand,
    },
    /// Manage keys.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Check and draw workflow definitions.
    Workflows {
        #[command(subcommand)]
        command: workflows::WorkflowsCommand,
    },
}

/// Parses the command line, runs the command, and says how it ended.
pub fn main() -> ExitCode {
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
    let runs_a_service = matches!(
        cli.command,
        Command::Serve
            | Command::Reminders {
                command: reminders::RemindersCommand::Run
            }
    );
    let mut log = config.log.clone();
    if !runs_a_service && !cli.verbose && std::env::var_os("VIGIL_LOG").is_none() {
        // An administrative command says what it did on stdout; how it got there (the
        // embedded cluster starting and stopping) only when asked.
        log.filter = "warn".into();
    }
    telemetry::init(&log);
    let result = match cli.command {
        Command::Serve => serve::serve(&config),
        Command::Migrate { grant_to } => serve::migrate(&config, grant_to.as_deref()),
        Command::Backup { output } => backup::backup(&config, &output),
        Command::Restore { archive, force } => backup::restore(&config, &archive, force),
        Command::Healthcheck => serve::healthcheck(&config),
        Command::Openapi => serve::openapi(&config),
        Command::Workflows { command } => workflows::run(&config, command),
        Command::Delegations { command } => delegations::run(&config, command),
        Command::Users { command } => users::run(&config, command),
        Command::Tokens { command } => tokens::run(&config, command),
        Command::Export { command } => export::run(&config, command),
        Command::Reminders { command } => reminders::run(&config, command),
        Command::Audit { command } => audit::run(&config, command),
        Command::Keys { command } => keys::run(&config, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<vigil::commands::Misuse>().is_some() => {
            eprintln!("vigil: {e} (see `vigil --help`)");
            ExitCode::from(2)
        }
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
    // Up to clap's usage line: the problem, and the flags it names (a missing one included).
    let rendered = e.render().to_string();
    let said: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty() && !line.starts_with("tip:"))
        .collect();
    let said = if said.is_empty() {
        "bad arguments".to_owned()
    } else {
        said.join(" ")
    };
    eprintln!("vigil: {} (see `vigil --help`)", said.trim_start_matches("error: "));
    ExitCode::from(2)
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
