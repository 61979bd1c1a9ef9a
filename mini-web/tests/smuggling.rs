//! Malformed and ambiguous requests from RFC 9112 / RFC 9110, sent over a
//! real socket: each must get its exact status and a closed connection —
//! never a second request smuggled behind the first.

mod common;

use common::{exchange, spawn, status_of};
use mini_web::Router;
use mini_web::http::Limits;
use mini_web::router::{get, post};

fn app() -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { "root" })
                .post(|body: bytes::Bytes| async move { format!("got {}", body.len()) }),
        )
        .route("/smuggled", get(|| async { "SMUGGLED" }))
        .route("/x", post(|| async { "x" }))
}

/// (name, raw request, expected status).
const CASES: &[(&str, &str, u16)] = &[
    (
        "CL and TE together",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "TE and CL together",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "differing CLs",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400,
    ),
    (
        "differing CL list",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd",
        400,
    ),
    (
        "signed CL",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc",
        400,
    ),
    (
        "hex CL",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x3\r\n\r\nabc",
        400,
    ),
    (
        "overflowing CL",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551616\r\n\r\n",
        400,
    ),
    (
        "TE not ending in chunked",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
        400,
    ),
    (
        "TE chunked twice",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "TE gzip then chunked",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        501,
    ),
    (
        "TE with junk",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "TE on HTTP/1.0",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "obs-fold",
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n",
        400,
    ),
    (
        "folded TE",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "space before colon",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    (
        "tab before colon",
        "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n",
        400,
    ),
    (
        "bare CR in value",
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n",
        400,
    ),
    (
        "bare LF line end",
        "GET / HTTP/1.1\r\nHost: h\nX-A: b\r\n\r\n",
        400,
    ),
    (
        "bare LF request line",
        "GET / HTTP/1.1\nHost: h\r\n\r\n",
        400,
    ),
    (
        "NUL in value",
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n",
        400,
    ),
    (
        "CTL in value",
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01b\r\n\r\n",
        400,
    ),
    (
        "DEL in value",
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7fb\r\n\r\n",
        400,
    ),
    (
        "empty header name",
        "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n",
        400,
    ),
    (
        "bad char in name",
        "GET / HTTP/1.1\r\nHost: h\r\nX(A): v\r\n\r\n",
        400,
    ),
    ("invalid method", "G(ET / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
    (
        "lowercase version",
        "GET / http/1.1\r\nHost: h\r\n\r\n",
        400,
    ),
    ("garbage version", "GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400),
    ("two spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
    (
        "space in target",
        "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",
        400,
    ),
    (
        "non-ASCII target",
        "GET /\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n",
        400,
    ),
    ("HTTP/2.0 over h1", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
    ("HTTP/1.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505),
    ("HTTP/0.9", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505),
    (
        "missing Host on 1.1",
        "GET / HTTP/1.1\r\nX-A: b\r\n\r\n",
        400,
    ),
    (
        "duplicate Host",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        400,
    ),
    (
        "Host with a space",
        "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
        400,
    ),
    (
        "Host with a path",
        "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
        400,
    ),
    (
        "Host with userinfo",
        "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n",
        400,
    ),
    (
        "Host port not digits",
        "GET / HTTP/1.1\r\nHost: h:8o\r\n\r\n",
        400,
    ),
    (
        "Host two ports",
        "GET / HTTP/1.1\r\nHost: h:1:2\r\n\r\n",
        400,
    ),
    (
        "Host bad percent",
        "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n",
        400,
    ),
    (
        "Host IPv6 unbracketed",
        "GET / HTTP/1.1\r\nHost: ::1\r\n\r\n",
        400,
    ),
    (
        "Host IPv6 unclosed",
        "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
        400,
    ),
    (
        "Host bad IPv6",
        "GET / HTTP/1.1\r\nHost: [1:2:3:4:5:6:7:8:9]\r\n\r\n",
        400,
    ),
    (
        "invalid Host on 1.0",
        "GET / HTTP/1.0\r\nHost: a b\r\n\r\n",
        400,
    ),
    (
        "chunk size overflow",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000001\r\nx\r\n0\r\n\r\n",
        400,
    ),
    (
        "chunk without CRLF",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
        400,
    ),
    (
        "chunk size not hex",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n\r\n",
        400,
    ),
    (
        "chunk LF only",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
        400,
    ),
    (
        "unknown expectation",
        "POST / HTTP/1.1\r\nHost: h\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx",
        417,
    ),
    (
        "body over limit",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000\r\n\r\n",
        413,
    ),
    (
        "chunked over limit",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n7d1\r\n",
        413,
    ),
    (
        "request line too long",
        concat!(
            "GET /",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            " HTTP/1.1\r\nHost: h\r\n\r\n"
        ),
        414,
    ),
];

fn limits() -> Limits {
    Limits {
        max_body_bytes: 1000,
        max_request_line: 100,
        ..Limits::default()
    }
}

#[tokio::test]
async fn every_malformed_request_gets_its_status_and_a_close() {
    let (addr, _stop, _h) = spawn(app(), limits()).await;
    for (name, raw, want) in CASES {
        // A smuggling attempt would hide a second request behind the first.
        let attempt = format!("{raw}GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n");
        let out = exchange(addr, attempt.as_bytes()).await;
        assert_eq!(status_of(&out), *want, "{name}: got {out:?}");
        assert!(
            out.contains("connection: close"),
            "{name}: no close: {out:?}"
        );
        assert_eq!(
            out.matches("HTTP/1.1 ").count(),
            1,
            "{name}: more than one response: {out:?}"
        );
        assert!(!out.contains("SMUGGLED"), "{name}: smuggled request served");
    }
}

#[tokio::test]
async fn too_many_and_too_large_headers_get_431() {
    let (addr, _stop, _h) = spawn(
        app(),
        Limits {
            max_headers: 5,
            max_head_bytes: 2048,
            ..Limits::default()
        },
    )
    .await;
    let many: String = (0..6).map(|i| format!("X-{i}: v\r\n")).collect();
    let out = exchange(
        addr,
        format!("GET / HTTP/1.1\r\nHost: h\r\n{many}\r\n").as_bytes(),
    )
    .await;
    assert_eq!(status_of(&out), 431, "{out}");
    let big = "x".repeat(4096);
    let out = exchange(
        addr,
        format!("GET / HTTP/1.1\r\nHost: h\r\nX-Big: {big}\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(status_of(&out), 431, "{out}");
}

#[tokio::test]
async fn valid_edge_cases_are_served() {
    let (addr, _stop, _h) = spawn(app(), limits()).await;
    // Identical repeated Content-Length values are allowed (RFC 9110 §8.6).
    let out = exchange(addr, b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc").await;
    assert!(
        out.starts_with("HTTP/1.1 200 OK") && out.ends_with("got 3"),
        "{out}"
    );
    // Chunked with extensions and trailers; leading empty line tolerated.
    let out = exchange(
        addr,
        b"\r\nPOST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2;a=b\r\nhi\r\n0\r\nX-Trailer: t\r\n\r\n",
    )
    .await;
    assert!(out.ends_with("got 2"), "{out}");
    // Every form of uri-host: reg-name, IPv4, IP-literal, with and without a port, and empty.
    for host in ["example.com:8080", "127.0.0.1", "[::1]:80", "[v1.x]", ""] {
        let raw = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let out = exchange(addr, raw.as_bytes()).await;
        assert!(out.starts_with("HTTP/1.1 200 OK"), "Host {host:?}: {out}");
    }
    // HTTP/1.0 without Host is fine; the connection closes after it.
    let out = exchange(addr, b"GET / HTTP/1.0\r\n\r\n").await;
    assert!(
        out.starts_with("HTTP/1.1 200 OK")
            && out.contains("connection: close")
            && out.ends_with("root"),
        "{out}"
    );
}
