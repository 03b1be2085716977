//! `vigil bench`: Vigil measured against the limits of this machine (see BENCHMARKS.md).

use vigil::config::Config;

/// What to measure, and how long.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    scenario: BenchScenario,
    /// A short run (under two minutes) instead of the full one.
    #[arg(long)]
    quick: bool,
    /// How many due reminders to drain (a multiple of 200).
    #[arg(long)]
    reminders: Option<i64>,
    /// SMTP connections, for Vigil and the bare client alike (reminders).
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Leave out the graphile-worker comparison (reminders), which installs graphile-worker
    /// from npm on first use.
    #[arg(long)]
    without_graphile: bool,
    /// Concurrent HTTP clients, and pgbench clients (transitions: 32; reads: 64; lists: 8).
    #[arg(long)]
    clients: Option<usize>,
    /// How many cases to generate (lists, scale; default 1,000,000, 100,000 with --quick).
    #[arg(long)]
    cases: Option<i64>,
    /// How long each run drives the server (default 15, 5 with --quick).
    #[arg(long)]
    seconds: Option<u64>,
    /// Runs to take the median of.
    #[arg(long)]
    runs: Option<usize>,
    /// Where SCENARIO.json is written.
    #[arg(long, default_value = "target/bench")]
    out: std::path::PathBuf,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BenchScenario {
    /// Due reminders claimed, sent to a local SMTP sink and marked sent.
    Reminders,
    /// Authenticated transitions with sealed data on distinct procedures, over HTTP.
    Transitions,
    /// Case reads with decryption, over HTTP.
    Reads,
    /// Pages of a delegation's cases with filters on, among 1,000,000 cases.
    Lists,
    /// 1,000,000 cases and 10,000,000 events: list and read latency, the claim's cost behind
    /// reminders not due, table and index sizes.
    Scale,
}

pub fn run(config: &Config, args: BenchArgs) -> anyhow::Result<()> {
    let BenchArgs {
        scenario,
        quick,
        reminders,
        connections,
        without_graphile,
        clients,
        cases,
        seconds,
        runs,
        out,
    } = args;
    let runs = runs.unwrap_or(if quick { 1 } else { 3 }).max(1);
    match scenario {
        BenchScenario::Reminders => {
            let options = vigil::bench::reminders::Options {
                reminders: reminders.unwrap_or(if quick { 2_000 } else { 20_000 }),
                connections: connections.clamp(1, 64),
                runs,
                graphile: !without_graphile,
            };
            vigil::bench::reminders::run(config, &options, &out).map(drop)
        }
        BenchScenario::Transitions => {
            let options = vigil::bench::transitions::Options {
                clients: clients.unwrap_or(32).clamp(1, 256),
                seconds: seconds.unwrap_or(if quick { 5 } else { 15 }).max(1),
                runs,
            };
            vigil::bench::transitions::run(config, &options, &out).map(drop)
        }
        BenchScenario::Reads => {
            let options = vigil::bench::reads::Options {
                clients: clients.unwrap_or(64).clamp(1, 256),
                cases: 256,
                seconds: seconds.unwrap_or(if quick { 5 } else { 15 }).max(1),
                runs,
            };
            vigil::bench::reads::run(config, &options, &out).map(drop)
        }
        BenchScenario::Scale => {
            let cases = cases.unwrap_or(if quick { 100_000 } else { 1_000_000 }).max(1);
            let options = vigil::bench::scale::Options {
                cases,
                events_per_case: 10,
                not_due: cases,
                clients: clients.unwrap_or(8).clamp(1, 256),
                seconds: seconds.unwrap_or(if quick { 3 } else { 10 }).max(1),
                runs,
            };
            vigil::bench::scale::run(config, &options, &out).map(drop)
        }
        BenchScenario::Lists => {
            let options = vigil::bench::lists::Options {
                cases: cases.unwrap_or(if quick { 100_000 } else { 1_000_000 }).max(1),
                clients: clients.unwrap_or(8).clamp(1, 256),
                seconds: seconds.unwrap_or(if quick { 5 } else { 15 }).max(1),
                runs,
            };
            vigil::bench::lists::run(config, &options, &out).map(drop)
        }
    }
}
