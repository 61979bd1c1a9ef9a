//! Discovery and load balancing: where the servers are, and which one gets
//! the next call.
//!
//! ```text
//!  Registry backend                       Discovery (a Discover)    Balancer (a Channel)
//!  Builtin: heartbeats ─► RegistryStore ─watch─┐
//!  etcd:    leases + put ─► /services/… ─watch─┼─► endpoints ─► pick ─► Client ─► call
//!  StaticList (by hand) ───────────────────────┘     ▲ eject on Unavailable, retry elsewhere
//! ```
//!
//! GeeRPC's `xclient` (discovery + `SelectMode` + a registry with heartbeats)
//! is the model; balancing policies follow gRPC's and Finagle's names.
//!
//! # Layout
//!
//! - [`Registry`] (here): what a backend provides — register, discover.
//! - `handles`: [`Registration`] and [`Discovery`], the same for every backend.
//! - `builtin`: the registry as a mini-rpc service, and [`Builtin`], its backend.
//! - [`etcd`]: the etcd v3 backend (leases, prefix watches) over its JSON gateway.
//! - `balance`: [`Balancer`], a `Channel` over whatever a [`Discover`] publishes.

mod balance;
mod builtin;
#[cfg(feature = "etcd")]
pub mod etcd;
mod handles;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::watch;

pub use self::balance::{Balancer, BalancerConfig, Policy};
pub use self::builtin::{
    Builtin, RegistryRpc, RegistryRpcClient, RegistryRpcServer, RegistryStore,
};
pub(crate) use self::handles::Publisher;
pub use self::handles::{Discovery, Registration};

/// A source of endpoints (GeeRPC's `Discovery`, tower's `Discover`).
pub trait Discover: Send + Sync + 'static {
    /// The current endpoints; the receiver sees every later change.
    fn watch(&self) -> watch::Receiver<Vec<SocketAddr>>;
}

/// A registry backend: where servers announce themselves and clients find
/// them (GeeRPC's `Registry`, go-micro's `registry.Registry`). Both calls
/// start a background task, so they must run inside a tokio runtime.
pub trait Registry: Send + Sync + 'static {
    /// Announces `addr` as an endpoint of service `name`, renewed every
    /// `ttl / 3` until the returned handle is dropped (the entry then
    /// expires within `ttl`) or deregistered (removed at once).
    fn register(&self, name: &str, addr: SocketAddr, ttl: Duration) -> Registration;

    /// The endpoints of `name`, now and after every change; feed it to a
    /// [`Balancer`].
    fn discover(&self, name: &str) -> Discovery;
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
