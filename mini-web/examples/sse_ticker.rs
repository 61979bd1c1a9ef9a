//! Server-Sent Events: a counter that ticks every second on /events,
//! resuming after the `Last-Event-ID` a reconnecting client sends.
//!
//! ```text
//! cargo run --release -p mini-web --example sse_ticker -- --port 8080
//! curl -N http://127.0.0.1:8080/events
//! curl -N -H 'Last-Event-ID: 41' http://127.0.0.1:8080/events   # starts at 42
//! ```
//!
//! In a browser console: `new EventSource("http://127.0.0.1:8080/events")
//! .addEventListener("tick", e => console.log(e.lastEventId, e.data))`.

use std::time::Duration;

use clap::Parser;
use mini_web::router::get;
use mini_web::sse::{Event, LastEventId, Sse};
use mini_web::{Router, Server, runtime};

#[derive(Parser)]
#[command(about = "mini-web sse_ticker: a ticking event stream on /events")]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

async fn events(LastEventId(last): LastEventId) -> Sse {
    let mut n: u64 = last.and_then(|id| id.parse().ok()).unwrap_or(0);
    let (tx, sse) = Sse::channel(8);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            n += 1;
            let ev = Event::default()
                .event("tick")
                .id(&n.to_string())
                .data(&format!("tick {n}"));
            // Fails once the client is gone: the producer stops with it.
            if tx.send(ev).await.is_err() {
                break;
            }
        }
    });
    sse.keep_alive(Some(Duration::from_secs(15)))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    runtime(1)?.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
        println!(
            "mini-web sse_ticker on http://127.0.0.1:{}/events; try: curl -N http://127.0.0.1:{}/events",
            args.port, args.port
        );
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let app = Router::new().route("/events", get(events));
        Server::new().serve_with_shutdown(listener, app, ctrl_c).await?;
        Ok(())
    })
}
