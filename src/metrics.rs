//! What `GET /metrics` reports, in Prometheus's text format: counters of this process's
//! scheduled work, and gauges of the queues read from the database at each scrape. Counts
//! only: no reference, no id, nothing about a case.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

pub use crate::store::scheduled::{Gauges, Queue};

/// Counters of this process since it started.
#[derive(Debug, Default)]
pub struct Counters {
    pub reminders_sent: AtomicU64,
    pub reminders_failed: AtomicU64,
    pub reminders_dead: AtomicU64,
    pub reminders_skipped: AtomicU64,
    pub digests_sent: AtomicU64,
    pub timers_fired: AtomicU64,
    pub timers_dropped: AtomicU64,
}

/// The process's counters.
pub static COUNTERS: Counters = Counters {
    reminders_sent: AtomicU64::new(0),
    reminders_failed: AtomicU64::new(0),
    reminders_dead: AtomicU64::new(0),
    reminders_skipped: AtomicU64::new(0),
    digests_sent: AtomicU64::new(0),
    timers_fired: AtomicU64::new(0),
    timers_dropped: AtomicU64::new(0),
};

/// Adds `n` to a counter.
pub fn add(counter: &AtomicU64, n: usize) {
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

/// Reads one figure of a queue.
type QueueValue = fn(&Queue) -> f64;

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// The text exposition of `counters` and `gauges`.
pub fn render(counters: &Counters, gauges: &Gauges) -> String {
    let mut out = String::new();
    let counter_lines: [(&str, &AtomicU64, &str); 7] = [
        (
            "vigil_reminders_sent_total",
            &counters.reminders_sent,
            "Reminders sent (or put in a digest) by this process.",
        ),
        (
            "vigil_reminders_failed_total",
            &counters.reminders_failed,
            "Reminder attempts that failed and will be tried again or given up.",
        ),
        (
            "vigil_reminders_dead_total",
            &counters.reminders_dead,
            "Reminders given up after their last attempt by this process.",
        ),
        (
            "vigil_reminders_skipped_total",
            &counters.reminders_skipped,
            "Reminders dropped because their procedure moved on or their case was erased.",
        ),
        (
            "vigil_digests_sent_total",
            &counters.digests_sent,
            "Daily digest emails sent by this process.",
        ),
        (
            "vigil_timers_fired_total",
            &counters.timers_fired,
            "Timers fired by this process.",
        ),
        (
            "vigil_timers_dropped_total",
            &counters.timers_dropped,
            "Timers dropped (procedure moved on, or the engine refused).",
        ),
    ];
    for (name, value, help) in counter_lines {
        family(&mut out, name, "counter", help);
        let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
    }
    let gauge_families: [(&str, &str, QueueValue); 4] = [
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
    for (name, help, value) in gauge_families {
        family(&mut out, name, "gauge", help);
        for queue in &gauges.queues {
            let _ = writeln!(out, "{name}{{kind=\"{}\"}} {}", queue.kind, value(queue));
        }
    }
    family(
        &mut out,
        "vigil_digest_entries_waiting",
        "gauge",
        "Reminders waiting for their recipient's daily digest.",
    );
    let _ = writeln!(out, "vigil_digest_entries_waiting {}", gauges.digest_entries_waiting);
    out
}

/// The gauges `GET /metrics` reports, for admins (the monitoring's token).
pub fn gauges(
    conn: &mut crate::store::Conn,
    ctx: &crate::cases::Context<'_>,
) -> Result<Gauges, crate::cases::CaseError> {
    if !ctx.caller.role.is_admin() {
        return Err(crate::cases::CaseError::Forbidden("the metrics are for admins".into()));
    }
    Ok(crate::store::scheduled::queue_gauges(conn, ctx.now)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_every_family_with_help_and_type() {
        let counters = Counters::default();
        add(&counters.reminders_sent, 3);
        let gauges = Gauges {
            queues: vec![Queue {
                kind: "reminder".into(),
                pending: 5,
                due: 2,
                dead: 1,
                oldest_due_seconds: 90.0,
            }],
            digest_entries_waiting: 4,
        };
        let text = render(&counters, &gauges);
        assert!(text.contains("# TYPE vigil_reminders_sent_total counter\nvigil_reminders_sent_total 3\n"));
        assert!(text.contains("vigil_scheduled_dead{kind=\"reminder\"} 1\n"));
        assert!(text.contains("vigil_scheduled_oldest_due_seconds{kind=\"reminder\"} 90\n"));
        assert!(text.contains("vigil_digest_entries_waiting 4\n"));
        // Every sample line belongs to a family announced before it.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(text.contains(&format!("# TYPE {name} ")), "{line}");
        }
    }
}
