//! Services and helpers shared by the black-box tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::net::SocketAddr;
use std::time::Duration;

use mini_rpc::{Context, Server, ServerStream, Status};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[mini_rpc::service]
pub trait Echo {
    /// Returns its argument.
    #[idempotent]
    async fn echo(msg: String) -> String;
    /// Sleeps `ms` (on tokio's clock), then answers.
    async fn slow(ms: u64) -> u64;
    /// Sums two numbers (two arguments through the tuple encoding).
    async fn add(a: i64, b: i64) -> i64;
    /// Always fails with NotFound.
    async fn fail() -> ();
    /// The `user` metadata entry, if any.
    async fn whoami() -> Option<String>;
    /// Panics (a bug in a handler must not hang its caller).
    async fn boom();
    /// Streams 0..n.
    async fn count(n: u32) -> mini_rpc::Streaming<u32>;
}

/// Records when a `slow` handler is dropped before finishing.
#[derive(Clone, Default)]
pub struct EchoImpl {
    /// `slow` handlers dropped before they finished.
    pub dropped: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// `slow` handlers started.
    pub started: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

struct DropFlag(std::sync::Arc<std::sync::atomic::AtomicUsize>, bool);
impl Drop for DropFlag {
    fn drop(&mut self) {
        if !self.1 {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

impl Echo for EchoImpl {
    async fn echo(&self, _ctx: Context, msg: String) -> Result<String, Status> {
        Ok(msg)
    }

    async fn slow(&self, _ctx: Context, ms: u64) -> Result<u64, Status> {
        self.started
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut flag = DropFlag(self.dropped.clone(), false);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        flag.1 = true;
        Ok(ms)
    }

    async fn add(&self, _ctx: Context, a: i64, b: i64) -> Result<i64, Status> {
        Ok(a.wrapping_add(b))
    }

    async fn fail(&self, _ctx: Context) -> Result<(), Status> {
        Err(Status::not_found("nothing here"))
    }

    async fn boom(&self, _ctx: Context) -> Result<(), Status> {
        panic!("handler bug");
    }

    async fn whoami(&self, ctx: Context) -> Result<Option<String>, Status> {
        Ok(ctx.metadata.get("user").map(str::to_string))
    }

    async fn count(&self, _ctx: Context, n: u32) -> Result<ServerStream<u32>, Status> {
        let (tx, stream) = ServerStream::channel(4);
        tokio::spawn(async move {
            for i in 0..n {
                if tx.send(i).await.is_err() {
                    return;
                }
            }
        });
        Ok(stream)
    }
}

/// A running server and the means to stop it gracefully.
pub struct Running {
    pub addr: SocketAddr,
    pub stop: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
    pub service: EchoImpl,
}

impl Running {
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

pub async fn start(builder: mini_rpc::server::ServerBuilder) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    start_on(listener, builder)
}

pub fn start_on(listener: TcpListener, builder: mini_rpc::server::ServerBuilder) -> Running {
    let addr = listener.local_addr().unwrap();
    let service = EchoImpl::default();
    let server: Server = builder
        .add_service(EchoServer::new(service.clone()))
        .build();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server
            .serve_with_shutdown(listener, async {
                let _ = stopped.await;
            })
            .await
    });
    Running {
        addr,
        stop: Some(stop),
        task,
        service,
    }
}

/// Waits (on tokio's clock, 1 ms steps, at most 5 s) until `counter` reaches `want`.
pub async fn wait_for(counter: &std::sync::atomic::AtomicUsize, want: usize) -> bool {
    for _ in 0..5000 {
        if counter.load(std::sync::atomic::Ordering::SeqCst) >= want {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    false
}
