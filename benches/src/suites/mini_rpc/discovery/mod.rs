//! `discovery`: how fast a client's endpoint set follows the fleet, with
//! the built-in registry and with etcd (report only, no target).
//!
//! Every round, with three nodes registered and seen by a fresh client:
//! 1. `removal`: one node is killed with SIGKILL (no deregistration) and
//!    the clock runs until it is gone from the client's set — the TTL's
//!    expiry plus the registry's sweep and the watch's delivery;
//! 2. `first_call`: a new node is started and the clock runs until a call
//!    through the client's balancer is answered by that node's process —
//!    process start, registration, the watch, and the balancer's pick.
//!
//! # Layout
//!
//! - `node`: the node process (serves `Node.pid`, registers itself).
//! - `etcd_server`: the etcd this bench starts and removes.

mod etcd_server;
pub(crate) mod node;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use mini_rpc::discover::{Balancer, BalancerConfig, Policy, RegistryRpcServer, RegistryStore};
use tokio::runtime::Runtime;

use self::etcd_server::EtcdServer;
use self::node::{NodeClient, SERVICE};
use super::child::ChildServer;
use super::runtimes::{one_worker, serve_ours};
use crate::runner::util::{tool_version, which};
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip};

/// The registration TTL, for both backends (etcd counts it in seconds).
const TTL: Duration = Duration::from_secs(2);
/// How often the built-in registry expires entries.
const SWEEP_EVERY: Duration = Duration::from_millis(100);
/// Nodes registered when a round starts.
const FLEET: usize = 3;
/// The longest any wait of a round may take.
const PATIENCE: Duration = Duration::from_secs(15);

pub(crate) struct DiscoveryBench {
    /// The built-in registry's server, in this process.
    builtin: Option<(SocketAddr, Runtime)>,
    etcd: Option<EtcdServer>,
    /// The running nodes of each case.
    fleets: HashMap<String, Vec<ChildServer>>,
}

impl DiscoveryBench {
    pub(crate) fn new() -> DiscoveryBench {
        DiscoveryBench {
            builtin: None,
            etcd: None,
            fleets: HashMap::new(),
        }
    }

    /// The backend of `case` and where it listens.
    fn registry(&self, case: &str) -> anyhow::Result<(&'static str, SocketAddr)> {
        match case {
            "builtin" => Ok(("builtin", self.builtin.as_ref().context("no registry")?.0)),
            "etcd" => Ok(("etcd", self.etcd.as_ref().context("no etcd")?.addr)),
            other => anyhow::bail!("unknown case {other:?}"),
        }
    }
}

impl Comparison for DiscoveryBench {
    fn crate_name(&self) -> &'static str {
        "mini-rpc"
    }

    fn bench(&self) -> &'static str {
        "discovery"
    }

    fn describe(&self) -> String {
        format!(
            "{FLEET} node processes (`benches __child mini-rpc node`) registered with a {} s TTL (renewed \
             every TTL/3); a fresh client (Discovery + round-robin Balancer) in the runner waits until it \
             sees all of them. removal: from SIGKILL of one node to its absence from the client's set \
             (built-in: expiry checked every {} ms; etcd: the lease expires, the watch delivers the \
             delete). first_call: from spawning a new node process to the first call answered by it \
             through the balancer. builtin: the registry is a mini-rpc service in the runner's process; \
             etcd: one member on loopback with a temporary data dir, through its JSON gateway. Report \
             only: no counterpart.",
            TTL.as_secs(),
            SWEEP_EVERY.as_millis()
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        let mut cases = vec!["builtin".to_string()];
        if which("etcd").is_some() {
            cases.push("etcd".into());
        }
        cases
    }

    fn rounds(&self, quick: bool) -> usize {
        if quick { 1 } else { 3 }
    }

    fn prepare(
        &mut self,
        _quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        let store = RegistryStore::new();
        let registry = mini_rpc::Server::builder()
            .add_service(RegistryRpcServer::new(store.clone()))
            .build();
        let (addr, rt) = serve_ours(registry)?;
        // The sweeper runs on the registry's runtime (it holds the store weakly).
        {
            let _in_rt = rt.enter();
            store.spawn_sweeper(SWEEP_EVERY);
        }
        self.builtin = Some((addr, rt));

        let mut skips = Vec::new();
        if which("etcd").is_some() {
            let etcd = EtcdServer::start()?;
            one_worker()?.block_on(etcd.ready())?;
            prov.command(etcd.command());
            if let Some(v) = tool_version("etcd", &["--version"]) {
                prov.version("etcd", v);
            }
            self.etcd = Some(etcd);
        } else {
            skips.push(Skip {
                what: "etcd (the etcd case)".into(),
                install: "apt-get install etcd-server".into(),
            });
        }
        Ok((
            vec![Impl {
                name: "ours",
                config: format!("mini-rpc discovery, TTL {} s, round-robin", TTL.as_secs()),
            }],
            skips,
        ))
    }

    fn measure(
        &mut self,
        case: &str,
        _imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let (kind, at) = self.registry(case)?;
        let args = node_args(kind, at);
        let fleet = self.fleets.entry(case.to_string()).or_default();
        while fleet.len() < FLEET {
            fleet.push(ChildServer::spawn(&args.each())?);
        }
        prov.command(fleet[0].command.clone());
        let rt = one_worker()?;
        let round = rt.block_on(round(kind, at, fleet, args))?;
        rt.shutdown_background();
        Ok(vec![
            Sample::new("removal", round.removal.as_secs_f64() * 1e3, "ms"),
            Sample::new("first_call", round.first_call.as_secs_f64() * 1e3, "ms"),
        ])
    }

    fn finish(&mut self) {
        self.fleets.clear();
        self.etcd = None;
        if let Some((_, rt)) = self.builtin.take() {
            rt.shutdown_background();
        }
    }
}

/// The command line of a node of `kind` registering at `at`.
struct NodeArgs(Vec<String>);

impl NodeArgs {
    fn each(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }
}

fn node_args(kind: &str, at: SocketAddr) -> NodeArgs {
    NodeArgs(vec![
        "node".into(),
        kind.into(),
        at.to_string(),
        TTL.as_millis().to_string(),
    ])
}

/// What one round measured.
struct Round {
    removal: Duration,
    first_call: Duration,
}

/// Kills the fleet's oldest node and starts a new one, timing both.
async fn round(
    kind: &str,
    at: SocketAddr,
    fleet: &mut Vec<ChildServer>,
    args: NodeArgs,
) -> anyhow::Result<Round> {
    let discovery = node::registry(kind, at)?.discover(SERVICE);
    let all: Vec<SocketAddr> = fleet.iter().map(|n| n.addr).collect();
    let seen = discovery
        .wait_until(PATIENCE, |set| all.iter().all(|a| set.contains(a)))
        .await;
    anyhow::ensure!(seen, "the client never saw {all:?}");

    let mut victim = fleet.remove(0);
    let started = Instant::now();
    victim.kill();
    let gone = discovery
        .wait_until(PATIENCE, |set| !set.contains(&victim.addr))
        .await;
    anyhow::ensure!(gone, "{} never left the set", victim.addr);
    let removal = started.elapsed();

    let config = BalancerConfig {
        policy: Policy::RoundRobin,
        ..BalancerConfig::default()
    };
    let client = NodeClient::new(Balancer::new(&discovery, config));
    let started = Instant::now();
    // The spawn blocks until the node prints its address: off the runtime,
    // so the watch keeps being read meanwhile.
    let fresh = tokio::task::spawn_blocking(move || ChildServer::spawn(&args.each())).await??;
    let first_call = loop {
        if let Ok(pid) = client.pid().await
            && pid == fresh.pid()
        {
            break started.elapsed();
        }
        anyhow::ensure!(
            started.elapsed() < PATIENCE,
            "{} never answered",
            fresh.addr
        );
        tokio::task::yield_now().await;
    };
    fleet.push(fresh);
    Ok(Round {
        removal,
        first_call,
    })
}
