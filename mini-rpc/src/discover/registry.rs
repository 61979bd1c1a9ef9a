//! The registry: a mini-rpc service where servers announce themselves with
//! heartbeats and clients watch the live set (GeeRPC's `GeeRegistry`,
//! which does the same over HTTP; etcd leases and Consul TTL checks are the
//! production form).
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

use super::Discover;
use crate::client::Client;
use crate::service::{Context, ServerStream};
use crate::status::Status;

/// The longest TTL a heartbeat can ask for.
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

/// The registry's RPC interface.
#[crate::service]
pub trait Registry {
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

impl Registry for RegistryStore {
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

/// Keeps one server registered: heartbeats every `ttl / 3` until dropped,
/// then deregisters (best effort).
pub struct Registration {
    task: tokio::task::JoinHandle<()>,
}

impl Registration {
    /// Starts heartbeating `addr` under `name` to the registry at `registry`.
    pub fn spawn(
        registry: SocketAddr,
        name: &str,
        addr: SocketAddr,
        ttl: Duration,
    ) -> Registration {
        let client = RegistryClient::new(Client::builder(registry).lazy());
        let (name, addr) = (name.to_string(), addr.to_string());
        let ttl_ms = ttl.as_millis().min(u64::MAX as u128) as u64;
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval((ttl / 3).max(Duration::from_millis(1)));
            loop {
                tick.tick().await;
                if let Err(status) = client.heartbeat(name.clone(), addr.clone(), ttl_ms).await {
                    tracing::warn!(%status, "heartbeat failed; will retry");
                }
            }
        });
        Registration { task }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A [`Discover`] fed by a registry's `watch` stream; re-subscribes after
/// failures, keeping the last known list meanwhile.
pub struct RegistryDiscover {
    rx: watch::Receiver<Vec<SocketAddr>>,
    task: tokio::task::JoinHandle<()>,
}

impl RegistryDiscover {
    /// Watches service `name` on the registry at `registry`.
    pub fn spawn(registry: SocketAddr, name: &str) -> RegistryDiscover {
        let (tx, rx) = watch::channel(Vec::new());
        let client = RegistryClient::new(Client::builder(registry).lazy());
        let name = name.to_string();
        let task = tokio::spawn(async move {
            loop {
                match client.watch(name.clone()).await {
                    Ok(mut stream) => {
                        while let Some(item) = stream.next().await {
                            match item {
                                Ok(list) => {
                                    let addrs =
                                        list.iter().filter_map(|a| a.parse().ok()).collect();
                                    tx.send_replace(addrs);
                                }
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
        });
        RegistryDiscover { rx, task }
    }

    /// Waits until at least `n` endpoints are known (or `within` passes).
    pub async fn wait_for(&self, n: usize, within: Duration) -> bool {
        let mut rx = self.rx.clone();
        tokio::time::timeout(within, rx.wait_for(|list| list.len() >= n))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

impl Discover for RegistryDiscover {
    fn watch(&self) -> watch::Receiver<Vec<SocketAddr>> {
        self.rx.clone()
    }
}

impl Drop for RegistryDiscover {
    fn drop(&mut self) {
        self.task.abort();
    }
}
