//! Bad input at the command line: one clear line, a non-zero exit, nothing half-created.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;

use crate::support::{stderr, vigil};

fn one_line(output: &std::process::Output) -> String {
    let text = stderr(output);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got:\n{text}");
    lines[0].to_owned()
}

#[test]
fn an_unknown_flag_is_one_line_naming_it() {
    let home = tempfile::tempdir().unwrap();
    let output = vigil(home.path()).args(["serve", "--no-such-flag"]).output().unwrap();
    assert!(!output.status.success());
    let line = one_line(&output);
    assert!(
        line.contains("--no-such-flag") && line.contains("vigil --help"),
        "{line}"
    );
}

#[test]
fn a_malformed_database_url_is_refused_before_anything_is_created() {
    let parent = tempfile::tempdir().unwrap();
    let home = parent.path().join("home");
    let output = vigil(&home)
        .arg("serve")
        .env("DATABASE_URL", "postgres//nope")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let line = one_line(&output);
    assert!(line.contains("DATABASE_URL") && line.contains("postgres://"), "{line}");
    assert!(!home.exists(), "VIGIL_HOME was created for a refused start");
}

#[test]
fn a_listen_address_in_use_is_refused_before_anything_is_created() {
    let parent = tempfile::tempdir().unwrap();
    let home = parent.path().join("home");
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let output = vigil(&home)
        .arg("serve")
        .env("VIGIL_LISTEN", taken.local_addr().unwrap().to_string())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let line = one_line(&output);
    assert!(
        line.contains("cannot listen") && line.contains("VIGIL_LISTEN"),
        "{line}"
    );
    assert!(!home.exists(), "VIGIL_HOME was created for a refused start");
}

#[test]
fn an_unreadable_home_is_refused_with_how_to_fix_it() {
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut command = vigil(home.path());
    command.arg("migrate");
    if nix::unistd::Uid::effective().is_root() {
        // Root reads everything; run as nobody, to whom the 0700 folder is closed.
        let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
        command.uid(nobody.uid.as_raw()).gid(nobody.gid.as_raw());
    } else {
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let output = command.current_dir("/").output().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(!output.status.success());
    let line = one_line(&output);
    assert!(line.contains("VIGIL_HOME") && line.contains("permissions"), "{line}");
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);
}

#[test]
fn a_database_that_does_not_answer_fails_serve_with_one_line_and_no_password() {
    let home = tempfile::tempdir().unwrap();
    let closed_port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = vigil(home.path())
        .arg("serve")
        .env("VIGIL_LISTEN", "127.0.0.1:0")
        .env(
            "DATABASE_URL",
            format!("postgres://vigil:hunter2@127.0.0.1:{closed_port}/vigil"),
        )
        .output()
        .unwrap();
    assert!(!output.status.success());
    let line = one_line(&output);
    assert!(
        line.contains("cannot connect") && line.contains("DATABASE_URL"),
        "{line}"
    );
    assert!(!line.contains("hunter2"), "{line}");
}

#[test]
fn without_the_embedded_default_database_url_is_required() {
    let home = tempfile::tempdir().unwrap();
    let output = vigil(home.path())
        .arg("migrate")
        .env("VIGIL_EMBEDDED_DB", "false")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(one_line(&output).contains("DATABASE_URL is required"));
}

#[test]
fn healthcheck_fails_when_nothing_listens() {
    let home = tempfile::tempdir().unwrap();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let output = vigil(home.path())
        .arg("healthcheck")
        .env("VIGIL_LISTEN", closed.to_string())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(one_line(&output).contains("no answer"));
}

#[test]
fn a_missing_flag_is_named_and_a_usage_error_exits_2() {
    let home = tempfile::tempdir().unwrap();
    let output = vigil(home.path()).args(["users", "disable"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let line = one_line(&output);
    assert!(line.contains("--email"), "{line}");
}

#[test]
fn administrative_commands_are_quiet_unless_asked_and_write_no_colour_to_a_file() {
    let home = crate::support::reachable_home();
    let _guard = crate::support::ClusterGuard(home.path().join("pg"));
    let quiet = vigil(home.path())
        .env_remove("VIGIL_LOG")
        .args(["users", "list"])
        .output()
        .unwrap();
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert!(!stderr(&quiet).contains("INFO"), "{}", stderr(&quiet));
    let told = vigil(home.path())
        .env_remove("VIGIL_LOG")
        .args(["users", "list", "-v"])
        .output()
        .unwrap();
    assert!(told.status.success(), "{}", stderr(&told));
    let said = stderr(&told);
    assert!(
        said.contains("INFO") && said.contains("embedded PostgreSQL cluster"),
        "{said}"
    );
    assert!(!said.contains('\u{1b}'), "colour codes written to a pipe: {said:?}");
}
