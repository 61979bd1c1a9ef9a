//! Fairness under pipelining: connections that pipeline a long run of
//! requests must not hold up another client. The server runs on a
//! one-thread runtime of its own (the case where one busy task can starve
//! every other), while the test's clients run on plain threads.
//!
//! The assertion is about order, not time: the other client's requests all
//! complete while the pipeliners are still being served.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mini_web::router::get;
use mini_web::{Router, Server};

/// Requests each pipeliner sends in one go, without waiting for responses.
const PIPELINED: usize = 100_000;
/// Pipelining connections.
const PIPELINERS: usize = 2;
/// Requests the other client sends one at a time.
const PROBES: usize = 100;
const REQUEST: &[u8] = b"GET /plaintext HTTP/1.1\r\nHost: h\r\n\r\n";

/// Serves the app on its own thread and one-thread runtime; stops when the
/// returned sender is dropped.
fn serve() -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = mini_web::runtime(1).unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = Router::new().route("/plaintext", get(|| async { "Hello, World!" }));
            let signal = async {
                let _ = stopped.await;
            };
            let _ = Server::new()
                .serve_with_shutdown(listener, app, signal)
                .await;
        });
    });
    (addr, stop)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Sends one request and reads its whole response; returns its length.
fn one_request(s: &mut TcpStream) -> usize {
    s.write_all(REQUEST).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = s.read(&mut chunk).expect("the probe's response never came");
        assert!(n > 0, "server closed the probe connection");
        buf.extend_from_slice(&chunk[..n]);
        if buf.ends_with(b"Hello, World!") {
            return buf.len();
        }
    }
}

#[test]
fn a_pipelining_connection_does_not_hold_up_another_client() {
    let (addr, _stop) = serve();
    let response_len = one_request(&mut connect(addr));
    let served = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for _ in 0..PIPELINERS {
        let s = connect(addr);
        let mut writer = s.try_clone().unwrap();
        threads.push(std::thread::spawn(move || {
            let batch = REQUEST.repeat(1000);
            for _ in 0..PIPELINED / 1000 {
                if writer.write_all(&batch).is_err() {
                    return;
                }
            }
        }));
        let (mut reader, served) = (s, served.clone());
        threads.push(std::thread::spawn(move || {
            let mut bytes = 0;
            let mut chunk = vec![0u8; 64 * 1024];
            while bytes < PIPELINED * response_len {
                let before = bytes / response_len;
                match reader.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => bytes += n,
                }
                served.fetch_add(bytes / response_len - before, Ordering::Relaxed);
            }
        }));
    }
    // Start probing once the pipeliners are being served.
    let start = Instant::now();
    while served.load(Ordering::Relaxed) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "pipeliners got nothing"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut probe = connect(addr);
    for _ in 0..PROBES {
        assert_eq!(one_request(&mut probe), response_len);
    }
    let done_by_then = served.load(Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let total = served.load(Ordering::Relaxed);
    assert_eq!(
        total,
        PIPELINERS * PIPELINED,
        "every pipelined request answered"
    );
    assert!(
        done_by_then < total,
        "the probe's {PROBES} requests finished only after all {total} pipelined ones"
    );
    eprintln!("probe done after {done_by_then} of {total} pipelined responses");
}
