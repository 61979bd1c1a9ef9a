//! Shared helpers for the wire tests: start a server on a free port, talk
//! raw bytes to it.

#![allow(dead_code)]

pub(crate) mod example;
pub(crate) mod process;

use std::net::SocketAddr;
use std::time::Duration;

use mini_web::http::Limits;
use mini_web::{Router, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serves `app` on 127.0.0.1 with `limits`; returns the address and a
/// sender that starts the graceful shutdown.
pub(crate) async fn spawn<S: Clone + Send + Sync + 'static>(
    app: Router<S>,
    limits: Limits,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = Server {
        limits,
        shutdown_deadline: Duration::from_secs(2),
    };
    let handle = tokio::spawn(async move {
        server
            .serve_with_shutdown(listener, app, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    (addr, tx, handle)
}

/// Sends `raw` and reads until the server closes (or 5 s pass).
pub(crate) async fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(raw).await.unwrap();
    read_to_close(&mut s).await
}

/// Reads until EOF (or 5 s pass); returns what arrived as lossy text.
pub(crate) async fn read_to_close(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads exactly `n` complete responses (each with a content-length body).
pub(crate) async fn read_responses(s: &mut TcpStream, n: usize) -> Vec<String> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    while out.len() < n {
        if let Some((len, text)) = split_response(&buf) {
            out.push(text);
            buf.drain(..len);
            continue;
        }
        let k = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(k > 0, "server closed after {} responses", out.len());
        buf.extend_from_slice(&chunk[..k]);
    }
    out
}

fn split_response(buf: &[u8]) -> Option<(usize, String)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0);
    (buf.len() >= end + len).then(|| {
        (
            end + len,
            String::from_utf8_lossy(&buf[..end + len]).into_owned(),
        )
    })
}

/// The status code of the first response in `text`.
pub(crate) fn status_of(text: &str) -> u16 {
    text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}
