//! The closed-loop driver shared by both protocols.
//!
//! ```text
//!  connection task (one per connection, on a multi-thread tokio runtime)
//!  ┌──────────────────────────────────────────────────────────────────┐
//!  │ write `pipeline` requests ─► read ─► for each complete response:   │
//!  │        ▲                             latency = now - sent[i]      │
//!  │        └──── write as many new requests as responses completed ◄──┘
//!  └──────────────────────────────────────────────────────────────────┘
//! ```
//!
//! The protocol only has to produce request bytes and say where a complete
//! response ends; everything about timing lives here.

use std::collections::VecDeque;
use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{LoadConfig, LoadReport};

/// What one protocol contributes to the driver.
pub trait Protocol: Send + 'static {
    /// Appends the bytes of the next request to `out`.
    fn next_request(&mut self, out: &mut Vec<u8>);

    /// Looks for one complete response at the start of `buf`: `Ok(None)` when
    /// more bytes are needed, `Ok(Some((len, is_error)))` when the first `len`
    /// bytes are a response; `Err` when the bytes are not the protocol at all.
    fn parse_response(&mut self, buf: &[u8]) -> anyhow::Result<Option<(usize, bool)>>;

    /// An HTTP request to send once, before the load, whose answer must be
    /// `101 Switching Protocols` (a WebSocket upgrade); `None` for none.
    fn upgrade_request(&mut self) -> Option<Vec<u8>> {
        None
    }
}

/// Per-connection tallies, merged at the end.
pub(super) struct Tally {
    /// Latencies of the measured responses, microseconds.
    pub(super) histogram: Histogram<u64>,
    /// Responses measured.
    pub(super) requests: u64,
    /// Every response received.
    pub(super) answered: u64,
    /// Error responses and requests lost to a closed connection.
    pub(super) errors: u64,
}

impl Tally {
    pub(super) fn new() -> anyhow::Result<Tally> {
        Ok(Tally {
            histogram: new_histogram()?,
            requests: 0,
            answered: 0,
            errors: 0,
        })
    }
}

/// An empty latency histogram in microseconds, as every latency in the
/// workspace's load tools is recorded.
pub fn new_histogram() -> anyhow::Result<Histogram<u64>> {
    // 1 us .. 60 s with 3 significant figures: wrk's and hdrhistogram's usual setting.
    Histogram::new_with_bounds(1, 60_000_000, 3).context("creating histogram")
}

/// Runs the load described by `cfg`, with one protocol instance per
/// connection made by `make`, and returns what was measured in the window
/// that starts after the warm-up.
pub fn drive<P: Protocol>(
    cfg: &LoadConfig,
    make: impl Fn(usize) -> P,
) -> anyhow::Result<LoadReport> {
    let start = Instant::now() + cfg.warmup;
    let end = start + cfg.duration;
    let (addr, pipeline) = (cfg.addr, cfg.pipeline.max(1));
    run_connections(cfg, |i| connection(addr, make(i), pipeline, start, end))
}

/// Runs one task per connection of `cfg` (made by `task` from the
/// connection's index) on a runtime of `cfg.threads` threads, and merges
/// what they measured.
pub(super) fn run_connections<F>(
    cfg: &LoadConfig,
    mut task: impl FnMut(usize) -> F,
) -> anyhow::Result<LoadReport>
where
    F: Future<Output = anyhow::Result<Tally>> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cfg.threads.max(1))
        .enable_all()
        .build()
        .context("building the load generator's runtime")?;
    let tallies = runtime.block_on(async {
        let tasks: Vec<_> = (0..cfg.connections)
            .map(|i| tokio::spawn(task(i)))
            .collect();
        let mut tallies = Vec::with_capacity(tasks.len());
        for t in tasks {
            tallies.push(t.await.context("connection task panicked")??);
        }
        anyhow::Ok(tallies)
    })?;
    report(cfg, tallies)
}

/// Merges the connections' tallies into the report of the window `cfg`
/// measured.
pub(super) fn report(cfg: &LoadConfig, tallies: Vec<Tally>) -> anyhow::Result<LoadReport> {
    let mut histogram = new_histogram()?;
    let (mut requests, mut answered, mut errors) = (0, 0, 0);
    for t in tallies {
        histogram.add(&t.histogram).context("merging histograms")?;
        requests += t.requests;
        answered += t.answered;
        errors += t.errors;
    }
    let secs = cfg.duration.as_secs_f64();
    Ok(LoadReport {
        requests,
        answered,
        errors,
        elapsed: cfg.duration,
        throughput: requests as f64 / secs,
        p50_us: histogram.value_at_quantile(0.50) as f64,
        p99_us: histogram.value_at_quantile(0.99) as f64,
        max_us: histogram.max() as f64,
    })
}

async fn connection<P: Protocol>(
    addr: std::net::SocketAddr,
    mut proto: P,
    pipeline: usize,
    start: Instant,
    end: Instant,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::new()?;
    let mut stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    let mut out = Vec::with_capacity(4096);
    let mut inbuf = vec![0u8; 64 * 1024];
    let (mut filled, mut consumed) = (0usize, 0usize);
    let mut sent: VecDeque<Instant> = VecDeque::with_capacity(pipeline);
    if let Some(request) = proto.upgrade_request() {
        filled = upgrade(&mut stream, &request, &mut inbuf).await?;
    }

    let mut to_send = pipeline;
    loop {
        if Instant::now() < end {
            out.clear();
            let now = Instant::now();
            for _ in 0..to_send {
                proto.next_request(&mut out);
                sent.push_back(now);
            }
            if !out.is_empty() {
                stream.write_all(&out).await?;
            }
        }
        to_send = 0;
        if sent.is_empty() {
            return Ok(tally);
        }
        // Read until at least one response is complete.
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut inbuf[filled..]))
            .await
            .context("no response within 10 s")??;
        if n == 0 {
            // The server closed while requests were in flight.
            tally.errors += sent.len() as u64;
            return Ok(tally);
        }
        filled += n;
        while let Some((len, is_error)) = proto.parse_response(&inbuf[consumed..filled])? {
            consumed += len;
            let now = Instant::now();
            let sent_at = sent.pop_front().context("a response nobody asked for")?;
            tally.answered += 1;
            if now >= start && now < end {
                tally.requests += 1;
                tally.errors += u64::from(is_error);
                let us = now.duration_since(sent_at).as_micros().max(1) as u64;
                tally.histogram.saturating_record(us);
            }
            to_send += 1;
        }
        // Keep unparsed bytes at the front; grow when one response outgrows the buffer.
        inbuf.copy_within(consumed..filled, 0);
        filled -= consumed;
        consumed = 0;
        if filled == inbuf.len() {
            inbuf.resize(inbuf.len() * 2, 0);
        }
    }
}

/// Sends `request` and reads its `101` answer; the bytes after the head
/// (the first frames, if the server was quick) are left at the start of
/// `inbuf`, and their count is returned.
async fn upgrade(
    stream: &mut TcpStream,
    request: &[u8],
    inbuf: &mut [u8],
) -> anyhow::Result<usize> {
    stream.write_all(request).await?;
    let mut filled = 0;
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut inbuf[filled..]))
            .await
            .context("no upgrade answer within 10 s")??;
        anyhow::ensure!(n > 0, "the server closed during the upgrade");
        filled += n;
        if let Some(end) = inbuf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            anyhow::ensure!(
                inbuf.starts_with(b"HTTP/1.1 101"),
                "upgrade refused: {}",
                String::from_utf8_lossy(&inbuf[..end])
            );
            inbuf.copy_within(end + 4..filled, 0);
            return Ok(filled - end - 4);
        }
        anyhow::ensure!(filled < inbuf.len(), "upgrade answer head too long");
    }
}

/// A small, fast, seedable generator (xorshift64*): key choice must not cost
/// more than the request it feeds, and runs must be repeatable.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced, xorshift needs a non-zero state).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
