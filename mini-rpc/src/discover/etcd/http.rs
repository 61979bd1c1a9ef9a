//! Just enough HTTP/1.1 to talk to etcd's JSON gateway: one POST per
//! connection (`Connection: close`), a JSON body out, and back either one
//! JSON document or, for a stream (`/v3/watch`), one JSON document per line
//! of a chunked body.
//!
//! Why by hand rather than hyper/reqwest: the gateway needs nothing else
//! (no TLS on loopback, no pooling at a few requests per second), and this
//! keeps mini-rpc's build to two small crates (`httparse` for the response
//! head, `base64` for keys). A production client would use TLS and etcd's
//! gRPC API (the `etcd-client` crate, over tonic).

use std::net::SocketAddr;

use bytes::{Buf, BytesMut};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::EtcdError;

/// Largest response head, and largest body or stream line, accepted.
const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;

/// How the body is delimited.
enum Framing {
    /// `Content-Length` bytes remain.
    Length(usize),
    /// `Transfer-Encoding: chunked`; bytes left in the current chunk.
    Chunked(usize),
    /// Until the server closes.
    Close,
}

/// A response whose body is read as it comes (from a socket; from bytes in tests).
pub(crate) struct Response<S = TcpStream> {
    stream: S,
    /// Bytes read from the socket and not yet taken.
    raw: BytesMut,
    /// Decoded body bytes not yet returned as a line.
    body: BytesMut,
    framing: Framing,
    done: bool,
}

/// Sends `POST path` with `body` to `addr`; returns once the response head
/// is in, with a 200 status (any other is an error carrying the body).
pub(crate) async fn post(
    addr: SocketAddr,
    path: &str,
    body: &Value,
) -> Result<Response, EtcdError> {
    let mut stream = TcpStream::connect(addr).await?;
    let _ = stream.set_nodelay(true);
    let body = body.to_string();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(format!("{head}{body}").as_bytes()).await?;
    let (status, mut response) = Response::read_head(stream).await?;
    if status != 200 {
        let text = response
            .all()
            .await
            .map(|v| v.to_string())
            .unwrap_or_default();
        return Err(EtcdError::Status { status, body: text });
    }
    Ok(response)
}

/// Parses the status line and headers, consuming them from `raw`.
fn parse_head(raw: &mut BytesMut) -> Result<Option<(u16, Framing)>, EtcdError> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(raw) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(EtcdError::Protocol(format!("bad response head: {e}"))),
    };
    let status = response.code.unwrap_or(0);
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let framing = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        Framing::Chunked(0)
    } else if let Some(n) = header("content-length") {
        let n = n
            .parse()
            .map_err(|_| EtcdError::Protocol(format!("bad Content-Length {n:?}")))?;
        Framing::Length(n)
    } else {
        Framing::Close
    };
    raw.advance(len);
    Ok(Some((status, framing)))
}

impl<S: AsyncRead + Unpin> Response<S> {
    /// Reads the status line and headers; the body is read on demand.
    async fn read_head(mut stream: S) -> Result<(u16, Response<S>), EtcdError> {
        let mut raw = BytesMut::with_capacity(4096);
        let (status, framing) = loop {
            if let Some(parsed) = parse_head(&mut raw)? {
                break parsed;
            }
            if raw.len() > MAX_HEAD {
                return Err(EtcdError::Protocol("response head too large".into()));
            }
            if stream.read_buf(&mut raw).await? == 0 {
                let msg = "connection closed before the response head";
                return Err(EtcdError::Protocol(msg.into()));
            }
        };
        let response = Response {
            stream,
            raw,
            body: BytesMut::new(),
            framing,
            done: false,
        };
        Ok((status, response))
    }

    /// The whole body as one JSON document.
    pub(crate) async fn all(&mut self) -> Result<Value, EtcdError> {
        while self.fill().await? {}
        let body = std::mem::take(&mut self.body);
        serde_json::from_slice(&body).map_err(|e| EtcdError::Protocol(format!("bad JSON: {e}")))
    }

    /// The next line of a streamed body as JSON; `None` at its end.
    pub(crate) async fn next_line(&mut self) -> Result<Option<Value>, EtcdError> {
        loop {
            if let Some(at) = self.body.iter().position(|&b| b == b'\n') {
                let line = self.body.split_to(at + 1);
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let value = serde_json::from_slice(&line)
                    .map_err(|e| EtcdError::Protocol(format!("bad JSON line: {e}")))?;
                return Ok(Some(value));
            }
            if !self.fill().await? {
                if self.body.iter().all(u8::is_ascii_whitespace) {
                    return Ok(None);
                }
                // A last document without its newline.
                let rest = std::mem::take(&mut self.body);
                let value = serde_json::from_slice(&rest)
                    .map_err(|e| EtcdError::Protocol(format!("bad JSON line: {e}")))?;
                return Ok(Some(value));
            }
        }
    }

    /// Moves more decoded bytes into `body`; `false` once the body ended.
    async fn fill(&mut self) -> Result<bool, EtcdError> {
        loop {
            if self.done {
                return Ok(false);
            }
            if self.body.len() > MAX_BODY {
                return Err(EtcdError::Protocol("response body too large".into()));
            }
            match &mut self.framing {
                Framing::Length(0) => {
                    self.done = true;
                    continue;
                }
                Framing::Length(left) | Framing::Chunked(left)
                    if *left > 0 && !self.raw.is_empty() =>
                {
                    let n = (*left).min(self.raw.len());
                    self.body.extend_from_slice(&self.raw.split_to(n));
                    *left -= n;
                    return Ok(true);
                }
                Framing::Chunked(left) if *left == 0 => {
                    if let Some(size) = chunk_size(&mut self.raw)? {
                        if size == 0 {
                            self.done = true;
                            continue;
                        }
                        *left = size;
                        continue;
                    }
                }
                Framing::Close if !self.raw.is_empty() => {
                    let all = self.raw.split();
                    self.body.extend_from_slice(&all);
                    return Ok(true);
                }
                _ => {}
            }
            if self.stream.read_buf(&mut self.raw).await? == 0 {
                return match self.framing {
                    Framing::Close => {
                        self.done = true;
                        Ok(false)
                    }
                    _ => Err(EtcdError::Protocol(
                        "connection closed inside the body".into(),
                    )),
                };
            }
        }
    }
}

/// Takes a chunk-size line (with the CRLF ending the previous chunk, if
/// any) off `raw`; `None` until the whole line is in.
fn chunk_size(raw: &mut BytesMut) -> Result<Option<usize>, EtcdError> {
    let skip = if raw.starts_with(b"\r\n") { 2 } else { 0 };
    let Some(end) = raw[skip..].windows(2).position(|w| w == b"\r\n") else {
        if raw.len() > MAX_HEAD {
            return Err(EtcdError::Protocol("chunk-size line too long".into()));
        }
        return Ok(None);
    };
    let line = String::from_utf8_lossy(&raw[skip..skip + end]).into_owned();
    let hex = line.split(';').next().unwrap_or("").trim();
    let size = usize::from_str_radix(hex, 16)
        .map_err(|_| EtcdError::Protocol(format!("bad chunk size {hex:?}")))?;
    raw.advance(skip + end + 2);
    Ok(Some(size))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    /// Reads every line of a response given as raw bytes.
    fn lines(bytes: Vec<u8>) -> Result<(u16, Vec<Value>), EtcdError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let (status, mut response) = Response::read_head(&bytes[..]).await?;
            let mut out = Vec::new();
            while let Some(line) = response.next_line().await? {
                out.push(line);
            }
            Ok((status, out))
        })
    }

    /// `body` as a chunked HTTP response, cut into chunks at `cuts`.
    fn chunked(body: &[u8], cuts: &[prop::sample::Index]) -> Vec<u8> {
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
        points.push(body.len());
        points.sort_unstable();
        let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        let mut from = 0;
        for to in points {
            if to > from {
                out.extend_from_slice(format!("{:x}\r\n", to - from).as_bytes());
                out.extend_from_slice(&body[from..to]);
                out.extend_from_slice(b"\r\n");
            }
            from = to;
        }
        out.extend_from_slice(b"0\r\n\r\n");
        out
    }

    #[test]
    fn a_content_length_body_is_one_document() {
        let raw = b"HTTP/1.1 404 Not Found\r\nContent-Length: 13\r\n\r\n{\"error\":\"x\"}".to_vec();
        let (status, docs) = lines(raw).unwrap();
        assert_eq!((status, docs), (404, vec![json!({"error": "x"})]));
    }

    proptest! {
        #[test]
        fn chunked_json_lines_survive_any_chunking(
            ids in proptest::collection::vec(any::<i64>(), 0..6),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let docs: Vec<Value> = ids.iter().map(|id| json!({"result": {"id": id.to_string()}})).collect();
            let body: String = docs.iter().map(|d| format!("{d}\n")).collect();
            let (status, got) = lines(chunked(body.as_bytes(), &cuts)).unwrap();
            prop_assert_eq!(status, 200);
            prop_assert_eq!(got, docs);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = lines(bytes.clone());
            let mut with_head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            with_head.extend_from_slice(&bytes);
            let _ = lines(with_head);
        }
    }
}
