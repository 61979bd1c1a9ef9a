//! The kv demo: three key-value servers behind the registry, and a client
//! balancing across them by consistent hashing on the key.
//!
//! One process, everything in it (kills a server mid-run, calls keep succeeding):
//!
//! ```text
//! cargo run --release -p mini-rpc --example kv -- demo
//! ```
//!
//! Or one process per part (the registry on 9090 by default):
//!
//! ```text
//! cargo run --release -p mini-rpc --example kv -- registry                 # 127.0.0.1:9090
//! cargo run --release -p mini-rpc --example kv -- server --port 9091       # x3: 9091 9092 9093
//! cargo run --release -p mini-rpc --example kv -- client --seconds 20      # then Ctrl-C a server
//! ```
//!
//! With etcd as the registry (`apt-get install etcd-server etcd-client`;
//! a bare `etcd` serves 127.0.0.1:2379), every part takes `--etcd`:
//!
//! ```text
//! etcd --data-dir /tmp/etcd-demo
//! cargo run --release -p mini-rpc --example kv -- --etcd 127.0.0.1:2379 server --port 9091   # x3
//! cargo run --release -p mini-rpc --example kv -- --etcd 127.0.0.1:2379 client --seconds 30
//! ETCDCTL_API=3 etcdctl get --prefix /services          # the entries, while servers come and go
//! cargo run --release -p mini-rpc --example kv -- --etcd 127.0.0.1:2379 demo                 # all in one
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use mini_rpc::discover::etcd::Etcd;
use mini_rpc::discover::{
    Balancer, BalancerConfig, Builtin, Policy, Registry, RegistryRpcServer, RegistryStore,
};
use mini_rpc::{CallOptions, Context, Server, Status};
use tokio::net::TcpListener;

/// A key-value store, one map per server.
#[mini_rpc::service]
pub trait Kv {
    /// The value of `key`.
    #[idempotent]
    async fn get(key: String) -> Option<String>;
    /// Sets `key` (setting twice is harmless, so it may be retried).
    #[idempotent]
    async fn put(key: String, value: String);
    /// Which server answered (for the demo's per-server counts).
    async fn whoami() -> String;
}

#[derive(Clone)]
struct KvStore {
    name: String,
    map: Arc<Mutex<HashMap<String, String>>>,
}

impl Kv for KvStore {
    async fn get(&self, _ctx: Context, key: String) -> Result<Option<String>, Status> {
        Ok(self
            .map
            .lock()
            .map_err(|_| Status::internal("poisoned"))?
            .get(&key)
            .cloned())
    }

    async fn put(&self, _ctx: Context, key: String, value: String) -> Result<(), Status> {
        self.map
            .lock()
            .map_err(|_| Status::internal("poisoned"))?
            .insert(key, value);
        Ok(())
    }

    async fn whoami(&self, _ctx: Context) -> Result<String, Status> {
        Ok(self.name.clone())
    }
}

#[derive(Parser)]
#[command(about = "mini-rpc kv demo: registry, servers, balancing client")]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
    /// The registry's port on 127.0.0.1.
    #[arg(long, default_value_t = 9090, global = true)]
    registry_port: u16,
    /// Use the etcd whose client URL is this ip:port instead of the
    /// built-in registry.
    #[arg(long, global = true)]
    etcd: Option<SocketAddr>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the registry.
    Registry,
    /// Run one kv server and register it.
    Server {
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 9091)]
        port: u16,
    },
    /// Put and get keys through the balancer, printing a line a second.
    Client {
        /// How long to run.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Registry + three servers + client in one process; kills one server mid-run.
    Demo,
}

const SERVICE: &str = "kv";
const TTL: Duration = Duration::from_millis(900);

async fn run_registry(listener: TcpListener) -> std::io::Result<()> {
    let store = RegistryStore::new();
    let _sweeper = store.spawn_sweeper(Duration::from_millis(100));
    Server::builder()
        .add_service(RegistryRpcServer::new(store))
        .build()
        .serve(listener)
        .await
}

/// Serves kv on `listener`, registered in `registry`, until `stop` fires.
async fn run_server(
    listener: TcpListener,
    registry: Arc<dyn Registry>,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let store = KvStore {
        name: addr.to_string(),
        map: Arc::default(),
    };
    let _registration = registry.register(SERVICE, addr, TTL);
    println!("kv server {addr} registering");
    Server::builder()
        .add_service(KvServer::new(store))
        .build()
        .serve_with_shutdown(listener, stop)
        .await?;
    Ok(())
}

/// Puts then gets keys for `seconds`, printing successes, failures and which servers answered.
async fn run_client(
    registry: Arc<dyn Registry>,
    seconds: u64,
    mut on_tick: impl FnMut(u64),
) -> anyhow::Result<(u64, u64)> {
    let discover = registry.discover(SERVICE);
    anyhow::ensure!(
        discover.wait_for(1, Duration::from_secs(5)).await,
        "no kv servers registered"
    );
    let config = BalancerConfig {
        policy: Policy::ConsistentHash,
        eject_for: Duration::from_secs(1),
        ..Default::default()
    };
    let client = KvClient::new(Balancer::new(&discover, config));
    let (mut ok, mut failed) = (0u64, 0u64);
    let started = Instant::now();
    let mut second = 0;
    let mut i = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        let key = format!("key-{}", i % 1000);
        let opts = CallOptions::new()
            .hash_key(&key)
            .deadline(Duration::from_secs(1));
        let value = format!("v{i}");
        let put = client
            .put_with(opts.clone(), key.clone(), value.clone())
            .await;
        let got = client.get_with(opts, key).await;
        match (put, got) {
            (Ok(()), Ok(got)) => {
                ok += 1;
                // Servers do not replicate: a value written to a server that
                // died before the read is gone. That is data loss, not an RPC failure.
                if got.as_deref() != Some(value.as_str()) {
                    println!("value of a key lost with its server (expected without replication)");
                }
            }
            (put, got) => {
                failed += 1;
                println!("call failed: put {put:?} get {got:?}");
            }
        }
        i += 1;
        if started.elapsed().as_secs() > second {
            second = started.elapsed().as_secs();
            let servers = client.channel().endpoints().len();
            println!("t={second:>2}s  ok={ok:<7} failed={failed:<4} servers known={servers}");
            on_tick(second);
        }
    }
    Ok((ok, failed))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "error".into()),
        )
        .init();
    let args = Args::parse();
    let builtin = SocketAddr::from(([127, 0, 0, 1], args.registry_port));
    let registry: Arc<dyn Registry> = match args.etcd {
        Some(etcd) => Arc::new(Etcd::new(vec![etcd])),
        None => Arc::new(Builtin { addr: builtin }),
    };
    match args.cmd {
        Cmd::Registry => {
            println!("registry on {builtin}");
            run_registry(TcpListener::bind(builtin).await?).await?;
        }
        Cmd::Server { port } => {
            let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
            run_server(listener, registry, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
        Cmd::Client { seconds } => {
            let (ok, failed) = run_client(registry, seconds, |_| {}).await?;
            println!("done: {ok} put+get pairs ok, {failed} failed");
        }
        Cmd::Demo => {
            if args.etcd.is_none() {
                let listener = TcpListener::bind(builtin).await?;
                tokio::spawn(run_registry(listener));
            }
            let mut servers = Vec::new();
            for _ in 0..3 {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                servers.push(tokio::spawn(run_server(
                    listener,
                    registry.clone(),
                    std::future::pending(),
                )));
            }
            let mut victim = servers.pop();
            let (ok, failed) = run_client(registry, 6, |second| {
                if second == 2
                    && let Some(server) = victim.take()
                {
                    // Abort, not a graceful stop: its sockets close mid-call
                    // and its heartbeats stop, as when a process is killed.
                    println!("--- killing one kv server now ---");
                    server.abort();
                }
            })
            .await?;
            println!("done: {ok} put+get pairs ok, {failed} failed");
            anyhow::ensure!(failed == 0, "some calls failed");
        }
    }
    Ok(())
}
