//! Helpers shared by the end-to-end tests.

pub mod api;
pub mod app;
pub mod browser;
pub mod db;
pub mod keys;
pub mod process;
pub mod python;
pub mod smtp;
pub mod ui;

pub use db::{TestDb, count_at};
pub use process::{ClusterGuard, Serve, postmaster_pid, reachable_home, serve_on, stderr, vigil, vigil_bench};
