//! Bench `websocket`: echo over WebSocket, ours vs axum 0.8 (`ws` feature,
//! tokio-tungstenite under it).
//!
//! Each connection upgrades on `GET /ws`, then sends a binary message,
//! waits for its echo, and sends the next (closed loop, one in flight), from
//! the workspace stress tool. Cases: 64 and 256 connections × 64-byte and
//! 16 KiB messages; metrics: messages/s and the p99 round trip.

use std::time::Duration;

use anyhow::Context;

use super::servers::{Which, impls, start};
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};
use crate::stress::{LoadConfig, ws};

const GENERATOR_THREADS: usize = 2;
/// Server worker threads: the current-thread runtime, as the `t=1` rows of bench `wrk`.
const SERVER_THREADS: usize = 1;

/// The WebSocket echo comparison.
pub(crate) struct WebSocketEcho {
    duration: Duration,
    warmup: Duration,
}

impl Default for WebSocketEcho {
    fn default() -> WebSocketEcho {
        WebSocketEcho {
            duration: Duration::from_secs(3),
            warmup: Duration::from_secs(1),
        }
    }
}

/// `(connections, message bytes)` of a case name like `c=64 16KiB`.
fn parse_case(case: &str) -> anyhow::Result<(usize, usize)> {
    let (c, size) = case.split_once(' ').context("case without a size")?;
    let connections = c.trim_start_matches("c=").parse()?;
    let bytes = match size {
        "64B" => 64,
        "16KiB" => 16 * 1024,
        other => anyhow::bail!("unknown message size {other}"),
    };
    Ok((connections, bytes))
}

impl Comparison for WebSocketEcho {
    fn crate_name(&self) -> &'static str {
        "mini-web"
    }

    fn bench(&self) -> &'static str {
        "websocket"
    }

    fn describe(&self) -> String {
        format!(
            "WebSocket echo on GET /ws: c connections each upgrade, then send a binary message (64 B or 16 KiB, \
             masked as clients must), wait for the echo and send the next, one in flight per connection, from the \
             workspace stress tool ({GENERATOR_THREADS} client threads, {}s measured after {}s warm-up). Both servers \
             run in this process on a tokio current-thread runtime (t={SERVER_THREADS}), TCP_NODELAY on, no \
             compression offered. ours: mini_web::ws::WebSocketUpgrade, default limits. axum: axum 0.8 \
             extract::ws (tokio-tungstenite 0.29), default limits. Both handlers are the same loop: recv, send back \
             text and binary. Metrics: throughput (messages echoed/s) and p99 round trip (us).",
            self.duration.as_secs_f64(),
            self.warmup.as_secs_f64()
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        ["c=64 64B", "c=64 16KiB", "c=256 64B", "c=256 16KiB"]
            .map(String::from)
            .to_vec()
    }

    fn rounds(&self, quick: bool) -> usize {
        if quick { 1 } else { 3 }
    }

    fn targets(&self) -> Vec<Target> {
        vec![
            Target::at_least("axum", "throughput", 1.1),
            Target::at_most("axum", "p99", 1.0),
        ]
    }

    fn prepare(
        &mut self,
        quick: bool,
        _prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        if quick {
            self.duration = Duration::from_millis(1000);
            self.warmup = Duration::from_millis(300);
        }
        Ok((impls(), Vec::new()))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let (connections, bytes) = parse_case(case)?;
        let server = start(Which::from_name(imp)?, SERVER_THREADS)?;
        let host = server.addr.to_string();
        prov.command(format!(
            "in-process: stress ws GET /ws, {connections} connections, {bytes}-byte binary messages, 1 in flight, \
             {imp} server, t={SERVER_THREADS}, {}s",
            self.duration.as_secs_f64()
        ));
        let cfg = LoadConfig {
            addr: server.addr,
            connections,
            pipeline: 1,
            duration: self.duration,
            warmup: self.warmup,
            threads: GENERATOR_THREADS,
        };
        let report = ws::run(&cfg, &host, "/ws", bytes)?;
        drop(server);
        anyhow::ensure!(report.requests > 0, "no message was echoed");
        anyhow::ensure!(
            report.errors == 0,
            "{} frames were not binary echoes",
            report.errors
        );
        Ok(vec![
            Sample::new("throughput", report.throughput, "msg/s"),
            Sample::new("p50", report.p50_us, "us"),
            Sample::new("p99", report.p99_us, "us"),
        ])
    }
}
