//! Streaming bodies: uploads counted as they arrive, downloads generated as
//! they are sent, and an echo that streams the upload straight back — memory
//! stays flat whatever the size.
//!
//! ```text
//! cargo run --release -p mini-web --example streaming -- --port 8080
//! head -c 1G /dev/zero | curl -sT - http://127.0.0.1:8080/upload      # bytes=1073741824 ...
//! curl -s http://127.0.0.1:8080/download/1073741824 | wc -c           # 1073741824
//! curl -sT README.md http://127.0.0.1:8080/echo                       # the file, back
//! grep VmHWM /proc/$(pgrep -f 'examples/streaming')/status             # peak RSS
//! ```

use bytes::Bytes;
use clap::Parser;
use mini_web::extract::Path;
use mini_web::http::{Limits, StatusCode};
use mini_web::router::{get, post};
use mini_web::stream::BodyStream;
use mini_web::{Body, IntoResponse, Response, Router, Server, runtime};

#[derive(Parser)]
#[command(about = "mini-web streaming: /upload, /download/{bytes}, /echo")]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Worker threads (1: the current-thread runtime).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Largest body accepted, in bytes (default 16 GiB: this demo is about big bodies).
    #[arg(long, default_value_t = 16 << 30)]
    max_body: u64,
}

/// The byte at offset `i` of every download: a pattern a client can check
/// without the server keeping anything.
fn pattern_chunk() -> Bytes {
    Bytes::from((0..64 * 1024).map(|i| (i % 251) as u8).collect::<Vec<u8>>())
}

/// Counts the upload and sums its bytes, one piece at a time.
async fn upload(mut body: Body) -> Response {
    let (mut bytes, mut sum, mut pieces) = (0u64, 0u64, 0u64);
    loop {
        match body.chunk().await {
            Ok(Some(piece)) => {
                bytes += piece.len() as u64;
                sum = piece.iter().fold(sum, |s, &b| s.wrapping_add(u64::from(b)));
                pieces += 1;
            }
            Ok(None) => break,
            Err(e) => return Response::text(e.status(), format!("upload: {e}\n")),
        }
    }
    format!("bytes={bytes} sum={sum} pieces={pieces}\n").into_response()
}

/// `n` bytes of the pattern, with `Content-Length`, made as the client reads.
async fn download(Path(n): Path<u64>) -> Response {
    let (tx, stream) = BodyStream::sized(4, n);
    tokio::spawn(async move {
        let chunk = pattern_chunk();
        let mut left = n;
        while left > 0 {
            let take = left.min(chunk.len() as u64) as usize;
            // Fails once the client is gone: the producer stops with it.
            if tx.send(chunk.slice(..take)).await.is_err() {
                return;
            }
            left -= take as u64;
        }
    });
    let mut res =
        Response::new(StatusCode::OK).with_header("content-type", "application/octet-stream");
    res.stream = Some(stream);
    res
}

/// The upload, streamed back as it arrives (chunked): full duplex.
async fn echo(mut body: Body) -> Response {
    let (tx, stream) = BodyStream::channel(4);
    tokio::spawn(async move {
        while let Ok(Some(piece)) = body.chunk().await {
            if tx.send(piece).await.is_err() {
                return;
            }
        }
    });
    let mut res =
        Response::new(StatusCode::OK).with_header("content-type", "application/octet-stream");
    res.stream = Some(stream);
    res
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    runtime(args.threads)?.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
        println!(
            "mini-web streaming on http://127.0.0.1:{}/ ({} thread(s)); try: curl -s http://127.0.0.1:{}/download/1000000 | wc -c",
            args.port, args.threads, args.port
        );
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let app = Router::new()
            .route("/upload", post(upload).put(upload))
            .route("/download/{bytes}", get(download))
            .route("/echo", post(echo).put(echo));
        let limits = Limits {
            max_body_bytes: usize::try_from(args.max_body).unwrap_or(usize::MAX),
            ..Limits::default()
        };
        Server::new()
            .limits(limits)
            .serve_with_shutdown(listener, app, ctrl_c)
            .await?;
        Ok(())
    })
}
