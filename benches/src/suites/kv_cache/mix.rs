//! A cache-shaped workload from the workspace's stress tool: 90% GET and
//! 10% SET over a million preloaded keys, keys drawn from a Zipf(0.99)
//! distribution so that a few keys are hot — what a real cache sees, and
//! what redis-benchmark's uniform single-command tests do not show.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::memory::load;
use super::servers::{self, Resp};
use crate::runner::cpu::CpuSample;
use crate::runner::shell;
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};
use crate::stress::resp::{KeyDist, RespWorkload};
use crate::stress::{LoadConfig, resp};

/// The `stress-mix` comparison.
#[derive(Default)]
pub(crate) struct Mix {
    /// The kv-cache-server binary.
    ours: Option<PathBuf>,
    /// Keys preloaded and addressed.
    keys: u64,
    /// Measured seconds per run.
    seconds: f64,
}

/// Connections, as redis-benchmark's default `-c 50`.
const CONNECTIONS: usize = 50;

impl Mix {
    fn workload(&self) -> RespWorkload {
        RespWorkload {
            mix: vec![
                (90, "GET key:__rand_int__".into()),
                (10, "SET key:__rand_int__ __data__".into()),
            ],
            keyspace: self.keys,
            value_size: 10,
            dist: KeyDist::Zipf(0.99),
            seed: 42,
        }
    }
}

impl Comparison for Mix {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }

    fn bench(&self) -> &'static str {
        "stress-mix"
    }

    fn describe(&self) -> String {
        format!(
            "The stress tool (`cargo run --release -p benches -- stress resp ...`, every case's exact line \
             under Commands; `$PORT` is the server's port): 90% GET, 10% SET over {keys} keys with Zipf(0.99) \
             key popularity and 10-byte values, {CONNECTIONS} connections on 2 client threads, {secs} s measured \
             after 0.5 s of warm-up, against a fresh server preloaded with {keys} keys (`key:<n>` -> 10 bytes, \
             every other one with a TTL), same key sequence (seed 42) for both. Servers: kv-cache-server \
             (release) and redis-server `--save '' --appendonly no`, each a child process on a free loopback port. \
             cpu_per_req: the server's CPU time (every thread, from /proc) over the whole load run, warm-up \
             included, divided by every request answered in that time. Rounds: 5 (2 with --quick).",
            keys = self.keys,
            secs = self.seconds,
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        vec![
            "GET/SET 90/10 zipf P1".into(),
            "GET/SET 90/10 zipf P16".into(),
        ]
    }

    fn targets(&self) -> Vec<Target> {
        vec![
            Target::at_least("redis", "throughput", 1.0),
            Target::at_most("redis", "cpu_per_req", 1.0),
        ]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.keys = if quick { 100_000 } else { 1_000_000 };
        self.seconds = if quick { 1.0 } else { 5.0 };
        let (ours, impls, skips) = servers::server_impls(prov)?;
        self.ours = Some(ours);
        Ok((impls, skips))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let ours = self.ours.clone().unwrap_or_default();
        let server = servers::start(imp, &ours, prov)?;
        load(&mut Resp::connect(server.addr)?, self.keys)?;
        let pipeline = if case.ends_with("P16") { 16 } else { 1 };
        let cfg = LoadConfig {
            addr: server.addr,
            connections: CONNECTIONS,
            pipeline,
            duration: Duration::from_secs_f64(self.seconds),
            warmup: Duration::from_millis(500),
            threads: 2,
        };
        prov.command(stress_command(&cfg, &self.workload()));
        let pid = server.child.pid();
        // The server's CPU over the whole load run (warm-up and tail
        // included), divided by every request it answered in that time.
        let before = CpuSample::read(pid)?;
        let report = resp::run(&cfg, &self.workload())?;
        let after = CpuSample::read(pid)?;
        if report.errors > 0 {
            anyhow::bail!("{imp} answered {} errors under the mix", report.errors);
        }
        prov.note(format!("cpu_per_req read from {}", after.source));
        let cpu = before
            .per_request_us(&after, report.answered)
            .context("no requests answered, or the server's CPU clock went backwards")?;
        Ok(vec![
            Sample::new("throughput", report.throughput, "ops/s"),
            Sample::new("cpu_per_req", cpu, "us"),
            Sample::new("p50", report.p50_us, "us"),
            Sample::new("p99", report.p99_us, "us"),
        ])
    }
}

/// The stress tool's command line that runs `cfg` and `workload` as this
/// comparison does (the CLI's seed is the workload's, 42).
fn stress_command(cfg: &LoadConfig, w: &RespWorkload) -> String {
    let port = cfg.addr.port().to_string();
    let mut words: Vec<String> = "cargo run --release -p benches -- stress resp --addr"
        .split(' ')
        .map(String::from)
        .collect();
    words.push(cfg.addr.to_string());
    for (weight, command) in &w.mix {
        words.extend(["--mix".into(), format!("{weight}:{command}")]);
    }
    words.extend(["--keyspace".into(), w.keyspace.to_string()]);
    if let KeyDist::Zipf(s) = w.dist {
        words.extend(["--zipf".into(), s.to_string()]);
    }
    words.extend(["--data-size".into(), w.value_size.to_string()]);
    words.extend([
        "-c".into(),
        cfg.connections.to_string(),
        "-p".into(),
        cfg.pipeline.to_string(),
        "-t".into(),
        cfg.threads.to_string(),
        "-d".into(),
        cfg.duration.as_secs_f64().to_string(),
        "--warmup".into(),
        cfg.warmup.as_secs_f64().to_string(),
    ]);
    shell::join_with(&words, &[(shell::PORT, &port)])
}
