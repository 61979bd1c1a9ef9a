//! gzip response compression (feature `gzip`, on by default). Mirrors
//! tower-http's `CompressionLayer` for the one coding browsers always accept.
//!
//! Compresses when the client accepts `gzip` (with a non-zero q-value), the
//! body is at least [`MIN_SIZE`] bytes of a textual type, and the handler did
//! not set a `content-encoding` itself. Partial (206) and bodiless answers
//! pass untouched. Compression runs inline on the worker thread: fine for
//! pages and JSON, not for multi-megabyte bodies (tower-http streams instead).

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::{Middleware, Next};
use crate::Request;
use crate::http::StatusCode;
use crate::response::Response;

/// Bodies smaller than this are sent as they are: gzip's header and
/// trailer (18 bytes) and the CPU would buy nothing.
pub const MIN_SIZE: usize = 1024;

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
    let textual = ct.starts_with("text/")
        || ["json", "javascript", "xml", "svg", "wasm"]
            .iter()
            .any(|t| ct.contains(t));
    res.status != StatusCode::PARTIAL_CONTENT
        && !res.status.forbids_body()
        && res.body.len() >= MIN_SIZE
        && res.header("content-encoding").is_none()
        && textual
}

/// The gzip layer.
pub fn compression() -> impl Middleware {
    |req: Request, next: Next| async move {
        let accepts = req.header_str("accept-encoding").is_some_and(accepts_gzip);
        let mut res = next.run(req).await;
        if accepts && compressible(&res) {
            let mut enc = GzEncoder::new(
                Vec::with_capacity(res.body.len() / 3),
                Compression::default(),
            );
            if enc.write_all(&res.body).is_ok()
                && let Ok(gz) = enc.finish()
            {
                res.body = gz.into();
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
}
