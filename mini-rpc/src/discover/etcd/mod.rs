//! The etcd v3 registry backend, over etcd's JSON gateway (`/v3/...`).
//!
//! ```text
//!  server: Registration                    etcd                        client: Discovery
//!   lease/grant TTL ──────────────► lease 7 (expires unless kept alive)
//!   kv/put /services/echo/<addr> ─► key on lease 7 ─┐
//!   lease/keepalive every TTL/3 ──► lease 7 renewed │ revision 41
//!                                                   ├─► kv/range prefix ──► the set at rev 41
//!   (killed: no keepalive)                          │   watch from rev 42 ─► PUT / DELETE events
//!   lease 7 expires ──► key deleted (rev 57) ───────┘                        (compacted: re-list)
//! ```
//!
//! - Registration (`register`): a lease with the TTL, the key
//!   `/services/<name>/<addr>` (value: the address) put on it, the lease
//!   kept alive at TTL/3. A lease etcd reports lost (it expired while etcd
//!   or the network was down) is granted again and the key put again.
//!   Dropping the handle stops the keep-alives: the key goes when the
//!   lease expires, which is how a killed server disappears.
//! - Discovery (`watch`): a range read of the prefix gives the set and the
//!   store revision R it was read at; a watch from R+1 then delivers every
//!   later change exactly once (no gap: nothing after R is missed; no
//!   duplicate: nothing at or before R is replayed). A watch that breaks
//!   resumes from the last revision applied + 1; one whose revision was
//!   compacted away re-lists. While etcd is unreachable the last set stays
//!   published, so clients keep calling the servers they know.
//!
//! Why the JSON gateway and not gRPC: see `http`. Keys and values are
//! base64 in the gateway's JSON, and 64-bit integers are strings.
//!
//! # Layout
//!
//! - `http`: one POST, its JSON reply or its stream of JSON lines.
//! - [`Etcd`] (here): the endpoint list and the KV and lease calls.
//! - `register`: the keep-registered loop.
//! - `watch`: the list-then-watch loop.

mod http;
mod register;
mod watch;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use super::{Discovery, Registration, Registry};

/// Why an etcd request failed.
#[derive(Debug, thiserror::Error)]
pub enum EtcdError {
    /// Connecting, reading or writing failed (etcd down, connection reset).
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// No answer within the request timeout.
    #[error("no answer from {0} within {1:?}")]
    Timeout(SocketAddr, Duration),
    /// The gateway answered with a non-200 status (etcd's error is in the body).
    #[error("etcd answered {status}: {body}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The gateway's JSON error, as text.
        body: String,
    },
    /// The reply was not the HTTP or JSON we expect.
    #[error("unexpected reply: {0}")]
    Protocol(String),
}

/// A client of an etcd cluster (any member answers), and a [`Registry`]
/// keeping services under `/services/<name>/<addr>`.
#[derive(Clone)]
pub struct Etcd {
    inner: Arc<Inner>,
}

struct Inner {
    /// Client URLs of the members, as `ip:port` (`--listen-client-urls`).
    endpoints: Vec<SocketAddr>,
    /// The member that answered last; requests start there.
    current: AtomicUsize,
    /// Key prefix of every service (`/services`).
    prefix: String,
    /// Time allowed for one request (not for a watch stream, which is open-ended).
    timeout: Duration,
    /// How often a quiet watch is checked against a fresh read (see `watch`).
    resync: Duration,
}

impl Etcd {
    /// A client of the members at `endpoints`, with the `/services` prefix,
    /// a 2 s request timeout and a watch resync every 30 s.
    pub fn new(endpoints: Vec<SocketAddr>) -> Etcd {
        Etcd {
            inner: Arc::new(Inner {
                endpoints,
                current: AtomicUsize::new(0),
                prefix: "/services".into(),
                timeout: Duration::from_secs(2),
                resync: Duration::from_secs(30),
            }),
        }
    }

    /// Sets how often a discovery's watch is checked against a fresh read
    /// of its range (at least 100 ms): the bound on how long a watch whose
    /// connection went silent can leave clients with an old set.
    pub fn with_resync(self, every: Duration) -> Etcd {
        let inner = Inner {
            endpoints: self.inner.endpoints.clone(),
            current: AtomicUsize::new(0),
            prefix: self.inner.prefix.clone(),
            timeout: self.inner.timeout,
            resync: every.max(Duration::from_millis(100)),
        };
        Etcd {
            inner: Arc::new(inner),
        }
    }

    /// The key of `addr` under service `name`: `/services/<name>/<addr>`.
    pub fn key(&self, name: &str, addr: SocketAddr) -> String {
        format!("{}/{name}/{addr}", self.inner.prefix)
    }

    /// POSTs to the members in turn, starting with the last that answered.
    async fn call(&self, path: &str, body: Value) -> Result<Value, EtcdError> {
        let n = self.inner.endpoints.len();
        let first = self.inner.current.load(Ordering::Relaxed);
        let mut last = EtcdError::Protocol("no etcd endpoints configured".into());
        for i in 0..n {
            let at = (first + i) % n;
            let addr = self.inner.endpoints[at];
            let timeout = self.inner.timeout;
            let exchange = async { http::post(addr, path, &body).await?.all().await };
            match tokio::time::timeout(timeout, exchange).await {
                Ok(Ok(reply)) => {
                    self.inner.current.store(at, Ordering::Relaxed);
                    return Ok(reply);
                }
                // etcd's own refusal: another member would say the same.
                Ok(Err(e @ EtcdError::Status { .. })) => return Err(e),
                Ok(Err(e)) => last = e,
                Err(_) => last = EtcdError::Timeout(addr, timeout),
            }
        }
        Err(last)
    }

    /// Opens a streaming POST (a watch) on the first member that accepts it.
    async fn stream(&self, path: &str, body: Value) -> Result<http::Response, EtcdError> {
        let n = self.inner.endpoints.len();
        let first = self.inner.current.load(Ordering::Relaxed);
        let mut last = EtcdError::Protocol("no etcd endpoints configured".into());
        for i in 0..n {
            let addr = self.inner.endpoints[(first + i) % n];
            let timeout = self.inner.timeout;
            match tokio::time::timeout(timeout, http::post(addr, path, &body)).await {
                Ok(Ok(response)) => return Ok(response),
                Ok(Err(e)) => last = e,
                Err(_) => last = EtcdError::Timeout(addr, timeout),
            }
        }
        Err(last)
    }

    /// Puts `key = value`, attached to `lease` if given; returns the revision.
    pub async fn put(&self, key: &str, value: &str, lease: Option<i64>) -> Result<i64, EtcdError> {
        let mut body = json!({ "key": B64.encode(key), "value": B64.encode(value) });
        if let Some(id) = lease {
            body["lease"] = json!(id.to_string());
        }
        let reply = self.call("/v3/kv/put", body).await?;
        Ok(revision(&reply))
    }

    /// Every key under `prefix` with its value, and the revision they were read at.
    pub async fn range_prefix(
        &self,
        prefix: &str,
    ) -> Result<(i64, Vec<(String, String)>), EtcdError> {
        let body =
            json!({ "key": B64.encode(prefix), "range_end": B64.encode(prefix_end(prefix)) });
        let reply = self.call("/v3/kv/range", body).await?;
        let kvs = reply["kvs"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let pairs = kvs
            .iter()
            .map(|kv| (text(&kv["key"]), text(&kv["value"])))
            .collect();
        Ok((revision(&reply), pairs))
    }

    /// Grants a lease of `ttl` (rounded up to whole seconds, at least 1).
    pub async fn grant(&self, ttl: Duration) -> Result<i64, EtcdError> {
        let secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
        let reply = self
            .call("/v3/lease/grant", json!({ "TTL": secs.max(1) }))
            .await?;
        int(&reply["ID"])
            .ok_or_else(|| EtcdError::Protocol(format!("lease grant without an ID: {reply}")))
    }

    /// Renews `lease`; `false` if etcd no longer has it (expired or revoked).
    pub async fn keep_alive(&self, lease: i64) -> Result<bool, EtcdError> {
        let reply = self
            .call("/v3/lease/keepalive", json!({ "ID": lease.to_string() }))
            .await?;
        // A lost lease comes back with TTL 0, which the gateway omits.
        Ok(int(&reply["result"]["TTL"]).is_some_and(|ttl| ttl > 0))
    }

    /// Revokes `lease`, deleting the keys attached to it.
    pub async fn revoke(&self, lease: i64) -> Result<(), EtcdError> {
        self.call("/v3/lease/revoke", json!({ "ID": lease.to_string() }))
            .await
            .map(drop)
    }

    /// Compacts the history up to `revision`: watches from before it are cancelled.
    pub async fn compact(&self, revision: i64) -> Result<(), EtcdError> {
        let body = json!({ "revision": revision.to_string(), "physical": true });
        self.call("/v3/kv/compaction", body).await.map(drop)
    }
}

impl Registry for Etcd {
    /// A lease of `ttl` (whole seconds, at least 1), kept alive every `ttl / 3`.
    fn register(&self, name: &str, addr: SocketAddr, ttl: Duration) -> Registration {
        let lease = Arc::new(Mutex::new(None));
        let key = self.key(name, addr);
        let task = tokio::spawn(register::keep_registered(
            self.clone(),
            key,
            addr.to_string(),
            ttl,
            lease.clone(),
        ));
        let etcd = self.clone();
        Registration::new(task, move || {
            Box::pin(async move {
                let id = *lease.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(id) = id
                    && let Err(e) = etcd.revoke(id).await
                {
                    tracing::warn!(error = %e, "lease revoke failed; the key expires with it");
                }
            })
        })
    }

    fn discover(&self, name: &str) -> Discovery {
        let prefix = format!("{}/{name}/", self.inner.prefix);
        let etcd = self.clone();
        Discovery::spawn(move |publisher| watch::follow(etcd, prefix, publisher))
    }
}

/// The end of the range of keys starting with `prefix` (etcd's `--prefix`:
/// the prefix with its last byte incremented).
fn prefix_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0] // every key
}

/// The store revision in a reply's header.
fn revision(reply: &Value) -> i64 {
    int(&reply["header"]["revision"]).unwrap_or(0)
}

/// A 64-bit integer, which the gateway writes as a string.
fn int(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.parse().ok())
}

/// A base64 field as text (lossy: keys and values we write are UTF-8).
fn text(v: &Value) -> String {
    let raw = B64
        .decode(v.as_str().unwrap_or_default())
        .unwrap_or_default();
    String::from_utf8_lossy(&raw).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_increments_the_last_byte() {
        assert_eq!(prefix_end("/services/echo/"), b"/services/echo0");
        assert_eq!(prefix_end("a\u{7f}"), b"a\x80");
    }

    #[test]
    fn integers_come_as_strings_or_numbers() {
        assert_eq!(int(&json!("694d7b8b6a1f1c0a")), None);
        assert_eq!(
            int(&json!("7587869000000000001")),
            Some(7587869000000000001)
        );
        assert_eq!(int(&json!(42)), Some(42));
        assert_eq!(int(&json!(null)), None);
    }
}
