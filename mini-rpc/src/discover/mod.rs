//! Discovery and load balancing: where the servers are, and which one gets
//! the next call.
//!
//! ```text
//!  Registry (a mini-rpc service)        Discover                Balancer (a Channel)
//!  servers heartbeat ──► entries ─watch─► RegistryDiscover ─┐
//!                        expire          StaticList ────────┴─► endpoints ─► pick ─► Client ─► call
//!                                                                 ▲ eject on Unavailable, retry elsewhere
//! ```
//!
//! GeeRPC's `xclient` (discovery + `SelectMode` + a registry with heartbeats)
//! is the model; balancing policies follow gRPC's and Finagle's names.

mod balance;
mod registry;

use std::net::SocketAddr;

use tokio::sync::watch;

pub use self::balance::{Balancer, BalancerConfig, Policy};
pub use self::registry::{
    Registration, Registry, RegistryClient, RegistryDiscover, RegistryServer, RegistryStore,
};

/// A source of endpoints (GeeRPC's `Discovery`, tower's `Discover`).
pub trait Discover: Send + Sync + 'static {
    /// The current endpoints; the receiver sees every later change.
    fn watch(&self) -> watch::Receiver<Vec<SocketAddr>>;
}

/// A fixed list, changeable by hand (GeeRPC's `MultiServersDiscovery`).
#[derive(Clone)]
pub struct StaticList {
    /// Holds the list and notifies watchers.
    tx: watch::Sender<Vec<SocketAddr>>,
}

impl StaticList {
    /// A list of `addrs`.
    pub fn new(addrs: Vec<SocketAddr>) -> StaticList {
        StaticList {
            tx: watch::Sender::new(addrs),
        }
    }

    /// Replaces the list; balancers pick the change up on their next call.
    pub fn set(&self, addrs: Vec<SocketAddr>) {
        self.tx.send_replace(addrs);
    }
}

impl Discover for StaticList {
    fn watch(&self) -> watch::Receiver<Vec<SocketAddr>> {
        self.tx.subscribe()
    }
}
