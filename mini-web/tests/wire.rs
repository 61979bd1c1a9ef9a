//! The server at the wire with real clients: reqwest (hyper's client), curl
//! where installed, and raw bytes for pipelining, keep-alive, `100-continue`,
//! `HEAD`, HTTP/1.0, clients that stop reading or vanish mid-body, panics,
//! and graceful shutdown.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{read_responses, read_to_close, spawn, status_of};
use mini_web::extract::{Json, Path, Query, State};
use mini_web::http::{Limits, StatusCode};
use mini_web::middleware::{catch_panic, request_id};
use mini_web::router::{get, post};
use mini_web::{Request, Router};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Message {
    message: String,
}

#[derive(Deserialize)]
struct Greet {
    name: String,
}

fn app() -> Router<std::sync::Arc<std::sync::atomic::AtomicU64>> {
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    Router::with_state(hits)
        .route("/plaintext", get(|| async { "Hello, World!" }))
        .route(
            "/json",
            get(|| async {
                Json(Message {
                    message: "Hello, World!".into(),
                })
            }),
        )
        .route(
            "/user/{id}",
            get(|Path(id): Path<u32>| async move { format!("user {id}") }),
        )
        .route("/echo", post(|body: Bytes| async move { body }))
        .route(
            "/greet",
            get(|Query(g): Query<Greet>| async move { format!("hi {}", g.name) }),
        )
        .route(
            "/hits",
            get(
                |State(h): State<std::sync::Arc<std::sync::atomic::AtomicU64>>| async move {
                    h.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                        .to_string()
                },
            ),
        )
        .route(
            "/panic",
            get(|| async { if true { panic!("boom") } else { "" } }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "slow done"
            }),
        )
        .route(
            "/id",
            get(|req: Request| async move {
                req.header_str("x-request-id").unwrap_or("none").to_string()
            }),
        )
        .layer(request_id())
        .layer(catch_panic())
}

fn limits() -> Limits {
    Limits {
        max_body_bytes: 1024 * 1024,
        ..Limits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_client_gets_every_route() {
    let (addr, _stop, _h) = spawn(app(), limits()).await;
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();

    let res = client
        .get(format!("{base}/plaintext"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(res.headers().contains_key("date"));
    assert_eq!(res.text().await.unwrap(), "Hello, World!");

    let m: Message = client
        .get(format!("{base}/json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m.message, "Hello, World!");

    assert_eq!(
        client
            .get(format!("{base}/user/42"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "user 42"
    );
    let res = client.get(format!("{base}/user/abc")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.text().await.unwrap(),
        "path parameter `id`: cannot parse \"abc\" as u32"
    );

    let body = vec![7u8; 300_000];
    let res = client
        .post(format!("{base}/echo"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.bytes().await.unwrap(), body);

    // Too big: 413 without reading it all.
    let res = client
        .post(format!("{base}/echo"))
        .body(vec![0u8; 2 * 1024 * 1024])
        .send()
        .await;
    if let Ok(res) = res {
        assert_eq!(res.status(), 413);
    }

    assert_eq!(
        client
            .get(format!("{base}/greet?name=ann"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "hi ann"
    );
    let res = client
        .delete(format!("{base}/plaintext"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
    assert_eq!(
        client
            .get(format!("{base}/missing"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Keep-alive: the state counter proves one server, the pool reuses one connection.
    let a: u64 = client
        .get(format!("{base}/hits"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .parse()
        .unwrap();
    let b: u64 = client
        .get(format!("{base}/hits"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(b, a + 1);

    let res = client
        .get(format!("{base}/id"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    assert_eq!(res.text().await.unwrap(), "abc-123");
    let res = client.get(format!("{base}/id")).send().await.unwrap();
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(res.text().await.unwrap(), generated);
}

#[tokio::test]
async fn keep_alive_reuses_one_connection_and_panics_keep_it_alive() {
    let (addr, _stop, _h) = spawn(app(), limits()).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    for path in ["/plaintext", "/panic", "/json", "/panic", "/plaintext"] {
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: h\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let r = read_responses(&mut s, 1).await;
        let want = if path == "/panic" { 500 } else { 200 };
        assert_eq!(status_of(&r[0]), want, "{path}: {}", r[0]);
    }
}

// On the multi-thread runtime: ordering must not depend on a single thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_come_back_in_order() {
    let (addr, _stop, _h) = spawn(app(), limits()).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut batch = String::new();
    for i in 0..32 {
        batch.push_str(&format!("GET /user/{i} HTTP/1.1\r\nHost: h\r\n\r\n"));
    }
    // One slow request in the middle must not let later ones overtake it.
    batch.push_str("GET /slow HTTP/1.1\r\nHost: h\r\n\r\nPOST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
    // Split at an awkward place to exercise partial reads.
    let (a, b) = batch.as_bytes().split_at(101);
    s.write_all(a).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    s.write_all(b).await.unwrap();
    let responses = read_responses(&mut s, 34).await;
    for (i, r) in responses.iter().take(32).enumerate() {
        assert!(r.ends_with(&format!("user {i}")), "response {i}: {r}");
    }
    assert!(responses[32].ends_with("slow done"));
    assert!(responses[33].ends_with("hello"));
}

#[tokio::test]
async fn expect_continue_head_and_http10() {
    let (addr, _stop, _h) = spawn(app(), limits()).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = [0u8; 25];
    s.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"ping").await.unwrap();
    let r = read_responses(&mut s, 1).await;
    assert!(
        r[0].starts_with("HTTP/1.1 200 OK") && r[0].ends_with("ping"),
        "{}",
        r[0]
    );

    // Too large with Expect: refused at once, the body never sent.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n").await.unwrap();
    assert_eq!(status_of(&read_to_close(&mut s).await), 413);

    // HEAD: the GET's headers and length, no body.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"HEAD /plaintext HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let out = read_to_close(&mut s).await;
    assert!(
        out.contains("content-length: 13\r\n") && out.ends_with("\r\n\r\n"),
        "{out}"
    );

    // HTTP/1.0 with keep-alive stays open and says so.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .await
        .unwrap();
    let r = read_responses(&mut s, 1).await;
    assert!(r[0].contains("connection: keep-alive"), "{}", r[0]);
    s.write_all(b"GET /plaintext HTTP/1.0\r\n\r\n")
        .await
        .unwrap();
    let out = read_to_close(&mut s).await;
    assert!(
        out.contains("connection: close") && out.ends_with("Hello, World!"),
        "{out}"
    );
}

#[tokio::test]
async fn client_that_stops_reading_does_not_stall_others() {
    let (addr, _stop, _h) = spawn(app(), limits()).await;
    // Pipeline ~32 MB of requests (echoed back) and never read: more than
    // loopback socket buffers hold, so the server must block on that socket.
    let mut greedy = TcpStream::connect(addr).await.unwrap();
    let req = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 65536\r\n\r\n".to_string()
        + &"x".repeat(65536);
    let writer = tokio::spawn(async move {
        for _ in 0..512 {
            if greedy.write_all(req.as_bytes()).await.is_err() {
                break;
            }
        }
        greedy
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The server is backpressured on that connection (the writer is stuck),
    // yet another client is served at once.
    let client = reqwest::Client::new();
    let res = tokio::time::timeout(
        Duration::from_secs(2),
        client.get(format!("http://{addr}/plaintext")).send(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        !writer.is_finished(),
        "the server should have stopped reading from the greedy client"
    );
    writer.abort();
}

#[tokio::test]
async fn client_that_disconnects_mid_body_is_dropped_quietly() {
    let (addr, _stop, _h) = spawn(app(), limits()).await;
    for _ in 0..10 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\nonly part")
            .await
            .unwrap();
        drop(s);
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(
            b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
        )
        .await
        .unwrap();
        drop(s);
    }
    let res = reqwest::get(format!("http://{addr}/plaintext"))
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "Hello, World!");
}

#[tokio::test(start_paused = true)]
async fn slowloris_gets_408_and_idle_connections_close() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(2),
        keep_alive_timeout: Duration::from_secs(3),
        ..Limits::default()
    };
    let (addr, _stop, _h) = spawn(app(), limits).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: h\r\n")
        .await
        .unwrap();
    // Paused time: the runtime jumps to the timer when every task is idle.
    let out = read_to_close(&mut s).await;
    assert_eq!(status_of(&out), 408, "{out}");

    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /plaintext HTTP/1.1\r\nHost: h\r\n\r\n")
        .await
        .unwrap();
    let out = read_to_close(&mut idle).await;
    assert!(
        out.ends_with("Hello, World!"),
        "closed after the idle timeout with the one response: {out}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_idle_timeout_counts_from_the_last_request() {
    // One timer per connection, armed at accept and re-armed when it fires
    // early: requests every 2 s keep a 3 s idle timeout from closing, and
    // silence then closes within it.
    let limits = Limits {
        keep_alive_timeout: Duration::from_secs(3),
        ..Limits::default()
    };
    let (addr, _stop, _h) = spawn(app(), limits).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let start = tokio::time::Instant::now();
    for _ in 0..4 {
        s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: h\r\n\r\n")
            .await
            .unwrap();
        let r = read_responses(&mut s, 1).await;
        assert!(r[0].ends_with("Hello, World!"), "{}", r[0]);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let out = read_to_close(&mut s).await;
    assert!(out.is_empty(), "{out}");
    let open_for = start.elapsed();
    assert!(
        open_for >= Duration::from_secs(9) && open_for < Duration::from_secs(12),
        "closed {open_for:?} after the first request; the last came at 6 s"
    );
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests() {
    let (addr, stop, handle) = spawn(app(), limits()).await;
    let mut busy = TcpStream::connect(addr).await.unwrap();
    busy.write_all(b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /plaintext HTTP/1.1\r\nHost: h\r\n\r\n")
        .await
        .unwrap();
    read_responses(&mut idle, 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).unwrap();
    let out = read_to_close(&mut busy).await;
    assert!(
        out.contains("connection: close") && out.ends_with("slow done"),
        "{out}"
    );
    assert_eq!(
        read_to_close(&mut idle).await,
        "",
        "idle connection closed without a response"
    );
    tokio::time::timeout(Duration::from_secs(3), handle)
        .await
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "listener closed");
}

#[tokio::test]
async fn curl_where_installed() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("curl not installed (apt-get install -y curl); skipping");
        return;
    }
    let (addr, _stop, _h) = spawn(app(), limits()).await;
    let out = tokio::process::Command::new("curl")
        .args(["-sS", "-i", "--http1.1"])
        .arg(format!("http://{addr}/plaintext"))
        .arg(format!("http://{addr}/user/7"))
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(
        text.contains("Hello, World!") && text.ends_with("user 7"),
        "{text}"
    );
    let out = tokio::process::Command::new("curl")
        .args([
            "-sS",
            "--http1.1",
            "-H",
            "Content-Type: application/octet-stream",
            "--data-binary",
            "@-",
        ])
        .arg(format!("http://{addr}/echo"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = out;
    let mut stdin = out.stdin.take().unwrap();
    stdin.write_all(b"from curl").await.unwrap();
    drop(stdin);
    let done = out.wait_with_output().await.unwrap();
    assert_eq!(String::from_utf8_lossy(&done.stdout), "from curl");
    let _ = StatusCode::OK;
}
