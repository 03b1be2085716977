//! The `vigil` command line: `serve`, `migrate`, `healthcheck`.

use std::net::TcpListener;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use vigil::config::{Config, ConfigArgs, MailTransport};
use vigil::http::{self, AppState};
use vigil::startup::Database;
use vigil::telemetry;

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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` puts the cause chain on one line; libpq's messages span several.
            let message = format!("{e:#}");
            let folded: Vec<&str> = message
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect();
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
    eprintln!(
        "vigil: {} (see `vigil --help`)",
        first.trim_start_matches("error: ")
    );
    ExitCode::from(2)
}

fn serve(config: &Config) -> anyhow::Result<()> {
    // Bind first: a busy address must fail before anything is created or started.
    let listener = TcpListener::bind(config.listen).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {} ({e}); set VIGIL_LISTEN (or --listen) to a free address",
            config.listen
        )
    })?;
    let database = Database::open(config)?;
    let served = run_service(config, &database, listener);
    let closed = database.close();
    served.and(closed)
}

fn run_service(config: &Config, database: &Database, listener: TcpListener) -> anyhow::Result<()> {
    let applied = database.migrate()?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }
    if let MailTransport::Files(outbox) = &config.mail {
        tracing::warn!(outbox = %outbox.display(), "SMTP_URL is unset: mail will be written to files, for a laptop only");
    }
    let state = AppState {
        db: database.pool(config.db_pool_size)?,
    };
    tracing::info!(listen = %config.listen, public_url = %config.public_url, "vigil is serving");
    actix_web::rt::System::new()
        .block_on(http::serve(listener, state))
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
