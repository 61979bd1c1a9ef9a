//! What a [`super::Registry`] hands out, the same for every backend: a
//! [`Registration`] that keeps one server announced, and a [`Discovery`]
//! that publishes the live set of a service.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Discover;
use crate::service::BoxFuture;

/// How long a clean [`Registration::deregister`] may take.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(2);

/// Keeps one server registered while it lives (heartbeats, lease
/// keep-alives). Dropping it stops the renewals without removing the entry,
/// as a crash would: the entry then expires within its TTL. A clean
/// shutdown calls [`Registration::deregister`] instead, which removes it now.
pub struct Registration {
    /// The renewing task.
    task: JoinHandle<()>,
    /// Removes the entry at once (the backend's clean leave).
    leave: Option<Box<dyn FnOnce() -> BoxFuture<()> + Send>>,
}

impl Registration {
    /// A registration renewed by `task`; `leave` removes the entry.
    pub(crate) fn new(
        task: JoinHandle<()>,
        leave: impl FnOnce() -> BoxFuture<()> + Send + 'static,
    ) -> Registration {
        Registration {
            task,
            leave: Some(Box::new(leave)),
        }
    }

    /// Stops renewing and removes the entry now (best effort, at most 2 s:
    /// if the registry is unreachable, the entry expires by itself).
    pub async fn deregister(mut self) {
        self.task.abort();
        if let Some(leave) = self.leave.take() {
            let _ = tokio::time::timeout(LEAVE_TIMEOUT, leave()).await;
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The live endpoints of one service, kept current by a backend's task
/// (a watch stream); the last known set stays while the registry is
/// unreachable, so clients keep calling the servers they know.
pub struct Discovery {
    /// The set, sorted; every change is published.
    rx: watch::Receiver<Vec<SocketAddr>>,
    /// Times the backend (re)read the whole set: the first listing, then
    /// once per watch it could not resume (etcd: compacted away).
    listings: Arc<AtomicUsize>,
    /// The watching task, stopped on drop.
    task: JoinHandle<()>,
}

/// The writing side a backend's task keeps.
#[derive(Clone)]
pub(crate) struct Publisher {
    tx: Arc<watch::Sender<Vec<SocketAddr>>>,
    listings: Arc<AtomicUsize>,
}

impl Publisher {
    /// Publishes `addrs` (sorted, without duplicates) if it differs from the last set.
    pub(crate) fn set(&self, mut addrs: Vec<SocketAddr>) {
        addrs.sort_unstable();
        addrs.dedup();
        self.tx.send_if_modified(|now| {
            let changed = *now != addrs;
            if changed {
                *now = addrs;
            }
            changed
        });
    }

    /// Counts a full listing.
    pub(crate) fn listed(&self) {
        self.listings.fetch_add(1, Ordering::Relaxed);
    }
}

impl Discovery {
    /// Starts `run` with the publisher it feeds.
    pub(crate) fn spawn<F>(run: impl FnOnce(Publisher) -> F) -> Discovery
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let (tx, rx) = watch::channel(Vec::new());
        let listings = Arc::new(AtomicUsize::new(0));
        let publisher = Publisher {
            tx: Arc::new(tx),
            listings: listings.clone(),
        };
        Discovery {
            rx,
            listings,
            task: tokio::spawn(run(publisher)),
        }
    }

    /// Waits until at least `n` endpoints are known (or `within` passes).
    pub async fn wait_for(&self, n: usize, within: Duration) -> bool {
        self.wait_until(within, |list| list.len() >= n).await
    }

    /// Waits until the set satisfies `ready` (or `within` passes).
    pub async fn wait_until(
        &self,
        within: Duration,
        ready: impl FnMut(&Vec<SocketAddr>) -> bool,
    ) -> bool {
        let mut rx = self.rx.clone();
        tokio::time::timeout(within, rx.wait_for(ready))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// The set now.
    pub fn endpoints(&self) -> Vec<SocketAddr> {
        self.rx.borrow().clone()
    }

    /// How many times the whole set was read from the registry.
    pub fn listings(&self) -> usize {
        self.listings.load(Ordering::Relaxed)
    }
}

impl Discover for Discovery {
    fn watch(&self) -> watch::Receiver<Vec<SocketAddr>> {
        self.rx.clone()
    }
}

impl Drop for Discovery {
    fn drop(&mut self) {
        self.task.abort();
    }
}
