//! The registry (expiry, watch) and the balancer over real servers
//! (spreading calls, surviving a server that goes away).

mod common;

use std::time::Duration;

use common::{EchoClient, start};
use mini_rpc::discover::{
    Balancer, BalancerConfig, Builtin, Policy, Registry, RegistryRpcClient, RegistryRpcServer,
    RegistryStore, StaticList,
};
use mini_rpc::{Client, Server};

#[tokio::test(start_paused = true)]
async fn entries_expire_after_missed_heartbeats_and_live_while_refreshed() {
    let store = RegistryStore::new();
    let _sweeper = store.spawn_sweeper(Duration::from_millis(10));
    store.heartbeat("kv", "127.0.0.1:1", Duration::from_millis(100));
    store.heartbeat("kv", "127.0.0.1:2", Duration::from_millis(100));
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(60)).await;
        store.heartbeat("kv", "127.0.0.1:1", Duration::from_millis(100)); // only :1 keeps beating
    }
    assert_eq!(store.list("kv"), vec!["127.0.0.1:1".to_string()]);
    tokio::time::sleep(Duration::from_millis(101)).await;
    assert!(store.list("kv").is_empty(), "a silent server expires");
}

#[tokio::test]
async fn the_registry_serves_heartbeats_lists_and_watches_over_rpc() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::builder()
        .add_service(RegistryRpcServer::new(RegistryStore::new()))
        .build();
    tokio::spawn(async move { server.serve(listener).await });
    let registry = RegistryRpcClient::new(Client::connect(addr).await.unwrap());

    let discover = Builtin { addr }.discover("kv");
    registry
        .heartbeat("kv".into(), "127.0.0.1:7001".into(), 60_000)
        .await
        .unwrap();
    registry
        .heartbeat("kv".into(), "127.0.0.1:7002".into(), 60_000)
        .await
        .unwrap();
    assert!(
        discover.wait_for(2, Duration::from_secs(5)).await,
        "the watcher saw both"
    );
    assert_eq!(
        registry.list("kv".into()).await.unwrap(),
        vec!["127.0.0.1:7001".to_string(), "127.0.0.1:7002".to_string()]
    );
    registry
        .deregister("kv".into(), "127.0.0.1:7001".into())
        .await
        .unwrap();
    let mut rx = mini_rpc::discover::Discover::watch(&discover);
    let one = tokio::time::timeout(Duration::from_secs(5), rx.wait_for(|l| l.len() == 1)).await;
    assert!(one.is_ok(), "the watcher saw the removal");
    let bad = registry
        .heartbeat("kv".into(), "not an address".into(), 1000)
        .await;
    assert_eq!(bad.unwrap_err().code, mini_rpc::Code::InvalidArgument);
}

#[tokio::test]
async fn a_balanced_client_spreads_calls_and_survives_a_server_going_away() {
    let a = start(Server::builder()).await;
    let b = start(Server::builder()).await;
    let c = start(Server::builder()).await;
    let list = StaticList::new(vec![a.addr, b.addr, c.addr]);
    let config = BalancerConfig {
        policy: Policy::RoundRobin,
        ..BalancerConfig::default()
    };
    let client = EchoClient::new(Balancer::new(&list, config));
    for i in 0..30 {
        assert_eq!(client.add(i, 1).await.unwrap(), i + 1);
    }
    c.shutdown().await;
    // `echo` is idempotent: a call that lands on the dead server is retried
    // on another, and the dead one is ejected.
    for i in 0..30 {
        assert_eq!(client.echo(format!("m{i}")).await.unwrap(), format!("m{i}"));
    }
    a.shutdown().await;
    b.shutdown().await;
}
