//! Failed authentication is rate-limited per client address and per token prefix, so tokens
//! cannot be guessed at speed. The counts live in each process: with several replicas, each
//! allows its own share.
//!
//! A client address over the limit is refused whatever it presents; a token prefix over the
//! limit refuses only wrong secrets, so that someone who has seen a prefix cannot keep its owner
//! out. The client address is the connection's, or, for a connection from a trusted reverse
//! proxy (`VIGIL_TRUSTED_PROXIES`), the last address the proxies' `X-Forwarded-For` names that
//! is not itself a trusted proxy: never what an arbitrary client says it is.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per key within the window before the key is refused, unless configured
/// otherwise (`VIGIL_AUTH_FAILURES`).
pub const MAX_FAILURES: usize = 10;
pub const WINDOW: Duration = Duration::from_secs(300);
/// Above this many keys, entries whose failures have all aged out are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// The client's address: the connection's, or what trusted proxies say it is.
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    // Each proxy appends the address it heard from: the rightmost untrusted one is the client.
    let client = forwarded_for
        .into_iter()
        .flat_map(|header| header.rsplit(','))
        .map(str::trim)
        .filter_map(|item| item.parse::<std::net::IpAddr>().ok())
        .find(|address| !trusted.contains(address));
    Some(client.unwrap_or(peer))
}

#[derive(Debug)]
pub struct AuthLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
    max_failures: usize,
}

impl Default for AuthLimiter {
    fn default() -> Self {
        Self::new(MAX_FAILURES)
    }
}

impl AuthLimiter {
    /// A limiter that refuses a key after `max_failures` failures within the window.
    pub fn new(max_failures: usize) -> Self {
        Self {
            failures: Mutex::default(),
            max_failures: max_failures.max(1),
        }
    }

    /// How long until `keys` may try again, if any of them is over the limit now.
    pub fn retry_after(&self, keys: &[String], now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.iter()
            .filter_map(|key| failures.get(key))
            .filter_map(|times| {
                let recent: Vec<&Instant> = times.iter().filter(|t| now.duration_since(**t) < WINDOW).collect();
                (recent.len() >= self.max_failures).then(|| WINDOW - now.duration_since(*recent[0]))
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

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let proxy: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        let client = Some("203.0.113.7, 198.51.100.9");
        // From anyone else, the header is ignored: a client cannot pick its address.
        assert_eq!(
            client_address(Some("192.0.2.1".parse().unwrap()), client, &[proxy]),
            Some("192.0.2.1".parse().unwrap())
        );
        // From the proxy, the rightmost address it heard from.
        assert_eq!(
            client_address(Some(proxy), client, &[proxy]),
            Some("198.51.100.9".parse().unwrap())
        );
        // A chain of trusted proxies is skipped; without a header the proxy itself counts.
        let inner: std::net::IpAddr = "10.0.0.6".parse().unwrap();
        assert_eq!(
            client_address(Some(proxy), Some("198.51.100.9, 10.0.0.6"), &[proxy, inner]),
            Some("198.51.100.9".parse().unwrap())
        );
        assert_eq!(
            client_address(Some(proxy), None, &[proxy]),
            Some("10.0.0.5".parse().unwrap())
        );
        assert_eq!(client_address(None, client, &[proxy]), None);
    }
}
