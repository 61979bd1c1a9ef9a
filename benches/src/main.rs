//! The comparison runner and the stress tool.
//!
//! ```text
//! cargo run --release -p benches                       # every crate against its counterpart
//! cargo run --release -p benches -- event-loop --quick # one crate, short
//! cargo run --release -p benches -- stress http --url http://127.0.0.1:8080/plaintext -c 64 -d 10
//! cargo run --release -p benches -- stress http --url http://127.0.0.1:8080/plaintext -c 8 -d 10 --rate 20000
//! cargo run --release -p benches -- report notes/src/results/2026-11-25-vm  # re-render, offline
//! cargo run --release -p benches -- stress resp --addr 127.0.0.1:6380 \
//!     --mix '90:GET key:__rand_int__' --mix '10:SET key:__rand_int__ __data__' --keyspace 1000000 --zipf 0.99
//! ```

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use benches::runner::machine::{Checkout, Machine};
use benches::runner::{report, run};
use benches::stress::{self, LoadConfig, resp::KeyDist};
use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "benches",
    about = "infra-lab: every crate against its production counterpart"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Crates to run (default: all), e.g. `event-loop kv-cache`.
    crates: Vec<String>,
    /// A short run for smoke tests (under a minute per crate).
    #[arg(long)]
    quick: bool,
    /// Rounds per case (default: the comparison's own, 5; 2 with --quick).
    #[arg(long)]
    rounds: Option<usize>,
    /// Where results folders go (default: notes/src/results).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only these benches of the chosen crates (e.g. `--bench pingpong`), repeatable.
    #[arg(long = "bench")]
    benches: Vec<String>,
    /// Only the cases whose name contains one of these (e.g. `--case SORT`),
    /// repeatable; the once-per-run extra rows are skipped then.
    #[arg(long = "case")]
    cases: Vec<String>,
    /// Print the tables only; write no results folder.
    #[arg(long)]
    no_write: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The load generator: closed loop, or open loop with --rate.
    Stress {
        #[command(subcommand)]
        protocol: StressProtocol,
    },
    /// Re-render results folders from their raw.csv (tables, charts, escaping), measuring nothing.
    Report {
        /// Results folders, e.g. `notes/src/results/2026-11-25-vm`.
        #[arg(required = true)]
        folders: Vec<PathBuf>,
    },
    /// Internal: a measurement that must run in its own process (e.g. under strace).
    #[command(name = "__child", hide = true)]
    Child {
        /// Arguments for the crate's child entry.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Args, Debug)]
struct LoadArgs {
    /// Connections.
    #[arg(short = 'c', long, default_value_t = 64)]
    connections: usize,
    /// Requests in flight per connection.
    #[arg(short = 'p', long, default_value_t = 1)]
    pipeline: usize,
    /// Seconds to measure.
    #[arg(short = 'd', long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of warm-up before measuring.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Client threads.
    #[arg(short = 't', long, default_value_t = 2)]
    threads: usize,
    /// Open loop: send this many requests per second in all, whatever the
    /// server does, and measure latency from each request's due time
    /// (wrk2's correction for coordinated omission). Ignores --pipeline.
    #[arg(long)]
    rate: Option<f64>,
}

#[derive(Subcommand, Debug)]
enum StressProtocol {
    /// HTTP/1.1 keep-alive load on one URL.
    Http {
        /// `http://host:port/path`.
        #[arg(long)]
        url: String,
        /// Method.
        #[arg(long, default_value = "GET")]
        method: String,
        /// Request body.
        #[arg(long, default_value = "")]
        body: String,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// RESP load from weighted command templates.
    Resp {
        /// Server address.
        #[arg(long, default_value = "127.0.0.1:6380")]
        addr: std::net::SocketAddr,
        /// `WEIGHT:COMMAND`, repeatable; `__rand_int__` is a key number, `__data__` the value.
        #[arg(long, required = true)]
        mix: Vec<String>,
        /// Distinct keys.
        #[arg(long, default_value_t = 100_000)]
        keyspace: u64,
        /// Value size for `__data__`, bytes.
        #[arg(long, default_value_t = 3)]
        data_size: usize,
        /// Zipf exponent (omit for uniform keys).
        #[arg(long)]
        zipf: Option<f64>,
        #[command(flatten)]
        load: LoadArgs,
    },
}

impl LoadArgs {
    fn config(&self, addr: std::net::SocketAddr) -> LoadConfig {
        LoadConfig {
            addr,
            connections: self.connections,
            pipeline: self.pipeline,
            duration: Duration::from_secs_f64(self.duration),
            warmup: Duration::from_secs_f64(self.warmup),
            threads: self.threads,
        }
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Stress { protocol }) => stress_command(protocol),
        Some(Command::Child { args }) => benches::suites::child(&args),
        Some(Command::Report { folders }) => {
            for dir in folders {
                let written = benches::runner::regen::rerender(&dir)?;
                println!("{}: rewrote {}", dir.display(), written.join(", "));
            }
            Ok(())
        }
        None => run_command(cli.run),
    }
}

fn run_command(args: RunArgs) -> anyhow::Result<()> {
    let mut all = benches::suites::all();
    let known: Vec<&str> = {
        let mut k: Vec<&str> = all.iter().map(|c| c.crate_name()).collect();
        k.dedup();
        k
    };
    for c in &args.crates {
        if !known.contains(&c.as_str()) {
            bail!(
                "no comparisons for crate {c:?}; known: {}",
                known.join(", ")
            );
        }
    }
    all.retain(|c| args.crates.is_empty() || args.crates.iter().any(|n| n == c.crate_name()));
    all.retain(|c| args.benches.is_empty() || args.benches.iter().any(|b| b == c.bench()));
    let opts = run::RunOptions {
        quick: args.quick,
        rounds: args.rounds,
        cases: args.cases.clone(),
    };
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let machine = Machine::detect();

    eprintln!(
        "running {} comparisons{}",
        all.len(),
        if args.quick { " (quick)" } else { "" }
    );
    let mut outcomes = Vec::new();
    for cmp in &mut all {
        eprintln!("{}/{}", cmp.crate_name(), cmp.bench());
        outcomes.push(run::run_comparison(cmp.as_mut(), &opts));
    }
    report::print_tables(&outcomes);

    if !args.no_write {
        let root = args
            .out
            .unwrap_or_else(|| workspace.join("notes/src/results"));
        // The checkout is read before the folder is written, so the new
        // results never count as a change of the tree they measured.
        let checkout = Checkout::detect(&workspace);
        let dir = report::new_run_dir(&root, &machine)?;
        let env: Vec<(String, String)> = std::env::vars().collect();
        let args_given: Vec<String> = std::env::args().skip(1).collect();
        let mut flags = Vec::new();
        if args.quick {
            flags.push("--quick".to_string());
        }
        if let Some(r) = args.rounds {
            flags.extend(["--rounds".to_string(), r.to_string()]);
        }
        for c in &args.cases {
            flags.extend(["--case".to_string(), c.clone()]);
        }
        let invocation = report::Invocation {
            command: report::command_line(&env, &args_given),
            checkout,
            flags,
        };
        report::write_run(&dir, &outcomes, &machine, &invocation, &workspace)?;
        println!("\nresults: {}", dir.display());
    }
    Ok(())
}

fn stress_command(protocol: StressProtocol) -> anyhow::Result<()> {
    let report = match protocol {
        StressProtocol::Http {
            url,
            method,
            body,
            load,
        } => {
            let (addr, host, path) = stress::http::parse_url(&url)?;
            let request = stress::http::request(&method, &host, &path, body.as_bytes());
            match load.rate {
                Some(rate) => stress::http::run_open(&load.config(addr), rate, &request)?,
                None => stress::http::run(&load.config(addr), &request)?,
            }
        }
        StressProtocol::Resp {
            addr,
            mix,
            keyspace,
            data_size,
            zipf,
            load,
        } => {
            let workload = stress::resp::RespWorkload {
                mix: mix
                    .iter()
                    .map(|m| stress::resp::parse_mix_entry(m))
                    .collect::<Result<_, _>>()?,
                keyspace,
                value_size: data_size,
                dist: zipf.map_or(KeyDist::Uniform, KeyDist::Zipf),
                seed: 42,
            };
            match load.rate {
                Some(rate) => stress::resp::run_open(&load.config(addr), rate, &workload)?,
                None => stress::resp::run(&load.config(addr), &workload)?,
            }
        }
    };
    println!(
        "requests {}  errors {}  throughput {:.0}/s  p50 {} us  p99 {} us  max {} us",
        report.requests,
        report.errors,
        report.throughput,
        report.p50_us,
        report.p99_us,
        report.max_us
    );
    Ok(())
}
