//! The response writer: status line, the headers the server owns (`date`,
//! `content-length`, `connection`), the handler's headers, and the body, all
//! appended to one output buffer so that pipelined responses leave in a
//! single `write`.
//!
//! Mirrors hyper's `proto::h1::role::Server::encode`. Header fields the
//! handler set are checked for CR, LF and NUL before they are written: a
//! value carrying CRLF would let whoever controls it inject headers or a whole
//! second response (response splitting), so such a field is dropped and logged.

use super::date::append_date;
use super::method::Version;
use super::status::StatusCode;
use crate::response::Response;

/// How the response is framed on this connection.
#[derive(Clone, Copy, Debug)]
pub struct WriteOptions {
    /// The request's version: an HTTP/1.0 client that asked for keep-alive must be told it got it.
    pub version: Version,
    /// Answering a `HEAD` request: send the headers (with the body's length), not the body.
    pub head_only: bool,
    /// The connection closes after this response.
    pub close: bool,
    /// A `101` that switches protocols: say `connection: upgrade`.
    pub upgrade: bool,
    /// The body is streamed after the head: `transfer-encoding: chunked` on
    /// HTTP/1.1, no length at all on 1.0 (the close ends it; `close` must be
    /// set) — unless `stream_len` gives its length.
    pub streamed: bool,
    /// A streamed body's length, when known: sent as `content-length` (also
    /// for `HEAD`, which sends no body), and the chunks go out unframed.
    pub stream_len: Option<u64>,
}

/// Appends one chunk of a streamed body (RFC 9112 §7.1); empty data writes
/// nothing, since an empty chunk would end the body.
pub fn write_chunk(out: &mut Vec<u8>, data: &[u8], version: Version) {
    if version == Version::Http10 {
        out.extend_from_slice(data);
    } else if !data.is_empty() {
        out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
}

/// Appends the end of a streamed body: the last chunk, no trailers.
pub fn write_last_chunk(out: &mut Vec<u8>, version: Version) {
    if version == Version::Http11 {
        out.extend_from_slice(b"0\r\n\r\n");
    }
}

/// Appends the `100 Continue` interim response.
pub fn write_continue(out: &mut Vec<u8>) {
    out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
}

fn push_usize(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn is_server_owned(name: &str) -> bool {
    ["content-length", "transfer-encoding", "date", "connection"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
}

fn field_is_safe(name: &str, value: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
        && value
            .bytes()
            .all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Appends `res` to `out` as an HTTP/1.1 response.
pub fn write_response(out: &mut Vec<u8>, res: &Response, opts: WriteOptions) {
    if res.status == StatusCode::OK {
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    } else {
        out.extend_from_slice(b"HTTP/1.1 ");
        push_usize(out, res.status.as_u16() as usize);
        out.push(b' ');
        out.extend_from_slice(res.status.reason().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for (name, value) in &res.headers {
        if is_server_owned(name) {
            continue;
        }
        if !field_is_safe(name, value) {
            tracing::warn!(header = %name, "dropping a response header holding CR, LF or control bytes");
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let has_body = !res.status.forbids_body();
    if let (true, Some(len)) = (has_body, opts.stream_len) {
        out.extend_from_slice(b"content-length: ");
        out.extend_from_slice(len.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    } else if has_body && opts.streamed {
        if opts.version == Version::Http11 {
            out.extend_from_slice(b"transfer-encoding: chunked\r\n");
        }
    } else if has_body {
        out.extend_from_slice(b"content-length: ");
        push_usize(out, res.body.len());
        out.extend_from_slice(b"\r\n");
    }
    if opts.upgrade {
        out.extend_from_slice(b"connection: upgrade\r\n");
    } else if opts.close {
        out.extend_from_slice(b"connection: close\r\n");
    } else if opts.version == Version::Http10 {
        out.extend_from_slice(b"connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"date: ");
    append_date(out);
    out.extend_from_slice(b"\r\n\r\n");
    if has_body && !opts.head_only && !opts.streamed {
        out.extend_from_slice(&res.body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_drops_unsafe_headers() {
        let res = Response::text(StatusCode::NOT_FOUND, "nope")
            .with_header("x-evil", "a\r\nset-cookie: b")
            .with_header("content-length", "999");
        let mut out = Vec::new();
        write_response(
            &mut out,
            &res,
            WriteOptions {
                version: Version::Http11,
                head_only: false,
                close: true,
                upgrade: false,
                streamed: false,
                stream_len: None,
            },
        );
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(
                "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain; charset=utf-8\r\n"
            )
        );
        assert!(text.contains("content-length: 4\r\nconnection: close\r\ndate: "));
        assert!(!text.contains("evil") && !text.contains("999"));
        assert!(text.ends_with("GMT\r\n\r\nnope"));
    }

    #[test]
    fn head_keeps_length_drops_body() {
        let res = Response::text(StatusCode::OK, "hello");
        let mut out = Vec::new();
        write_response(
            &mut out,
            &res,
            WriteOptions {
                version: Version::Http10,
                head_only: true,
                close: false,
                upgrade: false,
                streamed: false,
                stream_len: None,
            },
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("content-length: 5\r\nconnection: keep-alive\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
    }
}
