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
    /// A delegation's public holidays: days off for every working-day duration.
    #[command(subcommand)]
    Holidays(HolidaysCommand),
}

#[derive(Debug, Subcommand)]
pub enum HolidaysCommand {
    /// Print a delegation's holidays, one `DATE NAME` a line.
    List {
        #[arg(value_parser = args::delegation)]
        code: String,
    },
    /// Import the holidays of an iCalendar file (from a year back to five years ahead; yearly
    /// events repeated); a date already a holiday takes the file's name.
    Import {
        #[arg(value_parser = args::delegation)]
        code: String,
        file: std::path::PathBuf,
    },
    /// Make a date a holiday.
    Add {
        #[arg(value_parser = args::delegation)]
        code: String,
        /// YYYY-MM-DD.
        day: String,
        name: String,
    },
    /// Make a date a working day again (if its weekday is one).
    Remove {
        #[arg(value_parser = args::delegation)]
        code: String,
        /// YYYY-MM-DD.
        day: String,
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
        DelegationsCommand::Holidays(command) => holidays(config, command),
    }
}

fn holidays(config: &Config, command: HolidaysCommand) -> anyhow::Result<()> {
    use vigil::cases::holidays::{self, HolidayChange};
    let (code, change) = match command {
        HolidaysCommand::List { code } => {
            return with_database(config, |db| {
                for holiday in commands::list_holidays(db, &code)? {
                    println!("{} {}", holiday.day, holiday.name);
                }
                Ok(())
            });
        }
        HolidaysCommand::Import { code, file } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let (from, until) = holidays::import_window(chrono::Utc::now().date_naive());
            let found = holidays::from_ics(&text, from, until).map_err(|e| match e {
                vigil::cases::CaseError::Invalid(issues) => anyhow::anyhow!(
                    "{}: {}",
                    file.display(),
                    issues
                        .iter()
                        .map(|i| i.problem.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                other => anyhow::Error::new(other),
            })?;
            (
                code,
                HolidayChange::Put {
                    holidays: found,
                    source: "ics",
                },
            )
        }
        HolidaysCommand::Add { code, day, name } => {
            let holiday = holidays::entered(&day, &name).map_err(|_| {
                anyhow::anyhow!("a holiday is a date (YYYY-MM-DD) and a name of 1 to 200 characters on one line")
            })?;
            (
                code,
                HolidayChange::Put {
                    holidays: vec![holiday],
                    source: "cli",
                },
            )
        }
        HolidaysCommand::Remove { code, day } => {
            let day = holidays::parse_day(&day).map_err(|_| anyhow::anyhow!("a date is written YYYY-MM-DD"))?;
            (code, HolidayChange::Remove(day))
        }
    };
    let mut registry = vigil::startup::load_workflows(&config.workflows_dir)?;
    with_database(config, |db| {
        vigil::startup::sync_workflows(db, &mut registry)?;
        let changed = commands::change_holidays(db, &registry, &code, change)?;
        println!(
            "{code}: {} added, {} renamed, {} removed; {} reminders and timers moved",
            changed.added, changed.renamed, changed.removed, changed.moved
        );
        Ok(())
    })
}
