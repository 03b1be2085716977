//! The embedded default: a private PostgreSQL cluster under `VIGIL_HOME`, reachable only
//! through a Unix socket, for a laptop or a test run.
//!
//! Layout, under a root that is `VIGIL_HOME` itself when the cluster's user can reach it:
//! - `pg/`: the data directory (mode 0700), created with `initdb` on first use;
//! - `run/`: the socket directory (mode 0700); the server has no TCP listener;
//! - `pg.lock`: held exclusively while a command starts, creates or stops the cluster;
//! - `pg.users`: every process using the cluster holds a shared lock on it.
//!
//! Whoever starts the cluster stops it, unless another `vigil` process still uses it: then the
//! last one out stops it. A cluster left running by a process that was killed is adopted by the
//! next command and stopped by it in turn.
//!
//! PostgreSQL refuses to run as root, so a root process runs the cluster as the `postgres` system
//! user. When that user cannot reach `VIGIL_HOME` (a folder under `/root`, or inside a 0700
//! temporary folder), the cluster lives under `/var/lib/vigil/pg-<hash of VIGIL_HOME>` instead.
//!
//! Environment: `PATH` (to find `initdb`, `pg_ctl` and `postgres`, before `/usr/lib/postgresql/*/bin`).

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use nix::unistd::{Gid, Uid, User};
use sha2::{Digest, Sha256};

use crate::store;

/// The superuser `initdb` creates, and the database Vigil uses in its cluster.
pub const SUPERUSER: &str = "vigil";
pub const DATABASE: &str = "vigil";
/// The role `serve` and the other commands connect as: it owns nothing, and has only the
/// privileges of `store::privileges` (migrations run as [`SUPERUSER`], the tables' owner).
pub const SERVING_ROLE: &str = "vigil_serve";
const PORT: u16 = 5432;
/// Where a root process keeps clusters whose `VIGIL_HOME` the cluster user cannot reach.
const RELOCATION_BASE: &str = "/var/lib/vigil";
/// `sun_path` holds 108 bytes, the terminating NUL included.
const MAX_SOCKET_PATH: usize = 107;

#[derive(Debug, thiserror::Error)]
pub enum DevDbError {
    #[error(
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or under /usr/lib/postgresql/*/bin; install them with `apt-get install postgresql` or set DATABASE_URL"
    )]
    NoBinaries,
    #[error(
        "running as root, the embedded cluster must run as the unprivileged `postgres` user, which does not exist; `apt-get install postgresql` creates it, or set DATABASE_URL"
    )]
    NoClusterUser,
    #[error("the socket path {0} is longer than the 107 bytes a Unix socket allows; choose a shorter VIGIL_HOME")]
    SocketPathTooLong(PathBuf),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` failed: {output}")]
    Command { command: String, output: String },
    #[error("cannot create the database in the embedded cluster: {0}")]
    Database(#[from] store::StoreError),
}

fn io_error(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> DevDbError {
    let path = path.to_owned();
    move |source| DevDbError::Io { what, path, source }
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`.
#[derive(Debug, Clone)]
pub struct Binaries {
    dir: PathBuf,
}

impl Binaries {
    /// Looks on `PATH` first, then under `/usr/lib/postgresql/*/bin`, newest version first.
    pub fn find() -> Result<Self, DevDbError> {
        Self::find_in(
            std::env::var_os("PATH"),
            &versioned_dirs(Path::new("/usr/lib/postgresql")),
        )
    }

    fn find_in(path_var: Option<OsString>, fallbacks: &[PathBuf]) -> Result<Self, DevDbError> {
        let on_path = path_var.iter().flat_map(std::env::split_paths);
        on_path
            .chain(fallbacks.iter().cloned())
            .filter_map(|dir| std::fs::canonicalize(dir.join("pg_ctl")).ok())
            .filter_map(|pg_ctl| pg_ctl.parent().map(Path::to_owned))
            .find(|dir| {
                ["initdb", "pg_ctl", "postgres"]
                    .iter()
                    .all(|tool| is_executable(&dir.join(tool)))
            })
            .map(|dir| Self { dir })
            .ok_or(DevDbError::NoBinaries)
    }

    pub fn tool(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Whether the server has `module` (e.g. `pg_stat_statements`) beside its binaries, as
    /// Debian lays them out (`…/15/bin`, `…/15/lib`).
    pub fn has_module(&self, module: &str) -> bool {
        self.dir
            .parent()
            .is_some_and(|version| version.join("lib").join(format!("{module}.so")).exists())
    }
}

/// A PostgreSQL client tool (`pg_dump`, `pg_restore`, `psql`): on `PATH` first, then under
/// `/usr/lib/postgresql/*/bin`, newest version first.
pub fn client_tool(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH");
    on_path
        .iter()
        .flat_map(std::env::split_paths)
        .chain(versioned_dirs(Path::new("/usr/lib/postgresql")))
        .map(|dir| dir.join(name))
        .find(|tool| is_executable(tool))
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// `<base>/<version>/bin`, the highest version first (Debian's layout).
fn versioned_dirs(base: &Path) -> Vec<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(base)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

/// The operating-system user the cluster runs as.
#[derive(Debug, Clone)]
enum Runner {
    /// This process's own user (not root).
    Current,
    /// A system user, when this process is root.
    System { uid: Uid, gid: Gid },
}

impl Runner {
    fn detect() -> Result<Self, DevDbError> {
        if !Uid::effective().is_root() {
            return Ok(Self::Current);
        }
        let user = User::from_name("postgres")
            .ok()
            .flatten()
            .ok_or(DevDbError::NoClusterUser)?;
        Ok(Self::System {
            uid: user.uid,
            gid: user.gid,
        })
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        // The caller's directory may be closed to the cluster user, and libpq's variables
        // would point the tools elsewhere.
        command
            .current_dir("/")
            .env_remove("PGDATA")
            .env_remove("PGHOST")
            .env_remove("PGPORT");
        if let Self::System { uid, gid } = self {
            command.uid(uid.as_raw()).gid(gid.as_raw());
        }
        command
    }

    fn own(&self, path: &Path) -> Result<(), DevDbError> {
        match self {
            Self::Current => Ok(()),
            Self::System { uid, gid } => std::os::unix::fs::chown(path, Some(uid.as_raw()), Some(gid.as_raw()))
                .map_err(io_error("cannot hand over", path)),
        }
    }

    /// Whether this user can traverse every directory down to `dir`.
    fn can_reach(&self, dir: &Path) -> bool {
        match self {
            Self::Current => true,
            Self::System { .. } => self
                .command(Path::new("test"))
                .arg("-x")
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success()),
        }
    }
}

/// Where a cluster's files are.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
    pub data: PathBuf,
    pub socket_dir: PathBuf,
    /// True when the cluster lives outside `VIGIL_HOME` because its user cannot reach it.
    pub relocated: bool,
}

impl Layout {
    fn under(root: PathBuf, relocated: bool) -> Self {
        Self {
            data: root.join("pg"),
            socket_dir: root.join("run"),
            root,
            relocated,
        }
    }

    fn socket_path(&self) -> PathBuf {
        self.socket_dir.join(format!(".s.PGSQL.{PORT}"))
    }

    fn fits(&self) -> bool {
        self.socket_path().as_os_str().len() <= MAX_SOCKET_PATH
    }
}

/// How a cluster is tuned.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClusterOptions {
    /// No fsync: for throwaway test clusters only.
    pub throwaway: bool,
}

/// A private PostgreSQL cluster; `acquire` starts it if needed.
#[derive(Debug, Clone)]
pub struct Cluster {
    binaries: Binaries,
    runner: Runner,
    layout: Layout,
    options: ClusterOptions,
}

impl Cluster {
    /// Finds the binaries and decides where the cluster lives. Creates `home` if missing.
    pub fn new(home: &Path, options: ClusterOptions) -> Result<Self, DevDbError> {
        let binaries = Binaries::find()?;
        let runner = Runner::detect()?;
        std::fs::create_dir_all(home).map_err(io_error("cannot create", home))?;
        let home = std::fs::canonicalize(home).map_err(io_error("cannot resolve", home))?;
        let in_home = Layout::under(home.clone(), false);
        let layout = if runner.can_reach(&home) && in_home.fits() {
            in_home
        } else if matches!(runner, Runner::System { .. }) {
            let digest = Sha256::digest(home.as_os_str().as_encoded_bytes());
            let key: String = digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect();
            let root = Path::new(RELOCATION_BASE).join(format!("pg-{key}"));
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(&root)
                .map_err(io_error("cannot create", &root))?;
            std::fs::write(root.join("VIGIL_HOME"), format!("{}\n", home.display()))
                .map_err(io_error("cannot write", &root))?;
            Layout::under(root, true)
        } else {
            return Err(DevDbError::SocketPathTooLong(in_home.socket_path()));
        };
        if !layout.fits() {
            return Err(DevDbError::SocketPathTooLong(layout.socket_path()));
        }
        Ok(Self {
            binaries,
            runner,
            layout,
            options,
        })
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// A libpq URL for `database` in this cluster, over its socket, as the superuser.
    pub fn url(&self, database: &str) -> String {
        self.url_as(SUPERUSER, database)
    }

    /// The same as `role`.
    pub fn url_as(&self, role: &str, database: &str) -> String {
        let host: String =
            url::form_urlencoded::byte_serialize(self.layout.socket_dir.as_os_str().as_encoded_bytes()).collect();
        format!("postgres://{role}@localhost/{database}?host={host}&port={PORT}")
    }

    /// Creates the cluster if it does not exist, starts it if it is not running, makes sure
    /// Vigil's database exists, and registers this process as a user until the lease is released.
    pub fn acquire(&self) -> Result<ClusterLease, DevDbError> {
        let _state = self.lock_state()?;
        let users = self.open_users()?;
        users
            .lock_shared()
            .map_err(io_error("cannot lock", &self.users_path()))?;
        self.initialise()?;
        let started = if self.is_running()? {
            false
        } else {
            self.start()?;
            true
        };
        store::admin::ensure_database(&self.url("postgres"), DATABASE)?;
        store::admin::ensure_login_role(&self.url("postgres"), SERVING_ROLE)?;
        Ok(ClusterLease {
            cluster: self.clone(),
            users: Some(users),
            started,
        })
    }

    fn lock_state(&self) -> Result<File, DevDbError> {
        let path = self.layout.root.join("pg.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_error("cannot open", &path))?;
        file.lock().map_err(io_error("cannot lock", &path))?;
        Ok(file)
    }

    fn users_path(&self) -> PathBuf {
        self.layout.root.join("pg.users")
    }

    fn open_users(&self) -> Result<File, DevDbError> {
        let path = self.users_path();
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_error("cannot open", &path))
    }

    fn initialise(&self) -> Result<(), DevDbError> {
        let data = &self.layout.data;
        if !data.join("PG_VERSION").exists() {
            // initdb writes into a scratch directory renamed into place once complete, so a
            // failure or a kill leaves no half-made cluster behind.
            let scratch = self.layout.root.join("pg.initdb");
            if scratch.exists() {
                std::fs::remove_dir_all(&scratch).map_err(io_error("cannot remove", &scratch))?;
            }
            self.private_dir(&scratch)?;
            let mut initdb = self.runner.command(&self.binaries.tool("initdb"));
            initdb
                .arg("-D")
                .arg(&scratch)
                .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C"]);
            if self.options.throwaway {
                initdb.arg("--no-sync");
            }
            let result = run(&mut initdb).and_then(|()| self.write_base_config(&scratch));
            if let Err(e) = result {
                let _ = std::fs::remove_dir_all(&scratch);
                return Err(e);
            }
            std::fs::rename(&scratch, data).map_err(io_error("cannot move the new cluster to", data))?;
        }
        self.private_dir(&self.layout.socket_dir)?;
        self.write_location_config()
    }

    /// A directory of the cluster user's, closed to everyone else.
    fn private_dir(&self, dir: &Path) -> Result<(), DevDbError> {
        match std::fs::DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_error("cannot create", dir)(e)),
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io_error("cannot protect", dir))?;
        self.runner.own(dir)
    }

    fn write_base_config(&self, data: &Path) -> Result<(), DevDbError> {
        let mut text = String::from(
            "\n# Vigil's embedded cluster: socket only, set at each start in vigil.conf.\ninclude_if_exists = 'vigil.conf'\n",
        );
        if self.options.throwaway {
            text.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
            // The tests count the statements a request issues, as PostgreSQL sees them.
            if self.binaries.has_module("pg_stat_statements") {
                text.push_str(
                    "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track_utility = on\n",
                );
            }
        }
        let path = data.join("postgresql.conf");
        let mut file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io_error("cannot open", &path))?;
        file.write_all(text.as_bytes()).map_err(io_error("cannot write", &path))
    }

    /// The socket directory is written at each start, so a moved `VIGIL_HOME` still works.
    fn write_location_config(&self) -> Result<(), DevDbError> {
        let socket_dir = self.layout.socket_dir.display().to_string().replace('\'', "''");
        let text = format!(
            "listen_addresses = ''\nport = {PORT}\nunix_socket_directories = '{socket_dir}'\nunix_socket_permissions = 0700\n"
        );
        let path = self.layout.data.join("vigil.conf");
        std::fs::write(&path, text).map_err(io_error("cannot write", &path))?;
        self.runner.own(&path)
    }

    fn pg_ctl(&self, action: &str) -> Command {
        let mut command = self.runner.command(&self.binaries.tool("pg_ctl"));
        command.arg(action).arg("-D").arg(&self.layout.data);
        command
    }

    fn is_running(&self) -> Result<bool, DevDbError> {
        let output = self
            .pg_ctl("status")
            .output()
            .map_err(io_error("cannot run", &self.binaries.tool("pg_ctl")))?;
        // pg_ctl status: 0 running, 3 not running, 4 no usable data directory.
        match output.status.code() {
            Some(0) => Ok(true),
            Some(3) => Ok(false),
            _ => Err(command_failed("pg_ctl status", &output)),
        }
    }

    fn start(&self) -> Result<(), DevDbError> {
        let log = self.layout.data.join("server.log");
        run(self.pg_ctl("start").args(["-w", "-t", "60", "-s", "-l"]).arg(&log))
    }

    fn stop(&self) -> Result<(), DevDbError> {
        run(self.pg_ctl("stop").args(["-m", "fast", "-w", "-t", "60", "-s"]))
    }
}

fn command_failed(command: &str, output: &std::process::Output) -> DevDbError {
    let text = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    let text = if text.is_empty() {
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    } else {
        text
    };
    DevDbError::Command {
        command: command.to_owned(),
        output: text.lines().collect::<Vec<_>>().join(" / "),
    }
}

fn run(command: &mut Command) -> Result<(), DevDbError> {
    let name = Path::new(command.get_program())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let output = command.output().map_err(|source| DevDbError::Io {
        what: "cannot run",
        path: name.clone().into(),
        source,
    })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(command_failed(&name, &output))
    }
}

/// This process's use of a running cluster. Dropping it releases it as `release` does.
#[derive(Debug)]
pub struct ClusterLease {
    cluster: Cluster,
    users: Option<File>,
    started: bool,
}

/// What `release` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Released {
    /// This was the last process using the cluster, and it stopped it.
    Stopped,
    /// Another `vigil` process still uses the cluster, so it keeps running.
    LeftForOthers,
}

impl ClusterLease {
    /// As the superuser, who owns the tables and runs migrations.
    pub fn url(&self, database: &str) -> String {
        self.cluster.url(database)
    }

    /// As [`SERVING_ROLE`].
    pub fn serving_url(&self, database: &str) -> String {
        self.cluster.url_as(SERVING_ROLE, database)
    }

    pub fn layout(&self) -> &Layout {
        self.cluster.layout()
    }

    /// Whether this process started the cluster (rather than finding it running).
    pub fn started(&self) -> bool {
        self.started
    }

    /// Stops the cluster unless another process still uses it.
    pub fn release(mut self) -> Result<Released, DevDbError> {
        self.release_inner()
    }

    fn release_inner(&mut self) -> Result<Released, DevDbError> {
        let Some(users) = self.users.take() else {
            return Ok(Released::LeftForOthers);
        };
        let _state = self.cluster.lock_state()?;
        drop(users);
        let probe = self.cluster.open_users()?;
        match probe.try_lock() {
            Ok(()) => {
                if self.cluster.is_running()? {
                    self.cluster.stop()?;
                }
                Ok(Released::Stopped)
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(Released::LeftForOthers),
            Err(std::fs::TryLockError::Error(e)) => Err(io_error("cannot lock", &self.cluster.users_path())(e)),
        }
    }
}

impl Drop for ClusterLease {
    fn drop(&mut self) {
        if let Err(e) = self.release_inner() {
            tracing::error!(error = %e, "could not stop the embedded PostgreSQL cluster");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_name_the_debian_package() {
        let empty = tempfile::tempdir().unwrap();
        let err = Binaries::find_in(
            Some(empty.path().as_os_str().to_owned()),
            &[empty.path().join("15/bin")],
        )
        .unwrap_err();
        assert!(err.to_string().contains("apt-get install postgresql"), "{err}");
    }

    #[test]
    fn binaries_need_initdb_pg_ctl_and_postgres_together() {
        let dir = tempfile::tempdir().unwrap();
        for tool in ["initdb", "pg_ctl"] {
            let path = dir.path().join(tool);
            std::fs::write(&path, "").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert!(Binaries::find_in(Some(dir.path().as_os_str().to_owned()), &[]).is_err());
        let postgres = dir.path().join("postgres");
        std::fs::write(&postgres, "").unwrap();
        std::fs::set_permissions(&postgres, std::fs::Permissions::from_mode(0o755)).unwrap();
        let found = Binaries::find_in(Some(dir.path().as_os_str().to_owned()), &[]).unwrap();
        assert_eq!(found.dir, std::fs::canonicalize(dir.path()).unwrap());
    }

    #[test]
    fn versioned_dirs_prefer_the_newest_version() {
        let base = tempfile::tempdir().unwrap();
        for version in ["9", "15", "13", "notaversion"] {
            std::fs::create_dir_all(base.path().join(version).join("bin")).unwrap();
        }
        let dirs = versioned_dirs(base.path());
        let names: Vec<_> = dirs
            .iter()
            .map(|d| d.parent().unwrap().file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["15", "13", "9"]);
    }

    #[test]
    fn over_long_socket_paths_do_not_fit() {
        let layout = Layout::under(PathBuf::from(format!("/tmp/{}", "x".repeat(100))), false);
        assert!(!layout.fits());
        assert!(Layout::under(PathBuf::from("/tmp/vigil"), false).fits());
    }
}
