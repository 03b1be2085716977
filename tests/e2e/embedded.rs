//! The embedded default: a private cluster under VIGIL_HOME, started by whoever needs it and
//! stopped by the last one out.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::support::{ClusterGuard, Serve, postmaster_pid, reachable_home, stderr, vigil};

#[test]
fn serve_on_embedded_defaults_is_ready_on_a_private_socket_and_stops_its_cluster() {
    let home = reachable_home();
    let data = home.path().join("pg");
    let _guard = ClusterGuard(data.clone());
    let mut serve = Serve::start(vigil(home.path()));
    assert_eq!(serve.get("/readyz").unwrap().status(), 200);

    assert_eq!(std::fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o700);
    // postmaster.pid: line 5 is the socket directory, line 6 the TCP address (empty: none).
    let pid_file = std::fs::read_to_string(data.join("postmaster.pid")).unwrap();
    let lines: Vec<&str> = pid_file.lines().collect();
    assert_eq!(
        lines[4],
        home.path().join("run").canonicalize().unwrap().to_str().unwrap()
    );
    assert_eq!(lines[5].trim(), "", "the cluster listens on TCP: {pid_file}");
    assert!(home.path().join("run/.s.PGSQL.5432").exists());

    let status = serve.stop();
    assert!(status.success(), "{status}\n{}", serve.logs());
    assert!(postmaster_pid(&data).is_none(), "the cluster outlived vigil serve");
}

#[test]
fn a_command_run_while_serve_runs_uses_its_cluster_and_leaves_it_running() {
    let home = reachable_home();
    let data = home.path().join("pg");
    let _guard = ClusterGuard(data.clone());
    let mut serve = Serve::start(vigil(home.path()));
    let postmaster = postmaster_pid(&data).unwrap();

    let migrate = vigil(home.path()).arg("migrate").output().unwrap();
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    assert_eq!(String::from_utf8_lossy(&migrate.stdout).trim(), "no pending migrations");
    assert_eq!(
        postmaster_pid(&data),
        Some(postmaster),
        "migrate restarted or stopped the cluster"
    );
    assert_eq!(serve.get("/readyz").unwrap().status(), 200);

    assert!(serve.stop().success());
    assert!(postmaster_pid(&data).is_none());
}

#[test]
fn commands_started_together_share_one_cluster_and_the_last_one_stops_it() {
    let home = reachable_home();
    let data = home.path().join("pg");
    let _guard = ClusterGuard(data.clone());
    let concurrent: Vec<_> = (0..4)
        .map(|_| {
            vigil(home.path())
                .arg("migrate")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in concurrent.into_iter().map(|c| c.wait_with_output().unwrap()) {
        assert!(child.status.success(), "{}", stderr(&child));
    }
    assert!(data.join("PG_VERSION").exists());
    assert!(
        !home.path().join("pg.initdb").exists(),
        "a scratch cluster was left behind"
    );
    assert!(
        postmaster_pid(&data).is_none(),
        "the cluster kept running after its last user"
    );
}

#[test]
fn a_cluster_left_by_a_killed_serve_is_adopted_and_stopped_by_the_next_command() {
    let home = reachable_home();
    let data = home.path().join("pg");
    let _guard = ClusterGuard(data.clone());
    let mut serve = Serve::start(vigil(home.path()));
    serve.signal(Signal::SIGKILL);
    serve.wait_exit(Duration::from_secs(5)).unwrap();
    assert!(postmaster_pid(&data).is_some());

    let migrate = vigil(home.path()).arg("migrate").output().unwrap();
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    assert!(postmaster_pid(&data).is_none());
}

#[test]
fn a_home_the_cluster_user_cannot_reach_moves_the_cluster_to_a_reachable_place() {
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!("skipped: only a root process hands its cluster to another user");
        return;
    }
    // A 0700 folder owned by root, as `mktemp -d` makes: the postgres user cannot enter it.
    let closed = tempfile::tempdir().unwrap();
    let home = closed.path().join("home");
    std::fs::set_permissions(closed.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let layout = vigil::devdb::Cluster::new(&home, Default::default())
        .unwrap()
        .layout()
        .clone();
    assert!(layout.relocated);
    assert!(!layout.root.starts_with(closed.path()));
    struct RemoveRoot(std::path::PathBuf);
    impl Drop for RemoveRoot {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _remove = RemoveRoot(layout.root.clone());
    let _guard = ClusterGuard(layout.data.clone());

    let migrate = vigil(&home).arg("migrate").output().unwrap();
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    assert!(
        stderr(&migrate).contains("cannot reach VIGIL_HOME"),
        "{}",
        stderr(&migrate)
    );
    assert!(layout.data.join("PG_VERSION").exists());
    assert_eq!(
        std::fs::metadata(&layout.data).unwrap().uid(),
        nix::unistd::User::from_name("postgres").unwrap().unwrap().uid.as_raw()
    );
    assert!(postmaster_pid(&layout.data).is_none());
}

#[test]
fn the_embedded_default_makes_private_development_keys_and_says_so() {
    let home = reachable_home();
    let _guard = ClusterGuard(home.path().join("pg"));
    let mut command = vigil(home.path());
    command
        .env_remove("VIGIL_IDENTITY_FILE")
        .env_remove("VIGIL_INDEX_KEY_FILE")
        .env_remove("VIGIL_SIGNING_KEY_FILE");
    let mut serve = Serve::start(command);
    assert!(serve.stop().success());
    let keys = home.path().join("keys");
    for file in ["identity.txt", "index.key", "signing.key"] {
        assert_eq!(
            std::fs::metadata(keys.join(file)).unwrap().permissions().mode() & 0o777,
            0o600,
            "{file}"
        );
    }
    assert!(serve.logs().contains("DEVELOPMENT keys"), "{}", serve.logs());
}

#[test]
fn outside_the_embedded_default_an_identity_is_required() {
    let home = reachable_home();
    let output = vigil(home.path())
        .arg("serve")
        .env("DATABASE_URL", "postgres://vigil@127.0.0.1:1/vigil")
        .env_remove("VIGIL_IDENTITY_FILE")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("VIGIL_IDENTITY_FILE is required"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_embedded_default_serves_as_a_role_that_owns_nothing_and_cannot_rewrite_the_record() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    let home = reachable_home();
    let _guard = ClusterGuard(home.path().join("pg"));
    // Commands work as the serving role: adding a user writes users, tokens and the log.
    crate::support::process::cli_focal_point(home.path());
    // The operator's other acts take effect at once, each on the log.
    for args in [
        &[
            "users",
            "change",
            "--email",
            "fp@example.org",
            "--role",
            "head_of_delegation",
            "--delegation",
            "eud_ke",
        ][..],
        &["users", "disable", "--email", "fp@example.org"],
        &["users", "enable", "--email", "fp@example.org"],
    ] {
        let done = vigil(home.path()).args(args).output().unwrap();
        assert!(done.status.success(), "{args:?}: {}", stderr(&done));
    }
    let again = vigil(home.path())
        .args(["users", "enable", "--email", "fp@example.org"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(stderr(&again).contains("is not disabled"), "{}", stderr(&again));

    let cluster = vigil::devdb::Cluster::new(home.path(), Default::default()).unwrap();
    let lease = cluster.acquire().unwrap();
    let mut serving = PgConnection::establish(&lease.serving_url(vigil::devdb::DATABASE)).unwrap();
    #[derive(QueryableByName)]
    struct Act {
        #[diesel(sql_type = diesel::sql_types::Text)]
        act: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        by_operator: bool,
    }
    let acts: Vec<Act> = diesel::sql_query("SELECT act, actor_id IS NULL AS by_operator FROM admin_log ORDER BY seq")
        .load(&mut serving)
        .unwrap();
    assert!(acts.iter().all(|a| a.by_operator));
    let acts: Vec<&str> = acts.iter().map(|a| a.act.as_str()).collect();
    assert_eq!(
        acts,
        [
            "delegation_added",
            "user_added",
            "token_issued",
            "user_changed",
            "user_disabled",
            "user_enabled"
        ]
    );
    let role: Act = diesel::sql_query("SELECT role AS act, disabled_at IS NULL AS by_operator FROM users")
        .get_result(&mut serving)
        .unwrap();
    assert_eq!((role.act.as_str(), role.by_operator), ("head_of_delegation", true));
    for forbidden in [
        "DELETE FROM admin_log",
        "UPDATE access_log SET case_id = NULL",
        "TRUNCATE case_events",
        "ALTER TABLE case_events DISABLE TRIGGER ALL",
        "DROP TABLE users",
    ] {
        let refused = serving.batch_execute(forbidden).unwrap_err().to_string();
        assert!(
            refused.contains("permission denied") || refused.contains("must be owner"),
            "{forbidden}: {refused}"
        );
    }
    drop(serving);
    lease.release().unwrap();
}
