//! Bench `sse`: one event fanned out to 1,000 Server-Sent Events
//! subscribers, ours vs axum 0.8 (`response::sse`).
//!
//! 1,000 connections `GET /sse` and wait for the response head (by then the
//! server has subscribed them to its broadcast channel). Then, ten times: a
//! `POST /publish` sends one event, and the figure is the time from writing
//! that request until the last subscriber has the event's `data:` line.

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::servers::{Which, impls, start};
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};
use crate::stress::http;

const SUBSCRIBERS: usize = 1000;
const EVENTS: usize = 10;
/// Server worker threads, as in bench `websocket`.
const SERVER_THREADS: usize = 1;
/// No single step may take longer (a stalled server fails the round, never hangs it).
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// The SSE fan-out comparison.
#[derive(Default)]
pub(crate) struct SseFanOut {
    subscribers: usize,
}

/// 1,000 subscribers; 200 in a `--quick` run.
fn subscribers(quick: bool) -> usize {
    if quick { 200 } else { SUBSCRIBERS }
}

/// Where `needle` starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One subscriber: subscribes, reports ready, then reports the arrival of
/// each of the `EVENTS` events (`data: tick-<k>`), in order.
async fn subscriber(
    addr: std::net::SocketAddr,
    ready: mpsc::UnboundedSender<()>,
    arrived: mpsc::UnboundedSender<(usize, Instant)>,
) -> anyhow::Result<()> {
    let mut s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    s.write_all(&http::request("GET", &addr.to_string(), "/sse", b""))
        .await?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            break end;
        }
        let n = s.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "closed before the head");
        buf.extend_from_slice(&chunk[..n]);
    };
    anyhow::ensure!(buf.starts_with(b"HTTP/1.1 200"), "not a 200 stream");
    buf.drain(..head_end + 4);
    let _ = ready.send(());
    for k in 0..EVENTS {
        let marker = format!("data: tick-{k}\n");
        loop {
            if let Some(at) = find(&buf, marker.as_bytes()) {
                let _ = arrived.send((k, Instant::now()));
                buf.drain(..at + marker.len());
                break;
            }
            let n = s.read(&mut chunk).await?;
            anyhow::ensure!(n > 0, "the stream ended before event {k}");
            buf.extend_from_slice(&chunk[..n]);
        }
    }
    Ok(())
}

/// Sends `POST /publish` with `body` on the keep-alive `conn` and reads the answer.
async fn publish(conn: &mut TcpStream, host: &str, body: &str) -> anyhow::Result<()> {
    conn.write_all(&http::request("POST", host, "/publish", body.as_bytes()))
        .await?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        if let Some((len, _)) = http::response_len(&buf)? {
            anyhow::ensure!(buf.starts_with(b"HTTP/1.1 200"), "publish refused");
            buf.drain(..len);
            return Ok(());
        }
        let n = conn.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "the server closed the publisher");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Subscribes `subscribers` clients, publishes `EVENTS` events one after
/// another, and returns each event's time until all had it, in microseconds.
async fn fan_out(addr: std::net::SocketAddr, subscribers: usize) -> anyhow::Result<Vec<f64>> {
    let (ready_tx, mut ready) = mpsc::unbounded_channel();
    let (arrived_tx, mut arrived) = mpsc::unbounded_channel();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..subscribers {
        tasks.spawn(subscriber(addr, ready_tx.clone(), arrived_tx.clone()));
    }
    for _ in 0..subscribers {
        tokio::time::timeout(STEP_TIMEOUT, ready.recv())
            .await
            .context("subscribers not connected in time")?
            .context("a subscriber failed before subscribing")?;
    }
    let mut publisher = TcpStream::connect(addr).await?;
    publisher.set_nodelay(true)?;
    let host = addr.to_string();
    let mut times = Vec::with_capacity(EVENTS);
    for k in 0..EVENTS {
        let sent = Instant::now();
        publish(&mut publisher, &host, &format!("tick-{k}")).await?;
        let mut last = sent;
        for _ in 0..subscribers {
            let (event, at) = tokio::time::timeout(STEP_TIMEOUT, arrived.recv())
                .await
                .with_context(|| format!("event {k} did not reach every subscriber in time"))?
                .context("a subscriber failed")?;
            anyhow::ensure!(event == k, "event {event} arrived while waiting for {k}");
            last = last.max(at);
        }
        times.push(last.duration_since(sent).as_micros() as f64);
    }
    // Ends the streams, so the server's graceful shutdown has nothing endless to wait for.
    publish(&mut publisher, &host, super::live_routes::END).await?;
    tasks.abort_all();
    Ok(times)
}

impl Comparison for SseFanOut {
    fn crate_name(&self) -> &'static str {
        "mini-web"
    }

    fn bench(&self) -> &'static str {
        "sse"
    }

    fn describe(&self) -> String {
        format!(
            "SSE fan-out: {} connections (200 with --quick) GET /sse (text/event-stream fed by a tokio broadcast channel) and wait for \
             the response head; then {EVENTS} times a POST /publish on another keep-alive connection sends one event, \
             and the figure is the time from writing that request until the last subscriber has read the event's \
             data line; `time` is the median of the {EVENTS}, `max` the slowest. Both servers run in this process on a \
             tokio current-thread runtime (t={SERVER_THREADS}); the subscribers are tasks on a 2-thread client \
             runtime. ours: mini_web::sse::Sse::channel, one forwarding task per subscriber. axum: \
             axum::response::sse::Sse over a stream polling the broadcast receiver.",
            SUBSCRIBERS
        )
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        vec![format!("subscribers={}", subscribers(quick))]
    }

    fn targets(&self) -> Vec<Target> {
        vec![Target::at_most("axum", "time", 1.0)]
    }

    fn rounds(&self, quick: bool) -> usize {
        if quick { 1 } else { 3 }
    }

    fn prepare(
        &mut self,
        quick: bool,
        _prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.subscribers = subscribers(quick);
        Ok((impls(), Vec::new()))
    }

    fn measure(
        &mut self,
        _case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let server = start(Which::from_name(imp)?, SERVER_THREADS)?;
        prov.command(format!(
            "in-process: {} SSE subscribers on GET /sse, {EVENTS} x POST /publish, {imp} server, t={SERVER_THREADS}",
            self.subscribers
        ));
        let client = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let result = client.block_on(fan_out(server.addr, self.subscribers));
        drop(client);
        drop(server);
        let mut times = result?;
        times.sort_by(f64::total_cmp);
        Ok(vec![
            Sample::new("time", times[times.len() / 2], "us"),
            Sample::new("max", times[times.len() - 1], "us"),
        ])
    }
}
