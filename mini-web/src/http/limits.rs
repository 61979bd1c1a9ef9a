//! The parser's and the connection's limits: each named, configurable, and
//! documented with what the counterparts do by default.
//!
//! | limit | ours | hyper 1.x / axum 0.8 | actix-web 4 | answer |
//! |---|---|---|---|---|
//! | request line | 8 KiB | no own limit (inside the head buffer) | no own limit (inside the head buffer) | 414 |
//! | header bytes | 64 KiB | read buffer ~400 KiB (`max_buf_size`) | 32 KiB head buffer | 431 |
//! | header count | 100 | 100 (`max_headers`) | 96 | 431 |
//! | body size | 2 MiB | axum `DefaultBodyLimit` 2 MB; hyper none | `PayloadConfig` 256 KiB, `JsonConfig` 2 MB | 413 |
//! | header read timeout | 10 s | 30 s (`header_read_timeout`) | 5 s (`client_request_timeout`) | 408 + close |
//! | keep-alive idle | 60 s | none (hyper keeps idle connections) | 5 s (`keep_alive`) | close |
//!
//! The counterparts' figures are their documented defaults (hyper
//! `server::conn::http1::Builder`, axum `extract::DefaultBodyLimit`,
//! actix-web `HttpServer`).

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
