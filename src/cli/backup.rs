//! `vigil backup` and `vigil restore`: the database in pg_dump's custom format, and back.
//!
//! A restore is all or nothing: the archive is turned into SQL by `pg_restore` and run by
//! `psql` in one transaction that first empties the schema and commits only once the whole
//! archive was read, so a failure at any table leaves
//! the database as it was. Then the migrations the archive predates are applied, the erasure
//! ledger is applied (a backup older than an erasure brings the case's key back: it is shredded
//! again), a checkpoint is signed that records the restore, and the audit trail is checked,
//! before any process serves the database.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;

use vigil::audit;
use vigil::config::{Config, DatabaseUrl};
use vigil::startup::{self, Database, KeySource};
use vigil::store;

/// The first bytes of every archive in pg_dump's custom format.
const ARCHIVE_MAGIC: &[u8] = b"PGDMP";

fn tool(name: &str) -> anyhow::Result<PathBuf> {
    vigil::devdb::client_tool(name).with_context(|| {
        format!("`{name}` is not on PATH or under /usr/lib/postgresql/*/bin; install it with `apt-get install postgresql-client`")
    })
}

/// `name` run against `url`: the URL (without its password) as the database to connect to,
/// the password in the environment.
fn against(name: &str, url: &DatabaseUrl) -> anyhow::Result<Command> {
    let (url, password) = url.for_tool();
    let mut command = Command::new(tool(name)?);
    command.arg("--dbname").arg(url);
    if let Some(password) = password {
        command.env("PGPASSWORD", password.expose());
    }
    Ok(command)
}

/// Where a file is written until it is whole: beside it, so the final rename stays on one disk.
fn partial(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".partial");
    path.with_file_name(name)
}

/// The quoted name in a pg_dump or pg_restore progress line (`… table "public.cases"`).
fn quoted(line: &str) -> Option<&str> {
    let (_, rest) = line.split_once('"')?;
    rest.split_once('"').map(|(name, _)| name)
}

pub fn backup(config: &Config, output: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !output.exists(),
        "{} exists already; name a new file (a backup never overwrites one)",
        output.display()
    );
    let database = Database::open(config)?;
    let done = (|| {
        let started = std::time::Instant::now();
        let writing = partial(output);
        let mut dump = against("pg_dump", database.owner_url())?;
        dump.args([
            "--format=custom",
            "--verbose",
            "--no-owner",
            "--no-privileges",
            "--file",
        ])
        .arg(&writing)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        let mut child = dump.spawn().context("cannot run pg_dump")?;
        let mut failure = Vec::new();
        let mut tables = 0;
        if let Some(stderr) = child.stderr.take() {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("dumping contents of table") {
                    tables += 1;
                    eprintln!("backup: table {} ({tables})", quoted(&line).unwrap_or("?"));
                } else if line.contains("error") || line.contains("fatal") {
                    failure.push(line);
                }
            }
        }
        let status = child.wait().context("cannot run pg_dump")?;
        if !status.success() {
            let _ = std::fs::remove_file(&writing);
            anyhow::bail!("pg_dump failed: {}", failure.join("; "));
        }
        std::fs::rename(&writing, output).with_context(|| format!("cannot write {}", output.display()))?;
        let bytes = std::fs::metadata(output).map(|meta| meta.len()).unwrap_or(0);
        print!(
            "backed up {tables} tables to {} ({bytes} bytes) in {:.1} s",
            output.display(),
            started.elapsed().as_secs_f64()
        );
        // What a restore of it will have to bring forward (absent from a database older than
        // the ledger, which a backup before an upgrade may be).
        let db = database.pool(1)?;
        let reached = db.run_blocking(|conn| {
            Ok((
                store::erasure::last_ledger_line(conn)?.map_or(0, |(seq, _)| seq),
                store::checkpoints::last_line(conn)?.map_or(0, |(seq, _)| seq),
            ))
        });
        match reached {
            Ok((ledger, checkpoint)) => {
                println!("; it holds erasures up to ledger line {ledger} and checkpoints up to {checkpoint}")
            }
            Err(_) => println!(),
        }
        Ok(())
    })();
    let closed = database.close();
    done.and(closed)
}

pub fn restore(config: &Config, archive: &Path, force: bool) -> anyhow::Result<()> {
    let mut magic = [0u8; ARCHIVE_MAGIC.len()];
    std::fs::File::open(archive)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut magic))
        .with_context(|| format!("cannot read {}", archive.display()))?;
    anyhow::ensure!(
        magic == ARCHIVE_MAGIC,
        "{} is not a backup made by `vigil backup` (pg_dump's custom format)",
        archive.display()
    );
    // The ledger must be readable before anything is replaced: it is what the restore applies.
    let key_source = KeySource::from_config(config)?;
    let ledger = startup::ledger(config, &key_source)?;
    let signer = startup::signer(config, &key_source)?;
    let database = Database::open(config)?;
    let done = (|| {
        let others = store::admin::other_sessions_at(database.owner_url())?;
        anyhow::ensure!(
            force || others == 0,
            "{others} other session(s) are connected to the database: stop every vigil process (serve, reminders) before restoring, or pass --force"
        );
        let started = std::time::Instant::now();
        let tables = restore_all_or_nothing(database.owner_url(), archive)?;
        eprintln!("restore: {tables} tables restored in one transaction");
        let applied = database.migrate()?;
        for version in &applied {
            eprintln!("restore: applied migration {version}");
        }
        let db = database.pool(1)?;
        let mut conn = db.get_timeout(std::time::Duration::from_secs(30))?;
        let erased = vigil::cases::apply_erasure_ledger(&mut conn, &ledger, chrono::Utc::now())
            .context("the erasure ledger cannot be applied (the restored database must not be served until it is)")?;
        eprintln!(
            "restore: erasure ledger applied: {} erasures, {} case(s) the backup held shredded again",
            erased.erasures, erased.shredded
        );
        let now = chrono::Utc::now();
        if let Some(signed) = signer.after_restore(&mut conn, now)? {
            eprintln!(
                "restore: checkpoint {} signed: the backup held checkpoints up to {} of the file's {}",
                signed.checkpoint.seq,
                signed.checkpoint.restored_from.unwrap_or_default(),
                signed.checkpoint.seq - 1
            );
        }
        let report = audit::verify(&mut conn, &signer.file, &signer.key.public())?;
        for problem in &report.problems {
            println!("{problem}");
        }
        anyhow::ensure!(
            report.problems.is_empty(),
            "the restored database fails its audit in {} place(s): do not serve it (`vigil audit verify` says the same)",
            report.problems.len()
        );
        println!(
            "restored {} in {:.1} s: {} events checked, every chain intact, the checkpoints signed over it; {} erased case(s) kept erased",
            archive.display(),
            started.elapsed().as_secs_f64(),
            report.events,
            erased.erasures
        );
        Ok(())
    })();
    let closed = database.close();
    done.and(closed)
}

/// The tables whose rows the archive holds, in the order its script restores them.
fn tables_in(archive: &Path) -> anyhow::Result<Vec<String>> {
    let listed = Command::new(tool("pg_restore")?)
        .arg("--list")
        .arg(archive)
        .output()
        .context("cannot run pg_restore")?;
    anyhow::ensure!(
        listed.status.success(),
        "pg_restore cannot read {}: {}",
        archive.display(),
        String::from_utf8_lossy(&listed.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(table_data)
        .collect())
}

/// The table of a `TABLE DATA` line of `pg_restore --list` (`3456; 0 16390 TABLE DATA public cases vigil`).
fn table_data(line: &str) -> Option<String> {
    let (_, rest) = line.split_once(" TABLE DATA ")?;
    let mut words = rest.split_whitespace();
    Some(format!("{}.{}", words.next()?, words.next()?))
}

/// Runs the archive's SQL, after emptying the schema, in one `psql` transaction; returns the
/// number of tables whose rows it restored.
fn restore_all_or_nothing(url: &DatabaseUrl, archive: &Path) -> anyhow::Result<usize> {
    let names = tables_in(archive)?;
    let mut script = Command::new(tool("pg_restore")?);
    script
        .args(["--no-owner", "--no-privileges", "--file", "-"])
        .arg(archive)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut script = script.spawn().context("cannot run pg_restore")?;
    let mut psql = against("psql", url)?;
    psql.args(["--no-psqlrc", "--set", "ON_ERROR_STOP=1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut psql = psql.spawn().context("cannot run psql")?;
    let (Some(mut sql), Some(script_err), Some(mut into), Some(out), Some(err)) = (
        script.stdout.take(),
        script.stderr.take(),
        psql.stdin.take(),
        psql.stdout.take(),
        psql.stderr.take(),
    ) else {
        anyhow::bail!("cannot connect pg_restore to psql");
    };
    // The script ends in COMMIT only once pg_restore has read the whole archive: a damaged
    // archive ends in ROLLBACK (and any failing statement stops psql, which rolls back too).
    let feeding = std::thread::spawn(move || -> std::io::Result<bool> {
        into.write_all(b"BEGIN;\nDROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")?;
        std::io::copy(&mut sql, &mut into)?;
        let whole = script.wait()?.success();
        into.write_all(if whole { b"COMMIT;\n" } else { b"ROLLBACK;\n" })?;
        Ok(whole)
    });
    let errors_of = |from: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            BufReader::new(from)
                .lines()
                .map_while(Result::ok)
                .filter(|line| line.contains("ERROR") || line.contains("FATAL") || line.contains("error"))
                .collect::<Vec<String>>()
        })
    };
    let (errors, script_errors) = (errors_of(Box::new(err)), errors_of(Box::new(script_err)));
    let mut tables = 0;
    for line in BufReader::new(out).lines().map_while(Result::ok) {
        if let Some(rows) = line.strip_prefix("COPY ") {
            let name = names.get(tables).map_or("?", String::as_str);
            tables += 1;
            eprintln!("restore: table {name} ({rows} rows, {tables} of {})", names.len());
        }
    }
    let whole = matches!(feeding.join(), Ok(Ok(true)));
    let restored = psql.wait().context("cannot run psql")?;
    let (errors, script_errors) = (
        errors.join().unwrap_or_default(),
        script_errors.join().unwrap_or_default(),
    );
    anyhow::ensure!(
        restored.success(),
        "the restore failed and was rolled back, nothing was changed: {}",
        errors.join("; ")
    );
    anyhow::ensure!(
        whole,
        "pg_restore cannot read all of {} ({}): rolled back, nothing was changed",
        archive.display(),
        script_errors.join("; ")
    );
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_names_the_table_and_partial_files_sit_beside_the_backup() {
        assert_eq!(
            quoted(r#"pg_dump: dumping contents of table "public.cases""#),
            Some("public.cases")
        );
        assert_eq!(quoted("pg_dump: reading schemas"), None);
        assert_eq!(
            table_data("3456; 0 16390 TABLE DATA public cases vigil").as_deref(),
            Some("public.cases")
        );
        assert_eq!(table_data("215; 1259 16391 TABLE public cases vigil"), None);
        assert_eq!(
            partial(Path::new("/backups/vigil.dump")),
            PathBuf::from("/backups/vigil.dump.partial")
        );
    }
}
