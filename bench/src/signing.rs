//! Checkpoints signed beside a measurement: a thread that signs one every second (600 times
//! the default rate) against the bench database, so that a scenario can compare its rate with
//! and without signing, back to back in one run; and the time one checkpoint takes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use vigil::audit::Signer;
use vigil::store::Db;

/// Signing in the background until dropped; counts what it signed.
pub struct Signing {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<anyhow::Result<usize>>>,
}

impl Signing {
    pub fn start(db: Db, signer: Arc<Signer>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut signed = 0;
            while !flag.load(Ordering::Relaxed) {
                let mut conn = db.get_timeout(Duration::from_secs(30))?;
                if signer.checkpoint(&mut conn, chrono::Utc::now())?.is_some() {
                    signed += 1;
                }
                drop(conn);
                let mut slept = Duration::ZERO;
                while slept < Duration::from_secs(1) && !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50));
                    slept += Duration::from_millis(50);
                }
            }
            Ok(signed)
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops, and says how many checkpoints were signed.
    pub fn finish(mut self) -> anyhow::Result<usize> {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(signed)) => signed,
            Some(Err(_)) => anyhow::bail!("the signing thread panicked"),
            None => Ok(0),
        }
    }
}

impl Drop for Signing {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Seconds one checkpoint takes, and how many leaves it recorded.
pub fn time_checkpoint(db: &Db, signer: &Signer) -> anyhow::Result<(f64, usize, u64)> {
    let mut conn = db.get_timeout(Duration::from_secs(30))?;
    let started = Instant::now();
    let signed = signer
        .checkpoint(&mut conn, chrono::Utc::now())?
        .ok_or_else(|| anyhow::anyhow!("another process was signing"))?;
    Ok((started.elapsed().as_secs_f64(), signed.changed, signed.checkpoint.cases))
}
