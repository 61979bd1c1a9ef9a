//! Memory limits under hostile clients, measured on the server's RSS (it
//! runs in this process): a client that sends calls and never reads the
//! replies, and connections that send half of a 16 MiB frame and stall.
//! Meanwhile a well-behaved client's calls must keep a normal latency.
//!
//! The tests share the process's RSS, so they run one at a time.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use common::{EchoClient, start};
use mini_rpc::frame::{DEFAULT_MAX_FRAME, Frame, Request};
use mini_rpc::{Client, CodecKind, Metadata, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Mutex;
use tokio::time::Instant;

/// One memory test at a time: they read the same RSS.
static SERIAL: Mutex<()> = Mutex::const_new(());

/// How long the never-reading client runs: 5 s in CI; the 20 s
/// form with `MINI_RPC_FLOOD_SECS=20` (at most 120).
fn flood_for() -> Duration {
    let secs = std::env::var("MINI_RPC_FLOOD_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(5);
    Duration::from_secs(secs.clamp(1, 120))
}

/// What the never-reading client may add to the server's RSS: the 1 MiB
/// outbox, 1024 calls waiting with their 1 KB replies, read buffers, and
/// the allocator's slack. Before the outbox was bounded, this flood added
/// 77 MB in 5 s (debug build) and kept growing.
const FLOOD_RSS_BOUND: u64 = 24 * 1024 * 1024;

fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kb.unwrap_or(0) * 1024
}

async fn handshake(stream: &mut TcpStream) {
    stream.write_all(b"MRPC\x01\x01\x00\x00").await.unwrap();
    let mut reply = [0u8; 8];
    stream.read_exact(&mut reply).await.unwrap();
    assert_eq!(reply[6], 0, "preface accepted");
}

/// Writes `bytes` from `off` with one `write` bounded in time; returns the
/// new offset (a cancelled single `write` loses nothing, unlike `write_all`).
async fn write_some(stream: &mut TcpStream, bytes: &[u8], off: usize) -> Option<usize> {
    match tokio::time::timeout(Duration::from_millis(100), stream.write(&bytes[off..])).await {
        Ok(Ok(0)) | Ok(Err(_)) => None,
        Ok(Ok(n)) => Some(off + n),
        Err(_) => Some(off),
    }
}

/// Sends 1 KB echo calls and pings for `run`, never reading; returns the
/// bytes the server accepted.
async fn never_read(addr: SocketAddr, run: Duration) -> usize {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    handshake(&mut stream).await;
    let mut batch = BytesMut::new();
    let msg = "x".repeat(1000);
    for i in 0..64u64 {
        Frame::Request(Request {
            id: i,
            method: "Echo.echo".into(),
            deadline: None,
            metadata: Metadata::new(),
            payload: CodecKind::Postcard.encode(&(&msg,)).unwrap(),
        })
        .encode(&mut batch);
        Frame::Ping(i).encode(&mut batch);
    }
    let (mut sent, mut off) = (0, 0);
    let end = Instant::now() + run;
    while Instant::now() < end {
        let Some(next) = write_some(&mut stream, &batch, off).await else {
            break;
        };
        sent += next - off;
        off = if next == batch.len() { 0 } else { next };
    }
    sent
}

/// Latencies of `n` sequential calls, sorted.
async fn latencies(client: &EchoClient, n: usize) -> Vec<Duration> {
    let mut all = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        assert_eq!(client.echo(format!("m{i}")).await.unwrap(), format!("m{i}"));
        all.push(started.elapsed());
    }
    all.sort();
    all
}

fn p99(sorted: &[Duration]) -> Duration {
    sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_bounded_and_others_keep_a_normal_latency() {
    let _serial = SERIAL.lock().await;
    // Two connections: the good client's and the flood's. The flood's slot
    // comes back only when its connection (and what it holds) is gone.
    let server = start(Server::builder().max_connections(2)).await;
    let good = EchoClient::new(Client::connect(server.addr).await.unwrap());
    let baseline = latencies(&good, 300).await;
    let before = rss();

    let run = flood_for();
    let flood = tokio::spawn(never_read(server.addr, run));
    let (mut during, mut peak) = (Vec::new(), before);
    let end = Instant::now() + run;
    while Instant::now() < end {
        during.extend(latencies(&good, 50).await);
        peak = peak.max(rss());
    }
    let sent = flood.await.unwrap();
    during.sort();
    let grown = peak.saturating_sub(before);
    println!(
        "flood sent {} KiB; server RSS {} MiB -> peak {} MiB (+{} KiB); good client p99 {:?} before, {:?} during ({} calls)",
        sent / 1024,
        before >> 20,
        peak >> 20,
        grown / 1024,
        p99(&baseline),
        p99(&during),
        during.len()
    );
    assert!(grown < FLOOD_RSS_BOUND, "RSS grew by {grown} bytes");
    let normal = (p99(&baseline) * 20).max(Duration::from_millis(100));
    assert!(
        p99(&during) < normal,
        "p99 {:?} during the flood",
        p99(&during)
    );

    // The flood's socket is closed (dropped, its unread replies make the
    // kernel reset it): its connection ends and frees its slot.
    let freed = async {
        loop {
            if Client::connect(server.addr).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let freed = tokio::time::timeout(Duration::from_secs(10), freed).await;
    assert!(freed.is_ok(), "the flood's connection was never released");
    server.shutdown().await;
}

/// Connects with a small send buffer, so the kernel holds little of what
/// the server declines to read.
async fn small_buffered(addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_send_buffer_size(64 * 1024).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    handshake(&mut stream).await;
    stream
}

/// The first half of a 16 MiB request: its head and 8 MiB of body.
fn half_frame() -> Vec<u8> {
    let mut bytes = Vec::with_capacity(8 * 1024 * 1024);
    bytes.extend_from_slice(&((DEFAULT_MAX_FRAME - 4) as u32).to_be_bytes());
    bytes.push(1); // kind: request
    bytes.extend_from_slice(&1u64.to_be_bytes());
    bytes.resize(8 * 1024 * 1024, 0);
    bytes
}

/// Sends `bytes` (as much as the server takes within `within`), then
/// stalls. Returns once the server closed the connection, or `false` if it
/// did not within `within`.
async fn stall_after(addr: SocketAddr, bytes: Arc<Vec<u8>>, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut stream = small_buffered(addr).await;
    let mut off = 0;
    while off < bytes.len() && Instant::now() < deadline {
        match write_some(&mut stream, &bytes, off).await {
            Some(next) => off = next,
            None => return true, // the server closed it mid-write
        }
    }
    let mut sink = [0u8; 64];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut sink)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_half_frames_are_timed_out_and_the_budget_caps_their_memory() {
    let _serial = SERIAL.lock().await;
    let budget = 32 * 1024 * 1024;
    let builder = Server::builder()
        .frame_read_timeout(Duration::from_secs(1))
        .max_buffered_bytes(budget);
    let server = start(builder).await;
    let good = EchoClient::new(Client::connect(server.addr).await.unwrap());
    let baseline = latencies(&good, 300).await;
    let before = rss();

    // One buffer shared by the 100 senders: this process's RSS is the
    // server's plus theirs.
    let half = Arc::new(half_frame());
    let before = before + half.len() as u64;
    let stalled: Vec<_> = (0..100)
        .map(|_| {
            tokio::spawn(stall_after(
                server.addr,
                half.clone(),
                Duration::from_secs(10),
            ))
        })
        .collect();
    let (mut during, mut peak) = (Vec::new(), before);
    while stalled.iter().any(|t| !t.is_finished()) {
        during.extend(latencies(&good, 20).await);
        peak = peak.max(rss());
    }
    let mut closed = 0;
    for task in stalled {
        closed += usize::from(task.await.unwrap());
    }
    during.sort();
    let grown = peak.saturating_sub(before);
    println!(
        "{closed}/100 stalled connections closed by the server; RSS +{} KiB at peak; good client p99 {:?} before, {:?} during",
        grown / 1024,
        p99(&baseline),
        p99(&during)
    );
    assert_eq!(closed, 100, "every stalled connection is closed");
    // The budget, plus 100 read buffers of 64 KiB and some slack; without
    // the budget and the timeout, 100 half frames held 806 MB.
    let bound = budget as u64 + 16 * 1024 * 1024;
    assert!(grown < bound, "RSS grew by {grown} bytes");
    assert!(
        p99(&during) < Duration::from_millis(500),
        "p99 {:?}",
        p99(&during)
    );
    server.shutdown().await;
}
