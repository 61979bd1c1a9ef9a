//! The balancer: a [`Channel`] over many servers, picking one per call.
//!
//! Policies (gRPC `pick_first`/`round_robin`, Finagle's P2C, Envoy's ring hash):
//! - `Random`: uniform over healthy endpoints.
//! - `RoundRobin`: the next healthy endpoint in turn.
//! - `PowerOfTwoChoices`: two at random, the one with fewer calls in flight —
//!   nearly as good as least-loaded, without scanning all endpoints.
//! - `ConsistentHash`: a ring with virtual nodes; a call's `hash_key` goes to
//!   the first point at or after it, so adding a server moves ~1/n of keys.
//!
//! A call that fails with `Unavailable` ejects its endpoint for
//! `eject_for` (it is tried again after that), and an idempotent call is
//! sent again to another endpoint.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;
use tokio::time::Instant;

use super::Discover;
use crate::client::{CallOptions, Channel, Client, ClientConfig, RawSink, RawStream, RetryPolicy};
use crate::codec::CodecKind;
use crate::status::{Code, Status};

/// How the next endpoint is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Uniformly at random.
    Random,
    /// In turn.
    RoundRobin,
    /// The less loaded of two random picks (calls in flight).
    PowerOfTwoChoices,
    /// By `CallOptions::hash_key` on a ring (random for calls without a key).
    ConsistentHash,
}

/// Balancer settings.
#[derive(Clone, Debug)]
pub struct BalancerConfig {
    /// The picking policy.
    pub policy: Policy,
    /// How long a failed endpoint is left out.
    pub eject_for: Duration,
    /// Endpoints tried for one idempotent call, at most.
    pub max_attempts: usize,
    /// Settings of each endpoint's client (its own retries are turned off:
    /// the balancer retries on another endpoint instead).
    pub client: ClientConfig,
    /// Virtual nodes per endpoint on the hash ring.
    pub vnodes: usize,
}

impl Default for BalancerConfig {
    fn default() -> Self {
        BalancerConfig {
            policy: Policy::PowerOfTwoChoices,
            eject_for: Duration::from_secs(2),
            max_attempts: 3,
            client: ClientConfig::default(),
            vnodes: 64,
        }
    }
}

/// One server as the balancer sees it.
struct Endpoint {
    addr: SocketAddr,
    client: Client,
    /// Calls in flight through this balancer.
    inflight: Arc<AtomicUsize>,
    /// Left out until then, after a failure.
    ejected_until: Option<Instant>,
}

/// The endpoint set and its hash ring, rebuilt when discovery changes.
#[derive(Default)]
struct Endpoints {
    list: Vec<Endpoint>,
    /// `(point, index into list)`, sorted by point.
    ring: Vec<(u64, usize)>,
}

struct Inner {
    config: BalancerConfig,
    discover: Mutex<watch::Receiver<Vec<SocketAddr>>>,
    endpoints: Mutex<Endpoints>,
    next: AtomicUsize,
    rng: AtomicU64,
}

/// A channel that spreads calls over discovered servers (GeeRPC's `XClient`).
#[derive(Clone)]
pub struct Balancer {
    inner: Arc<Inner>,
}

impl Balancer {
    /// A balancer over `discover`'s endpoints.
    pub fn new(discover: &impl Discover, mut config: BalancerConfig) -> Balancer {
        config.client.retry = RetryPolicy {
            max_attempts: 1,
            ..config.client.retry
        };
        // A per-process random seed (std's RandomState keys are random).
        let seed =
            std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), 0u8);
        let balancer = Balancer {
            inner: Arc::new(Inner {
                config,
                discover: Mutex::new(discover.watch()),
                endpoints: Mutex::new(Endpoints::default()),
                next: AtomicUsize::new(0),
                rng: AtomicU64::new(seed | 1),
            }),
        };
        balancer.refresh(true);
        balancer
    }

    /// The endpoints currently known (ejected ones included).
    pub fn endpoints(&self) -> Vec<SocketAddr> {
        self.refresh(false);
        self.lock().list.iter().map(|e| e.addr).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Endpoints> {
        self.inner
            .endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies a discovery change, keeping the clients of endpoints that stay.
    fn refresh(&self, force: bool) {
        let addrs = {
            let mut rx = self
                .inner
                .discover
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if !force && !rx.has_changed().unwrap_or(false) {
                return;
            }
            rx.borrow_and_update().clone()
        };
        let mut eps = self.lock();
        let mut old = std::mem::take(&mut eps.list);
        for addr in addrs {
            let kept = old
                .iter()
                .position(|e| e.addr == addr)
                .map(|i| old.swap_remove(i));
            eps.list.push(kept.unwrap_or_else(|| {
                Endpoint {
                    addr,
                    client: Client::builder(addr)
                        .config(self.inner.config.client.clone())
                        .lazy(),
                    inflight: Arc::new(AtomicUsize::new(0)),
                    ejected_until: None,
                }
            }));
        }
        let vnodes = self.inner.config.vnodes.max(1);
        let mut ring: Vec<(u64, usize)> = eps
            .list
            .iter()
            .enumerate()
            .flat_map(|(i, e)| {
                (0..vnodes).map(move |v| (crate::client::stable_hash(&(e.addr, v)), i))
            })
            .collect();
        ring.sort_unstable();
        eps.ring = ring;
    }

    /// xorshift64*: cheap, good enough to spread calls, no dependency.
    fn random(&self) -> u64 {
        let mut x = self.inner.rng.load(Ordering::Relaxed);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.inner.rng.store(x, Ordering::Relaxed);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Chooses an endpoint for a call (skipping `avoid` and ejected ones
    /// when others exist). Public so tests and tools can see the policy work.
    pub fn pick(&self, key: Option<u64>, avoid: &[SocketAddr]) -> Option<SocketAddr> {
        self.pick_endpoint(key, avoid).map(|(addr, _, _)| addr)
    }

    fn pick_endpoint(
        &self,
        key: Option<u64>,
        avoid: &[SocketAddr],
    ) -> Option<(SocketAddr, Client, Arc<AtomicUsize>)> {
        self.refresh(false);
        let eps = self.lock();
        let now = Instant::now();
        let usable =
            |e: &Endpoint| !avoid.contains(&e.addr) && e.ejected_until.is_none_or(|t| t <= now);
        let mut healthy: Vec<usize> = (0..eps.list.len())
            .filter(|&i| usable(&eps.list[i]))
            .collect();
        if healthy.is_empty() {
            // Everything is ejected: trying one beats failing without trying.
            healthy = (0..eps.list.len())
                .filter(|&i| !avoid.contains(&eps.list[i].addr))
                .collect();
        }
        if healthy.is_empty() {
            return None;
        }
        let n = healthy.len();
        let chosen = match self.inner.config.policy {
            Policy::Random => healthy[(self.random() % n as u64) as usize],
            Policy::RoundRobin => healthy[self.inner.next.fetch_add(1, Ordering::Relaxed) % n],
            Policy::PowerOfTwoChoices => {
                let a = healthy[(self.random() % n as u64) as usize];
                let b = healthy[(self.random() % n as u64) as usize];
                let load = |i: usize| eps.list[i].inflight.load(Ordering::Relaxed);
                if load(b) < load(a) { b } else { a }
            }
            Policy::ConsistentHash => {
                let key = key.unwrap_or_else(|| self.random());
                let start = eps.ring.partition_point(|(point, _)| *point < key);
                (0..eps.ring.len())
                    .map(|k| eps.ring[(start + k) % eps.ring.len()].1)
                    .find(|i| healthy.contains(i))
                    .unwrap_or(healthy[0])
            }
        };
        let e = &eps.list[chosen];
        Some((e.addr, e.client.clone(), e.inflight.clone()))
    }

    fn eject(&self, addr: SocketAddr) {
        let until = Instant::now() + self.inner.config.eject_for;
        if let Some(e) = self.lock().list.iter_mut().find(|e| e.addr == addr) {
            tracing::warn!(%addr, "ejecting endpoint after a transport failure");
            e.ejected_until = Some(until);
        }
    }
}

/// Decrements an endpoint's in-flight count however the call ends.
struct InFlightGuard(Arc<AtomicUsize>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Channel for Balancer {
    fn codec(&self) -> CodecKind {
        self.inner.config.client.codec
    }

    async fn unary(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: CallOptions,
    ) -> Result<Bytes, Status> {
        let mut tried = Vec::new();
        let attempts = if opts.idempotent {
            self.inner.config.max_attempts.max(1)
        } else {
            1
        };
        let mut last = Status::unavailable("no endpoints");
        for _ in 0..attempts {
            let Some((addr, client, inflight)) = self.pick_endpoint(opts.hash_key, &tried) else {
                break;
            };
            inflight.fetch_add(1, Ordering::Relaxed);
            let _guard = InFlightGuard(inflight);
            match client.unary(method, payload.clone(), opts.clone()).await {
                Err(status) if status.code == Code::Unavailable => {
                    self.eject(addr);
                    tried.push(addr);
                    last = status;
                }
                other => return other,
            }
        }
        Err(last)
    }

    async fn server_stream(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: CallOptions,
    ) -> Result<RawStream, Status> {
        let key = opts.hash_key;
        self.on_one(key, |c| async move {
            c.server_stream(method, payload, opts).await
        })
        .await
    }

    async fn client_stream(
        &self,
        method: &'static str,
        payload: Bytes,
        opts: CallOptions,
    ) -> Result<(RawSink, RawStream), Status> {
        let key = opts.hash_key;
        self.on_one(key, |c| async move {
            c.client_stream(method, payload, opts).await
        })
        .await
    }
}

impl Balancer {
    /// Starts a stream on one endpoint. Streams are not retried elsewhere
    /// (items may have been consumed), but an endpoint that could not even
    /// start one is left out a while.
    async fn on_one<T, F, Fut>(&self, key: Option<u64>, start: F) -> Result<T, Status>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<T, Status>>,
    {
        let (addr, client, _) = self
            .pick_endpoint(key, &[])
            .ok_or_else(|| Status::unavailable("no endpoints"))?;
        let result = start(client).await;
        if matches!(&result, Err(s) if s.code == Code::Unavailable) {
            self.eject(addr);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::discover::StaticList;

    fn addrs(n: u16) -> Vec<SocketAddr> {
        (0..n)
            .map(|i| SocketAddr::from(([127, 0, 0, 1], 20_000 + i)))
            .collect()
    }

    fn counts(
        b: &Balancer,
        calls: usize,
        key: impl Fn(usize) -> Option<u64>,
    ) -> HashMap<SocketAddr, usize> {
        let mut seen = HashMap::new();
        for i in 0..calls {
            *seen.entry(b.pick(key(i), &[]).unwrap()).or_insert(0) += 1;
        }
        seen
    }

    fn balancer(policy: Policy, list: &StaticList) -> Balancer {
        Balancer::new(
            list,
            BalancerConfig {
                policy,
                ..BalancerConfig::default()
            },
        )
    }

    #[tokio::test]
    async fn round_robin_is_exactly_even() {
        let list = StaticList::new(addrs(4));
        let seen = counts(&balancer(Policy::RoundRobin, &list), 400, |_| None);
        assert!(seen.values().all(|&n| n == 100), "{seen:?}");
    }

    #[tokio::test]
    async fn random_and_p2c_cover_every_endpoint_roughly_evenly() {
        for policy in [Policy::Random, Policy::PowerOfTwoChoices] {
            let list = StaticList::new(addrs(4));
            let seen = counts(&balancer(policy, &list), 4000, |_| None);
            assert_eq!(seen.len(), 4);
            assert!(
                seen.values().all(|&n| (700..=1300).contains(&n)),
                "{policy:?}: {seen:?}"
            );
        }
    }

    #[tokio::test]
    async fn p2c_prefers_the_less_loaded_endpoint() {
        let list = StaticList::new(addrs(2));
        let b = balancer(Policy::PowerOfTwoChoices, &list);
        b.lock().list[0].inflight.store(100, Ordering::Relaxed);
        let busy = b.lock().list[0].addr;
        let seen = counts(&b, 1000, |_| None);
        // The busy one wins only when both picks land on it (~1/4).
        assert!(seen.get(&busy).copied().unwrap_or(0) < 350, "{seen:?}");
    }

    #[tokio::test]
    async fn consistent_hash_is_sticky_and_moves_few_keys_when_a_server_joins() {
        let list = StaticList::new(addrs(4));
        let b = balancer(Policy::ConsistentHash, &list);
        let keys: Vec<u64> = (0..2000u64)
            .map(|k| crate::client::stable_hash(&k))
            .collect();
        let before: Vec<_> = keys
            .iter()
            .map(|k| b.pick(Some(*k), &[]).unwrap())
            .collect();
        let again: Vec<_> = keys
            .iter()
            .map(|k| b.pick(Some(*k), &[]).unwrap())
            .collect();
        assert_eq!(before, again, "same key, same server");
        list.set(addrs(5));
        let after: Vec<_> = keys
            .iter()
            .map(|k| b.pick(Some(*k), &[]).unwrap())
            .collect();
        let moved = before.iter().zip(&after).filter(|(a, b)| a != b).count();
        // Ideal is 1/5 of the keys; allow for the ring's unevenness.
        assert!(moved < 2000 * 2 / 5, "{moved} of 2000 keys moved");
        assert!(moved > 0);
    }

    #[tokio::test]
    async fn ejected_endpoints_are_skipped_then_return() {
        tokio::time::pause();
        let list = StaticList::new(addrs(3));
        let b = balancer(Policy::RoundRobin, &list);
        let bad = addrs(3)[1];
        b.eject(bad);
        assert!(!counts(&b, 30, |_| None).contains_key(&bad));
        tokio::time::advance(BalancerConfig::default().eject_for + Duration::from_millis(1)).await;
        assert!(counts(&b, 30, |_| None).contains_key(&bad));
    }
}
