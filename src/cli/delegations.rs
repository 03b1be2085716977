//! `vigil delegations`: the units cases belong to.

use clap::Subcommand;

use super::{args, with_database};
use vigil::commands;
use vigil::config::Config;

#[derive(Debug, Subcommand)]
pub enum DelegationsCommand {
    /// Add a delegation (an EU Delegation, or another unit cases belong to).
    Add {
        /// A code such as EUD_KE.
        #[arg(value_parser = args::delegation)]
        code: String,
        #[arg(long)]
        name: String,
        /// The host country, ISO 3166-1 alpha-2.
        #[arg(long, value_parser = args::country)]
        country: Option<String>,
        /// The office's time zone, for reminders and deadlines.
        #[arg(long, default_value = "UTC", value_parser = args::time_zone)]
        time_zone: String,
        /// The days the office does not work, e.g. `sat,sun` or `fri,sat`.
        #[arg(long, default_value = "sat,sun", value_parser = args::weekend)]
        weekend: String,
    },
}

pub fn run(config: &Config, command: DelegationsCommand) -> anyhow::Result<()> {
    match command {
        DelegationsCommand::Add {
            code,
            name,
            country,
            time_zone,
            weekend,
        } => with_database(config, |db| {
            commands::add_delegation(db, &code, &name, country.as_deref(), &time_zone, &weekend)?;
            println!("added delegation {code}");
            Ok(())
        }),
    }
}
