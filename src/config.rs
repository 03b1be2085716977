//! One `Config` for the whole process, built from flags and the environment and validated
//! before anything is created or started.
//!
//! Environment variables read here (each also a flag of the same name in kebab case):
//! - `VIGIL_HOME`: where the embedded cluster, the outbox and local state live (default `./var`).
//! - `VIGIL_LISTEN`: the address `serve` listens on (default `127.0.0.1:8080`).
//! - `DATABASE_URL`: a `postgres://` URL; without it Vigil runs its embedded cluster.
//! - `VIGIL_MIGRATE_DATABASE_URL`: the tables' owner, for migrations, when `DATABASE_URL` names a
//!   role that owns nothing (default: `DATABASE_URL`).
//! - `VIGIL_EMBEDDED_DB`: `true` (default) or `false`; with `false`, `DATABASE_URL` is required.
//! - `VIGIL_DB_POOL_SIZE`: connections in the pool (default 10).
//! - `VIGIL_DB_WAIT`: how long a request waits for a working connection before its 503 (default `1s`).
//! - `SMTP_URL`: `smtp://` or `smtps://`; without it mail goes to files under `$VIGIL_HOME/outbox`.
//! - `VIGIL_IDENTITY_FILE`: the age identity file of this server (mode 0600).
//! - `VIGIL_INDEX_KEY_FILE`: the blind index's HMAC key, 64 hex digits (mode 0600).
//! - `VIGIL_SIGNING_KEY_FILE`: the Ed25519 key that signs audit checkpoints, 64 hex digits (mode 0600).
//! - `VIGIL_CHECKPOINT_FILE`: where signed checkpoints are appended (default `$VIGIL_HOME/audit/checkpoints`).
//! - `VIGIL_ERASURE_LEDGER`: where signed erasures are appended (default `$VIGIL_HOME/audit/erasures`).
//! - `VIGIL_REPORT_MIN_COUNT`: the smallest count a report shows (default 5; 2 to 100).
//! - `VIGIL_REGIONS_FILE`: a `country,region` table the reports group by (default: UN M49's regions).
//! - `VIGIL_CHECKPOINT_INTERVAL`: how often `serve` signs one, e.g. `10m` (default), `30s`, `1h`; `0` never.
//! - `VIGIL_AUDITOR_EMAIL`: an auditor's address; each signed checkpoint is also emailed there.
//! - `VIGIL_AUDITOR_LANGUAGE`: the language of those emails (English when unset).
//! - `VIGIL_RECIPIENTS`: comma-separated age recipients that case keys are wrapped to.
//! - `VIGIL_WORKFLOWS_DIR`: the workflow definitions (default `./workflows`).
//! - `VIGIL_PUBLIC_URL`: the URL people reach Vigil at, used in links (default from the listen address).
//! - `VIGIL_MAX_BODY`: the largest request body accepted, e.g. `1MiB` (default), `512KiB`, `2000000`.
//! - `VIGIL_BODY_TIMEOUT`: how long a request's body may take to arrive (default `30s`); then 408.
//! - `VIGIL_AUTH_FAILURES`: failed authentications allowed per client address, and per token
//!   prefix, in 5 minutes before further ones are 429 (default 10).
//! - `VIGIL_TRUSTED_PROXIES`: comma-separated IP addresses of the reverse proxies in front of
//!   Vigil; only a request from one of them has its client address taken from `X-Forwarded-For`.
//! - `VIGIL_METRICS_TOKEN_FILE`: a file holding the token a scraper presents to read `/metrics`
//!   (at least 32 characters; the same file Prometheus's `credentials_file` reads).
//! - `VIGIL_METRICS_FROM`: comma-separated addresses or networks (`10.0.0.0/8`) that may read
//!   `/metrics` without a token. Without either, only an administrator's token reads it.
//! - `VIGIL_LOG`: the log level or filter, e.g. `info` or `vigil=debug,actix_web=warn` (default `info`).
//! - `VIGIL_LOG_FORMAT`: `text` (default) or `json`.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use url::Url;

use crate::crypto::{self, Recipients};

/// The flags every command accepts; each falls back to its environment variable.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Directory for the embedded cluster, the outbox and other local state.
    #[arg(long, env = "VIGIL_HOME", default_value = "./var", global = true)]
    pub home: PathBuf,
    /// Address and port to listen on.
    #[arg(long, env = "VIGIL_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: String,
    /// PostgreSQL URL (postgres://user:password@host:port/database); unset runs the embedded cluster.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// The URL migrations run with, as the tables' owner, when DATABASE_URL names a role that
    /// owns nothing (least privilege); unset: DATABASE_URL.
    #[arg(long, env = "VIGIL_MIGRATE_DATABASE_URL", global = true, hide_env_values = true)]
    pub migrate_database_url: Option<String>,
    /// Whether Vigil may run its own PostgreSQL cluster when DATABASE_URL is unset.
    #[arg(long, env = "VIGIL_EMBEDDED_DB", default_value = "true", global = true)]
    pub embedded_db: String,
    /// Connections in the database pool.
    #[arg(long, env = "VIGIL_DB_POOL_SIZE", default_value = "10", global = true)]
    pub db_pool_size: String,
    /// How long a request waits for a working database connection before it is answered 503
    /// (with Retry-After), e.g. `1s` (default) or `5s`.
    #[arg(long, env = "VIGIL_DB_WAIT", default_value = "1s", global = true)]
    pub db_wait: String,
    /// SMTP server URL (smtp://, smtps://); unset writes mail to files under VIGIL_HOME/outbox.
    #[arg(long, env = "SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of every email, an address or `Name <address>` (default vigil@ the host of VIGIL_PUBLIC_URL).
    #[arg(long, env = "VIGIL_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// A PEM certificate (an in-house authority's) to trust for SMTP over TLS, besides the usual roots.
    #[arg(long, env = "SMTP_CA_FILE", global = true)]
    pub smtp_ca_file: Option<PathBuf>,
    /// The age identity file of this server (mode 0600).
    #[arg(long, env = "VIGIL_IDENTITY_FILE", global = true)]
    pub identity_file: Option<PathBuf>,
    /// The blind index's HMAC key file: 64 hex digits (mode 0600).
    #[arg(long, env = "VIGIL_INDEX_KEY_FILE", global = true)]
    pub index_key_file: Option<PathBuf>,
    /// The Ed25519 key file that signs audit checkpoints: 64 hex digits (mode 0600).
    #[arg(long, env = "VIGIL_SIGNING_KEY_FILE", global = true)]
    pub signing_key_file: Option<PathBuf>,
    /// The file signed checkpoints are appended to (default VIGIL_HOME/audit/checkpoints).
    #[arg(long, env = "VIGIL_CHECKPOINT_FILE", global = true)]
    pub checkpoint_file: Option<PathBuf>,
    /// The erasure ledger: the file signed erasures are appended to (default VIGIL_HOME/audit/erasures).
    #[arg(long, env = "VIGIL_ERASURE_LEDGER", global = true)]
    pub erasure_ledger: Option<PathBuf>,
    /// The smallest number of cases a report's figure may count (2 to 100).
    #[arg(long, env = "VIGIL_REPORT_MIN_COUNT", default_value = "5", global = true)]
    pub report_min_count: String,
    /// A `country,region` table for the reports (default: UN M49's regions, shipped).
    #[arg(long, env = "VIGIL_REGIONS_FILE", global = true)]
    pub regions_file: Option<PathBuf>,
    /// How often `serve` signs a checkpoint: seconds, or with s / m / h; 0 never.
    #[arg(long, env = "VIGIL_CHECKPOINT_INTERVAL", default_value = "10m", global = true)]
    pub checkpoint_interval: String,
    /// An auditor's email address: each signed checkpoint is also emailed there.
    #[arg(long, env = "VIGIL_AUDITOR_EMAIL", global = true)]
    pub auditor_email: Option<String>,
    /// The language of the emails to the auditor (en, fr, es or another of workflows/messages/).
    #[arg(long, env = "VIGIL_AUDITOR_LANGUAGE", global = true)]
    pub auditor_language: Option<String>,
    /// Comma-separated age recipients (age1…) that case keys are wrapped to.
    #[arg(long, env = "VIGIL_RECIPIENTS", global = true)]
    pub recipients: Option<String>,
    /// Directory of workflow definitions.
    #[arg(long, env = "VIGIL_WORKFLOWS_DIR", default_value = "./workflows", global = true)]
    pub workflows_dir: PathBuf,
    /// The URL people reach Vigil at, used in links in emails.
    #[arg(long, env = "VIGIL_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// The largest request body accepted: bytes, or with KiB / MiB.
    #[arg(long, env = "VIGIL_MAX_BODY", default_value = "1MiB", global = true)]
    pub max_body: String,
    /// The largest file attached to a case: bytes, or with KiB / MiB / GiB (at most 1GiB).
    #[arg(long, env = "VIGIL_MAX_ATTACHMENT", default_value = "50MiB", global = true)]
    pub max_attachment: String,
    /// What one case's attachments may take together, as stored (at most 1024GiB).
    #[arg(long, env = "VIGIL_ATTACHMENT_QUOTA", default_value = "1GiB", global = true)]
    pub attachment_quota: String,
    /// How long a request's body may take to arrive, e.g. `30s` (default); a stalled one is 408.
    #[arg(long, env = "VIGIL_BODY_TIMEOUT", default_value = "30s", global = true)]
    pub body_timeout: String,
    /// Failed authentications allowed per client address, and per token prefix, in 5 minutes
    /// before further ones are refused with 429 (1 to 100000).
    #[arg(long, env = "VIGIL_AUTH_FAILURES", default_value_t = 10, global = true,
        value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub auth_failures: u32,
    /// Comma-separated IP addresses of trusted reverse proxies (their `X-Forwarded-For` names
    /// the client; nobody else's does).
    #[arg(long, env = "VIGIL_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    /// A file holding the token that scrapes /metrics (at least 32 characters).
    #[arg(long, env = "VIGIL_METRICS_TOKEN_FILE", global = true)]
    pub metrics_token_file: Option<PathBuf>,
    /// Comma-separated addresses or networks (CIDR) that may scrape /metrics without a token.
    #[arg(long, env = "VIGIL_METRICS_FROM", global = true)]
    pub metrics_from: Option<String>,
    /// Unwrapped case keys kept for a minute each, to spare repeated unwrapping; 0 keeps none.
    #[arg(long, env = "VIGIL_CASE_KEY_CACHE", default_value = "1024", global = true)]
    pub case_key_cache: String,
    /// Log level or filter (tracing's EnvFilter syntax).
    #[arg(long = "log", env = "VIGIL_LOG", default_value = "info", global = true)]
    pub log: String,
    /// Log format.
    #[arg(long, env = "VIGIL_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the database comes from.
#[derive(Debug, Clone)]
pub enum DatabaseSource {
    /// A server named by `DATABASE_URL`.
    External(DatabaseUrl),
    /// Vigil's own cluster under `VIGIL_HOME`.
    Embedded,
}

/// A validated PostgreSQL URL. Its `Debug` and `Display` hide the password.
#[derive(Clone)]
pub struct DatabaseUrl(Url);

/// libpq's multi-host form, `postgres://user@h1:5432,h2:5433/db?…` (what `pg_autoctl show
/// uri` prints), which no URL parser reads, written with the hosts, ports, user and password
/// as libpq's parameters instead (`postgres:///db?…&host=h1,h2&port=5432,5433&user=user`),
/// which libpq reads the same. None: not that form.
fn hosts_as_parameters(raw: &str) -> Option<String> {
    let (scheme, rest) = raw.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hosts) = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => (Some(userinfo), hosts),
        None => (None, authority),
    };
    if !hosts.contains(',') {
        return None;
    }
    let (mut names, mut ports) = (Vec::new(), Vec::new());
    for host in hosts.split(',') {
        // An IPv6 address is bracketed; its port, if any, follows the bracket.
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) if !port.contains(']') => (name, port),
            _ => (host, "5432"),
        };
        names.push(name.trim_start_matches('[').trim_end_matches(']'));
        ports.push(port);
    }
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    // The userinfo's percent-encoding stands as it is in a query.
    let credentials = match userinfo.map(|u| u.split_once(':').unwrap_or((u, ""))) {
        None => String::new(),
        Some((user, "")) => format!("&user={user}"),
        Some((user, password)) => format!("&user={user}&password={password}"),
    };
    let query = query.map(|q| format!("{q}&")).unwrap_or_default();
    Some(format!(
        "{scheme}://{path}?{query}host={}&port={}{credentials}",
        names.join(","),
        ports.join(",")
    ))
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let bad = |why: &str| ConfigError::DatabaseUrl(why.to_owned());
        let rewritten = hosts_as_parameters(raw);
        let url = Url::parse(rewritten.as_deref().unwrap_or(raw)).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(bad(&format!("scheme is `{}`, not `postgres`", url.scheme())));
        }
        let has_socket_host = url.query_pairs().any(|(key, _)| key == "host");
        if url.host_str().is_none_or(str::is_empty) && !has_socket_host {
            return Err(bad("it names no host"));
        }
        if url.path().trim_start_matches('/').is_empty() {
            return Err(bad("it names no database"));
        }
        Ok(Self(url))
    }

    /// The full URL, password included: for the connection, never for a log line.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// The URL of another database on the same server.
    pub fn with_database(&self, name: &str) -> Self {
        let mut url = self.0.clone();
        url.set_path(&format!("/{name}"));
        Self(url)
    }

    /// The URL of the same database as another role.
    pub fn with_user(&self, user: &str) -> Self {
        let mut url = self.without_password().0;
        if url.username().is_empty() && self.parameter("user").is_some() {
            url = Self::with_parameter(&url, "user", Some(user));
        } else {
            let _ = url.set_username(user);
        }
        Self(url)
    }

    /// A query parameter's value (decoded).
    fn parameter(&self, name: &str) -> Option<String> {
        self.0
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// `url` with its parameter `name` set to `value` (None: removed), the others kept in order.
    fn with_parameter(url: &Url, name: &str, value: Option<&str>) -> Url {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(key, _)| key != name)
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        let mut url = url.clone();
        {
            let mut query = url.query_pairs_mut();
            query.clear();
            for (key, value) in &kept {
                query.append_pair(key, value);
            }
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        url
    }

    /// The same URL with no password, in the userinfo or as a parameter.
    fn without_password(&self) -> Self {
        let mut url = self.0.clone();
        if self.parameter("password").is_some() {
            url = Self::with_parameter(&url, "password", None);
        }
        // Removing a password only fails on URLs without a host, which have none there.
        let _ = url.set_password(None);
        Self(url)
    }

    pub fn database(&self) -> &str {
        self.0.path().trim_start_matches('/')
    }

    /// The URL without its password, and the password (decoded): for a libpq tool (`pg_dump`),
    /// which is given the password in `PGPASSWORD`, where other users' `ps` cannot see it.
    pub fn for_tool(&self) -> (String, Option<crate::domain::Sensitive<String>>) {
        let password = self
            .0
            .password()
            .map(|raw| {
                percent_encoding::percent_decode_str(raw)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .or_else(|| self.parameter("password"))
            .map(crate::domain::Sensitive::new);
        (self.without_password().0.to_string(), password)
    }

    /// The role it connects as (empty: libpq's default, the system user's name).
    pub fn user(&self) -> String {
        match self.0.username() {
            "" => self.parameter("user").unwrap_or_default(),
            user => user.to_owned(),
        }
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            // Setting a password only fails on URLs without a host, which have no password.
            let _ = shown.set_password(Some("***"));
        }
        if self.parameter("password").is_some() {
            shown = Self::with_parameter(&shown, "password", Some("***"));
        }
        f.write_str(shown.as_str())
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Where mail goes.
#[derive(Debug, Clone)]
pub enum MailTransport {
    Smtp(SmtpUrl),
    /// lettre's file transport, one `.eml` file per message.
    Files(PathBuf),
}

/// A validated SMTP URL. Its `Debug` hides the password.
#[derive(Clone)]
pub struct SmtpUrl(Url);

impl SmtpUrl {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let bad = |why: String| ConfigError::SmtpUrl(why);
        let url = Url::parse(raw).map_err(|e| bad(e.to_string()))?;
        if !matches!(url.scheme(), "smtp" | "smtps") {
            return Err(bad(format!("scheme is `{}`, not `smtp` or `smtps`", url.scheme())));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it names no host".to_owned()));
        }
        Ok(Self(url))
    }

    pub fn expose(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmtpUrl({}://{})", self.0.scheme(), self.0.host_str().unwrap_or(""))
    }
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub filter: String,
    pub format: LogFormat,
}

/// The validated configuration of this process.
#[derive(Debug, Clone)]
pub struct Config {
    pub home: PathBuf,
    pub listen: SocketAddr,
    pub database: DatabaseSource,
    /// Where migrations run, when not where `database` points.
    pub migrate_database_url: Option<DatabaseUrl>,
    pub db_pool_size: u32,
    /// How long a request waits for a database connection (`VIGIL_DB_WAIT`).
    pub db_wait: std::time::Duration,
    pub mail: MailTransport,
    /// The sender of every email (`VIGIL_MAIL_FROM`), checked to be a mailbox.
    pub mail_from: Option<String>,
    /// A PEM certificate to trust for SMTP over TLS.
    pub smtp_ca_file: Option<PathBuf>,
    pub identity_file: Option<PathBuf>,
    pub index_key_file: Option<PathBuf>,
    pub signing_key_file: Option<PathBuf>,
    pub checkpoint_file: PathBuf,
    /// The erasure ledger's file (see `audit::ledger`).
    pub erasure_ledger: PathBuf,
    /// Disclosure control's threshold k (`VIGIL_REPORT_MIN_COUNT`).
    pub report_min_count: u64,
    pub regions_file: Option<PathBuf>,
    /// None: `serve` signs checkpoints only after erasures.
    pub checkpoint_interval: Option<std::time::Duration>,
    /// Where each signed checkpoint is also emailed.
    pub auditor_email: Option<String>,
    /// In which language (None: English).
    pub auditor_language: Option<String>,
    pub recipients: Recipients,
    pub workflows_dir: PathBuf,
    pub public_url: Url,
    pub max_body: usize,
    /// What an attachment may take (`VIGIL_MAX_ATTACHMENT`, `VIGIL_ATTACHMENT_QUOTA`).
    pub attachments: crate::cases::attachments::Limits,
    /// How long a request's body may take to arrive (`VIGIL_BODY_TIMEOUT`).
    pub body_timeout: std::time::Duration,
    /// Failed authentications allowed per key in the limiter's window (`VIGIL_AUTH_FAILURES`).
    pub auth_failures: usize,
    /// The reverse proxies whose `X-Forwarded-For` is believed (`VIGIL_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How many unwrapped case keys to keep (for a minute each); 0 keeps none.
    pub case_key_cache: usize,
    /// The file of the token that scrapes `/metrics` (`VIGIL_METRICS_TOKEN_FILE`).
    pub metrics_token_file: Option<PathBuf>,
    /// The networks that scrape `/metrics` without a token (`VIGIL_METRICS_FROM`).
    pub metrics_from: Vec<ipnet::IpNet>,
    pub log: LogConfig,
}

/// A bad configuration value: each says what is wrong and how to fix it, on one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("VIGIL_LISTEN `{0}` is not an address and port such as 127.0.0.1:8080")]
    Listen(String),
    #[error("DATABASE_URL is not a PostgreSQL URL ({0}); write it as postgres://user:password@host:5432/database")]
    DatabaseUrl(String),
    #[error(
        "DATABASE_URL is required when VIGIL_EMBEDDED_DB is false (as in the container image); set it to postgres://user:password@host:5432/database"
    )]
    DatabaseUrlRequired,
    #[error("VIGIL_EMBEDDED_DB `{0}` is neither true nor false")]
    EmbeddedDb(String),
    /// The value is not repeated: it may be anything an operator pasted.
    #[error("VIGIL_MAIL_FROM is not an email address; write it as vigil@example.org or Vigil <vigil@example.org>")]
    MailFrom,
    #[error("VIGIL_REPORT_MIN_COUNT `{0}` is not a whole number from 2 to 100")]
    ReportMinCount(String),
    #[error("VIGIL_DB_POOL_SIZE `{0}` is not a number from 1 to 1000")]
    PoolSize(String),
    #[error("SMTP_URL is not an SMTP URL ({0}); write it as smtp://user:password@host:587 or smtps://host:465")]
    SmtpUrl(String),
    #[error("SMTP_CA_FILE {path}: {reason}")]
    SmtpCaFile { path: PathBuf, reason: String },
    #[error("VIGIL_IDENTITY_FILE {path}: {reason}")]
    IdentityFile { path: PathBuf, reason: String },
    #[error("VIGIL_INDEX_KEY_FILE {path}: {reason}")]
    IndexKeyFile { path: PathBuf, reason: String },
    #[error("VIGIL_SIGNING_KEY_FILE {path}: {reason}")]
    SigningKeyFile { path: PathBuf, reason: String },
    #[error("VIGIL_DB_WAIT `{0}` is not a duration such as 1s or 5s (from 1 s to a minute)")]
    DbWait(String),
    #[error("VIGIL_BODY_TIMEOUT `{0}` is not a duration such as 30s or 2m (from 1 s to an hour)")]
    BodyTimeout(String),
    #[error("VIGIL_CHECKPOINT_INTERVAL `{0}` is not a duration such as 10m, 30s or 1h (at most a day)")]
    CheckpointInterval(String),
    #[error("VIGIL_AUDITOR_EMAIL is not an email address")]
    AuditorEmail,
    #[error("VIGIL_AUDITOR_LANGUAGE is not a language code such as en or fr")]
    AuditorLanguage,
    #[error("VIGIL_RECIPIENTS: {0}")]
    Recipients(String),
    #[error("VIGIL_PUBLIC_URL `{0}` is not an http:// or https:// URL")]
    PublicUrl(String),
    #[error("VIGIL_TRUSTED_PROXIES: `{0}` is not an IP address such as 10.0.0.5 or ::1")]
    TrustedProxy(String),
    #[error("VIGIL_METRICS_FROM: `{0}` is not an IP address or network such as 10.0.0.5 or 10.0.0.0/8")]
    MetricsFrom(String),
    #[error("VIGIL_MAX_BODY `{0}` is not a size from 1KiB to 64MiB, such as 1MiB, 512KiB or 2000000")]
    MaxBody(String),
    #[error("VIGIL_MAX_ATTACHMENT `{0}` is not a size from 1KiB to 1GiB, such as 50MiB")]
    MaxAttachment(String),
    #[error(
        "VIGIL_ATTACHMENT_QUOTA `{0}` is not a size from 1KiB to 1024GiB, such as 1GiB, at least VIGIL_MAX_ATTACHMENT"
    )]
    AttachmentQuota(String),
    #[error("VIGIL_CASE_KEY_CACHE `{0}` is not a number of keys from 0 to 100000")]
    CaseKeyCache(String),
    #[error("VIGIL_LOG `{0}` is not a log level or filter such as `info` or `vigil=debug,warn`")]
    Log(String),
    #[error("VIGIL_HOME {path}: {reason}")]
    Home { path: PathBuf, reason: String },
}

impl Config {
    /// Validates every value; nothing is created on disk.
    pub fn from_args(args: ConfigArgs) -> Result<Self, ConfigError> {
        let listen: SocketAddr = args
            .listen
            .parse()
            .map_err(|_| ConfigError::Listen(args.listen.clone()))?;
        let embedded_allowed =
            parse_bool(&args.embedded_db).ok_or_else(|| ConfigError::EmbeddedDb(args.embedded_db.clone()))?;
        let database = match args.database_url.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => DatabaseSource::External(DatabaseUrl::parse(raw)?),
            _ if embedded_allowed => DatabaseSource::Embedded,
            _ => return Err(ConfigError::DatabaseUrlRequired),
        };
        let migrate_database_url = match args.migrate_database_url.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => Some(DatabaseUrl::parse(raw)?),
            _ => None,
        };
        let auditor_language = match args.auditor_language.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => {
                if !crate::cases::preferences::is_language_code(code) {
                    return Err(ConfigError::AuditorLanguage);
                }
                Some(code.to_owned())
            }
            _ => None,
        };
        let db_pool_size = args
            .db_pool_size
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ConfigError::PoolSize(args.db_pool_size.clone()))?;
        let home = absolute(&args.home);
        check_home(&home)?;
        let mail = match args.smtp_url.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => MailTransport::Smtp(SmtpUrl::parse(raw)?),
            _ => MailTransport::Files(home.join("outbox")),
        };
        if let Some(path) = &args.smtp_ca_file {
            let reason = if !matches!(mail, MailTransport::Smtp(_)) {
                Some("is set but SMTP_URL is not".to_owned())
            } else {
                std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot be read ({e})"))
                    .and_then(|pem| {
                        pem.contains("-----BEGIN CERTIFICATE-----")
                            .then_some(())
                            .ok_or_else(|| "holds no PEM certificate".to_owned())
                    })
                    .err()
            };
            if let Some(reason) = reason {
                return Err(ConfigError::SmtpCaFile {
                    path: path.clone(),
                    reason,
                });
            }
        }
        if let Some(path) = &args.identity_file {
            check_private_file(path, |reason| ConfigError::IdentityFile {
                path: path.clone(),
                reason,
            })?;
            crypto::check_identity_file(path).map_err(|e| ConfigError::IdentityFile {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        }
        if let Some(path) = &args.index_key_file {
            check_private_file(path, |reason| ConfigError::IndexKeyFile {
                path: path.clone(),
                reason,
            })?;
            crypto::read_index_key(path).map_err(|e| ConfigError::IndexKeyFile {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        }
        if let Some(path) = &args.signing_key_file {
            check_private_file(path, |reason| ConfigError::SigningKeyFile {
                path: path.clone(),
                reason,
            })?;
            crypto::signing::read_signing_key(path).map_err(|e| ConfigError::SigningKeyFile {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        }
        let db_wait = parse_interval(&args.db_wait)
            .flatten()
            .filter(|wait| wait.as_secs() <= 60)
            .ok_or_else(|| ConfigError::DbWait(args.db_wait.clone()))?;
        let body_timeout = parse_interval(&args.body_timeout)
            .flatten()
            .filter(|wait| wait.as_secs() <= 3600)
            .ok_or_else(|| ConfigError::BodyTimeout(args.body_timeout.clone()))?;
        let checkpoint_interval = parse_interval(&args.checkpoint_interval)
            .ok_or_else(|| ConfigError::CheckpointInterval(args.checkpoint_interval.clone()))?;
        let auditor_email = match args.auditor_email.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => {
                let plausible = raw
                    .split_once('@')
                    .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
                    && !raw.contains(char::is_whitespace);
                if !plausible {
                    return Err(ConfigError::AuditorEmail);
                }
                Some(raw.to_owned())
            }
            _ => None,
        };
        let recipients = match args.recipients.as_deref() {
            Some(raw) => Recipients::parse(raw).map_err(|e| ConfigError::Recipients(e.to_string()))?,
            None => Recipients::default(),
        };
        let public_url = match args.public_url.as_deref() {
            Some(raw) => Url::parse(raw)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https"))
                .ok_or_else(|| ConfigError::PublicUrl(raw.to_owned()))?,
            None => Url::parse(&format!("http://{listen}/")).map_err(|_| ConfigError::PublicUrl(listen.to_string()))?,
        };
        let max_body = parse_size(&args.max_body)
            .filter(|size| (1024..=64 * 1024 * 1024).contains(size))
            .ok_or_else(|| ConfigError::MaxBody(args.max_body.clone()))?;
        const GIB: usize = 1024 * 1024 * 1024;
        let max_attachment = parse_size(&args.max_attachment)
            .filter(|size| (1024..=GIB).contains(size))
            .ok_or_else(|| ConfigError::MaxAttachment(args.max_attachment.clone()))?;
        let attachment_quota = parse_size(&args.attachment_quota)
            .filter(|size| (1024..=1024 * GIB).contains(size) && *size >= max_attachment)
            .ok_or_else(|| ConfigError::AttachmentQuota(args.attachment_quota.clone()))?;
        let attachments = crate::cases::attachments::Limits {
            max_bytes: max_attachment as u64,
            quota_bytes: attachment_quota as u64,
        };
        let trusted_proxies = list(args.trusted_proxies.as_deref())
            .map(|item| {
                item.parse::<std::net::IpAddr>()
                    .map_err(|_| ConfigError::TrustedProxy(item.to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let metrics_from = list(args.metrics_from.as_deref())
            .map(|item| {
                item.parse::<ipnet::IpNet>()
                    .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| ConfigError::MetricsFrom(item.to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let case_key_cache = args
            .case_key_cache
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= 100_000)
            .ok_or_else(|| ConfigError::CaseKeyCache(args.case_key_cache.clone()))?;
        tracing_subscriber::EnvFilter::try_new(&args.log).map_err(|_| ConfigError::Log(args.log.clone()))?;
        let checkpoint_file = args
            .checkpoint_file
            .map_or_else(|| home.join("audit").join("checkpoints"), |path| absolute(&path));
        let mail_from = match args.mail_from.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => Some(crate::mail::check_sender(raw).map_err(|()| ConfigError::MailFrom)?),
            _ => None,
        };
        let report_min_count = args
            .report_min_count
            .parse::<u64>()
            .ok()
            .filter(|k| (2..=100).contains(k))
            .ok_or_else(|| ConfigError::ReportMinCount(args.report_min_count.clone()))?;
        let erasure_ledger = args
            .erasure_ledger
            .map_or_else(|| home.join("audit").join("erasures"), |path| absolute(&path));
        Ok(Self {
            home,
            listen,
            database,
            migrate_database_url,
            db_pool_size,
            db_wait,
            mail,
            mail_from,
            smtp_ca_file: args.smtp_ca_file.clone(),
            identity_file: args.identity_file.map(|path| absolute(&path)),
            index_key_file: args.index_key_file.map(|path| absolute(&path)),
            signing_key_file: args.signing_key_file.map(|path| absolute(&path)),
            checkpoint_file,
            erasure_ledger,
            report_min_count,
            regions_file: args.regions_file.map(|path| absolute(&path)),
            checkpoint_interval,
            auditor_email,
            auditor_language,
            recipients,
            workflows_dir: absolute(&args.workflows_dir),
            public_url,
            max_body,
            attachments,
            body_timeout,
            auth_failures: args.auth_failures as usize,
            trusted_proxies,
            case_key_cache,
            metrics_token_file: args.metrics_token_file.map(|path| absolute(&path)),
            metrics_from,
            log: LogConfig {
                filter: args.log,
                format: args.log_format,
            },
        })
    }
}

/// The items of a comma-separated setting, trimmed, empty ones left out.
fn list(raw: Option<&str>) -> impl Iterator<Item = &str> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// `2000000`, `512KiB`, `1MiB` (also `KB`/`MB`, read as binary units).
fn parse_size(raw: &str) -> Option<usize> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let number: usize = number.parse().ok()?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// `600`, `30s`, `10m`, `1h`, up to a day; `0` is None (never).
fn parse_interval(raw: &str) -> Option<Option<std::time::Duration>> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        _ => return None,
    };
    let seconds = number.checked_mul(factor).filter(|s| *s <= 86_400)?;
    Some((seconds > 0).then(|| std::time::Duration::from_secs(seconds)))
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// `VIGIL_HOME` must be a readable, writable directory, or not exist yet under a parent
/// that can hold it. Nothing is created here.
fn check_home(home: &Path) -> Result<(), ConfigError> {
    let err = |reason: String| ConfigError::Home {
        path: home.to_owned(),
        reason,
    };
    match std::fs::metadata(home) {
        Ok(meta) if !meta.is_dir() => Err(err("is not a directory; point VIGIL_HOME at a directory".into())),
        Ok(_) => {
            std::fs::read_dir(home).map_err(|e| {
                err(format!(
                    "cannot be read ({e}); fix its permissions or choose another VIGIL_HOME"
                ))
            })?;
            check_writable(home).map_err(|e| {
                err(format!(
                    "is not writable ({e}); fix its permissions or choose another VIGIL_HOME"
                ))
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let existing = home.ancestors().skip(1).find(|p| p.exists());
            match existing {
                Some(parent) if parent.is_dir() => check_writable(parent).map_err(|e| {
                    err(format!(
                        "does not exist and {} is not writable ({e}); create it or choose another VIGIL_HOME",
                        parent.display()
                    ))
                }),
                _ => Err(err("does not exist and has no directory to be created in".into())),
            }
        }
        Err(e) => Err(err(format!(
            "cannot be read ({e}); fix its permissions or choose another VIGIL_HOME"
        ))),
    }
}

/// Write access, tested the only reliable way: by creating (and removing) a file.
fn check_writable(dir: &Path) -> std::io::Result<()> {
    let probe = tempfile_in(dir)?;
    std::fs::remove_file(&probe)
}

fn tempfile_in(dir: &Path) -> std::io::Result<PathBuf> {
    let path = dir.join(format!(
        ".vigil-probe-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
    Ok(path)
}

/// A key file must exist and be closed to everyone but its owner.
fn check_private_file(path: &Path, err: impl Fn(String) -> ConfigError) -> Result<(), ConfigError> {
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot be read ({e})")))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(err(format!(
            "is readable by others (mode {:o}); run chmod 600 on it",
            meta.permissions().mode() & 0o777
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct TestCli {
        #[command(flatten)]
        config: ConfigArgs,
    }

    fn args(extra: &[&str]) -> ConfigArgs {
        let home = std::env::temp_dir();
        let mut argv = vec!["vigil".to_owned(), "--home".to_owned(), home.display().to_string()];
        argv.extend(extra.iter().map(|s| (*s).to_owned()));
        TestCli::try_parse_from(argv).unwrap().config
    }

    fn error(extra: &[&str]) -> String {
        Config::from_args(args(extra)).unwrap_err().to_string()
    }

    #[test]
    fn the_mail_sender_is_a_mailbox_and_is_never_repeated_when_it_is_not() {
        let config = Config::from_args(args(&["--mail-from", "Vigil <vigil@eeas.example>"])).unwrap();
        assert_eq!(config.mail_from.as_deref(), Some("Vigil <vigil@eeas.example>"));
        let bad = error(&["--mail-from", "not an address\r\nBcc: x@y"]);
        assert!(bad.contains("VIGIL_MAIL_FROM is not an email address"), "{bad}");
        assert!(!bad.contains("Bcc"), "{bad}");
    }

    #[test]
    fn an_smtp_ca_file_needs_smtp_and_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.txt");
        std::fs::write(&not_pem, "hello").unwrap();
        let ca = not_pem.to_str().unwrap();
        assert!(error(&["--smtp-ca-file", ca]).contains("SMTP_URL is not"));
        let with_smtp = error(&["--smtp-url", "smtp://relay?tls=required", "--smtp-ca-file", ca]);
        assert!(
            with_smtp.contains("SMTP_CA_FILE") && with_smtp.contains("no PEM certificate"),
            "{with_smtp}"
        );
    }

    #[test]
    fn defaults_are_embedded_database_and_mail_to_files() {
        let mut a = args(&[]);
        a.database_url = None;
        a.smtp_url = None;
        let config = Config::from_args(a).unwrap();
        assert!(matches!(config.database, DatabaseSource::Embedded));
        assert!(matches!(config.mail, MailTransport::Files(ref p) if p.ends_with("outbox")));
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn malformed_database_url_is_refused_with_the_expected_form() {
        let message = error(&["--database-url", "mysql://x@y/z"]);
        assert!(
            message.contains("DATABASE_URL") && message.contains("postgres://"),
            "{message}"
        );
        assert!(error(&["--database-url", "not a url"]).contains("DATABASE_URL"));
        assert!(error(&["--database-url", "postgres://host"]).contains("no database"));
    }

    #[test]
    fn multi_host_urls_are_read_as_libpq_reads_them() {
        let url = DatabaseUrl::parse(
            "postgres://vigil:s3cret@db1:5432,db2:5433/vigil?target_session_attrs=read-write&sslmode=prefer",
        )
        .unwrap();
        assert_eq!(url.database(), "vigil");
        assert_eq!(url.user(), "vigil");
        assert_eq!(
            url.expose(),
            "postgres:///vigil?target_session_attrs=read-write&sslmode=prefer&host=db1,db2&port=5432,5433&user=vigil&password=s3cret"
        );
        assert!(!url.to_string().contains("s3cret") && !format!("{url:?}").contains("s3cret"));
        let (tool, password) = url.for_tool();
        assert!(!tool.contains("s3cret") && tool.contains("host=db1%2Cdb2"), "{tool}");
        assert_eq!(password.unwrap().expose(), "s3cret");
        assert!(url.with_user("other").expose().ends_with("&user=other"));
        let url = DatabaseUrl::parse("postgresql://[::1]:5432,localhost/vigil").unwrap();
        assert_eq!(url.expose(), "postgresql:///vigil?host=::1,localhost&port=5432,5432");
        assert!(DatabaseUrl::parse("postgres://a,b").is_err(), "no database");
    }

    #[test]
    fn socket_urls_are_accepted() {
        let url = DatabaseUrl::parse("postgres:///vigil?host=%2Ftmp%2Fx&user=vigil").unwrap();
        assert_eq!(url.database(), "vigil");
    }

    #[test]
    fn database_url_password_is_never_displayed() {
        let url = DatabaseUrl::parse("postgres://vigil:s3cret@db:5432/vigil").unwrap();
        assert!(!url.to_string().contains("s3cret"));
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(url.expose().contains("s3cret"));
        let (tool, password) = url.for_tool();
        assert_eq!(tool, "postgres://vigil@db:5432/vigil");
        assert_eq!(password.unwrap().expose(), "s3cret");
    }

    #[test]
    fn embedded_off_without_database_url_is_refused() {
        let mut a = args(&["--embedded-db", "false"]);
        a.database_url = None;
        let message = Config::from_args(a).unwrap_err().to_string();
        assert!(message.contains("DATABASE_URL is required"), "{message}");
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert!(error(&["--listen", "localhost"]).contains("VIGIL_LISTEN"));
        assert!(error(&["--db-pool-size", "0"]).contains("VIGIL_DB_POOL_SIZE"));
        assert!(error(&["--smtp-url", "http://mail"]).contains("SMTP_URL"));
        assert!(error(&["--case-key-cache", "lots"]).contains("VIGIL_CASE_KEY_CACHE"));
        assert!(error(&["--public-url", "ftp://x"]).contains("VIGIL_PUBLIC_URL"));
        assert!(error(&["--log", "vigil=[[["]).contains("VIGIL_LOG"));
        assert!(error(&["--recipients", "age1nope"]).contains("VIGIL_RECIPIENTS"));
        assert!(error(&["--embedded-db", "maybe"]).contains("VIGIL_EMBEDDED_DB"));
        assert!(error(&["--max-body", "lots"]).contains("VIGIL_MAX_BODY"));
        assert!(error(&["--max-body", "10"]).contains("VIGIL_MAX_BODY"));
        assert!(error(&["--checkpoint-interval", "often"]).contains("VIGIL_CHECKPOINT_INTERVAL"));
        assert!(error(&["--db-wait", "0"]).contains("VIGIL_DB_WAIT"));
        assert!(error(&["--db-wait", "2h"]).contains("VIGIL_DB_WAIT"));
        assert!(error(&["--auditor-language", "French"]).contains("VIGIL_AUDITOR_LANGUAGE"));
    }

    #[test]
    fn checkpoint_intervals_read_in_seconds_minutes_and_hours_and_zero_is_never() {
        use std::time::Duration;
        assert_eq!(parse_interval("10m"), Some(Some(Duration::from_secs(600))));
        assert_eq!(parse_interval("30s"), Some(Some(Duration::from_secs(30))));
        assert_eq!(parse_interval("45"), Some(Some(Duration::from_secs(45))));
        assert_eq!(parse_interval("1h"), Some(Some(Duration::from_secs(3600))));
        assert_eq!(parse_interval("0"), Some(None));
        assert_eq!(parse_interval("2d"), None);
        assert_eq!(parse_interval("25h"), None);
        assert_eq!(parse_interval(""), None);
    }

    #[test]
    fn sizes_read_in_bytes_kib_mib_and_gib() {
        assert_eq!(parse_size("1MiB"), Some(1024 * 1024));
        assert_eq!(parse_size("512KiB"), Some(512 * 1024));
        assert_eq!(parse_size("2000000"), Some(2_000_000));
        assert_eq!(parse_size("1GiB"), Some(1024 * 1024 * 1024));
        assert_eq!(parse_size("1TiB"), None);
    }

    #[test]
    fn attachment_limits_are_read_and_a_quota_below_the_largest_file_is_refused() {
        let mut a = args(&[]);
        a.max_attachment = "10MiB".into();
        a.attachment_quota = "100MiB".into();
        let config = Config::from_args(a).unwrap();
        assert_eq!(config.attachments.max_bytes, 10 * 1024 * 1024);
        assert_eq!(config.attachments.quota_bytes, 100 * 1024 * 1024);
        let mut a = args(&[]);
        a.max_attachment = "10MiB".into();
        a.attachment_quota = "1MiB".into();
        assert!(matches!(Config::from_args(a), Err(ConfigError::AttachmentQuota(_))));
        let mut a = args(&[]);
        a.max_attachment = "2GiB".into();
        assert!(matches!(Config::from_args(a), Err(ConfigError::MaxAttachment(_))));
    }

    #[test]
    fn home_that_is_a_file_is_refused() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut a = args(&[]);
        a.home = file.path().to_owned();
        assert!(
            Config::from_args(a)
                .unwrap_err()
                .to_string()
                .contains("not a directory")
        );
    }

    #[test]
    fn identity_file_readable_by_others_is_refused() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        let message = error(&["--identity-file", &file.path().display().to_string()]);
        assert!(message.contains("chmod 600"), "{message}");
    }
}
