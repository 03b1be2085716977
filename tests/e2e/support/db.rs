//! Databases for tests: one server per test run (a throwaway cluster, or the server
//! `DATABASE_URL` names), a migrated template on it, and a fresh copy of the template for
//! each test, dropped when the test ends.
//!
//! The throwaway cluster is watched by a guardian process that stops it and deletes its files
//! as soon as this test process exits, however it exits: statics are never dropped, and a
//! panic or a kill must not leave a PostgreSQL server behind.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use diesel::{Connection, PgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use vigil::config::DatabaseUrl;
use vigil::devdb::{Cluster, ClusterOptions};
use vigil::store::{admin, migrations};

struct Server {
    /// The maintenance database's URL, for CREATE and DROP DATABASE.
    admin: DatabaseUrl,
    template: String,
    /// Closing it (at process exit) tells the guardian to clean up.
    _guardian: Option<Mutex<ChildStdin>>,
}

static SERVER: OnceLock<Server> = OnceLock::new();

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        let (admin, guardian) = match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => {
                let url = DatabaseUrl::parse(&url).expect("DATABASE_URL for tests is malformed");
                (url, None)
            }
            _ => {
                let (url, guardian) = start_throwaway_cluster();
                (url, Some(Mutex::new(guardian)))
            }
        };
        let template = prepare_template(&admin);
        Server {
            admin,
            template,
            _guardian: guardian,
        }
    })
}

fn start_throwaway_cluster() -> (DatabaseUrl, ChildStdin) {
    let root = tempfile::Builder::new()
        .prefix("vigil-e2e-")
        .tempdir()
        .expect("temporary directory")
        .keep();
    // The cluster's user (postgres, when tests run as root) must be able to reach it.
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let cluster = Cluster::new(&root, ClusterOptions { throwaway: true }).expect("throwaway cluster");
    let guardian = spawn_guardian(&cluster.layout().data, &cluster.layout().root, &root);
    let lease = cluster.acquire().expect("start the throwaway cluster");
    let url = DatabaseUrl::parse(&lease.url("postgres")).expect("cluster URL");
    // The guardian stops the cluster; the lease must not try to at an arbitrary moment.
    std::mem::forget(lease);
    (url, guardian)
}

/// A shell in its own process group (so a Ctrl-C to the tests does not kill it) that waits for
/// end-of-file on its standard input, then stops the postmaster and deletes the directories.
#[expect(clippy::zombie_processes, reason = "the guardian outlives this process by design")]
fn spawn_guardian(data: &Path, cluster_root: &Path, scratch: &Path) -> ChildStdin {
    const SCRIPT: &str = r#"
read -r _ignored
pid=$(head -n 1 "$1/postmaster.pid" 2>/dev/null)
if [ -n "$pid" ]; then
    kill -INT "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
    kill -KILL "$pid" 2>/dev/null
fi
rm -rf "$2" "$3"
"#;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(SCRIPT)
        .arg("vigil-test-guardian")
        .arg(data)
        .arg(cluster_root)
        .arg(scratch)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn the cluster guardian");
    let mut stdin = child.stdin.take().expect("guardian stdin");
    // Nothing is written until exit; a flush proves the pipe is open.
    stdin.flush().expect("guardian pipe");
    stdin
}

/// A hash of the migrations, so a server shared across runs gets a new template when they change.
fn migrations_digest() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.strip_prefix(&dir).unwrap().as_os_str().as_encoded_bytes());
        hasher.update(std::fs::read(&file).unwrap());
    }
    hasher.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .flat_map(|entry| {
            if entry.path().is_dir() {
                walk(&entry.path())
            } else {
                vec![entry.path()]
            }
        })
        .collect()
}

/// Creates the migrated template once per server and migrations version, under an advisory
/// lock so that parallel test processes sharing a server do not race.
fn prepare_template(admin_url: &DatabaseUrl) -> String {
    let template = format!("vigil_template_{}", migrations_digest());
    let scratch = format!("{template}_new");
    let mut conn = PgConnection::establish(admin_url.expose()).expect("connect to the test server");
    admin::with_advisory_lock(&mut conn, 0x5649_4749_4c00_0002, |conn| {
        if !admin::database_exists(conn, &template)? {
            admin::drop_database(conn, &scratch)?;
            admin::create_database(conn, &scratch)?;
            {
                let mut scratch_conn = PgConnection::establish(admin_url.with_database(&scratch).expose())?;
                migrations::run_pending(&mut scratch_conn)?;
            }
            admin::rename_database(conn, &scratch, &template)?;
        }
        Ok(())
    })
    .expect("prepare the template database");
    template
}

/// A database of this test's own, dropped at the end of the test.
pub struct TestDb {
    pub name: String,
    pub url: DatabaseUrl,
}

impl TestDb {
    /// A fresh copy of the migrated template.
    pub fn migrated() -> Self {
        Self::create(|conn, name| admin::create_database_from(conn, name, &server().template))
    }

    /// An empty database with no migration applied.
    pub fn empty() -> Self {
        Self::create(admin::create_database)
    }

    fn create(make: impl FnOnce(&mut PgConnection, &str) -> Result<(), vigil::store::StoreError>) -> Self {
        let server = server();
        let name = format!("vigil_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(server.admin.expose()).expect("connect to the test server");
        make(&mut conn, &name).expect("create the test database");
        Self {
            url: server.admin.with_database(&name),
            name,
        }
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(self.url.expose()).expect("connect to the test database")
    }

    /// Every case's chain and projection (procedures' state, version, plain and sealed fields,
    /// the case row's plain fields, owner and confidential data) is what its events say: no
    /// false alarm after real work.
    pub fn assert_audit_holds(&self) {
        let mut conn = self.connect();
        let check = vigil::store::audit::verify(&mut conn, &Default::default()).unwrap();
        assert!(
            check.broken.is_empty(),
            "the audit finds problems after honest work: {:#?}",
            check.broken
        );
        assert!(check.events > 0);
        let sealed = vigil::audit::verify_sealed(&mut conn, &super::keys::load()).unwrap();
        assert!(
            sealed.problems.is_empty(),
            "the sealed check finds problems after honest work: {:#?}",
            sealed.problems
        );
    }

    /// The one number `sql` selects as `count`.
    pub fn count(&self, sql: &str) -> i64 {
        diesel::sql_query(sql)
            .get_result::<Count>(&mut self.connect())
            .expect("count")
            .count
    }
}

/// The one number `sql` selects as `count`, through `pool` (a database no `TestDb` made).
pub fn count_at(pool: &vigil::store::Db, sql: &str) -> i64 {
    pool.run_blocking(|conn| Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.count))
        .expect("count")
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(server().admin.expose()) {
            let _ = admin::drop_database(&mut conn, &self.name);
        }
    }
}
