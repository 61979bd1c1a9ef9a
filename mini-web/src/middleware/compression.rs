//! gzip response compression (feature `gzip`, on by default). Mirrors
//! tower-http's `CompressionLayer` for the one coding browsers always accept.
//!
//! Compresses when the client accepts `gzip` (with a non-zero q-value), the
//! body is at least [`MIN_SIZE`] bytes of a textual type, and the handler did
//! not set a `content-encoding` itself. Partial (206) and bodiless answers
//! pass untouched, and so do event streams (as tower-http's default
//! predicate: an event must not wait in the compressor).
//!
//! A buffered body is compressed inline, in one go. A streamed one
//! ([`BodyStream`]) is compressed as it flows, by a task between the
//! handler's channel and the connection's:
//!
//! ```text
//! producer ──chunks──► gzip task ──compressed chunks──► connection
//!                        │ the producer pauses (nothing ready): sync-flush, so
//!                        │ what it sent reaches the client now, not at the end
//!                        └ the producer ends: finish (trailer); the client goes: stop
//! ```
//!
//! Its length is no longer known, so it goes out chunked.

use std::io::Write;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

use super::{Middleware, Next};
use crate::Request;
use crate::http::StatusCode;
use crate::response::Response;
use crate::stream::BodyStream;

/// Bodies smaller than this are sent as they are: gzip's header and
/// trailer (18 bytes) and the CPU would buy nothing.
pub const MIN_SIZE: usize = 1024;

/// A streamed body's compressed output is sent once this much is waiting
/// (or sooner, when the producer pauses).
const SEND_AT: usize = 32 * 1024;

/// Whether an `Accept-Encoding` value admits gzip.
fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|item| {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let q_zero = parts.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=")
                .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q == 0.0))
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !q_zero
    })
}

fn compressible(res: &Response) -> bool {
    let ct = res.header("content-type").unwrap_or("");
    let textual = (ct.starts_with("text/") && !ct.starts_with("text/event-stream"))
        || ["json", "javascript", "xml", "svg", "wasm"]
            .iter()
            .any(|t| ct.contains(t));
    let big_enough = match &res.stream {
        Some(stream) => stream.known_len().is_none_or(|n| n >= MIN_SIZE as u64),
        None => res.body.len() >= MIN_SIZE,
    };
    res.status != StatusCode::PARTIAL_CONTENT
        && !res.status.forbids_body()
        && big_enough
        && res.header("content-encoding").is_none()
        && textual
}

/// Compresses a buffered body in one go; `false` if it could not.
fn gzip_whole(res: &mut Response) -> bool {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(res.body.len() / 3),
        Compression::default(),
    );
    if enc.write_all(&res.body).is_ok()
        && let Ok(gz) = enc.finish()
    {
        res.body = gz.into();
        return true;
    }
    false
}

/// Replaces a streamed body with its compressed stream; `false` if the
/// stream was already taken.
fn gzip_streamed(res: &mut Response) -> bool {
    let Some(rx) = res.stream.as_ref().and_then(BodyStream::take) else {
        return false;
    };
    let (tx, compressed) = BodyStream::channel(2);
    tokio::spawn(gzip_pump(rx, tx));
    res.stream = Some(compressed);
    true
}

/// Moves what the encoder has produced into a chunk for the client;
/// `false` when the client is gone.
async fn send_output(enc: &mut GzEncoder<Vec<u8>>, tx: &mpsc::Sender<Bytes>) -> bool {
    let out = std::mem::take(enc.get_mut());
    out.is_empty() || tx.send(out.into()).await.is_ok()
}

/// The gzip task: compresses the producer's chunks until it ends (then the
/// trailer) or the client is gone (then it just stops, dropping the
/// producer's receiver, so the producer stops too).
async fn gzip_pump(mut rx: mpsc::Receiver<Bytes>, tx: mpsc::Sender<Bytes>) {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    loop {
        let chunk = match rx.try_recv() {
            Ok(chunk) => Some(chunk),
            Err(TryRecvError::Disconnected) => None,
            Err(TryRecvError::Empty) => {
                // The producer paused: what it sent so far goes out now.
                if enc.flush().is_err() || !send_output(&mut enc, &tx).await {
                    return;
                }
                tokio::select! {
                    chunk = rx.recv() => chunk,
                    () = tx.closed() => return,
                }
            }
        };
        let Some(chunk) = chunk else {
            if let Ok(rest) = enc.finish()
                && !rest.is_empty()
            {
                let _ = tx.send(rest.into()).await;
            }
            return;
        };
        if enc.write_all(&chunk).is_err() {
            return;
        }
        if enc.get_ref().len() >= SEND_AT && !send_output(&mut enc, &tx).await {
            return;
        }
    }
}

/// The gzip layer.
pub fn compression() -> impl Middleware {
    |req: Request, next: Next| async move {
        let accepts = req.header_str("accept-encoding").is_some_and(accepts_gzip);
        let mut res = next.run(req).await;
        if accepts && compressible(&res) {
            let done = if res.stream.is_some() {
                gzip_streamed(&mut res)
            } else {
                gzip_whole(&mut res)
            };
            if done {
                res.set_header("content-encoding", "gzip");
            }
        }
        if res.header("content-encoding").is_some() || compressible(&res) {
            res.set_header("vary", "accept-encoding");
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::Router;
    use crate::router::get;

    #[test]
    fn accept_encoding_values() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0, br"));
        assert!(!accepts_gzip("identity"));
    }

    #[tokio::test]
    async fn compresses_large_text_only() {
        let big = "hello world ".repeat(500);
        let app = Router::new()
            .route("/big", get(move || std::future::ready(big.clone())))
            .route("/small", get(|| async { "tiny" }))
            .layer(compression());
        let req = |path: &str, ae: &str| {
            Request::parse(
                format!("GET {path} HTTP/1.1\r\nHost: h\r\nAccept-Encoding: {ae}\r\n\r\n")
                    .as_bytes(),
            )
            .unwrap()
        };
        let res = app.dispatch(req("/big", "gzip, br")).await;
        assert_eq!(res.header("content-encoding"), Some("gzip"));
        assert!(res.body.len() < 200, "compressed to {}", res.body.len());
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&res.body[..])
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, "hello world ".repeat(500));
        assert_eq!(
            app.dispatch(req("/big", "identity"))
                .await
                .header("content-encoding"),
            None
        );
        assert_eq!(
            app.dispatch(req("/small", "gzip"))
                .await
                .header("content-encoding"),
            None
        );
    }

    /// A streamed text body whose producer sends `first`, waits for the
    /// returned sender's signal, then sends `rest`.
    fn paused_stream(first: String, rest: String) -> (tokio::sync::oneshot::Sender<()>, Response) {
        let (go, wait) = tokio::sync::oneshot::channel::<()>();
        let (tx, stream) = BodyStream::channel(2);
        tokio::spawn(async move {
            let _ = tx.send(first.into()).await;
            let _ = wait.await;
            let _ = tx.send(rest.into()).await;
        });
        let mut res = Response::new(StatusCode::OK).with_header("content-type", "text/plain");
        res.stream = Some(stream);
        (go, res)
    }

    #[tokio::test]
    async fn streams_compress_as_they_flow() {
        let first = "first part ".repeat(300);
        let rest = "and the rest ".repeat(3000);
        let (go, res) = paused_stream(first.clone(), rest.clone());
        let app = Router::new()
            .route("/s", get(move || std::future::ready(res.clone())))
            .layer(compression());
        let req =
            Request::parse(b"GET /s HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n\r\n").unwrap();
        let res = app.dispatch(req).await;
        assert_eq!(res.header("content-encoding"), Some("gzip"));
        let mut rx = res.stream.as_ref().and_then(BodyStream::take).unwrap();
        assert_eq!(
            res.stream.as_ref().unwrap().known_len(),
            None,
            "sent chunked"
        );

        // Before the producer goes on, what it sent has arrived, decodable.
        let mut plain = flate2::write::GzDecoder::new(Vec::new());
        while plain.get_ref().len() < first.len() {
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
                .await
                .expect("the first part waited in the compressor")
                .unwrap();
            plain.write_all(&chunk).unwrap();
            plain.flush().unwrap(); // the decoder holds output back until a flush
        }
        assert_eq!(plain.get_ref(), first.as_bytes());
        let _ = go.send(());
        let mut wire = 0;
        while let Some(chunk) = rx.recv().await {
            wire += chunk.len();
            plain.write_all(&chunk).unwrap();
        }
        let plain = plain.finish().unwrap();
        assert_eq!(plain, format!("{first}{rest}").into_bytes());
        assert!(
            wire < rest.len() / 10,
            "compressed: {wire} bytes on the wire"
        );
    }
}
