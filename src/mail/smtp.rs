//! A small pool of SMTP connections on lettre's async SMTP client, with every wait bounded:
//! connecting, waiting for a free connection, and each exchange.
//!
//! Why not lettre's own pooled transport: lettre 0.11.23 never sets `TCP_NODELAY`, so every
//! message on a kept-open connection waits ~44 ms for a delayed ACK (~23 messages/s where
//! Python's smtplib pushes ~2,000/s into the same server); the fix (lettre PR 1159) is merged
//! but not released. Here the TCP connection is made by Vigil, with `TCP_NODELAY`, and handed
//! to lettre (`AsyncSmtpConnection::connect_with_transport`); STARTTLS upgrades it in place.
//! Implicit TLS (`smtps://`) has no such hook in lettre 0.11.23: those connections are made by
//! lettre and stay slow until a release carries the fix.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::sync::{Mutex, Semaphore};

use super::MailError;

/// Connecting (TCP, greeting, TLS, authentication) may take this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// One message (MAIL, RCPT, DATA) may take this long.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Waiting for a free connection of the pool may take this long (lettre's pool waits forever).
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);
/// A connection idle longer than this is closed rather than reused (servers drop idle clients).
const MAX_IDLE: Duration = Duration::from_secs(60);
/// A connection idle longer than this is checked with NOOP before a message goes on it.
const CHECK_AFTER: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    /// `smtp://host` — no TLS (a relay on the same host or network).
    None,
    /// `smtp://host?tls=opportunistic` — STARTTLS when the server offers it.
    Opportunistic,
    /// `smtp://host?tls=required` — STARTTLS or fail.
    Required,
    /// `smtps://host` — TLS from the first byte.
    Implicit,
}

/// Where and how to connect, from `SMTP_URL`.
#[derive(Clone)]
struct Server {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    /// A PEM certificate to trust besides the web PKI roots (`SMTP_CA_FILE`): a relay with a
    /// certificate from an in-house authority.
    extra_root: Option<Vec<u8>>,
}

impl Server {
    /// lettre's URL forms: `smtp://user:password@host:port` (plain; port 25),
    /// `smtp://…?tls=required|opportunistic` (STARTTLS; port 587), `smtps://host` (port 465);
    /// a path names the EHLO host (`smtp://relay/vigil.example`).
    fn from_url(raw: &str) -> Result<Self, MailError> {
        let bad = |why: &str| MailError::Build(format!("SMTP_URL {why}"));
        let url = url::Url::parse(raw).map_err(|_| bad("is not a URL"))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("names no host"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let (security, default_port) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::None, 25),
            ("smtp", Some("opportunistic")) => (Security::Opportunistic, 587),
            ("smtp", Some("required")) => (Security::Required, 587),
            ("smtps", None) => (Security::Implicit, 465),
            _ => {
                return Err(bad(
                    "takes smtp:// (with ?tls=required or ?tls=opportunistic) or smtps://",
                ));
            }
        };
        let decode = |s: &str| percent_decode(s).ok_or_else(|| bad("has a badly encoded user or password"));
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (user, password) => Some(Credentials::new(decode(user)?, decode(password.unwrap_or(""))?)),
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Ok(Self {
            port: url.port().unwrap_or(default_port),
            host,
            security,
            credentials,
            hello,
            extra_root: None,
        })
    }

    fn tls(&self) -> Result<TlsParameters, MailError> {
        let bad = |e: lettre::transport::smtp::Error| MailError::Build(format!("TLS: {e}"));
        let mut builder = TlsParameters::builder(self.host.clone());
        if let Some(pem) = &self.extra_root {
            builder = builder.add_root_certificate(Certificate::from_pem(pem).map_err(bad)?);
        }
        builder.build().map_err(bad)
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, MailError> {
        let fail = |what: &str, e: &dyn std::fmt::Display| MailError::Deliver(format!("{what}: {e}"));
        let mut connection = if self.security == Security::Implicit {
            AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(CONNECT_TIMEOUT),
                &self.hello,
                Some(self.tls()?),
                None,
            )
            .await
            .map_err(|e| fail("connect", &e))?
        } else {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((self.host.as_str(), self.port))
                .await
                .map_err(|e| fail("resolve", &e))?
                .collect();
            let stream = tokio::net::TcpStream::connect(addresses.as_slice())
                .await
                .map_err(|e| fail("connect", &e))?;
            stream.set_nodelay(true).map_err(|e| fail("TCP_NODELAY", &e))?;
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                .await
                .map_err(|e| fail("greeting", &e))?
        };
        match self.security {
            Security::Required | Security::Opportunistic if connection.can_starttls() => connection
                .starttls(self.tls()?, &self.hello)
                .await
                .map_err(|e| fail("STARTTLS", &e))?,
            Security::Required => return Err(MailError::Deliver("the server does not offer STARTTLS".into())),
            _ => {}
        }
        if let Some(credentials) = &self.credentials {
            connection
                .auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(|e| fail("authentication", &e))?;
        }
        Ok(connection)
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

struct Idle {
    connection: AsyncSmtpConnection,
    since: Instant,
}

/// Up to `size` open connections to one SMTP server, shared by every sender of a process.
pub struct SmtpPool {
    server: Server,
    size: usize,
    permits: Semaphore,
    idle: Mutex<Vec<Idle>>,
}

impl std::fmt::Debug for SmtpPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The server entry holds credentials: only where it points is shown.
        write!(f, "SmtpPool({}:{})", self.server.host, self.server.port)
    }
}

impl SmtpPool {
    pub fn new(url: &str, size: usize) -> Result<Self, MailError> {
        Ok(Self {
            server: Server::from_url(url)?,
            size: size.max(1),
            permits: Semaphore::new(size.max(1)),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Trusts the PEM certificate `pem` too, besides the web PKI roots.
    pub fn trusting(mut self, pem: Vec<u8>) -> Result<Self, MailError> {
        Certificate::from_pem(&pem).map_err(|e| MailError::Build(format!("SMTP_CA_FILE: {e}")))?;
        self.server.extra_root = Some(pem);
        Ok(self)
    }

    /// How many messages may be on their way at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Sends one message, on an idle connection when there is a fresh one. A connection that
    /// failed or timed out is dropped, never reused.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), MailError> {
        let _permit = tokio::time::timeout(CHECKOUT_TIMEOUT, self.permits.acquire())
            .await
            .map_err(|_| MailError::Deliver("no SMTP connection became free in time".into()))?
            .map_err(|_| MailError::Deliver("the SMTP pool is closed".into()))?;
        let mut connection = match self.checkout().await {
            Some(connection) => connection,
            None => tokio::time::timeout(CONNECT_TIMEOUT, self.server.connect())
                .await
                .map_err(|_| MailError::Deliver("connecting to the SMTP server timed out".into()))??,
        };
        match tokio::time::timeout(SEND_TIMEOUT, connection.send(envelope, message)).await {
            Ok(Ok(_)) => {
                self.idle.lock().await.push(Idle {
                    connection,
                    since: Instant::now(),
                });
                Ok(())
            }
            Ok(Err(e)) => {
                connection.abort().await;
                Err(MailError::Deliver(e.to_string()))
            }
            Err(_) => Err(MailError::Deliver("the SMTP server did not answer in time".into())),
        }
    }

    /// A usable idle connection: closes those idle too long, checks those idle a while.
    async fn checkout(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let Idle { mut connection, since } = self.idle.lock().await.pop()?;
            let idle = since.elapsed();
            if idle > MAX_IDLE || connection.has_broken() {
                let _ = tokio::time::timeout(Duration::from_secs(1), connection.quit()).await;
                continue;
            }
            if idle < CHECK_AFTER {
                return Some(connection);
            }
            if let Ok(true) = tokio::time::timeout(Duration::from_secs(5), connection.test_connected()).await {
                return Some(connection);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_read_as_lettre_reads_them() {
        let plain = Server::from_url("smtp://relay.local").unwrap();
        assert_eq!((plain.port, plain.security), (25, Security::None));
        assert!(plain.credentials.is_none());

        let submission = Server::from_url("smtp://vigil%40eeas:p%2Fss@mail.example?tls=required").unwrap();
        assert_eq!((submission.port, submission.security), (587, Security::Required));
        assert_eq!(
            submission.credentials.unwrap(),
            Credentials::new("vigil@eeas".into(), "p/ss".into())
        );

        let wrapped = Server::from_url("smtps://mail.example:2465/vigil.example").unwrap();
        assert_eq!((wrapped.port, wrapped.security), (2465, Security::Implicit));
        assert_eq!(wrapped.hello, ClientId::Domain("vigil.example".into()));

        assert_eq!(
            Server::from_url("smtp://[::1]:2525?tls=opportunistic").unwrap().host,
            "::1"
        );
        for bad in [
            "http://mail",
            "smtp://mail?tls=maybe",
            "smtps://mail?tls=required",
            "smtp://u:%zz@mail",
        ] {
            assert!(Server::from_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_pool_never_shows_credentials() {
        let pool = SmtpPool::new("smtp://user:secret@mail.example", 2).unwrap();
        assert_eq!(format!("{pool:?}"), "SmtpPool(mail.example:25)");
        assert_eq!(pool.size(), 2);
    }
}
