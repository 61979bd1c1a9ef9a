//! The benchmark routes, served by mini-web.
//!
//! ```text
//! cargo run --release -p mini-web --example hello -- --port 8080 [--threads N]
//! curl -v http://127.0.0.1:8080/plaintext
//! curl -v http://127.0.0.1:8080/json
//! curl -v http://127.0.0.1:8080/user/42
//! curl -v --data-binary 'echo me' http://127.0.0.1:8080/echo
//! ```

use bytes::Bytes;
use clap::Parser;
use mini_web::extract::{Json, Path};
use mini_web::http::Limits;
use mini_web::middleware::catch_panic;
use mini_web::router::{get, post};
use mini_web::{Router, Server, runtime};
use serde::Serialize;

#[derive(Parser)]
#[command(about = "mini-web hello: /plaintext, /json, /user/{id}, /echo")]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Worker threads: 1 = tokio current-thread runtime, more = multi-thread.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

async fn plaintext() -> &'static str {
    "Hello, World!"
}

async fn json() -> Json<Message> {
    Json(Message {
        message: "Hello, World!",
    })
}

async fn user(Path(id): Path<String>) -> String {
    id
}

async fn echo(body: Bytes) -> Bytes {
    body
}

/// The four benchmark routes; a panicking handler answers 500.
fn app() -> Router {
    Router::new()
        .route("/plaintext", get(plaintext))
        .route("/json", get(json))
        .route("/user/{id}", get(user))
        .route("/echo", post(echo))
        .layer(catch_panic())
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args = Args::parse();
    let limits = Limits {
        max_body_bytes: 1024 * 1024,
        ..Limits::default()
    };
    runtime(args.threads)?.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
        println!("mini-web hello on http://127.0.0.1:{} ({} thread(s)); try: curl -v http://127.0.0.1:{}/plaintext", args.port, args.threads, args.port);
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        Server::new().limits(limits).serve_with_shutdown(listener, app(), ctrl_c).await?;
        Ok(())
    })
}
