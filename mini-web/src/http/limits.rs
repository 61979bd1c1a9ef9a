//! The parser's and the connection's limits: each named, configurable, and
//! documented with what the counterparts do by default.
//!
//! | limit | ours | hyper 1.x (under axum 0.8) | actix-web 4 | answer |
//! |---|---|---|---|---|
//! | request line | 8 KiB | no own limit (inside the read buffer) | no own limit | 414 |
//! | header bytes | 64 KiB | read buffer 8 KiB + 100 × 4 KiB ≈ 408 KiB (`max_buf_size`) | not checked here | 431 |
//! | header count | 100 | 100 (`max_headers`) | 96 | 431 |
//! | body size | 2 MiB | none in hyper; axum `DefaultBodyLimit` 2 MB | 256 KiB (`PayloadConfig`), 2 MB for JSON | 413 |
//! | header read timeout | 10 s | 30 s (`header_read_timeout`, needs a timer), then close | 5 s (`client_request_timeout`) | 408 + close |
//! | keep-alive idle | 60 s | none: idle connections stay | 5 s (`keep_alive`) | close |
//!
//! hyper's figures are from its source (`proto/h1/io.rs`, `proto/h1/role.rs`,
//! `server/conn/http1.rs`, 1.x); axum's and actix-web's from their API docs.
//! Ours are a little stricter than hyper's where a limit only protects the
//! server (request line, header bytes), and looser than actix-web's idle
//! timeouts, which cut slow but honest clients.

use std::time::Duration;

/// Every limit a connection enforces. Mirrors the knobs of hyper's
/// `http1::Builder` plus axum's `DefaultBodyLimit`, gathered in one struct.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Longest request line (method, target, version, CRLF). Longer → 414.
    pub max_request_line: usize,
    /// Most bytes in the whole head (request line and header fields). More → 431.
    pub max_head_bytes: usize,
    /// Most header fields in one request. More → 431.
    pub max_headers: usize,
    /// Largest decoded body (`Content-Length` or chunked). Larger → 413.
    pub max_body_bytes: usize,
    /// Time allowed from the first byte of a request to the end of its head
    /// (the slowloris defence). Exceeded → 408 and the connection closes.
    pub header_read_timeout: Duration,
    /// Time an idle keep-alive connection may wait for its next request, and
    /// the longest pause allowed between two reads of a body. Exceeded → close.
    pub keep_alive_timeout: Duration,
    /// Most bytes of chunk extensions accepted over one body (they are
    /// skipped, and unbounded skipping is a known denial of service). More → 400.
    pub max_chunk_ext_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_request_line: 8 * 1024,
            max_head_bytes: 64 * 1024,
            max_headers: 100,
            max_body_bytes: 2 * 1024 * 1024,
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(60),
            max_chunk_ext_bytes: 16 * 1024,
        }
    }
}
