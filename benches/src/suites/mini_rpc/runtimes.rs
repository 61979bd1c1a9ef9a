//! The runtimes the mini-rpc comparisons run on: every server on its own
//! one-worker tokio runtime, alive for a whole comparison, and every load
//! generator on another, so each implementation gets the same two threads.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use tokio::runtime::Runtime;

use crate::runner::util::{free_port, wait_for_port};

/// A tokio multi-thread runtime with one worker.
pub(crate) fn one_worker() -> anyhow::Result<Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?)
}

/// Serves `server` on a new one-worker runtime, at a free loopback port.
pub(crate) fn serve_ours(server: mini_rpc::Server) -> anyhow::Result<(SocketAddr, Runtime)> {
    let rt = one_worker()?;
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { server.serve(listener).await });
        anyhow::Ok(addr)
    })?;
    Ok((addr, rt))
}

/// Runs the tonic server `serve(addr)` builds on a new one-worker runtime,
/// at a free loopback port; returns once it accepts. (tonic binds the
/// address itself, so the port is picked first.)
pub(crate) fn serve_tonic<F>(
    serve: impl FnOnce(SocketAddr) -> F,
) -> anyhow::Result<(SocketAddr, Runtime)>
where
    F: Future<Output = Result<(), tonic::transport::Error>> + Send + 'static,
{
    let rt = one_worker()?;
    let addr = format!("127.0.0.1:{}", free_port()?).parse()?;
    let server = serve(addr);
    rt.spawn(async move {
        if let Err(e) = server.await {
            eprintln!("tonic server: {e}");
        }
    });
    wait_for_port(addr, Duration::from_secs(5))?;
    Ok((addr, rt))
}

/// The servers of one comparison, by impl name, each with its runtime.
#[derive(Default)]
pub(crate) struct Servers {
    running: Vec<(&'static str, SocketAddr, Runtime)>,
}

impl Servers {
    /// Keeps the runtime (which serves `imp` at the address) alive until
    /// [`Servers::stop`].
    pub(crate) fn add(&mut self, imp: &'static str, (addr, rt): (SocketAddr, Runtime)) {
        self.running.push((imp, addr, rt));
    }

    /// Where `imp` listens.
    pub(crate) fn addr(&self, imp: &str) -> anyhow::Result<SocketAddr> {
        self.running
            .iter()
            .find(|(name, _, _)| *name == imp)
            .map(|(_, addr, _)| *addr)
            .with_context(|| format!("no server for {imp}"))
    }

    /// Shuts every runtime down, without waiting for its tasks.
    pub(crate) fn stop(&mut self) {
        for (_, _, rt) in self.running.drain(..) {
            rt.shutdown_background();
        }
    }
}
