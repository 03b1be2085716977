//! Failed authentication is rate-limited per client address and per token prefix, so tokens
//! cannot be guessed at speed. The counts live in each process: with several replicas, each
//! allows its own share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per key within the window before the key is refused.
pub const MAX_FAILURES: usize = 10;
pub const WINDOW: Duration = Duration::from_secs(300);
/// Above this many keys, entries whose failures have all aged out are dropped.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Default)]
pub struct AuthLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl AuthLimiter {
    /// How long until `keys` may try again, if any of them is over the limit now.
    pub fn retry_after(&self, keys: &[String], now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.iter()
            .filter_map(|key| failures.get(key))
            .filter_map(|times| {
                let recent: Vec<&Instant> = times.iter().filter(|t| now.duration_since(**t) < WINDOW).collect();
                (recent.len() >= MAX_FAILURES).then(|| WINDOW - now.duration_since(*recent[0]))
            })
            .max()
    }

    pub fn record_failure(&self, keys: &[String], now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        for key in keys {
            let times = failures.entry(key.clone()).or_default();
            times.retain(|t| now.duration_since(*t) < WINDOW);
            times.push(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_after_too_many_failures_until_they_age_out() {
        let limiter = AuthLimiter::default();
        let start = Instant::now();
        let keys = vec!["ip:10.0.0.1".to_owned()];
        for _ in 0..MAX_FAILURES {
            assert!(limiter.retry_after(&keys, start).is_none());
            limiter.record_failure(&keys, start);
        }
        assert!(limiter.retry_after(&keys, start).is_some());
        assert!(limiter.retry_after(&["ip:10.0.0.2".to_owned()], start).is_none());
        assert!(limiter.retry_after(&keys, start + WINDOW).is_none());
    }
}
