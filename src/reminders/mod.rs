//! Scheduled work: timers, and reminders sent by email (file outbox now; SMTP with issue 6).

pub mod dispatch;
pub mod mail;
pub mod timers;
