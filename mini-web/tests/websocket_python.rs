//! WebSocket against a real client: Python's `websockets` library (its
//! sync client), with `permessage-deflate` as it offers it by default and
//! with explicit parameters. Echo of text and binary, fragmented messages
//! (the library sends an iterable as fragments), a message big enough for
//! the 64-bit length (uncompressed), close codes both ways, and the size limit hit by a
//! plain and by a compressed ("zip bomb") message.
//!
//! Skips, saying why, when `python3` or its `websockets` package is missing.

mod common;

use std::time::Duration;

use common::spawn;
use mini_web::Router;
use mini_web::http::Limits;
use mini_web::router::get;
use mini_web::ws::{DeflateConfig, Message, WebSocket, WebSocketConfig, WebSocketUpgrade};

/// Sends back every data message until the peer closes.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(msg)) = socket.recv().await {
        if matches!(msg, Message::Text(_) | Message::Binary(_)) && socket.send(msg).await.is_err() {
            break;
        }
    }
}

fn app() -> Router {
    Router::new()
        .route(
            "/echo",
            get(|ws: WebSocketUpgrade| async move {
                ws.protocols(["echo"])
                    .deflate(DeflateConfig::default())
                    .on_upgrade(echo)
            }),
        )
        .route(
            "/limited",
            get(|ws: WebSocketUpgrade| async move {
                let config = WebSocketConfig {
                    max_message_size: 1000,
                    ..WebSocketConfig::default()
                };
                ws.deflate(DeflateConfig::default())
                    .config(config)
                    .on_upgrade(echo)
            }),
        )
        .route(
            "/close",
            get(|ws: WebSocketUpgrade| async move {
                ws.on_upgrade(|mut socket| async move {
                    let _ = socket.recv().await;
                    let _ = socket.close(4000, "done").await;
                })
            }),
        )
}

/// The client side. Each check prints `ok <name>`; any failure raises.
const SCRIPT: &str = r#"
import sys
from websockets.sync.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

base = "ws://127.0.0.1:%s" % sys.argv[1]
kw = dict(proxy=None, open_timeout=5, close_timeout=5)

def ext(ws):
    return ws.response.headers.get("Sec-WebSocket-Extensions")

with connect(base + "/echo", subprotocols=["chat", "echo"], **kw) as ws:
    assert ws.subprotocol == "echo", ws.subprotocol
    assert ext(ws) == "permessage-deflate", ext(ws)
    ws.send("héllo wörld")
    assert ws.recv() == "héllo wörld"
    ws.send(b"\x00\x01\xfe\xff")
    assert ws.recv() == b"\x00\x01\xfe\xff"
    print("ok echo text and binary, compressed")
    ws.send(["ab", "cd", "é"])
    assert ws.recv() == "abcdé"
    ws.send([b"x" * 1000, b"y" * 70000])
    assert ws.recv() == b"x" * 1000 + b"y" * 70000
    print("ok fragmented messages")
    big = ("tick %d " * 10000) % tuple(range(10000))
    ws.send(big)
    assert ws.recv() == big
    print("ok large message, compressed")
    ws.close(4001, "bye")
    assert ws.close_code == 4001, ws.close_code
    print("ok client close code echoed")

with connect(base + "/echo", compression=None, **kw) as ws:
    assert ext(ws) is None, ext(ws)
    ws.send("plain")
    assert ws.recv() == "plain"
    ws.send(big)  # over 64 KiB: the 64-bit length form, both ways
    assert ws.recv() == big
    print("ok uncompressed when not offered")

factory = ClientPerMessageDeflateFactory(
    server_no_context_takeover=True,
    client_no_context_takeover=True,
    server_max_window_bits=10,
    client_max_window_bits=9,
)
with connect(base + "/echo", extensions=[factory], compression=None, **kw) as ws:
    assert ext(ws) == "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9", ext(ws)
    for i in range(5):
        msg = '{"n": %d, "pad": "%s"}' % (i, "z" * 3000)
        ws.send(msg)
        assert ws.recv() == msg
    print("ok negotiated parameters")

with connect(base + "/close", **kw) as ws:
    ws.send("x")
    try:
        ws.recv()
        raise AssertionError("expected the server to close")
    except ConnectionClosed as e:
        assert (e.rcvd.code, e.rcvd.reason) == (4000, "done"), e.rcvd
    print("ok server close code and reason")

for name, msg in [("plain", b"\x01" * 2000), ("compressed bomb", "a" * 100000)]:
    with connect(base + "/limited", compression=None if name == "plain" else "deflate", **kw) as ws:
        ws.send(msg)
        try:
            ws.recv()
            raise AssertionError("expected 1009")
        except ConnectionClosed as e:
            assert e.rcvd is not None and e.rcvd.code == 1009, e.rcvd
    print("ok too big, %s: 1009" % name)
print("all ok")
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_websockets_client() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import websockets"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "skipped: python3 with websockets not installed — python3 -m pip install --break-system-packages websockets"
        );
        return;
    }
    let (addr, _stop, _h) = spawn(app(), Limits::default()).await;
    let run = tokio::process::Command::new("python3")
        .args(["-c", SCRIPT, &addr.port().to_string()])
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the Python client ran over 60 s")
        .expect("starting python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("all ok"),
        "python client failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(stdout.lines().filter(|l| l.starts_with("ok ")).count(), 9);
}
