//! Scheduled work: timers, reminders and daily digests (sent through `mail/`), one pass of them
//! all, and the queues as admins see them.

pub mod admin;
pub mod digest;
pub mod dispatch;
pub mod pass;
pub mod timers;
