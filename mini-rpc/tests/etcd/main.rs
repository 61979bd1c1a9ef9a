//! The etcd backend against a real etcd (started here; skipped with a
//! printed reason when etcd is not installed): servers register with
//! leases, a balancer follows the watch, a killed server's key expires with
//! its lease, etcd is restarted under load, and a compaction during a
//! broken watch forces a re-list.

#[path = "../common/mod.rs"]
mod common;
mod proxy;
mod server;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{EchoClient, Running, start};
use mini_rpc::Server;
use mini_rpc::discover::etcd::Etcd;
use mini_rpc::discover::{Balancer, BalancerConfig, Discovery, Policy, Registry};
use proxy::Proxy;
use server::EtcdServer;
use tokio::time::Instant;

/// Short, so a killed server goes quickly (etcd counts leases in seconds).
const TTL: Duration = Duration::from_secs(2);
/// Every wait for the watch to deliver a change is bounded by this.
const SOON: Duration = Duration::from_secs(10);

async fn wait_set(discovery: &Discovery, what: &str, ready: impl FnMut(&Vec<SocketAddr>) -> bool) {
    let ok = discovery.wait_until(SOON, ready).await;
    assert!(ok, "{what}: the set is {:?}", discovery.endpoints());
}

/// Warnings logged by the code under test (the one test of this binary
/// installs it as the global subscriber, so worker threads log into it).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn install() -> Logs {
        let logs = Logs::default();
        let writer = logs.clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        logs
    }

    fn contain(&self, text: &str) -> bool {
        String::from_utf8_lossy(&self.0.lock().unwrap()).contains(text)
    }
}

fn balancer(discovery: &Discovery) -> EchoClient<Balancer> {
    let config = BalancerConfig {
        policy: Policy::RoundRobin,
        eject_for: Duration::from_millis(500),
        ..BalancerConfig::default()
    };
    EchoClient::new(Balancer::new(discovery, config))
}

/// Calls `echo` in a loop until `stop`, counting successes and failures.
fn keep_calling(
    client: EchoClient<Balancer>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(usize, Vec<String>)> {
    tokio::spawn(async move {
        let (mut ok, mut failed) = (0, Vec::new());
        while !stop.load(Ordering::SeqCst) {
            match client.echo(format!("c{ok}")).await {
                Ok(_) => ok += 1,
                Err(status) => failed.push(status.to_string()),
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        (ok, failed)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_come_and_go_through_leases_and_the_watch_survives_restarts_and_compaction() {
    let Some(mut etcd) = EtcdServer::start().await else {
        return;
    };
    let logs = Logs::install();
    let registry = Etcd::new(vec![etcd.addr]);

    // Three servers register; a balanced client finds them all.
    let mut servers: Vec<Running> = Vec::new();
    let mut regs = Vec::new();
    for _ in 0..3 {
        let s = start(Server::builder()).await;
        regs.push(registry.register("echo", s.addr, TTL));
        servers.push(s);
    }
    let discovery = registry.discover("echo");
    let all: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    wait_set(&discovery, "three registered", |l| {
        all.iter().all(|a| l.contains(a))
    })
    .await;
    let client = balancer(&discovery);
    let answered = Arc::new(AtomicUsize::new(0));
    for i in 0..30 {
        assert_eq!(client.echo(format!("m{i}")).await.unwrap(), format!("m{i}"));
        answered.fetch_add(1, Ordering::Relaxed);
    }
    assert_eq!(discovery.listings(), 1, "one listing, then only the watch");

    // One is killed: its registration dropped without deregistering, its
    // server gone. Its key goes with its lease: at most TTL after the last
    // keep-alive, plus etcd's expiry check (every 500 ms) and the watch.
    let killed = servers.pop().unwrap();
    drop(regs.pop());
    let gone = killed.addr;
    killed.shutdown().await;
    let t0 = Instant::now();
    let removed = discovery
        .wait_until(TTL + Duration::from_secs(1), |l| !l.contains(&gone))
        .await;
    println!("killed server removed after {:?}", t0.elapsed());
    assert!(
        removed,
        "the killed server is still listed: {:?}",
        discovery.endpoints()
    );
    for i in 0..20 {
        assert_eq!(client.echo(format!("k{i}")).await.unwrap(), format!("k{i}"));
    }

    // A new one appears through the watch; a garbage entry is skipped.
    registry
        .put("/services/echo/garbage", "not an address", None)
        .await
        .unwrap();
    let fresh = start(Server::builder()).await;
    let t0 = Instant::now();
    regs.push(registry.register("echo", fresh.addr, TTL));
    let fresh_addr = fresh.addr;
    servers.push(fresh);
    wait_set(&discovery, "a new server", |l| l.contains(&fresh_addr)).await;
    println!("new server discovered after {:?}", t0.elapsed());
    assert_eq!(
        discovery.endpoints().len(),
        3,
        "the garbage entry is not an endpoint"
    );
    assert!(
        logs.contain("etcd entry is not an ip:port; skipped"),
        "the garbage entry is logged"
    );

    // etcd is killed and restarted while calls run: the known endpoints
    // keep answering, and the watch resumes (a server registered after the
    // restart is discovered).
    let stop = Arc::new(AtomicBool::new(false));
    let caller = keep_calling(balancer(&discovery), stop.clone());
    etcd.kill();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        discovery.endpoints().len(),
        3,
        "the last set stays while etcd is down"
    );
    etcd.restart().await;
    let late = start(Server::builder()).await;
    regs.push(registry.register("echo", late.addr, TTL));
    let late_addr = late.addr;
    servers.push(late);
    wait_set(&discovery, "registered after the restart", |l| {
        l.contains(&late_addr)
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    let (ok, failed) = caller.await.unwrap();
    println!(
        "during the etcd restart: {ok} calls ok, {} failed",
        failed.len()
    );
    assert!(ok > 0 && failed.is_empty(), "failures: {failed:?}");

    // A second client whose path to etcd is cut: meanwhile a server leaves
    // cleanly and the history is compacted past the client's revision.
    // When the path returns, its watch cannot resume and it re-lists.
    let proxy = Proxy::start(etcd.addr).await;
    let cut_off = Etcd::new(vec![proxy.addr]).discover("echo");
    wait_set(&cut_off, "proxied client", |l| l.contains(&late_addr)).await;
    assert_eq!(cut_off.listings(), 1);
    proxy.cut();
    let leaving = servers.pop().unwrap();
    regs.pop().unwrap().deregister().await;
    let rev = registry.put("/other/bump", "x", None).await.unwrap();
    registry.compact(rev).await.unwrap();
    wait_set(&discovery, "the direct watcher sees the leave", |l| {
        !l.contains(&leaving.addr)
    })
    .await;
    proxy.resume();
    wait_set(&cut_off, "re-listed after compaction", |l| {
        !l.contains(&leaving.addr)
    })
    .await;
    assert_eq!(cut_off.listings(), 2, "a compacted watch re-lists once");
    assert_eq!(cut_off.endpoints(), discovery.endpoints());
    leaving.shutdown().await;

    // A third client whose watch connection goes silent without breaking
    // (a NAT that forgot it): the periodic resync notices a change the
    // watch never delivered, and lists again.
    let proxy = Proxy::start(etcd.addr).await;
    let quiet = Etcd::new(vec![proxy.addr]).with_resync(Duration::from_millis(500));
    let quiet = quiet.discover("echo");
    let now = discovery.endpoints();
    wait_set(&quiet, "the quiet client", |l| *l == now).await;
    // First a change the watch delivers, so the watch is surely in place.
    let left = servers.pop().unwrap();
    regs.pop().unwrap().deregister().await;
    wait_set(&quiet, "a leave through the watch", |l| {
        !l.contains(&left.addr)
    })
    .await;
    assert_eq!(quiet.listings(), 1);
    left.shutdown().await;
    proxy.black_hole();
    let unseen = start(Server::builder()).await;
    regs.push(registry.register("echo", unseen.addr, TTL));
    let unseen_addr = unseen.addr;
    servers.push(unseen);
    wait_set(&quiet, "found by the resync", |l| l.contains(&unseen_addr)).await;
    assert_eq!(
        quiet.listings(),
        2,
        "the silent watch was replaced by a listing"
    );

    for s in servers {
        s.shutdown().await;
    }
}
