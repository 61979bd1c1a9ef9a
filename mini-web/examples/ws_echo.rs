//! A WebSocket echo server: every text and binary message comes back as it
//! was sent; pings are answered; a close is echoed; `permessage-deflate`
//! is agreed when the client offers it (browsers and Python `websockets`
//! do). The server Autobahn's fuzzing client is run against (`tests/autobahn.rs`).
//!
//! ```text
//! cargo run --release -p mini-web --example ws_echo -- --port 8080
//! websocat ws://127.0.0.1:8080/          # type a line, get it back
//! python3 -m websockets ws://127.0.0.1:8080/
//! curl -i http://127.0.0.1:8080/         # no upgrade: 426 Upgrade Required
//! ```

use clap::Parser;
use mini_web::router::get;
use mini_web::ws::{DeflateConfig, Message, WebSocket, WebSocketUpgrade};
use mini_web::{Response, Router, Server, runtime};

#[derive(Parser)]
#[command(about = "mini-web ws_echo: a WebSocket echo server on /")]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Worker threads: 1 = tokio current-thread runtime, more = multi-thread.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

async fn upgrade(ws: WebSocketUpgrade) -> Response {
    ws.protocols(["echo"])
        .deflate(DeflateConfig::default())
        .on_upgrade(echo)
}

/// Sends back every data message until the peer closes or breaks the protocol.
async fn echo(mut socket: WebSocket) {
    while let Some(msg) = socket.recv().await {
        let reply = match msg {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => m,
            Ok(_) => continue, // pings are answered by the socket; close ends the loop
            Err(e) => {
                tracing::debug!(error = %e, "websocket failed");
                break;
            }
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args = Args::parse();
    runtime(args.threads)?.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
        println!(
            "mini-web ws_echo on ws://127.0.0.1:{}/ ({} thread(s)); try: websocat ws://127.0.0.1:{}/",
            args.port, args.threads, args.port
        );
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let app = Router::new().route("/", get(upgrade));
        Server::new().serve_with_shutdown(listener, app, ctrl_c).await?;
        Ok(())
    })
}
