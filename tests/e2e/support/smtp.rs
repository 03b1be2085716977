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

    /// A TLS server (`mode`: `smtps` or `starttls`) requiring AUTH as `user` / `password`,
    /// with a certificate for `localhost` from a test authority made by openssl; also returns
    /// that authority's certificate (PEM), for the client to trust.
    pub fn start_tls(address: SocketAddr, mode: &str, user: &str, password: &str) -> (Self, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        // A test authority, and a server certificate for localhost signed by it.
        let path = |name: &str| dir.path().join(name);
        let (cert, key) = (path("cert.pem"), path("key.pem"));
        let made = Command::new("sh")
            .current_dir(dir.path())
            .args([
                "-ec",
                "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=Vigil test CA' \
                   -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
                   -keyout ca.key -out ca.pem
                 openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout key.pem -out server.csr
                 printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > server.ext
                 openssl x509 -req -days 1 -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
                   -extfile server.ext -out cert.pem",
            ])
            .output()
            .expect("sh");
        assert!(
            made.status.success(),
            "openssl (scripts/install-deps installs it): {}",
            String::from_utf8_lossy(&made.stderr)
        );
        let maildir = dir.path().join("Maildir");
        let child = Command::new("/usr/bin/python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/support/tls_smtp.py"))
            .args([mode, &address.port().to_string()])
            .args([&cert, &key, &maildir])
            .args([user, password])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the TLS SMTP server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let pem = std::fs::read(path("ca.pem")).unwrap();
        (
            Self {
                child,
                address,
                maildir,
                _dir: dir,
            },
            pem,
        )
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
