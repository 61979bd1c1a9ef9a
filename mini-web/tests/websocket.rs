//! WebSocket at the wire: the handshake's answers (101 with the right
//! accept value and subprotocol; 400 and 426 for bad handshakes), and a raw
//! client built on the crate's frame writer for echo, fragmentation with an
//! interleaved ping, the close handshake, and each way a client can fail
//! the connection (bad UTF-8 → 1007, unmasked → 1002, too big → 1009).

mod common;

use std::time::Duration;

use common::{exchange, spawn, status_of};
use mini_web::http::Limits;
use mini_web::router::get;
use mini_web::ws::frame::{Opcode, apply_mask, parse_header, write_frame};
use mini_web::ws::{Message, WebSocketConfig, WebSocketUpgrade};
use mini_web::{Response, Router};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn app() -> Router {
    async fn echo(ws: WebSocketUpgrade) -> Response {
        let config = WebSocketConfig {
            max_message_size: 1000,
            ..WebSocketConfig::default()
        };
        ws.protocols(["b", "c"])
            .config(config)
            .on_upgrade(|mut socket| async move {
                while let Some(Ok(msg)) = socket.recv().await {
                    if matches!(msg, Message::Text(_) | Message::Binary(_))
                        && socket.send(msg).await.is_err()
                    {
                        break;
                    }
                }
            })
    }
    Router::new().route("/ws", get(echo))
}

fn handshake(extra: &str) -> String {
    format!(
        "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n{extra}\r\n"
    )
}

fn good_handshake() -> String {
    handshake(&format!(
        "Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: a, c, b\r\n"
    ))
}

/// Connects and completes the handshake; returns the socket and the 101's head.
async fn open(addr: std::net::SocketAddr) -> (TcpStream, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(good_handshake().as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut b))
            .await
            .unwrap()
            .unwrap();
        assert!(n == 1, "closed during the handshake: {head:?}");
        head.push(b[0]);
    }
    (s, String::from_utf8(head).unwrap())
}

async fn send(s: &mut TcpStream, fin: bool, op: Opcode, payload: &[u8]) {
    let mut out = Vec::new();
    write_frame(&mut out, fin, op, Some(MASK), payload);
    s.write_all(&out).await.unwrap();
}

/// Reads one server frame: (fin, opcode, payload). Server frames are
/// unmasked. Reads one byte at a time, so that no byte of the next frame is
/// taken (and lost) with this one.
async fn recv(s: &mut TcpStream) -> (bool, Opcode, Vec<u8>) {
    let mut buf = Vec::new();
    loop {
        if let Some((h, n)) = parse_header(&buf).unwrap() {
            assert!(h.mask.is_none(), "server frames are never masked");
            if buf.len() >= n + h.len as usize {
                return (h.fin, h.opcode, buf[n..n + h.len as usize].to_vec());
            }
        }
        let mut chunk = [0u8; 1];
        let k = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(k > 0, "server closed without a frame");
        buf.extend_from_slice(&chunk[..k]);
    }
}

/// Expects a close frame with `code`, then the server closing TCP.
async fn expect_close(s: &mut TcpStream, code: u16) {
    let (fin, op, payload) = recv(s).await;
    assert_eq!((fin, op), (true, Opcode::Close));
    assert_eq!(u16::from_be_bytes([payload[0], payload[1]]), code);
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut rest)).await;
    assert!(rest.is_empty(), "bytes after the close frame");
}

#[tokio::test]
async fn handshake_answers() {
    let (addr, _stop, _h) = spawn(app(), Limits::default()).await;
    let (_s, head) = open(addr).await;
    assert!(
        head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{head}"
    );
    let lower = head.to_ascii_lowercase();
    assert!(lower.contains("upgrade: websocket\r\n"), "{head}");
    assert!(lower.contains("connection: upgrade\r\n"), "{head}");
    // RFC 6455 §1.3's example key and accept value.
    assert!(
        lower.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"),
        "{head}"
    );
    assert!(
        lower.contains("sec-websocket-protocol: c\r\n"),
        "client's first supported: {head}"
    );
    assert!(!lower.contains("content-length"), "{head}");

    let bad: [(&str, String, u16, &str); 6] = [
        (
            "plain GET",
            "GET /ws HTTP/1.1\r\nHost: h\r\n\r\n".into(),
            426,
            "upgrade: websocket",
        ),
        (
            "version 8",
            handshake(&format!(
                "Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 8\r\n"
            )),
            426,
            "sec-websocket-version: 13",
        ),
        (
            "no version",
            handshake(&format!("Sec-WebSocket-Key: {KEY}\r\n")),
            426,
            "sec-websocket-version: 13",
        ),
        (
            "no key",
            handshake("Sec-WebSocket-Version: 13\r\n"),
            400,
            "sec-websocket-key",
        ),
        (
            "short key",
            handshake("Sec-WebSocket-Key: abc=\r\nSec-WebSocket-Version: 13\r\n"),
            400,
            "base64 of 16 bytes",
        ),
        (
            "no Connection: upgrade",
            format!(
                "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\n\r\n"
            ),
            400,
            "connection",
        ),
    ];
    for (name, raw, status, needle) in bad {
        let raw = raw.replacen("\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1);
        let out = exchange(addr, raw.as_bytes()).await;
        assert_eq!(status_of(&out), status, "{name}: {out}");
        assert!(out.to_ascii_lowercase().contains(needle), "{name}: {out}");
    }
}

#[tokio::test]
async fn echo_fragments_ping_and_close() {
    let (addr, _stop, _h) = spawn(app(), Limits::default()).await;
    let (mut s, _) = open(addr).await;
    send(&mut s, true, Opcode::Text, "héllo".as_bytes()).await;
    assert_eq!(
        recv(&mut s).await,
        (true, Opcode::Text, "héllo".as_bytes().to_vec())
    );
    // 7-bit, 16-bit and (with a raised limit it would be 64-bit) lengths.
    let big = vec![7u8; 300];
    send(&mut s, true, Opcode::Binary, &big).await;
    assert_eq!(recv(&mut s).await, (true, Opcode::Binary, big));
    // A text message in three fragments, the UTF-8 of "é" cut between two,
    // with a ping in the middle: the pong comes first, then the whole message.
    send(&mut s, false, Opcode::Text, b"ab\xC3").await;
    send(&mut s, true, Opcode::Ping, b"p").await;
    send(&mut s, false, Opcode::Continuation, b"\xA9c").await;
    send(&mut s, true, Opcode::Continuation, b"d").await;
    assert_eq!(recv(&mut s).await, (true, Opcode::Pong, b"p".to_vec()));
    assert_eq!(
        recv(&mut s).await,
        (true, Opcode::Text, "abécd".as_bytes().to_vec())
    );
    // Close with a code and reason: the code is echoed, then TCP closes.
    send(&mut s, true, Opcode::Close, &[0x03, 0xE8, b'b', b'y', b'e']).await;
    expect_close(&mut s, 1000).await;
}

#[tokio::test]
async fn protocol_violations_fail_the_connection() {
    let (addr, _stop, _h) = spawn(app(), Limits::default()).await;

    let (mut s, _) = open(addr).await;
    send(&mut s, true, Opcode::Text, b"bad \xFF utf-8").await;
    expect_close(&mut s, 1007).await;

    let (mut s, _) = open(addr).await;
    let mut unmasked = Vec::new();
    write_frame(&mut unmasked, true, Opcode::Text, None, b"hi");
    s.write_all(&unmasked).await.unwrap();
    expect_close(&mut s, 1002).await;

    let (mut s, _) = open(addr).await;
    send(&mut s, true, Opcode::Binary, &[0u8; 1001]).await;
    expect_close(&mut s, 1009).await;

    let (mut s, _) = open(addr).await;
    send(&mut s, true, Opcode::Continuation, b"x").await;
    expect_close(&mut s, 1002).await;

    let (mut s, _) = open(addr).await;
    send(&mut s, true, Opcode::Close, &[0x03, 0xED]).await; // 1005 may not be sent
    expect_close(&mut s, 1002).await;

    // Fail fast: an invalid byte in the first part of a frame whose rest
    // never comes is refused without waiting for the rest.
    let (mut s, _) = open(addr).await;
    let mut frame = Vec::new();
    write_frame(&mut frame, true, Opcode::Text, Some(MASK), &[b'a'; 200]);
    let header_len = frame.len() - 200;
    frame[header_len + 1] = 0xFF;
    apply_mask(&mut frame[header_len + 1..header_len + 2], MASK, 1);
    s.write_all(&frame[..header_len + 10]).await.unwrap();
    expect_close(&mut s, 1007).await;
}
