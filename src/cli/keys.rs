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
    /// Rewrite the blind index of every case written with an older version of it (or after
    /// VIGIL_INDEX_KEY_FILE changed), in batches; safe to interrupt and run again, and to run
    /// beside `serve`.
    Reindex {
        #[arg(long, default_value = "200")]
        batch: i64,
    },
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
    let bar = progress_bar("re-wrapped", "case keys");
    let rotated = with_database(config, |db| {
        commands::rotate_keys(db, &keys.keyring, batch, |done, total| bar.update(done, total))
    })?;
    bar.finish();
    println!("re-wrapped {rotated} case keys to {}", keys.keyring.wrapped_for());
    Ok(())
}

fn reindex(config: &Config, batch: i64) -> anyhow::Result<()> {
    anyhow::ensure!((1..=10_000).contains(&batch), "--batch takes 1 to 10000");
    let keys = KeySource::from_config(config)?.load(config)?;
    let bar = progress_bar("reindexed", "cases");
    let rewritten = with_database(config, |db| {
        commands::reindex(db, &keys, batch, |done, total| bar.update(done, total))
    })?;
    bar.finish();
    println!("rewrote the blind index of {rewritten} cases");
    Ok(())
}

/// Progress on standard error: a bar on a terminal (indicatif), else one line per batch, e.g.
/// `re-wrapped 400/1000 case keys`, for logs.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    verb: &'static str,
    noun: &'static str,
}

fn progress_bar(verb: &'static str, noun: &'static str) -> Progress {
    use std::io::IsTerminal;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({eta} left)")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(format!("{verb} {noun}"));
        bar
    });
    Progress { bar, verb, noun }
}

impl Progress {
    fn update(&self, done: i64, total: i64) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(u64::try_from(total).unwrap_or(0));
                bar.set_position(u64::try_from(done).unwrap_or(0));
            }
            None => eprintln!("{} {done}/{total} {}", self.verb, self.noun),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

pub fn run(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Reindex { batch } => reindex(config, batch),
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
