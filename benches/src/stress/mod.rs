//! The workspace's stress tool: a closed-loop load generator speaking
//! HTTP/1.1, RESP and WebSocket (echoed messages), with pipelining and
//! latency histograms.
//!
//! Closed loop (the default, [`engine`]): each connection keeps `pipeline`
//! requests in flight and sends the next one only when a response comes
//! back, the way wrk and redis-benchmark drive a server. Latency is measured
//! per request, from the moment its bytes are written to the moment its
//! response is complete.
//!
//! Open loop (`--rate R`, [`open_loop`]): requests leave at a constant rate
//! whatever the server does, and latency runs from each request's due time,
//! as wrk2 measures — the correction for coordinated omission.
//!
//! Used by the runner (as a library) and from the command line:
//! `cargo run --release -p benches -- stress http --url http://127.0.0.1:8080/plaintext -c 64 -d 10s`.

pub mod engine;
pub mod http;
pub mod open_loop;
pub mod resp;
pub mod ws;
pub mod zipf;

use std::net::SocketAddr;
use std::time::Duration;

/// How hard and how long to drive a server.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// The server's address (loopback only).
    pub addr: SocketAddr,
    /// Concurrent connections.
    pub connections: usize,
    /// Requests in flight per connection (1 = no pipelining).
    pub pipeline: usize,
    /// How long to measure, after the warm-up.
    pub duration: Duration,
    /// Load before measuring starts (connections open, caches warm); not counted.
    pub warmup: Duration,
    /// Client threads (the generator must not be the bottleneck).
    pub threads: usize,
}

/// What one load run measured.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// Responses received in the measured window.
    pub requests: u64,
    /// Every response received, warm-up and the tail after the window
    /// included: what the server did in all (for CPU time per request).
    pub answered: u64,
    /// Error responses (HTTP status >= 500 or RESP `-ERR`) and broken connections.
    pub errors: u64,
    /// The measured window.
    pub elapsed: Duration,
    /// `requests / elapsed`, per second.
    pub throughput: f64,
    /// Median latency, microseconds.
    pub p50_us: f64,
    /// 99th-percentile latency, microseconds.
    pub p99_us: f64,
    /// Largest latency seen, microseconds.
    pub max_us: f64,
}
