//! Backups and restores, and erasure that outlives them: a backup taken before an erasure,
//! restored, brings the case's key row back; the erasure ledger outside the database shreds it
//! again before anything is served.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::json;
use vigil::store::Db;

use crate::support::app::seed_user;
use crate::support::process::{Serve, free_address, reachable_home};
use crate::support::{TestDb, stderr, vigil};

/// `vigil ARGS` in `home` against `db`.
fn run(home: &Path, db: &TestDb, args: &[&str]) -> Output {
    vigil(home)
        .env("DATABASE_URL", db.url.expose())
        .args(args)
        .output()
        .unwrap()
}

fn serve(home: &Path, db: &TestDb) -> Serve {
    let mut command = vigil(home);
    command.env("DATABASE_URL", db.url.expose());
    Serve::start(command)
}

/// `vigil serve` that is expected to refuse to start: its output once it exits.
fn refused_start(home: &Path, db: &TestDb) -> Output {
    let mut child = vigil(home)
        .env("DATABASE_URL", db.url.expose())
        .env("VIGIL_LISTEN", free_address().to_string())
        .arg("serve")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("vigil serve started on a tampered ledger");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn key_rows(db: &TestDb, case: &str) -> i64 {
    db.count(&format!(
        "SELECT count(*) AS count FROM case_keys WHERE case_id = '{case}'"
    ))
}

/// A focal point of EUD_KE and the two administrators an erasure takes: their tokens.
fn erasers(db: &TestDb) -> (String, String, String) {
    let pool = Db::connect_lazily(&db.url, 2).unwrap();
    let (_, fp) = seed_user(&pool, "focal_point", Some("EUD_KE"));
    let (_, first_admin) = seed_user(&pool, "admin", None);
    let (_, second_admin) = seed_user(&pool, "admin", None);
    (fp, first_admin, second_admin)
}

#[test]
fn a_backup_older_than_an_erasure_is_restored_with_the_case_still_erased() {
    let db = TestDb::migrated();
    let home = reachable_home();
    let (fp, first_admin, second_admin) = erasers(&db);

    let mut running = serve(home.path(), &db);
    let case = |name: &str| {
        json!({
            "country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": name, "narrative": "Detained after a broadcast."},
            "procedure": {"workflow": "protection_referral", "data": {"risk_description": "Threats."}}
        })
    };
    let (status, erased) = running.call("POST", "/api/v1/cases", &fp, Some(case("Erased Later")));
    assert_eq!(status, 201, "{erased}");
    let (status, kept) = running.call("POST", "/api/v1/cases", &fp, Some(case("Kept Case")));
    assert_eq!(status, 201, "{kept}");
    let erased_id = erased["id"].as_str().unwrap().to_owned();
    let erased_uri = format!("/api/v1/cases/{erased_id}");
    let kept_uri = format!("/api/v1/cases/{}", kept["id"].as_str().unwrap());

    // Signed from the command line beside `serve`, which may be signing one of its own at
    // that instant (then the command says so, and is run again).
    let checkpoint = |what: &str| {
        for _ in 0..20 {
            let signed = run(home.path(), &db, &["audit", "checkpoint"]);
            if signed.status.success() {
                return;
            }
            assert!(
                stderr(&signed).contains("another process is signing"),
                "{what}: {}",
                stderr(&signed)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("{what}: no checkpoint could be signed");
    };
    checkpoint("before the backup");

    // The backup is taken while serving, before the erasure.
    let archive = home.path().join("before-erasure.dump");
    let backup = run(home.path(), &db, &["backup", archive.to_str().unwrap()]);
    assert!(backup.status.success(), "{}", stderr(&backup));
    let said = String::from_utf8_lossy(&backup.stdout);
    assert!(said.contains("ledger line 0"), "{said}");
    assert!(
        stderr(&backup).contains("backup: table public.case_keys"),
        "{}",
        stderr(&backup)
    );
    let again = run(home.path(), &db, &["backup", archive.to_str().unwrap()]);
    assert!(!again.status.success() && stderr(&again).contains("exists already"));

    let (status, requested) = running.call(
        "POST",
        &format!("{erased_uri}/erasure"),
        &first_admin,
        Some(json!({"reason": "defender_request"})),
    );
    assert_eq!(status, 201, "{requested}");
    let approve = format!(
        "/api/v1/erasure-requests/{}/approve",
        requested["request_id"].as_str().unwrap()
    );
    let (status, done) = running.call("POST", &approve, &second_admin, None);
    assert_eq!(status, 200, "{done}");
    assert_eq!(running.call("GET", &erased_uri, &fp, None).0, 410);
    checkpoint("after the erasure");
    running.stop();

    // The ledger file holds the erasure, signed, outside the database.
    let ledger = home.path().join("audit").join("erasures");
    let lines = std::fs::read_to_string(&ledger).unwrap();
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.contains(&erased_id) && lines.contains("\"signature\""), "{lines}");
    assert!(!lines.contains("Erased Later"));

    // 1. The operator restores with pg_restore alone: the key row is back, and `serve` shreds
    // it again before it answers its first request.
    let pg_restore = Command::new(vigil::devdb::client_tool("pg_restore").unwrap())
        .args(["--clean", "--if-exists", "--no-owner", "--dbname", db.url.expose()])
        .arg(&archive)
        .output()
        .unwrap();
    assert!(pg_restore.status.success(), "{}", stderr(&pg_restore));
    assert_eq!(key_rows(&db, &erased_id), 1, "the old backup brings the key back");
    let running = serve(home.path(), &db);
    assert_eq!(
        key_rows(&db, &erased_id),
        0,
        "serve was ready with the erased case's key row back"
    );
    assert_eq!(running.call("GET", &erased_uri, &fp, None).0, 410);
    assert_eq!(running.call("GET", &kept_uri, &fp, None).0, 200);
    drop(running);
    db.assert_audit_holds();

    // 2. `vigil restore`: all or nothing, and the ledger applied before it returns.
    let restore = run(home.path(), &db, &["restore", archive.to_str().unwrap()]);
    assert!(restore.status.success(), "{}", stderr(&restore));
    let said = String::from_utf8_lossy(&restore.stdout);
    assert!(
        said.contains("every chain intact") && said.contains("1 erased case(s) kept erased"),
        "{said}"
    );
    assert!(
        stderr(&restore).contains("1 case(s) the backup held shredded again"),
        "{}",
        stderr(&restore)
    );
    assert!(
        stderr(&restore).contains("restore: table public.cases"),
        "{}",
        stderr(&restore)
    );
    assert_eq!(key_rows(&db, &erased_id), 0);
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) AS count FROM cases WHERE id = '{erased_id}' AND erased_at IS NOT NULL AND sealed = ''"
        )),
        1
    );
    db.assert_audit_holds();
    // The checkpoints signed after the backup describe a database that is gone: the restore
    // signed one that says so, and the audit trail checks again, restore and all.
    assert!(
        stderr(&restore).contains("the backup held checkpoints up to"),
        "{}",
        stderr(&restore)
    );
    let verified = run(home.path(), &db, &["audit", "verify"]);
    let said = String::from_utf8_lossy(&verified.stdout).into_owned();
    assert!(verified.status.success(), "{said}{}", stderr(&verified));
    assert!(
        said.contains("the database was restored to a backup holding checkpoints up to"),
        "{said}"
    );
    assert!(said.contains("1 erasures in the ledger, every case shredded"), "{said}");
    checkpoint("after the restore");
    let verified = run(home.path(), &db, &["audit", "verify"]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );

    // A damaged archive changes nothing: the restore rolls back.
    let bytes = std::fs::read(&archive).unwrap();
    let damaged = home.path().join("damaged.dump");
    std::fs::write(&damaged, &bytes[..bytes.len() * 9 / 10]).unwrap();
    let before = db.count("SELECT count(*) AS count FROM case_events");
    let failed = run(home.path(), &db, &["restore", damaged.to_str().unwrap()]);
    assert!(!failed.status.success());
    assert!(stderr(&failed).contains("nothing was changed"), "{}", stderr(&failed));
    assert_eq!(db.count("SELECT count(*) AS count FROM case_events"), before);
    assert_eq!(key_rows(&db, &erased_id), 0);

    // A replica whose ledger file is new catches up from the database.
    let replica = reachable_home();
    let running = serve(replica.path(), &db);
    drop(running);
    let copied = std::fs::read_to_string(replica.path().join("audit").join("erasures")).unwrap();
    assert_eq!(copied, lines);

    // A ledger line edited in the file (a case that was never erased) is refused: nothing is
    // served on a ledger that does not check.
    std::fs::write(&ledger, lines.replace(&erased_id, kept["id"].as_str().unwrap())).unwrap();
    let refused = refused_start(home.path(), &db);
    assert!(!refused.status.success());
    let said = stderr(&refused);
    assert!(said.contains("erasure ledger") && said.contains("signature"), "{said}");
    let verified = run(home.path(), &db, &["audit", "verify"]);
    assert!(!verified.status.success());
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(
        said.contains("erasure ledger file") && said.contains("signature"),
        "{said}"
    );
    assert_eq!(
        db.count("SELECT count(*) AS count FROM cases WHERE erased_at IS NULL"),
        1
    );
}

#[test]
fn a_key_row_put_back_by_someone_who_can_write_the_database_is_shredded_again_within_a_pass() {
    let db = TestDb::migrated();
    let home = reachable_home();
    let (fp, first_admin, second_admin) = erasers(&db);
    let running = serve(home.path(), &db);
    let (status, opened) = running.call(
        "POST",
        "/api/v1/cases",
        &fp,
        Some(json!({"country": "KE", "themes": ["MEDIA"], "risk": "high",
            "confidential": {"defender_name": "Put Back", "narrative": "Followed."},
            "procedure": {"workflow": "protection_referral", "data": {"risk_description": "Threats."}}})),
    );
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/cases/{id}");
    // What a copy of the database taken before the erasure holds.
    let mut conn = db.connect();
    for statement in [
        format!("CREATE TABLE stash_keys AS SELECT * FROM case_keys WHERE case_id = '{id}'"),
        format!("CREATE TABLE stash_case AS SELECT sealed FROM cases WHERE id = '{id}'"),
    ] {
        diesel::RunQueryDsl::execute(diesel::sql_query(statement), &mut conn).unwrap();
    }
    let (_, requested) = running.call(
        "POST",
        &format!("{uri}/erasure"),
        &first_admin,
        Some(json!({"reason": "defender_request"})),
    );
    let approve = format!(
        "/api/v1/erasure-requests/{}/approve",
        requested["request_id"].as_str().unwrap()
    );
    assert_eq!(running.call("POST", &approve, &second_admin, None).0, 200);
    assert_eq!(running.call("GET", &uri, &fp, None).0, 410);

    // Someone who can write the database puts the key row and the sealed data back.
    for statement in [
        "INSERT INTO case_keys SELECT * FROM stash_keys".to_owned(),
        format!("UPDATE cases SET sealed = (SELECT sealed FROM stash_case), erased_at = NULL WHERE id = '{id}'"),
    ] {
        diesel::RunQueryDsl::execute(diesel::sql_query(statement), &mut conn).unwrap();
    }
    assert_eq!(key_rows(&db, &id), 1);
    // The next background pass (every 15 s) finds the ledgered case unshredded and shreds it again.
    let started = Instant::now();
    while key_rows(&db, &id) > 0 && started.elapsed() < Duration::from_secs(45) {
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        key_rows(&db, &id),
        0,
        "the key row put back was not shredded again:\n{}",
        running.logs()
    );
    assert_eq!(running.call("GET", &uri, &fp, None).0, 410);
    assert!(
        running.logs().contains("the erasure ledger was reconciled"),
        "{}",
        running.logs()
    );
}
