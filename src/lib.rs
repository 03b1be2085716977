//! Vigil: workflow and case management for the cases of human rights defenders at risk.
//! `ARCHITECTURE.md` maps the modules and the rules between them.

pub mod audit;
pub mod cases;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod devdb;
pub mod domain;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod reminders;
pub mod reports;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod workflow;
