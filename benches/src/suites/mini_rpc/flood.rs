//! `flood`: a client that sends 1 KB echo calls and pings and never reads
//! a reply, against a mini-rpc server in a process of its own, for 20 s
//! (the defect: the server once grew ~150 MB/s and kept it). The
//! runner reports the server's RSS (before, peak, after the flood's
//! connection is gone) and a well-behaved client's p99 before and during.
//! The tests run the same flood for 5 s; this is its full-length form.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use mini_rpc::frame::{Frame, PREFACE_LEN, Preface, Request, VERSION};
use mini_rpc::{CodecKind, Metadata};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::child::{ChildServer, announce_and_wait};
use super::runtimes::{one_worker, serve_ours};
use super::services::{EchoClient, EchoServer, OursEcho};
use crate::runner::util::rss_bytes;
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip};

/// Calls of the good client between two RSS samples.
const GOOD_BATCH: usize = 50;

pub(crate) struct FloodBench {
    quick: bool,
}

impl FloodBench {
    pub(crate) fn new() -> FloodBench {
        FloodBench { quick: false }
    }

    /// The flood's length: the 20 s, or 3 s for `--quick`.
    fn length(&self) -> Duration {
        Duration::from_secs(if self.quick { 3 } else { 20 })
    }
}

impl Comparison for FloodBench {
    fn crate_name(&self) -> &'static str {
        "mini-rpc"
    }

    fn bench(&self) -> &'static str {
        "flood"
    }

    fn describe(&self) -> String {
        "A client that never reads: after the preface it writes batches of 64 echo calls (1000-byte \
         string) and 64 pings as fast as the server takes them, and reads nothing, for the case's \
         length. The server (mini-rpc defaults: 1 MiB outbox per connection, 1024 calls in flight per \
         connection) runs in its own process (`benches __child mini-rpc flood-server`) on a 1-worker \
         runtime; its VmRSS is sampled between batches of 50 sequential calls of a second, \
         well-behaved client. rss_before: after the good client's 300 warm-up calls; rss_peak: the \
         highest sample during the flood; rss_after: 1 s after the flood's socket closed; p99_before / \
         p99: the good client's latency before and during the flood. The tests' bound on the growth \
         is 24 MiB."
            .into()
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        let secs = if quick { 3 } else { 20 };
        vec![format!("never-reading {secs}s")]
    }

    fn rounds(&self, _quick: bool) -> usize {
        1
    }

    fn prepare(
        &mut self,
        quick: bool,
        _prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.quick = quick;
        Ok((
            vec![Impl {
                name: "ours",
                config: "mini-rpc server defaults, own process, 1-worker runtime".into(),
            }],
            Vec::new(),
        ))
    }

    fn measure(
        &mut self,
        _case: &str,
        _imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let server = ChildServer::spawn(&["flood-server"])?;
        prov.command(server.command.clone());
        let rt = one_worker()?;
        let mut run = rt.block_on(flood(&server, self.length()))?;
        rt.shutdown_background();
        Ok(vec![
            Sample::new("rss_before", run.rss_before as f64, "bytes"),
            Sample::new("rss_peak", run.rss_peak as f64, "bytes"),
            Sample::new("rss_after", run.rss_after as f64, "bytes"),
            Sample::new("flood_accepted", run.accepted as f64, "bytes"),
            Sample::new("p99_before", p99_us(&mut run.before), "us"),
            Sample::new("p99", p99_us(&mut run.during), "us"),
        ])
    }
}

/// What one flood measured.
struct FloodRun {
    rss_before: u64,
    rss_peak: u64,
    rss_after: u64,
    /// Bytes the server took from the flood.
    accepted: usize,
    /// The good client's latencies before and during.
    before: Vec<Duration>,
    during: Vec<Duration>,
}

async fn flood(server: &ChildServer, length: Duration) -> anyhow::Result<FloodRun> {
    let good = EchoClient::new(mini_rpc::Client::connect(server.addr).await?);
    let before = calls(&good, 300).await?;
    let rss_before = rss_bytes(server.pid())?;
    let flood = tokio::spawn(never_read(server.addr, length));
    let (mut during, mut rss_peak) = (Vec::new(), rss_before);
    let end = Instant::now() + length;
    while Instant::now() < end {
        during.extend(calls(&good, GOOD_BATCH).await?);
        rss_peak = rss_peak.max(rss_bytes(server.pid())?);
    }
    let accepted = flood.await??;
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok(FloodRun {
        rss_before,
        rss_peak,
        rss_after: rss_bytes(server.pid())?,
        accepted,
        before,
        during,
    })
}

/// `n` sequential echo calls; their latencies.
async fn calls(client: &EchoClient, n: usize) -> anyhow::Result<Vec<Duration>> {
    let mut took = Vec::with_capacity(n);
    for i in 0..n {
        let sent = format!("call {i}");
        let started = Instant::now();
        let reply = client.echo(sent.clone()).await?;
        took.push(started.elapsed());
        anyhow::ensure!(reply == sent, "echo changed the payload");
    }
    Ok(took)
}

/// The 99th percentile of `took`, in microseconds (0 when empty).
fn p99_us(took: &mut [Duration]) -> f64 {
    took.sort_unstable();
    let Some(last) = took.len().checked_sub(1) else {
        return 0.0;
    };
    took[(took.len() * 99 / 100).min(last)].as_secs_f64() * 1e6
}

/// Writes calls and pings for `length` without reading; returns the bytes
/// the server accepted. Each write is bounded in time, so a server that
/// stops reading (backpressure) cannot hold the flood past its end.
async fn never_read(addr: SocketAddr, length: Duration) -> anyhow::Result<usize> {
    let mut stream = TcpStream::connect(addr).await?;
    let preface = Preface {
        version: VERSION,
        codec: CodecKind::Postcard.id(),
        status: 0,
    };
    stream.write_all(&preface.to_bytes()).await?;
    let mut answer = [0u8; PREFACE_LEN];
    stream.read_exact(&mut answer).await?;
    let mut batch = BytesMut::new();
    let body = CodecKind::Postcard.encode(&("x".repeat(1000),))?;
    for id in 0..64u64 {
        let call = Request {
            id,
            method: "Echo.echo".into(),
            deadline: None,
            metadata: Metadata::new(),
            payload: body.clone(),
        };
        Frame::Request(call).encode(&mut batch);
        Frame::Ping(id).encode(&mut batch);
    }
    let (mut accepted, mut at) = (0, 0);
    let end = Instant::now() + length;
    while Instant::now() < end {
        let write = stream.write(&batch[at..]);
        match tokio::time::timeout(Duration::from_millis(100), write).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                accepted += n;
                at = (at + n) % batch.len();
            }
            Err(_) => {} // the server is not reading: try again
        }
    }
    Ok(accepted)
}

/// `benches __child mini-rpc flood-server`: the echo server with
/// mini-rpc's default limits, until stdin closes.
pub(crate) fn serve() -> anyhow::Result<()> {
    let server = mini_rpc::Server::builder()
        .add_service(EchoServer::new(OursEcho))
        .build();
    let (addr, _rt) = serve_ours(server)?;
    announce_and_wait(addr)
}
