//! What `GET /metrics` reports, in Prometheus's text format, through the `metrics` facade and
//! metrics-exporter-prometheus's renderer:
//!
//! - what this process did since it started (its global recorder): HTTP requests by method,
//!   route pattern and status, with their latency; checkouts from the database pool, with how
//!   long each waited, and the waits that timed out; reminders, digests and timers;
//! - what holds at the scrape, measured then into a recorder of that scrape alone (so two
//!   scrapes never mix their figures, and nothing stale stays): the pool's connections, the
//!   process's memory, CPU, threads and open files (metrics-process), and the scheduled queues
//!   read from the database.
//!
//! Counts, durations and route patterns only: no reference, no id, no path, nothing about a case.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::store::PoolState;
pub use crate::store::scheduled::{Gauges, Queue};

/// The histogram of request durations, by method, route pattern and status.
const HTTP_DURATION: &str = "vigil_http_request_duration_seconds";
/// The histogram of how long checkouts from the database pool waited.
const POOL_WAIT: &str = "vigil_db_pool_wait_seconds";
const POOL_TIMEOUTS: &str = "vigil_db_pool_timeouts_total";
const BUILD_INFO: &str = "vigil_build_info";

/// Request durations, from a fast read to the slowest an export or a stalled body takes.
const HTTP_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];
/// Pool waits, up to `VIGIL_DB_WAIT`'s usual few seconds.
const POOL_BUCKETS: [f64; 9] = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0];
/// How often histogram samples are folded into their buckets between scrapes.
const UPKEEP: Duration = Duration::from_secs(5);

/// What this process counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    RemindersSent,
    RemindersFailed,
    RemindersDead,
    RemindersSkipped,
    DigestsSent,
    TimersFired,
    TimersDropped,
}

impl Counter {
    pub const ALL: [Counter; 7] = [
        Self::RemindersSent,
        Self::RemindersFailed,
        Self::RemindersDead,
        Self::RemindersSkipped,
        Self::DigestsSent,
        Self::TimersFired,
        Self::TimersDropped,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::RemindersSent => "vigil_reminders_sent_total",
            Self::RemindersFailed => "vigil_reminders_failed_total",
            Self::RemindersDead => "vigil_reminders_dead_total",
            Self::RemindersSkipped => "vigil_reminders_skipped_total",
            Self::DigestsSent => "vigil_digests_sent_total",
            Self::TimersFired => "vigil_timers_fired_total",
            Self::TimersDropped => "vigil_timers_dropped_total",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Self::RemindersSent => "Reminders sent (or put in a digest) by this process.",
            Self::RemindersFailed => "Reminder attempts that failed and will be tried again or given up.",
            Self::RemindersDead => "Reminders given up after their last attempt by this process.",
            Self::RemindersSkipped => "Reminders dropped because their procedure moved on or their case was erased.",
            Self::DigestsSent => "Daily digest emails sent by this process.",
            Self::TimersFired => "Timers fired by this process.",
            Self::TimersDropped => "Timers dropped (procedure moved on, or the engine refused).",
        }
    }
}

/// The process's recorder and what reads the process's own figures.
pub struct Exporter {
    handle: PrometheusHandle,
    process: metrics_process::Collector,
}

static EXPORTER: OnceLock<Option<Exporter>> = OnceLock::new();

/// The process's exporter, installed as the global recorder the first time it is asked for
/// (the application asks when it is built, before it serves anything). None when another
/// recorder was installed first, which Vigil never does: then nothing is counted.
pub fn exporter() -> Option<&'static Exporter> {
    EXPORTER.get_or_init(install).as_ref()
}

fn install() -> Option<Exporter> {
    let installed = with_buckets(PrometheusBuilder::new()).and_then(|builder| builder.install_recorder());
    let handle = match installed {
        Ok(handle) => handle,
        Err(e) => {
            tracing::warn!(error = %e, "metrics are not recorded");
            return None;
        }
    };
    for counter in Counter::ALL {
        metrics::describe_counter!(counter.name(), counter.help());
        metrics::counter!(counter.name()).absolute(0);
    }
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "HTTP requests by method, route pattern and status, and how long each took to answer."
    );
    metrics::describe_histogram!(
        POOL_WAIT,
        metrics::Unit::Seconds,
        "Checkouts from the database pool, and how long each waited for a connection."
    );
    metrics::describe_counter!(
        POOL_TIMEOUTS,
        "Checkouts that found no working connection within VIGIL_DB_WAIT (answered 503)."
    );
    metrics::counter!(POOL_TIMEOUTS).absolute(0);
    metrics::describe_gauge!(BUILD_INFO, "The version of Vigil this process runs (always 1).");
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    // Histogram samples wait in the recorder until folded into buckets: fold them often, so
    // memory stays bounded however rarely the metrics are scraped.
    let upkeep = handle.clone();
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP);
                upkeep.run_upkeep();
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "histograms are folded only when scraped");
    }
    Some(Exporter {
        handle,
        process: metrics_process::Collector::default(),
    })
}

fn with_buckets(builder: PrometheusBuilder) -> Result<PrometheusBuilder, metrics_exporter_prometheus::BuildError> {
    builder
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &HTTP_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(POOL_WAIT.into()), &POOL_BUCKETS)
}

/// Adds `n` to a counter.
pub fn count(counter: Counter, n: usize) {
    metrics::counter!(counter.name()).increment(n as u64);
}

/// Records one answered request. `route` is the pattern the request matched (`None`: no
/// route), never its path, which holds ids.
pub fn observe_request(method: &str, route: Option<String>, status: u16, took: Duration) {
    // Any token is a method: only the ones Vigil knows are labels, so a client cannot make more.
    let method = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or("other");
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route, "status" => status.to_string())
        .record(took.as_secs_f64());
}

/// What the database pool tells the metrics of its checkouts.
pub const POOL_WATCH: crate::store::PoolWatch = crate::store::PoolWatch {
    checked_out: |waited| metrics::histogram!(POOL_WAIT).record(waited.as_secs_f64()),
    timed_out: || metrics::counter!(POOL_TIMEOUTS).increment(1),
};

impl Exporter {
    /// The text exposition: the process's counters and histograms, then what holds now.
    /// `gauges`: the scheduled queues, or None when the database could not be read.
    pub fn render(&self, pool: PoolState, gauges: Option<&Gauges>) -> String {
        let mut out = self.handle.render();
        out.push_str(&self.render_now(pool, gauges));
        out
    }

    /// The figures of this moment, measured into a recorder of their own.
    fn render_now(&self, pool: PoolState, gauges: Option<&Gauges>) -> String {
        let recorder = PrometheusBuilder::new().build_recorder();
        metrics::with_local_recorder(&recorder, || {
            self.process.describe();
            self.process.collect();
            record_now(pool, gauges);
        });
        recorder.handle().render()
    }
}

/// Reads one figure of a queue.
type QueueValue = fn(&Queue) -> f64;

fn record_now(pool: PoolState, gauges: Option<&Gauges>) {
    use metrics::{describe_gauge, gauge};
    describe_gauge!(
        "vigil_database_up",
        "1 when this scrape read the scheduled queues from the database, 0 when it could not."
    );
    gauge!("vigil_database_up").set(if gauges.is_some() { 1.0 } else { 0.0 });
    describe_gauge!(
        "vigil_db_pool_connections",
        "Connections of the database pool, by state."
    );
    gauge!("vigil_db_pool_connections", "state" => "idle").set(pool.idle);
    gauge!("vigil_db_pool_connections", "state" => "in_use").set(pool.open.saturating_sub(pool.idle));
    describe_gauge!(
        "vigil_db_pool_max_connections",
        "The most connections the pool opens (VIGIL_DB_POOL_SIZE)."
    );
    gauge!("vigil_db_pool_max_connections").set(pool.max);
    let queue_figures: [(&str, &str, QueueValue); 4] = [
        ("vigil_scheduled_pending", "Scheduled items not yet carried out.", |q| {
            q.pending as f64
        }),
        (
            "vigil_scheduled_due",
            "Pending scheduled items already due (the backlog).",
            |q| q.due as f64,
        ),
        (
            "vigil_scheduled_dead",
            "Scheduled items given up; retry with `vigil reminders retry`.",
            |q| q.dead as f64,
        ),
        (
            "vigil_scheduled_oldest_due_seconds",
            "How long the oldest due item has waited.",
            |q| q.oldest_due_seconds,
        ),
    ];
    let Some(gauges) = gauges else {
        return;
    };
    for (name, help, value) in queue_figures {
        describe_gauge!(name, help);
        for queue in &gauges.queues {
            gauge!(name, "kind" => queue.kind.clone()).set(value(queue));
        }
    }
    describe_gauge!(
        "vigil_digest_entries_waiting",
        "Reminders waiting for their recipient's daily digest."
    );
    gauge!("vigil_digest_entries_waiting").set(gauges.digest_entries_waiting as f64);
}

/// Who may scrape without an administrator's token: whoever presents the metrics token
/// (`VIGIL_METRICS_TOKEN_FILE`), and any client from the configured networks
/// (`VIGIL_METRICS_FROM`).
#[derive(Debug, Clone, Default)]
pub struct ScrapeAccess {
    /// The SHA-256 of the metrics token: the token itself is not kept.
    token_hash: Option<[u8; 32]>,
    networks: Vec<ipnet::IpNet>,
}

/// The shortest metrics token accepted: 32 characters (`openssl rand -hex 32` makes 64).
pub const MIN_TOKEN_LEN: usize = 32;

impl ScrapeAccess {
    pub fn new(token: Option<&crate::domain::Sensitive<String>>, networks: Vec<ipnet::IpNet>) -> Self {
        Self {
            token_hash: token.map(|token| crate::crypto::token::hash(token.expose())),
            networks,
        }
    }

    /// Whether a request that presents `bearer` from `client` may scrape.
    pub fn allows(&self, bearer: Option<&str>, client: Option<IpAddr>) -> bool {
        let by_token = match (bearer, &self.token_hash) {
            (Some(presented), Some(hash)) => crate::crypto::token::matches(presented, hash),
            _ => false,
        };
        by_token || client.is_some_and(|ip| self.networks.iter().any(|net| net.contains(&ip)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gauges() -> Gauges {
        Gauges {
            queues: vec![Queue {
                kind: "reminder".into(),
                pending: 5,
                due: 2,
                dead: 1,
                oldest_due_seconds: 90.0,
            }],
            digest_entries_waiting: 4,
        }
    }

    #[test]
    fn the_exposition_has_every_family_with_help_and_type() {
        let exporter = exporter().expect("the recorder installs");
        count(Counter::RemindersSent, 3);
        observe_request("GET", Some("/api/v1/cases/{id}".into()), 200, Duration::from_millis(3));
        let pool = PoolState {
            open: 3,
            idle: 1,
            max: 10,
        };
        let text = exporter.render(pool, Some(&gauges()));
        assert!(text.contains("# TYPE vigil_reminders_sent_total counter\n"), "{text}");
        assert!(text.contains("vigil_scheduled_dead{kind=\"reminder\"} 1\n"), "{text}");
        assert!(
            text.contains("vigil_scheduled_oldest_due_seconds{kind=\"reminder\"} 90\n"),
            "{text}"
        );
        assert!(text.contains("vigil_digest_entries_waiting 4\n"), "{text}");
        assert!(
            text.contains("vigil_db_pool_connections{state=\"in_use\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("vigil_db_pool_max_connections 10\n"), "{text}");
        assert!(
            text.contains("# TYPE vigil_http_request_duration_seconds histogram\n"),
            "{text}"
        );
        assert!(
            text.contains("vigil_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/cases/{id}\",status=\"200\",le=\"0.005\"}"),
            "{text}"
        );
        assert!(text.contains("process_resident_memory_bytes "), "{text}");
        assert!(text.contains("vigil_build_info{version=\""), "{text}");
        // Every sample line belongs to a family announced, with its help, before it.
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let name = line.split(['{', ' ']).next().unwrap();
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| {
                    name.strip_suffix(suffix)
                        .filter(|base| text.contains(&format!("# TYPE {base} histogram")))
                })
                .unwrap_or(name);
            assert!(text.contains(&format!("# TYPE {family} ")), "{line}");
            assert!(text.contains(&format!("# HELP {family} ")), "{line}");
        }
    }

    #[test]
    fn a_scrape_shows_only_the_queues_of_its_own_moment() {
        let exporter = exporter().expect("the recorder installs");
        let pool = PoolState {
            open: 0,
            idle: 0,
            max: 1,
        };
        exporter.render(pool, Some(&gauges()));
        let later = exporter.render(pool, None);
        assert!(!later.contains("vigil_scheduled_dead{"), "{later}");
        assert!(later.contains("vigil_database_up 0\n"), "{later}");
    }

    #[test]
    fn methods_outside_the_known_ones_share_one_label() {
        let exporter = exporter().expect("the recorder installs");
        observe_request("BREW", None, 404, Duration::from_millis(1));
        let text = exporter.render(
            PoolState {
                open: 0,
                idle: 0,
                max: 1,
            },
            None,
        );
        assert!(!text.contains("BREW"), "{text}");
        assert!(
            text.contains("method=\"other\",route=\"unmatched\",status=\"404\""),
            "{text}"
        );
    }

    #[test]
    fn scraping_takes_the_metrics_token_or_a_configured_network() {
        let token = crate::domain::Sensitive::new("0123456789abcdef0123456789abcdef".to_owned());
        let access = ScrapeAccess::new(Some(&token), vec!["10.1.0.0/16".parse().unwrap()]);
        let outside: IpAddr = "192.0.2.7".parse().unwrap();
        assert!(access.allows(Some(token.expose()), Some(outside)));
        assert!(!access.allows(Some("0123456789abcdef0123456789abcdeX"), Some(outside)));
        assert!(!access.allows(None, Some(outside)));
        assert!(access.allows(None, Some("10.1.200.3".parse().unwrap())));
        assert!(!access.allows(None, None));
        // Neither configured: nobody but an administrator.
        assert!(!ScrapeAccess::default().allows(Some(token.expose()), Some("10.1.0.1".parse().unwrap())));
    }
}
