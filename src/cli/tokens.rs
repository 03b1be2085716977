//! `vigil tokens`: API tokens, issued and revoked at the server.

use clap::Subcommand;

use super::with_database;
use vigil::commands;
use vigil::config::Config;

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
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

pub fn run(config: &Config, command: TokensCommand) -> anyhow::Result<()> {
    match command {
        TokensCommand::Issue { email, days } => with_database(config, |db| {
            let issued = commands::issue_token(db, &email, days)?;
            println!(
                "token for {email}, valid until {}:",
                issued.expires_at.format("%Y-%m-%d")
            );
            println!("{}", issued.token.expose());
            Ok(())
        }),
        TokensCommand::Revoke { token } => with_database(config, |db| {
            commands::revoke_token(db, &token, None)?;
            println!("revoked");
            Ok(())
        }),
    }
}
