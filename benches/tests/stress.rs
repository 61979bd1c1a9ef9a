//! The stress tool against tiny servers written here: it must count every
//! response, frame pipelined responses correctly, and report errors.

use std::time::Duration;

use benches::stress::resp::{KeyDist, RespWorkload};
use benches::stress::{LoadConfig, http, resp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Starts a server on a background runtime that answers every `request_len`
/// bytes received with `reply`. Returns its address.
fn fixed_reply_server(request_len: usize, reply: &'static [u8]) -> std::net::SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send addr");
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut pending = 0usize;
                    loop {
                        let n = match sock.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        pending += n;
                        let complete = pending / request_len;
                        pending %= request_len;
                        let out: Vec<u8> = reply.repeat(complete);
                        if sock.write_all(&out).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    rx.recv().expect("server address")
}

fn config(addr: std::net::SocketAddr, pipeline: usize) -> LoadConfig {
    LoadConfig {
        addr,
        connections: 4,
        pipeline,
        duration: Duration::from_millis(300),
        warmup: Duration::from_millis(50),
        threads: 1,
    }
}

#[test]
fn http_load_counts_pipelined_responses() {
    let request = http::request("GET", "127.0.0.1", "/plaintext", b"");
    let reply: &'static [u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!";
    let addr = fixed_reply_server(request.len(), reply);
    let report = http::run(&config(addr, 16), &request).expect("load run");
    assert!(report.requests > 100, "only {} responses", report.requests);
    assert_eq!(report.errors, 0);
    assert!(report.p50_us > 0.0 && report.p99_us >= report.p50_us);
    assert!((report.throughput - report.requests as f64 / 0.3).abs() < 1.0);
}

#[test]
fn http_server_errors_are_counted() {
    let request = http::request("GET", "127.0.0.1", "/", b"");
    let reply: &'static [u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
    let addr = fixed_reply_server(request.len(), reply);
    let report = http::run(&config(addr, 1), &request).expect("load run");
    assert!(report.requests > 0);
    assert_eq!(report.errors, report.requests);
}

#[test]
fn resp_load_against_a_server_that_answers_ok() {
    // Every generated command has the same length: fixed key and value sizes.
    let workload = RespWorkload {
        mix: vec![(1, "SET key __data__".into())],
        keyspace: 1,
        value_size: 8,
        dist: KeyDist::Uniform,
        seed: 1,
    };
    let request_len = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$8\r\nxxxxxxxx\r\n".len();
    let addr = fixed_reply_server(request_len, b"+OK\r\n");
    let report = resp::run(&config(addr, 8), &workload).expect("load run");
    assert!(report.requests > 100);
    assert_eq!(report.errors, 0);
}
