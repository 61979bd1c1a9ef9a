//! Streaming bodies at the wire: a request body pulled in pieces as it
//! arrives (length and chunked), nothing read before the first pull (no
//! `100 Continue` for a handler that never asks), an unread body closing the
//! connection unless it is all buffered, the buffering extractors' limits
//! mid-stream, a full-duplex echo, and backpressure both ways: a handler
//! that stops pulling stops the reads, a client that stops reading stops
//! the producer, and a client that vanishes ends it.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{read_responses, read_to_close, spawn, status_of};
use mini_web::extract::State;
use mini_web::http::{Limits, StatusCode};
use mini_web::router::{get, post};
use mini_web::stream::BodyStream;
use mini_web::{Body, IntoResponse, Response, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// What the handlers report back to the test.
#[derive(Clone, Default)]
struct Probe {
    /// Bytes a producer has handed to the server so far.
    produced: Arc<AtomicU64>,
    /// Producers still running.
    live: Arc<AtomicU64>,
    /// Bytes a slow handler has pulled so far.
    pulled: Arc<AtomicU64>,
    /// Lets the slow handler go on pulling.
    go: Arc<Notify>,
    /// Set (to 1) when the slow handler saw the body break off.
    broke: Arc<AtomicU64>,
}

async fn count(mut body: Body) -> Response {
    let (mut bytes, mut pieces) = (0usize, 0usize);
    loop {
        match body.chunk().await {
            Ok(Some(p)) => {
                bytes += p.len();
                pieces += 1;
            }
            Ok(None) => return format!("bytes={bytes} pieces={pieces}").into_response(),
            Err(e) => return Response::text(e.status(), e.to_string()),
        }
    }
}

fn app(probe: Probe) -> Router<Probe> {
    Router::with_state(probe)
        .route("/count", post(count))
        .route("/ignore", post(|| async { "ignored" }))
        .route("/echo", post(|body: Bytes| async move { body }))
        .route(
            "/duplex",
            post(|mut body: Body| async move {
                let (tx, stream) = BodyStream::channel(2);
                tokio::spawn(async move {
                    while let Ok(Some(p)) = body.chunk().await {
                        if tx.send(p).await.is_err() {
                            return;
                        }
                    }
                });
                let mut res = Response::new(StatusCode::OK);
                res.stream = Some(stream);
                res
            }),
        )
        // Pulls one piece, waits for the test's go, then pulls the rest.
        .route(
            "/slow",
            post(|State(p): State<Probe>, mut body: Body| async move {
                let mut go = Some(p.go.clone());
                loop {
                    match body.chunk().await {
                        Ok(Some(piece)) => {
                            p.pulled.fetch_add(piece.len() as u64, Ordering::SeqCst);
                        }
                        Ok(None) => return "done",
                        Err(_) => {
                            p.broke.store(1, Ordering::SeqCst);
                            return "broke";
                        }
                    }
                    if let Some(go) = go.take() {
                        go.notified().await;
                    }
                }
            }),
        )
        // Endless 16 KiB chunks, counted as handed over.
        .route(
            "/endless",
            get(|State(p): State<Probe>| async move {
                let (tx, stream) = BodyStream::channel(2);
                p.live.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let chunk = Bytes::from(vec![b'x'; 16 * 1024]);
                    while tx.send(chunk.clone()).await.is_ok() {
                        p.produced.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                    }
                    p.live.fetch_sub(1, Ordering::SeqCst);
                });
                let mut res = Response::new(StatusCode::OK);
                res.stream = Some(stream);
                res
            }),
        )
        // Promises 10 bytes, sends 4.
        .route(
            "/short",
            get(|| async {
                let (tx, stream) = BodyStream::sized(1, 10);
                tokio::spawn(async move { tx.send(Bytes::from_static(b"four")).await });
                let mut res = Response::new(StatusCode::OK);
                res.stream = Some(stream);
                res
            }),
        )
        .route("/plain", get(|| async { "plain" }))
}

fn limits() -> Limits {
    Limits {
        max_body_bytes: 1 << 30,
        keep_alive_timeout: Duration::from_secs(5),
        ..Limits::default()
    }
}

/// Polls `f` every 10 ms until it holds (or 5 s pass); returns whether it did.
async fn eventually(mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    f()
}

/// Waits until `counter` stops moving for 200 ms (bounded at 5 s); returns its value.
async fn settled(counter: &AtomicU64) -> u64 {
    let end = Instant::now() + Duration::from_secs(5);
    let mut last = counter.load(Ordering::SeqCst);
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = counter.load(Ordering::SeqCst);
        if now == last || Instant::now() > end {
            return now;
        }
        last = now;
    }
}

#[tokio::test]
async fn bodies_are_pulled_in_pieces_as_they_arrive() {
    let (addr, _stop, _h) = spawn(app(Probe::default()), limits()).await;
    let mut s = open(
        addr,
        b"POST /count HTTP/1.1\r\nHost: h\r\nContent-Length: 300000\r\n\r\n",
    )
    .await;
    for _ in 0..3 {
        s.write_all(&[7u8; 100_000]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = read_responses(&mut s, 1).await;
    assert!(r[0].contains("bytes=300000 pieces="), "{}", r[0]);
    let pieces: usize = r[0].rsplit('=').next().unwrap().parse().unwrap();
    assert!(pieces >= 3, "streamed, not buffered: {pieces} pieces");

    // Chunked, over several reads; the connection serves the next request.
    s.write_all(b"POST /count HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
        .await
        .unwrap();
    later(
        &mut s,
        b"lo\r\n6\r\n world\r\n0\r\n\r\nGET /plain HTTP/1.1\r\nHost: h\r\n\r\n",
    )
    .await;
    let r = read_responses(&mut s, 2).await;
    assert!(r[0].contains("bytes=11 "), "{}", r[0]);
    assert!(r[1].ends_with("plain"), "{}", r[1]);
}

#[tokio::test]
async fn nothing_is_read_before_the_first_pull() {
    let (addr, _stop, _h) = spawn(app(Probe::default()), limits()).await;
    // A handler that never pulls: no `100 Continue`, an answer, then close.
    let mut s = open(addr, b"POST /ignore HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n").await;
    let out = read_to_close(&mut s).await;
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(!out.contains("100 Continue"), "{out}");
    assert!(
        out.contains("connection: close\r\n") && out.ends_with("ignored"),
        "{out}"
    );

    // A handler that pulls: `100 Continue` once it asks, then the body.
    let mut s = open(
        addr,
        b"POST /count HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    )
    .await;
    let mut buf = [0u8; 25];
    s.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"hello").await.unwrap();
    let r = read_responses(&mut s, 1).await;
    assert!(r[0].ends_with("bytes=5 pieces=1"), "{}", r[0]);
}

#[tokio::test]
async fn an_unread_body_closes_the_connection_unless_buffered() {
    let (addr, _stop, _h) = spawn(app(Probe::default()), limits()).await;
    // All here: skipped, and the next request is served.
    let mut s = open(addr, b"POST /ignore HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /plain HTTP/1.1\r\nHost: h\r\n\r\n").await;
    let r = read_responses(&mut s, 2).await;
    assert!(!r[0].contains("connection: close"), "{}", r[0]);
    assert!(r[1].ends_with("plain"), "{}", r[1]);

    // Still coming: the answer says close, and the connection closes.
    let mut s = open(
        addr,
        b"POST /ignore HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n0123456789",
    )
    .await;
    let out = read_to_close(&mut s).await;
    assert!(
        out.contains("connection: close\r\n") && out.ends_with("ignored"),
        "{out}"
    );
}

#[tokio::test]
async fn buffering_extractors_keep_their_limits_mid_stream() {
    let small = Limits {
        max_body_bytes: 1000,
        ..limits()
    };
    let (addr, _stop, _h) = spawn(app(Probe::default()), small).await;
    // Chunked past the limit, after the head arrived alone: 413, then close.
    let mut s = open(
        addr,
        b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let chunk = format!("258\r\n{}\r\n", "a".repeat(600));
    let _ = s
        .write_all(format!("{chunk}{chunk}0\r\n\r\n").as_bytes())
        .await;
    let out = read_to_close(&mut s).await;
    assert_eq!(status_of(&out), 413, "{out}");
    assert!(out.contains("connection: close\r\n"), "{out}");

    // A broken chunk mid-stream: 400, then close.
    let mut s = open(
        addr,
        b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .await;
    later(&mut s, b"5\r\nhelloXX").await;
    let out = read_to_close(&mut s).await;
    assert_eq!(status_of(&out), 400, "{out}");
    assert!(out.contains("invalid chunk"), "{out}");
}

#[tokio::test]
async fn duplex_echo_streams_back_before_the_upload_ends() {
    let (addr, _stop, _h) = spawn(app(Probe::default()), limits()).await;
    let mut s = open(
        addr,
        b"POST /duplex HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .await;
    later(&mut s, b"5\r\nfirst\r\n").await;
    let head = read_until(&mut s, "first").await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("transfer-encoding: chunked\r\n"), "{head}");
    s.write_all(b"6\r\nsecond\r\n0\r\n\r\nGET /plain HTTP/1.1\r\nHost: h\r\n\r\n")
        .await
        .unwrap();
    let rest = read_until(&mut s, "plain").await;
    assert!(
        rest.contains("6\r\nsecond\r\n0\r\n\r\nHTTP/1.1 200 OK"),
        "{rest}"
    );
}

#[tokio::test]
async fn a_handler_that_stops_pulling_stops_the_reads() {
    let probe = Probe::default();
    let (addr, _stop, _h) = spawn(app(probe.clone()), limits()).await;
    let mut s = open(
        addr,
        b"POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000000\r\n\r\n",
    )
    .await;
    // Write until the socket refuses more for 200 ms (bounded at 256 MiB).
    let block = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    while written < 256 << 20 {
        match tokio::time::timeout(Duration::from_millis(200), s.write_all(&block)).await {
            Ok(Ok(())) => written += block.len() as u64,
            _ => break,
        }
    }
    assert!(
        written < 64 << 20,
        "the server kept reading: {written} bytes taken while the handler waited"
    );
    assert!(
        probe.pulled.load(Ordering::SeqCst) <= 128 * 1024,
        "one piece pulled"
    );
    // The client vanishes; once the handler pulls again, the body breaks off.
    drop(s);
    probe.go.notify_one();
    assert!(eventually(|| probe.broke.load(Ordering::SeqCst) == 1).await);
}

#[tokio::test]
async fn a_client_that_stops_reading_stops_the_producer_and_leaving_ends_it() {
    let probe = Probe::default();
    let (addr, _stop, _h) = spawn(app(probe.clone()), limits()).await;
    let mut s = open(addr, b"GET /endless HTTP/1.1\r\nHost: h\r\n\r\n").await;
    let mut first = [0u8; 64];
    s.read_exact(&mut first).await.unwrap();
    let stalled = settled(&probe.produced).await;
    assert!(
        stalled < 64 << 20,
        "the producer ran on while nobody read: {stalled} bytes"
    );
    assert_eq!(probe.live.load(Ordering::SeqCst), 1);
    drop(s);
    assert!(
        eventually(|| probe.live.load(Ordering::SeqCst) == 0).await,
        "the producer outlived its client"
    );
}

#[tokio::test]
async fn a_sized_stream_that_ends_short_closes_the_connection() {
    let (addr, _stop, _h) = spawn(app(Probe::default()), limits()).await;
    let mut s = open(addr, b"GET /short HTTP/1.1\r\nHost: h\r\n\r\n").await;
    let out = read_to_close(&mut s).await;
    assert!(out.contains("content-length: 10\r\n"), "{out}");
    assert!(
        out.ends_with("\r\n\r\nfour"),
        "truncated, then closed: {out}"
    );
}

/// Connects and sends `first` (a head, perhaps with part of its body).
async fn open(addr: std::net::SocketAddr, first: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(first).await.unwrap();
    s
}

/// Sends `more` after a pause, so that it arrives in a read of its own.
async fn later(s: &mut TcpStream, more: &[u8]) {
    tokio::time::sleep(Duration::from_millis(20)).await;
    s.write_all(more).await.unwrap();
}

/// Reads until `needle` has arrived (or 5 s pass); returns everything read.
async fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = Instant::now() + Duration::from_secs(5);
    while !String::from_utf8_lossy(&buf).contains(needle) && Instant::now() < end {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}
