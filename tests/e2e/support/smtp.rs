//! A real SMTP server for tests: Debian's aiosmtpd on a free loopback port, storing what it
//! receives in a Maildir the test reads. Stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpSink {
    child: Child,
    pub address: SocketAddr,
    pub maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts on `address` (a free loopback port; the same one again brings a server back).
    pub fn start_on(address: SocketAddr) -> Self {
        Self::start_with(address, "aiosmtpd.handlers.Mailbox", None)
    }

    /// A server that takes `delay` over each message (tests/e2e/support/slow_mailbox.py).
    pub fn start_slow(address: SocketAddr, delay: Duration) -> Self {
        Self::start_with(address, "slow_mailbox.SlowMailbox", Some(delay))
    }

    fn start_with(address: SocketAddr, handler: &str, delay: Option<Duration>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("Maildir");
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &address.to_string(), "-c", handler])
            .arg(&maildir)
            .args(delay.map(|d| d.as_secs_f64().to_string()))
            .env("PYTHONPATH", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/support"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd (Debian's python3-aiosmtpd; scripts/install-deps installs it)");
        let started = Instant::now();
        while TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "aiosmtpd did not start on {address}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            address,
            maildir,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}:{}", self.address.ip(), self.address.port())
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<String> {
        std::fs::read_dir(self.maildir.join("new"))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| std::fs::read_to_string(e.path()).unwrap())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
