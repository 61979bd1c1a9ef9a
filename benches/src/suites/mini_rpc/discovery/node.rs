//! A server of the `discovery` bench: `benches __child mini-rpc node
//! <builtin|etcd> <registry addr> <ttl ms>` serves [`Node`] on a free port,
//! registers itself under [`SERVICE`], and runs until stdin closes or it is
//! killed (SIGKILL: its entry then goes only when its TTL runs out).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use mini_rpc::discover::{Builtin, Registry};
use mini_rpc::{Context, Status};

use crate::suites::mini_rpc::child::announce_and_wait;
use crate::suites::mini_rpc::runtimes::serve_ours;

/// The service name the nodes register under.
pub(crate) const SERVICE: &str = "bench-node";

/// Answers with the serving process's id, so a client knows which node
/// took its call.
#[mini_rpc::service]
pub(crate) trait Node {
    async fn pid() -> u32;
}

#[derive(Clone)]
struct ThisNode;

impl Node for ThisNode {
    async fn pid(&self, _ctx: Context) -> Result<u32, Status> {
        Ok(std::process::id())
    }
}

/// The backend named on the command line, at `addr`.
pub(crate) fn registry(kind: &str, addr: SocketAddr) -> anyhow::Result<Box<dyn Registry>> {
    match kind {
        "builtin" => Ok(Box::new(Builtin { addr })),
        "etcd" => Ok(Box::new(mini_rpc::discover::etcd::Etcd::new(vec![addr]))),
        other => anyhow::bail!("unknown registry {other:?}"),
    }
}

/// The child's entry.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let [kind, at, ttl_ms] = args else {
        anyhow::bail!("usage: node <builtin|etcd> <registry addr> <ttl ms>");
    };
    let registry = registry(kind, at.parse().context("registry address")?)?;
    let ttl = Duration::from_millis(ttl_ms.parse().context("ttl ms")?);
    let server = mini_rpc::Server::builder()
        .add_service(NodeServer::new(ThisNode))
        .build();
    let (addr, rt) = serve_ours(server)?;
    // Registering starts the renewal task, on the node's runtime.
    let _registration = rt.block_on(async { registry.register(SERVICE, addr, ttl) });
    announce_and_wait(addr)
}
