//! `vigil keys`: the blind-index key, and re-wrapping case keys to the master recipients.

use clap::Subcommand;

use super::with_database;
use vigil::commands;
use vigil::config::Config;
use vigil::startup::KeySource;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print a new random blind-index key (64 hex digits) for VIGIL_INDEX_KEY_FILE.
    NewIndexKey,
    /// Print a new random audit signing key (Ed25519) for VIGIL_SIGNING_KEY_FILE, its public
    /// key in a comment.
    NewSigningKey,
    /// Re-wrap every case key to the current master recipients (the identities' own and
    /// VIGIL_RECIPIENTS), in batches; safe to interrupt and run again, and to run beside `serve`.
    Rotate {
        #[arg(long, default_value = "200")]
        batch: i64,
    },
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

pub fn run(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Rotate { batch } => rotate_keys(config, batch),
        KeysCommand::NewIndexKey => vigil::crypto::IndexKey::generate()
            .map(|key| println!("{}", key.to_hex().expose()))
            .map_err(Into::into),
        KeysCommand::NewSigningKey => vigil::crypto::SigningKey::generate()
            .map(|key| {
                print!(
                    "{}",
                    vigil::crypto::signing::signing_key_file_text(&key, "Vigil audit signing key.").expose()
                )
            })
            .map_err(Into::into),
    }
}
