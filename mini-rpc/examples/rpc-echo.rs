//! The echo demo: a server and a client of one tiny service.
//!
//! ```text
//! cargo run --release -p mini-rpc --example rpc-echo -- server              # listens on 127.0.0.1:9090
//! cargo run --release -p mini-rpc --example rpc-echo -- client hello        # prints "hello"
//! cargo run --release -p mini-rpc --example rpc-echo -- client hi --json    # same call, JSON payloads
//! cargo run --release -p mini-rpc --example rpc-echo -- client x --slow-ms 500 --deadline-ms 100
//!                                                                       # DeadlineExceeded
//! ```
//!
//! Both take `--port` (default 9090). Try `RUST_LOG=debug` on the server to
//! watch calls, cancels and connection closes.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use mini_rpc::interceptor::Logging;
use mini_rpc::{CallOptions, Client, CodecKind, Context, Server, Status};

/// The demo service.
#[mini_rpc::service]
pub trait Echo {
    /// Returns `msg` after `slow_ms` milliseconds.
    #[idempotent]
    async fn echo(msg: String, slow_ms: u64) -> String;
}

#[derive(Clone)]
struct EchoImpl;

impl Echo for EchoImpl {
    async fn echo(&self, _ctx: Context, msg: String, slow_ms: u64) -> Result<String, Status> {
        // A zero sleep would still wait for tokio's next 1 ms timer tick.
        if slow_ms > 0 {
            tokio::time::sleep(Duration::from_millis(slow_ms)).await;
        }
        Ok(msg)
    }
}

#[derive(Parser)]
#[command(about = "mini-rpc echo demo")]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 9090, global = true)]
    port: u16,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the Echo service.
    Server,
    /// Call Echo.echo.
    Client {
        /// The message.
        msg: String,
        /// Ask the server to wait this long before answering.
        #[arg(long, default_value_t = 0)]
        slow_ms: u64,
        /// Give up after this long (the server is told too).
        #[arg(long)]
        deadline_ms: Option<u64>,
        /// Use the JSON codec instead of postcard.
        #[arg(long)]
        json: bool,
        /// Repeat the call this many times and print the mean latency.
        #[arg(long, default_value_t = 1)]
        count: u32,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args = Args::parse();
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    match args.cmd {
        Cmd::Server => {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            println!("echo server on {addr}; Ctrl-C drains in-flight calls and stops");
            let server = Server::builder()
                .interceptor(Logging)
                .add_service(EchoServer::new(EchoImpl))
                .build();
            server
                .serve_with_shutdown(listener, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        Cmd::Client {
            msg,
            slow_ms,
            deadline_ms,
            json,
            count,
        } => {
            let codec = if json {
                CodecKind::Json
            } else {
                CodecKind::Postcard
            };
            let client = EchoClient::new(Client::builder(addr).codec(codec).connect().await?);
            let mut opts = CallOptions::new();
            if let Some(ms) = deadline_ms {
                opts = opts.deadline(Duration::from_millis(ms));
            }
            let started = Instant::now();
            for _ in 0..count.max(1) {
                match client.echo_with(opts.clone(), msg.clone(), slow_ms).await {
                    Ok(reply) if count <= 1 => println!("{reply}"),
                    Ok(_) => {}
                    Err(status) => {
                        println!("error: {status}");
                        std::process::exit(1);
                    }
                }
            }
            if count > 1 {
                println!("{count} calls, mean {:?}", started.elapsed() / count);
            }
        }
    }
    Ok(())
}
