//! `vigil users`: people, their roles and how Vigil writes to them.

use clap::Subcommand;

use super::{args, with_database};
use vigil::commands;
use vigil::config::Config;
use vigil::domain::Role;
use vigil::store;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user; prints a new API token as the last line (shown once, stored only as a hash).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The user's delegation (focal points and heads of delegation only).
        #[arg(long, value_parser = args::delegation)]
        delegation: Option<String>,
        /// The name shown to colleagues (default: the email).
        #[arg(long)]
        name: Option<String>,
        /// How many days the token is valid.
        #[arg(long, default_value = "90")]
        token_days: u32,
        /// The user's time zone for reminders (default: their delegation's).
        #[arg(long, value_parser = args::time_zone)]
        time_zone: Option<String>,
        /// The language of their emails and pages (en, fr, es, or a file under
        /// workflows/messages/; default: none chosen, so pages follow their browser and emails
        /// are in English).
        #[arg(long, value_parser = args::language)]
        language: Option<String>,
        /// Send their reminders as one digest email a day.
        #[arg(long)]
        digest: bool,
    },
    /// Change how Vigil writes to a user.
    Set {
        #[arg(long)]
        email: String,
        /// A time zone such as Africa/Nairobi, or `delegation` for their delegation's.
        #[arg(long, value_parser = args::time_zone_or_delegation)]
        time_zone: Option<String>,
        /// A language code such as fr, or `browser`: pages in their browser's language,
        /// emails in English.
        #[arg(long, value_parser = args::language_or_browser)]
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
    /// Enable a disabled user again (at once: the command line is the operator's; in the web
    /// interface and the API this takes a second person's approval).
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Give a user another role or delegation (at once, as `enable`).
    Change {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The delegation (focal points and heads of delegation only).
        #[arg(long, value_parser = args::delegation)]
        delegation: Option<String>,
    },
}

pub fn run(config: &Config, command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::Add {
            email,
            role,
            delegation,
            name,
            token_days,
            time_zone,
            language,
            digest,
        } => with_database(config, |db| {
            let preferences = commands::Preferences {
                time_zone,
                language,
                digest,
            };
            let RoleArg(role) = role;
            let added = commands::add_user(
                db,
                &email,
                role,
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
        UsersCommand::List => with_database(config, |db| {
            for user in db.run_blocking(store::users::list_users)? {
                println!(
                    "{}  {:<19} {:<12} {}  {} {}{}{}",
                    user.id,
                    user.role,
                    user.delegation.as_ref().map_or("-", |code| code.as_str()),
                    user.email,
                    user.language.as_deref().unwrap_or("(browser's language)"),
                    user.time_zone.as_deref().unwrap_or("(delegation's time zone)"),
                    if user.digest { "  digest" } else { "" },
                    if user.disabled_at.is_some() { "  (disabled)" } else { "" }
                );
            }
            Ok(())
        }),
        UsersCommand::Set {
            email,
            time_zone,
            language,
            digest,
        } => with_database(config, |db| {
            let changes = store::users::PreferenceChanges {
                time_zone: time_zone.map(|tz| Some(tz).filter(|tz| tz != "delegation")),
                language: language.map(|code| Some(code).filter(|code| code != "browser")),
                digest,
            };
            commands::set_preferences(db, &email, &changes)?;
            println!("updated {email}");
            Ok(())
        }),
        UsersCommand::Disable { email } => with_database(config, |db| {
            commands::disable_user(db, &email, None)?;
            println!("disabled {email}");
            Ok(())
        }),
        UsersCommand::Enable { email } => with_database(config, |db| {
            commands::enable_user(db, &email)?;
            println!("enabled {email}");
            Ok(())
        }),
        UsersCommand::Change {
            email,
            role: RoleArg(role),
            delegation,
        } => with_database(config, |db| {
            commands::change_user(db, &email, role, delegation.as_deref())?;
            println!("{email} is now {role}");
            Ok(())
        }),
    }
}

/// `--role` takes the roles of people: Vigil's own (`system`) is no user's.
impl clap::ValueEnum for RoleArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            RoleArg(Role::FocalPoint),
            RoleArg(Role::HeadOfDelegation),
            RoleArg(Role::EusrReviewer),
            RoleArg(Role::Admin),
            RoleArg(Role::HqAnalyst),
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.as_str()))
    }
}

/// A [`Role`] as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleArg(pub Role);
