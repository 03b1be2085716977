//! Scheduled work: timers now; reminder mail (lettre, leased dispatch, digests) lands with issue 6.

pub mod timers;
