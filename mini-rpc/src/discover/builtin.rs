//! The built-in registry: a mini-rpc service where servers announce
//! themselves with heartbeats and clients watch the live set (GeeRPC's
//! `GeeRegistry`, which does the same over HTTP; etcd leases — the
//! [`super::etcd`] backend — and Consul TTL checks are the production form).
//! [`Builtin`] is its [`super::Registry`] face.
//!
//! An entry lives for the `ttl` its last heartbeat gave it; a server that
//! stops heartbeating (crashed, partitioned) drops out when its entry
//! expires, and watchers get the new list. Expiry is checked by a sweeper
//! task and on every read, so a read never returns a dead entry.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::{Discovery, Publisher, Registration, Registry};
use crate::client::Client;
use crate::service::{Context, ServerStream};
use crate::status::Status;

/// The longest TTL a heartbeat can ask for.
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

/// The registry's RPC interface.
#[crate::service]
pub trait RegistryRpc {
    /// Adds or refreshes `addr` under service `name` for `ttl_ms` milliseconds.
    #[idempotent]
    async fn heartbeat(name: String, addr: String, ttl_ms: u64);
    /// Removes `addr` from `name` at once (a clean shutdown).
    #[idempotent]
    async fn deregister(name: String, addr: String);
    /// The live addresses of `name`, sorted.
    #[idempotent]
    async fn list(name: String) -> Vec<String>;
    /// The live addresses of `name` now and after every change.
    async fn watch(name: String) -> crate::Streaming<Vec<String>>;
}

/// The registry's state: service name → address → expiry.
#[derive(Clone)]
pub struct RegistryStore {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    entries: Mutex<HashMap<String, HashMap<String, Instant>>>,
    /// Bumped on every change of any list; watchers re-read on a bump.
    version: watch::Sender<u64>,
}

impl Default for RegistryStore {
    fn default() -> Self {
        RegistryStore {
            inner: Arc::new(StoreInner {
                entries: Mutex::new(HashMap::new()),
                version: watch::Sender::new(0),
            }),
        }
    }
}

impl RegistryStore {
    /// An empty store.
    pub fn new() -> RegistryStore {
        RegistryStore::default()
    }

    /// Starts the task that expires entries every `every` (stops when the
    /// store is dropped everywhere else).
    pub fn spawn_sweeper(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                RegistryStore { inner }.sweep();
            }
        })
    }

    fn bump(&self) {
        self.inner.version.send_modify(|v| *v += 1);
    }

    /// Drops expired entries; notifies watchers if any went.
    pub fn sweep(&self) {
        let now = Instant::now();
        let mut removed = false;
        {
            let mut entries = self
                .inner
                .entries
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for addrs in entries.values_mut() {
                let before = addrs.len();
                addrs.retain(|_, expires| *expires > now);
                removed |= addrs.len() != before;
            }
            entries.retain(|_, addrs| !addrs.is_empty());
        }
        if removed {
            self.bump();
        }
    }

    /// Records a heartbeat.
    pub fn heartbeat(&self, name: &str, addr: &str, ttl: Duration) {
        // The TTL comes off the wire: cap it rather than overflow an Instant.
        let expires = Instant::now() + ttl.min(MAX_TTL);
        let new = {
            let mut entries = self
                .inner
                .entries
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            entries
                .entry(name.to_string())
                .or_default()
                .insert(addr.to_string(), expires)
                .is_none()
        };
        if new {
            tracing::info!(name, addr, "registered");
            self.bump();
        }
    }

    /// Removes an entry.
    pub fn deregister(&self, name: &str, addr: &str) {
        let removed = {
            let mut entries = self
                .inner
                .entries
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            entries.get_mut(name).and_then(|a| a.remove(addr)).is_some()
        };
        if removed {
            self.bump();
        }
    }

    /// Live addresses of `name`, sorted.
    pub fn list(&self, name: &str) -> Vec<String> {
        let now = Instant::now();
        let entries = self
            .inner
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut live: Vec<String> = entries
            .get(name)
            .map(|a| {
                a.iter()
                    .filter(|(_, e)| **e > now)
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        live.sort();
        live
    }
}

impl RegistryRpc for RegistryStore {
    async fn heartbeat(
        &self,
        _ctx: Context,
        name: String,
        addr: String,
        ttl_ms: u64,
    ) -> Result<(), Status> {
        if addr.parse::<SocketAddr>().is_err() {
            return Err(Status::invalid_argument(format!(
                "{addr:?} is not an ip:port"
            )));
        }
        RegistryStore::heartbeat(self, &name, &addr, Duration::from_millis(ttl_ms));
        Ok(())
    }

    async fn deregister(&self, _ctx: Context, name: String, addr: String) -> Result<(), Status> {
        RegistryStore::deregister(self, &name, &addr);
        Ok(())
    }

    async fn list(&self, _ctx: Context, name: String) -> Result<Vec<String>, Status> {
        Ok(RegistryStore::list(self, &name))
    }

    async fn watch(
        &self,
        _ctx: Context,
        name: String,
    ) -> Result<ServerStream<Vec<String>>, Status> {
        let (tx, stream) = ServerStream::channel(1);
        let store = self.clone();
        let mut version = self.inner.version.subscribe();
        tokio::spawn(async move {
            let mut last = None;
            loop {
                let now = store.list(&name);
                if last.as_ref() != Some(&now) {
                    if tx.send(now.clone()).await.is_err() {
                        return; // the watcher went away
                    }
                    last = Some(now);
                }
                // Wake on a change, or end as soon as the watcher leaves
                // (instead of at the next change).
                tokio::select! {
                    changed = version.changed() => if changed.is_err() { return },
                    _ = tx.closed() => return,
                }
            }
        });
        Ok(stream)
    }
}

/// The built-in registry at `addr`, as a [`Registry`] backend.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// Where the registry service listens.
    pub addr: SocketAddr,
}

impl Registry for Builtin {
    /// Heartbeats every `ttl / 3` (two may be lost before the entry expires).
    fn register(&self, name: &str, addr: SocketAddr, ttl: Duration) -> Registration {
        let client = RegistryRpcClient::new(Client::builder(self.addr).lazy());
        let (name, addr) = (name.to_string(), addr.to_string());
        let ttl_ms = ttl.as_millis().min(u64::MAX as u128) as u64;
        let beats = client.clone();
        let (beat_name, beat_addr) = (name.clone(), addr.clone());
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval((ttl / 3).max(Duration::from_millis(1)));
            loop {
                tick.tick().await;
                let beat = beats.heartbeat(beat_name.clone(), beat_addr.clone(), ttl_ms);
                if let Err(status) = beat.await {
                    tracing::warn!(%status, "heartbeat failed; will retry");
                }
            }
        });
        Registration::new(task, move || {
            Box::pin(async move {
                if let Err(status) = client.deregister(name, addr).await {
                    tracing::warn!(%status, "deregister failed; the entry will expire");
                }
            })
        })
    }

    /// Follows the registry's `watch` stream, re-subscribing after failures.
    fn discover(&self, name: &str) -> Discovery {
        let client = RegistryRpcClient::new(Client::builder(self.addr).lazy());
        let name = name.to_string();
        Discovery::spawn(move |publisher| follow(client, name, publisher))
    }
}

/// Republishes every list the registry's watch sends; keeps the last one
/// while the registry is unreachable.
async fn follow(client: RegistryRpcClient, name: String, publisher: Publisher) {
    loop {
        match client.watch(name.clone()).await {
            Ok(mut stream) => {
                // Each subscription starts with the whole list.
                publisher.listed();
                while let Some(item) = stream.next().await {
                    match item {
                        Ok(list) => publisher.set(parse_addrs(&list)),
                        Err(status) => {
                            tracing::warn!(%status, "registry watch ended");
                            break;
                        }
                    }
                }
            }
            Err(status) => tracing::warn!(%status, "registry watch failed"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The entries that are `ip:port`; others are skipped with a log line.
fn parse_addrs(list: &[String]) -> Vec<SocketAddr> {
    list.iter()
        .filter_map(|a| match a.parse() {
            Ok(addr) => Some(addr),
            Err(_) => {
                tracing::warn!(entry = %a, "registry entry is not an ip:port; skipped");
                None
            }
        })
        .collect()
}
