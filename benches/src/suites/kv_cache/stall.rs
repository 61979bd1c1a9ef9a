//! What a load tool sees of a server that stalls: the same stalls, measured
//! by the stress tool closed loop and open loop.
//!
//! A side connection sends `DEBUG SLEEP 0.05` every 500 ms, freezing the
//! whole (single-threaded) server for 50 ms — the shape of a fork, a big
//! `DEL`, or a slow command. The closed loop stops sending while the server
//! is frozen, so each connection records the stall once and the p99 barely
//! moves; the open loop keeps its schedule and charges the stall to every
//! request that was due during it (coordinated omission, see
//! [`open_loop`](crate::stress::open_loop)). The same stalls hit both
//! servers, so this comparison is about the measuring, not the servers: the
//! chapter "压力测试" reads its numbers.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;

use super::servers::{self, Launch, Resp};
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip};
use crate::stress::LoadConfig;
use crate::stress::resp::{self, KeyDist, RespWorkload};

/// The `coordinated-omission` comparison.
#[derive(Default)]
pub(crate) struct Stall {
    /// The kv-cache-server binary.
    ours: Option<PathBuf>,
    /// Measured seconds per run.
    seconds: f64,
}

/// Connections of both load modes.
const CONNECTIONS: usize = 8;
/// The open loop's total rate, requests per second: well below what either
/// server serves on this machine, so that only the stalls make it wait.
const RATE: f64 = 8000.0;
/// Between two stalls.
const STALL_EVERY: Duration = Duration::from_millis(500);
/// `DEBUG SLEEP` argument, seconds.
const STALL_SECS: &str = "0.05";

impl Comparison for Stall {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }

    fn bench(&self) -> &'static str {
        "coordinated-omission"
    }

    fn describe(&self) -> String {
        format!(
            "Each server (kv-cache-server, release; redis-server --save '' --appendonly no; both with \
             enable-debug-command yes) is frozen by a side connection sending `DEBUG SLEEP {STALL_SECS}` every \
             {every} ms, while the stress tool sends `GET key:<n>` over 1000 keys (none stored) on {CONNECTIONS} \
             connections for {secs} s after a 0.5 s warm-up: closed loop \
             (`cargo run --release -p benches -- stress resp --mix '1:GET key:__rand_int__' --keyspace 1000 \
             -c {CONNECTIONS} -p 1 -t 2 -d {secs} --warmup 0.5`), and open loop at {RATE} requests/s in all \
             (the same with `--rate {RATE}`), whose latencies run from each request's due time. \
             The stalls are the same on both servers: compare the two cases, not the two servers.",
            every = STALL_EVERY.as_millis(),
            secs = self.seconds,
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        vec![
            "closed loop, 50 ms stall every 500 ms".to_string(),
            format!("open loop {RATE}/s, 50 ms stall every 500 ms"),
        ]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.seconds = if quick { 2.0 } else { 4.0 };
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
        let launch = Launch {
            settings: &[("enable-debug-command", "yes")],
            ..Launch::default()
        };
        let server = servers::start_with(imp, &ours, launch, prov)?;
        let cfg = LoadConfig {
            addr: server.addr,
            connections: CONNECTIONS,
            pipeline: 1,
            duration: Duration::from_secs_f64(self.seconds),
            warmup: Duration::from_millis(500),
            threads: 2,
        };
        let workload = RespWorkload {
            mix: vec![(1, "GET key:__rand_int__".into())],
            keyspace: 1000,
            value_size: 3,
            dist: KeyDist::Uniform,
            seed: 42,
        };
        let stop = Arc::new(AtomicBool::new(false));
        let staller = {
            let mut side = Resp::connect(server.addr)?;
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || -> anyhow::Result<u32> {
                let mut sleep = Vec::new();
                Resp::encode(&mut sleep, &[b"DEBUG", b"SLEEP", STALL_SECS.as_bytes()]);
                let mut stalls = 0;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(STALL_EVERY);
                    side.pipeline(&sleep, 1).context("DEBUG SLEEP")?;
                    stalls += 1;
                }
                Ok(stalls)
            })
        };
        let report = if case.starts_with("open") {
            resp::run_open(&cfg, RATE, &workload)
        } else {
            resp::run(&cfg, &workload)
        };
        stop.store(true, Ordering::Relaxed);
        let stalls = staller
            .join()
            .map_err(|_| anyhow::anyhow!("the stalling thread panicked"))??;
        let report = report?;
        if report.errors > 0 {
            anyhow::bail!("{imp} answered {} errors", report.errors);
        }
        prov.note(format!(
            "coordinated-omission, {imp}, {case}: {stalls} stalls during the run"
        ));
        Ok(vec![
            Sample::new("throughput", report.throughput, "ops/s"),
            Sample::new("p50", report.p50_us, "us"),
            Sample::new("p99", report.p99_us, "us"),
            Sample::new("max", report.max_us, "us"),
        ])
    }
}
