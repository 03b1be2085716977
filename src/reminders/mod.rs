//! Scheduled work: timers, and reminders sent by email (files, or SMTP through a pool of connections).

pub mod admin;
pub mod catalog;
pub mod digest;
pub mod dispatch;
pub mod mail;
pub mod pass;
pub mod smtp;
pub mod timers;
