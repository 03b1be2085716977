//! A real `vigil serve` for a bench: this very binary, on the bench database, a free loopback
//! port and a scratch home with throwaway keys.
//! Stopped (SIGTERM, then waited for) when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use vigil::config::DatabaseUrl;

pub struct Served {
    child: Child,
    pub port: u16,
    /// Its throwaway keys (the bench signs checkpoints with the same signing key).
    pub keys: vigil::crypto::DevKeys,
    _home: tempfile_dir::Scratch,
}

/// A scratch directory removed on drop (the bench has no tempfile dependency).
mod tempfile_dir {
    pub struct Scratch(pub std::path::PathBuf);
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Served {
    /// Starts it with `settings` beside the bench's own (name and value of each variable).
    pub fn start(
        database: &DatabaseUrl,
        workflows: &Path,
        pool_size: u32,
        settings: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let home = std::env::temp_dir().join(format!("vigil-bench-serve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home)?;
        let scratch = tempfile_dir::Scratch(home.clone());
        // Throwaway keys: the bench database is dropped with everything sealed to them.
        let keys = vigil::crypto::ensure_dev_keys(&home.join("keys"))?;
        let child = Command::new(crate::vigil_binary()?)
            .arg("serve")
            .env("VIGIL_IDENTITY_FILE", &keys.identity)
            .env("VIGIL_INDEX_KEY_FILE", &keys.index)
            .env("VIGIL_SIGNING_KEY_FILE", &keys.signing)
            .env_remove("VIGIL_RECIPIENTS")
            .env("VIGIL_HOME", &home)
            .env("DATABASE_URL", database.expose())
            .env("VIGIL_LISTEN", format!("127.0.0.1:{port}"))
            .env("VIGIL_WORKFLOWS_DIR", workflows)
            .env("VIGIL_DB_POOL_SIZE", pool_size.to_string())
            .env("VIGIL_LOG", "warn")
            .env_remove("SMTP_URL")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(home.join("serve.log"))?)
            .spawn()
            .context("cannot start vigil serve")?;
        let mut served = Self {
            child,
            port,
            keys,
            _home: scratch,
        };
        let started = Instant::now();
        loop {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                use std::io::{Read, Write};
                let _ = stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let mut answer = String::new();
                let _ = stream.read_to_string(&mut answer);
                if answer.starts_with("HTTP/1.1 200") {
                    return Ok(served);
                }
            }
            if let Some(status) = served.child.try_wait()? {
                let log = std::fs::read_to_string(home.join("serve.log")).unwrap_or_default();
                anyhow::bail!("vigil serve exited before it was ready ({status}): {}", log.trim());
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(30),
                "vigil serve was not ready in 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mb(&self) -> f64 {
        self.memory_mb("VmHWM:")
    }

    /// The server's resident memory now (VmRSS), in MiB.
    pub fn rss_mb(&self) -> f64 {
        self.memory_mb("VmRSS:")
    }

    /// A figure of the server's /proc status, in MiB (0 once it is gone).
    fn memory_mb(&self, field: &str) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

impl Served {
    /// A signer of checkpoints with the server's signing key, appending to a file of its own
    /// under the server's scratch directory.
    pub fn signer(&self) -> anyhow::Result<vigil::audit::Signer> {
        Ok(vigil::audit::Signer {
            key: vigil::crypto::signing::read_signing_key(&self.keys.signing)?,
            file: vigil::audit::LineFile::new(self._home.0.join("bench-checkpoints")),
            interval: None,
        })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.child.wait();
    }
}
