//! Memory stays flat under big bodies: ten clients upload and ten download
//! at once through the `streaming` example, run as its own process so that
//! its peak resident set (`VmHWM` in `/proc/<pid>/status`) is the server's
//! alone. Buffering bodies would need the sum of them in memory; streaming
//! needs a few chunks per connection.
//!
//! Size per client: `MINI_WEB_STREAM_MB` (default 8, so the test takes
//! seconds; the figure is `MINI_WEB_STREAM_MB=1024`, 10 × 1 GB each way).
//! Skips, saying why, without procfs or the example binary.

mod common;

use std::time::{Duration, Instant};

use common::example::ExampleServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CLIENTS: usize = 10;
/// Peak RSS allowed to the server, whatever the body sizes.
const PEAK_LIMIT_KIB: u64 = 64 * 1024;

fn megabytes() -> u64 {
    std::env::var("MINI_WEB_STREAM_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

/// Uploads `n` zero bytes; returns the server's answer.
async fn upload(port: u16, n: u64) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "PUT /upload HTTP/1.1\r\nHost: h\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let block = vec![0u8; 64 * 1024];
    let mut left = n;
    while left > 0 {
        let take = left.min(block.len() as u64) as usize;
        s.write_all(&block[..take]).await.unwrap();
        left -= take as u64;
    }
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

/// Downloads `n` bytes; returns how many body bytes came and whether the
/// first ones follow the example's pattern.
async fn download(port: u16, n: u64) -> (u64, bool) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let req = format!("GET /download/{n} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let mut body = 0u64;
    let mut pattern_ok = false;
    loop {
        let k = s.read(&mut buf).await.unwrap();
        if k == 0 {
            return (body, pattern_ok);
        }
        if body == 0 && !pattern_ok {
            head.extend_from_slice(&buf[..k]);
            if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                let first = &head[end + 4..];
                pattern_ok = first.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8);
                body = first.len() as u64;
                head.clear();
            }
        } else {
            body += k as u64;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_uploads_and_ten_downloads_keep_the_server_small() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("skipped: no /proc to read the server's RSS from (Linux only)");
        return;
    }
    let Some(server) = ExampleServer::start("streaming", &[]) else {
        return;
    };
    let n = megabytes() << 20;
    let before = server.status_kib("VmRSS").unwrap_or(0);
    let start = Instant::now();
    let port = server.port;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        tasks.spawn(async move { (Some(upload(port, n).await), None) });
        tasks.spawn(async move { (None, Some(download(port, n).await)) });
    }
    let all = tokio::time::timeout(Duration::from_secs(600), tasks.join_all())
        .await
        .expect("transfers took over 600 s");
    let elapsed = start.elapsed();
    for (up, down) in all {
        if let Some(up) = up {
            assert!(up.contains(&format!("bytes={n} ")), "{up}");
        }
        if let Some((got, pattern_ok)) = down {
            assert_eq!(got, n, "download length");
            assert!(pattern_ok, "download content");
        }
    }
    let peak = server.status_kib("VmHWM").expect("VmHWM");
    let moved = 2 * CLIENTS as u64 * n;
    eprintln!(
        "streamed {} MiB in {elapsed:?} ({CLIENTS} uploads + {CLIENTS} downloads of {} MiB); server RSS before {before} KiB, peak {peak} KiB",
        moved >> 20,
        n >> 20
    );
    assert!(
        peak < PEAK_LIMIT_KIB,
        "peak RSS {peak} KiB while moving {} MiB: bodies are being held",
        moved >> 20
    );
}
