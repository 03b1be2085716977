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

/// A value of the wrong form is a usage error named with its flag, before anything is opened;
/// arguments that do not go together are one too, once the command has read what it needs.
#[test]
fn every_usage_error_exits_2_with_one_line_naming_what_is_allowed() {
    let home = tempfile::tempdir().unwrap();
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    let two_recipients = format!("{recipient},{recipient}");
    let bad_values: [(&[&str], &str); 7] = [
        (&["delegations", "add", "eud-ke", "--name", "Kenya"], "capital letters"),
        (
            &["delegations", "add", "EUD_KE", "--name", "Kenya", "--country", "XX"],
            "ISO 3166-1",
        ),
        (
            &[
                "delegations",
                "add",
                "EUD_KE",
                "--name",
                "Kenya",
                "--weekend",
                "fri,someday",
            ],
            "day of the week",
        ),
        (
            &[
                "users",
                "add",
                "--email",
                "a@example.org",
                "--role",
                "admin",
                "--time-zone",
                "Mars/Olympus",
            ],
            "time zone",
        ),
        (
            &["users", "set", "--email", "a@example.org", "--language", "French"],
            "language code",
        ),
        (
            &["export", "case", "VG-2026-00001", "--recipient", &two_recipients],
            "age X25519 recipient",
        ),
        (
            &["audit", "check-proof", "-", "--public-key", "not-hex"],
            "--public-key",
        ),
    ];
    for (args, says) in bad_values {
        let output = vigil(home.path()).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        let line = one_line(&output);
        assert!(line.contains(says) && line.contains("vigil --help"), "{args:?}: {line}");
    }
    assert!(
        std::fs::read_dir(home.path()).unwrap().next().is_none(),
        "a refused command created something in VIGIL_HOME"
    );

    let home = crate::support::reachable_home();
    let _guard = crate::support::ClusterGuard(home.path().join("pg"));
    let no_delegation = vigil(home.path())
        .args(["users", "add", "--email", "fp@example.org", "--role", "focal_point"])
        .output()
        .unwrap();
    assert_eq!(no_delegation.status.code(), Some(2), "{}", stderr(&no_delegation));
    assert!(one_line(&no_delegation).contains("add --delegation CODE"));
    // A value of the right form naming what is not there is no usage error: it exits 1.
    let unknown = vigil(home.path())
        .args([
            "users",
            "add",
            "--email",
            "fp@example.org",
            "--role",
            "focal_point",
            "--delegation",
            "EUD_XX",
        ])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1), "{}", stderr(&unknown));
    assert!(one_line(&unknown).contains("no delegation EUD_XX"));
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

/// `vigil delegations holidays`: an iCalendar file imported, a date added and removed, each a
/// line of what changed; `list` prints them by date; a file that is no calendar is one line
/// that does not repeat it, and changes nothing.
#[test]
fn the_operator_imports_lists_adds_and_removes_a_delegations_holidays() {
    let home = crate::support::reachable_home();
    let _guard = crate::support::ClusterGuard(home.path().join("pg"));
    let run = |args: &[&str]| {
        let output = vigil(home.path()).args(args).output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr(&output),
        )
    };
    crate::support::process::cli_kenya(home.path());
    let year = chrono::Utc::now().format("%Y").to_string();
    let ics = home.path().join("kenya.ics");
    std::fs::write(
        &ics,
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART;VALUE=DATE:{year}1225\r\nDTEND;VALUE=DATE:{year}1227\r\nSUMMARY:Christmas and Boxing Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ),
    )
    .unwrap();
    let (code, printed, said) = run(&["delegations", "holidays", "import", "EUD_KE", ics.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(
        printed.trim(),
        "EUD_KE: 2 added, 0 renamed, 0 removed; 0 reminders and timers moved"
    );
    let (_, printed, _) = run(&[
        "delegations",
        "holidays",
        "add",
        "EUD_KE",
        &format!("{year}-12-12"),
        "Jamhuri Day",
    ]);
    assert_eq!(
        printed.trim(),
        "EUD_KE: 1 added, 0 renamed, 0 removed; 0 reminders and timers moved"
    );
    let (_, listed, _) = run(&["delegations", "holidays", "list", "EUD_KE"]);
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        [
            format!("{year}-12-12 Jamhuri Day"),
            format!("{year}-12-25 Christmas and Boxing Day"),
            format!("{year}-12-26 Christmas and Boxing Day"),
        ]
    );
    let (_, printed, _) = run(&["delegations", "holidays", "remove", "EUD_KE", &format!("{year}-12-12")]);
    assert_eq!(
        printed.trim(),
        "EUD_KE: 0 added, 0 renamed, 1 removed; 0 reminders and timers moved"
    );

    std::fs::write(&ics, "SECRET-CONTENT, not a calendar").unwrap();
    let (code, _, said) = run(&["delegations", "holidays", "import", "EUD_KE", ics.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{said}");
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(
        said.contains("is not an iCalendar (.ics) file") && !said.contains("SECRET"),
        "{said}"
    );
    let (_, listed, _) = run(&["delegations", "holidays", "list", "EUD_KE"]);
    assert_eq!(listed.lines().count(), 2);
    let (code, _, said) = run(&["delegations", "holidays", "list", "EUD_UG"]);
    assert_eq!(code, Some(1));
    assert!(said.contains("no delegation EUD_UG"), "{said}");
}
