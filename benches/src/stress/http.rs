//! HTTP/1.1 load: the same keep-alive request, over and over, with responses
//! framed by `Content-Length` or chunked encoding.

use anyhow::{Context, bail};

use super::engine::{self, Protocol};
use super::{LoadConfig, LoadReport};

/// Sends `request` (the bytes of one complete keep-alive HTTP/1.1 request)
/// repeatedly under `cfg` and reports throughput and latency.
pub fn run(cfg: &LoadConfig, request: &[u8]) -> anyhow::Result<LoadReport> {
    let request = request.to_vec();
    engine::drive(cfg, move |_| Http {
        request: request.clone(),
    })
}

/// Sends `request` open loop at `rate` requests per second in all
/// (`--rate`; see [`open_loop`](super::open_loop)).
pub fn run_open(cfg: &LoadConfig, rate: f64, request: &[u8]) -> anyhow::Result<LoadReport> {
    let request = request.to_vec();
    super::open_loop::drive_open(cfg, rate, move |_| Http {
        request: request.clone(),
    })
}

/// The bytes of a `GET path` (or any method, with an optional body) request.
pub fn request(method: &str, host: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n").into_bytes();
    if !body.is_empty() || method == "POST" || method == "PUT" {
        r.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    r.extend_from_slice(b"\r\n");
    r.extend_from_slice(body);
    r
}

/// Splits `http://host:port/path` into the socket address, the Host header
/// value and the path.
pub fn parse_url(url: &str) -> anyhow::Result<(std::net::SocketAddr, String, String)> {
    let rest = url
        .strip_prefix("http://")
        .context("only http:// URLs are supported")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let with_port = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&with_port)?
        .next()
        .with_context(|| format!("{authority} does not resolve"))?;
    Ok((addr, authority.to_string(), path.to_string()))
}

struct Http {
    request: Vec<u8>,
}

impl Protocol for Http {
    fn next_request(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.request);
    }

    fn parse_response(&mut self, buf: &[u8]) -> anyhow::Result<Option<(usize, bool)>> {
        response_len(buf)
    }
}

/// The length of the complete response at the start of `buf` and whether it
/// is a server error (5xx), or `None` if it is not complete yet.
pub fn response_len(buf: &[u8]) -> anyhow::Result<Option<(usize, bool)>> {
    let Some(head_end) = find(buf, b"\r\n\r\n") else {
        if buf.len() > 64 * 1024 {
            bail!("response head larger than 64 KiB");
        }
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..head_end]).context("response head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line {status_line:?}"))?;
    let mut content_length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = Some(value.parse::<usize>().context("bad Content-Length")?);
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            && value.eq_ignore_ascii_case("chunked")
        {
            chunked = true;
        }
    }
    let body_start = head_end + 4;
    let is_error = status >= 500;
    if chunked {
        return Ok(chunked_len(&buf[body_start..])?.map(|n| (body_start + n, is_error)));
    }
    let total = body_start + content_length.unwrap_or(0);
    Ok((buf.len() >= total).then_some((total, is_error)))
}

/// The length of a complete chunked body (through the last chunk and the
/// trailer section), or `None` if incomplete.
fn chunked_len(buf: &[u8]) -> anyhow::Result<Option<usize>> {
    let mut pos = 0;
    loop {
        let Some(line_end) = find(&buf[pos..], b"\r\n") else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(&buf[pos..pos + line_end])?;
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).context("bad chunk size")?;
        pos += line_end + 2;
        if size == 0 {
            // Trailers end with an empty line.
            let Some(end) = find(&buf[pos..], b"\r\n") else {
                return Ok(None);
            };
            if end == 0 {
                return Ok(Some(pos + 2));
            }
            let Some(end) = find(&buf[pos..], b"\r\n\r\n") else {
                return Ok(None);
            };
            return Ok(Some(pos + end + 4));
        }
        if buf.len() < pos + size + 2 {
            return Ok(None);
        }
        pos += size + 2;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_framing() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1";
        assert_eq!(response_len(r).unwrap(), Some((43, false)));
        assert_eq!(response_len(&r[..40]).unwrap(), None);
    }

    #[test]
    fn chunked_framing_and_errors() {
        let r = b"HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        assert_eq!(response_len(r).unwrap(), Some((r.len(), true)));
        assert_eq!(response_len(&r[..r.len() - 1]).unwrap(), None);
        assert!(response_len(b"garbage\r\n\r\n").is_err());
    }

    #[test]
    fn urls() {
        let (addr, host, path) = parse_url("http://127.0.0.1:8080/plaintext").unwrap();
        assert_eq!(addr.port(), 8080);
        assert_eq!(host, "127.0.0.1:8080");
        assert_eq!(path, "/plaintext");
    }
}
