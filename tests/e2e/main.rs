//! End-to-end tests: the real binary and library against a real PostgreSQL.
#![allow(clippy::unwrap_used)]

mod api_workflows;
mod attachments;
mod audit;
mod auth;
mod backups;
mod bench;
mod browser;
mod cases;
mod checkpoints;
mod cli;
mod client;
mod embedded;
mod failover;
mod grants;
mod keys;
mod metrics;
mod migrations;
mod openapi;
mod pooler;
mod privileges;
mod proxy;
mod recovery;
mod reminders;
mod reports;
mod schemathesis;
mod scripts;
mod serve;
mod support;
mod timers;
mod ui;
mod workflows;
