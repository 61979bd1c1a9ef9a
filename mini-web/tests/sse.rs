//! Server-Sent Events at the wire: the stream's head and chunked events,
//! `Last-Event-ID`, keep-alive comments, the connection serving the next
//! request after a stream ends, a client that goes away ending its
//! producer, and curl `-N` as a real client.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::spawn;
use mini_web::Router;
use mini_web::extract::State;
use mini_web::http::Limits;
use mini_web::router::get;
use mini_web::sse::{Event, LastEventId, Sse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Producers still running.
type Live = Arc<AtomicUsize>;

fn app(live: Live) -> Router<Live> {
    Router::with_state(live)
        // Three events numbered after the client's Last-Event-ID, then the end.
        .route(
            "/three",
            get(|LastEventId(last): LastEventId| async move {
                let start: u32 = last.and_then(|l| l.parse().ok()).unwrap_or(0);
                let (tx, sse) = Sse::channel(4);
                tokio::spawn(async move {
                    for i in start + 1..=start + 3 {
                        let ev = Event::default()
                            .event("tick")
                            .id(&i.to_string())
                            .data(&format!("tick {i}"));
                        if tx.send(ev).await.is_err() {
                            return;
                        }
                    }
                });
                sse
            }),
        )
        // Endless: an event every 20 ms until the client is gone.
        .route(
            "/endless",
            get(|State(live): State<Live>| async move {
                let (tx, sse) = Sse::channel(4);
                live.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut i = 0u64;
                    while tx.send(Event::default().data(&i.to_string())).await.is_ok() {
                        i += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    live.fetch_sub(1, Ordering::SeqCst);
                });
                sse
            }),
        )
        // Nothing but keep-alive comments.
        .route(
            "/quiet",
            get(|| async {
                let (tx, sse) = Sse::channel(1);
                // Held by the stream's lifetime: dropped when the response is.
                tokio::spawn(async move { tx.closed().await });
                sse.keep_alive(Some(Duration::from_millis(50)))
            }),
        )
        .route("/plain", get(|| async { "plain" }))
}

/// Reads until `needle` has arrived (or 5 s pass); returns everything read.
async fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !String::from_utf8_lossy(&buf).contains(needle) {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "timed out waiting for {needle:?} in {:?}",
                    String::from_utf8_lossy(&buf)
                )
            })
            .unwrap();
        assert!(
            n > 0,
            "closed before {needle:?}: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn events_resume_after_last_event_id_and_the_connection_goes_on() {
    let (addr, _stop, _h) = spawn(app(Live::default()), Limits::default()).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /three HTTP/1.1\r\nHost: h\r\nLast-Event-ID: 5\r\n\r\n")
        .await
        .unwrap();
    let out = read_until(&mut s, "0\r\n\r\n").await;
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.contains("content-type: text/event-stream\r\n"), "{out}");
    assert!(out.contains("transfer-encoding: chunked\r\n"), "{out}");
    assert!(!out.contains("content-length"), "{out}");
    for i in 6..=8 {
        let ev = format!("event: tick\nid: {i}\ndata: tick {i}\n\n");
        assert!(
            out.contains(&format!("{:x}\r\n{ev}\r\n", ev.len())),
            "event {i} as one chunk: {out}"
        );
    }
    // The stream ended cleanly, so the connection serves the next request.
    s.write_all(b"GET /plain HTTP/1.1\r\nHost: h\r\n\r\n")
        .await
        .unwrap();
    read_until(&mut s, "plain").await;
}

#[tokio::test]
async fn keep_alive_comments_fill_the_quiet() {
    let (addr, _stop, _h) = spawn(app(Live::default()), Limits::default()).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /quiet HTTP/1.1\r\nHost: h\r\n\r\n")
        .await
        .unwrap();
    let out = read_until(&mut s, "3\r\n:\n\n\r\n3\r\n:\n\n\r\n").await;
    assert!(out.contains("text/event-stream"), "{out}");
}

#[tokio::test]
async fn a_client_that_goes_away_ends_its_producer() {
    let live = Live::default();
    let (addr, _stop, _h) = spawn(app(live.clone()), Limits::default()).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /endless HTTP/1.1\r\nHost: h\r\n\r\n")
            .await
            .unwrap();
        read_until(&mut s, "data: 2\n").await;
        clients.push(s);
    }
    assert_eq!(live.load(Ordering::SeqCst), 3, "three streams running");
    drop(clients);
    // The clients are gone; every producer must notice.
    let start = std::time::Instant::now();
    while live.load(Ordering::SeqCst) > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "a producer outlived its client"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn curl_n_receives_the_events() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: curl not installed — apt-get install -y curl");
        return;
    }
    let (addr, _stop, _h) = spawn(app(Live::default()), Limits::default()).await;
    let out = tokio::process::Command::new("curl")
        .args(["-N", "-s", "--max-time", "5", "-H", "Last-Event-ID: 1"])
        .arg(format!("http://{addr}/three"))
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "curl: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text,
        "event: tick\nid: 2\ndata: tick 2\n\nevent: tick\nid: 3\ndata: tick 3\n\nevent: tick\nid: 4\ndata: tick 4\n\n"
    );
}
