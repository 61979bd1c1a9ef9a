//! A page that talks to its server by WebSocket and by Server-Sent Events
//! and writes what it receives into the page: the example the browser test
//! (`tests/browser.rs`) loads in headless Chromium.
//!
//! ```text
//! cargo run --release -p mini-web --example live_page -- --port 8080
//! open http://127.0.0.1:8080/                       # in a browser
//! chromium --headless --no-sandbox --virtual-time-budget=5000 --dump-dom http://127.0.0.1:8080/
//! ```
//!
//! Routes: `/` the page; `/ws` a WebSocket echo (subprotocol `echo`,
//! `permessage-deflate` when offered); `/events` three `tick` events
//! numbered after the client's `Last-Event-ID`, then the end of the stream,
//! so that the browser's automatic reconnect shows up on the page.

use std::time::Duration;

use clap::Parser;
use mini_web::response::Html;
use mini_web::router::get;
use mini_web::sse::{Event, LastEventId, Sse};
use mini_web::ws::{DeflateConfig, Message, WebSocketUpgrade};
use mini_web::{Response, Router, Server, runtime};

#[derive(Parser)]
#[command(about = "mini-web live_page: a page using WebSocket and SSE")]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

const PAGE: &str = include_str!("live_page/index.html");

async fn ws(ws: WebSocketUpgrade) -> Response {
    ws.protocols(["echo"])
        .deflate(DeflateConfig::default())
        .on_upgrade(|mut socket| async move {
            while let Some(Ok(msg)) = socket.recv().await {
                if matches!(msg, Message::Text(_) | Message::Binary(_))
                    && socket.send(msg).await.is_err()
                {
                    break;
                }
            }
        })
}

async fn events(LastEventId(last): LastEventId) -> Sse {
    let start: u64 = last.and_then(|id| id.parse().ok()).unwrap_or(0);
    let (tx, sse) = Sse::channel(4);
    tokio::spawn(async move {
        for n in start + 1..=start + 3 {
            // `retry` tells EventSource to reconnect after 100 ms, not its default ~3 s.
            let ev = Event::default()
                .event("tick")
                .id(&n.to_string())
                .retry(Duration::from_millis(100))
                .data(&format!("tick {n}"));
            if tx.send(ev).await.is_err() {
                return;
            }
        }
    });
    sse
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    runtime(1)?.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
        println!(
            "mini-web live_page on http://127.0.0.1:{}/ — open it in a browser",
            args.port
        );
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let app = Router::new()
            .route("/", get(|| async { Html(PAGE) }))
            .route("/ws", get(ws))
            .route("/events", get(events));
        Server::new()
            .serve_with_shutdown(listener, app, ctrl_c)
            .await?;
        Ok(())
    })
}
