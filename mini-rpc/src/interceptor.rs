//! Interceptors: code that runs around every call, on either side.
//!
//! Mirrors tonic's `Interceptor` (a synchronous hook that may edit the
//! request's metadata or refuse it with a `Status`) plus an end-of-call hook
//! for logging and metrics. A server or client holds a list; `on_request`
//! runs in list order and stops at the first refusal, `on_response` runs in
//! reverse order, so the first interceptor wraps all the others.
//! Rejected: tower `Layer`s (what tonic really builds on) — generic over the
//! whole service stack, powerful, and much more than these three uses need.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::metadata::Metadata;
use crate::status::{Code, Status};

/// What an interceptor sees of a call.
#[derive(Debug)]
pub struct CallInfo<'a> {
    /// `Service.method`.
    pub method: &'a str,
    /// The call's metadata; client-side interceptors may add to it.
    pub metadata: &'a mut Metadata,
}

/// A hook around calls. Both methods default to doing nothing.
pub trait Interceptor: Send + Sync + 'static {
    /// Before the call: edit metadata, or refuse the call with a status.
    fn on_request(&self, _call: &mut CallInfo<'_>) -> Result<(), Status> {
        Ok(())
    }

    /// After the call, with its outcome and how long it took.
    fn on_response(&self, _method: &str, _status: &Status, _elapsed: Duration) {}
}

/// A list of interceptors run as one.
#[derive(Clone, Default)]
pub struct Chain {
    /// In `on_request` order.
    list: Vec<Arc<dyn Interceptor>>,
}

impl Chain {
    /// Adds an interceptor at the end (innermost).
    pub fn push(&mut self, interceptor: impl Interceptor) {
        self.list.push(Arc::new(interceptor));
    }

    /// Whether there are none (then the server skips the timing work).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Runs every `on_request`; the first error stops the call.
    pub fn on_request(&self, call: &mut CallInfo<'_>) -> Result<(), Status> {
        self.list.iter().try_for_each(|i| i.on_request(call))
    }

    /// Runs every `on_response`, last interceptor first.
    pub fn on_response(&self, method: &str, status: &Status, elapsed: Duration) {
        for i in self.list.iter().rev() {
            i.on_response(method, status, elapsed);
        }
    }
}

/// Logs every call's end through `tracing` (method, code, latency).
#[derive(Clone, Copy, Debug, Default)]
pub struct Logging;

impl Interceptor for Logging {
    fn on_response(&self, method: &str, status: &Status, elapsed: Duration) {
        if status.code == Code::Ok {
            tracing::info!(method, ?elapsed, "call ok");
        } else {
            tracing::warn!(method, ?elapsed, code = ?status.code, message = %status.message, "call failed");
        }
    }
}

/// Counts calls, failures and total latency; clone it to read the counters.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Shared counters.
    inner: Arc<MetricsInner>,
}

#[derive(Debug, Default)]
struct MetricsInner {
    calls: AtomicU64,
    failures: AtomicU64,
    total_us: AtomicU64,
}

impl Metrics {
    /// Calls finished.
    pub fn calls(&self) -> u64 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// Calls finished with a status other than Ok.
    pub fn failures(&self) -> u64 {
        self.inner.failures.load(Ordering::Relaxed)
    }

    /// Mean latency of finished calls.
    pub fn mean_latency(&self) -> Duration {
        let calls = self.calls().max(1);
        Duration::from_micros(self.inner.total_us.load(Ordering::Relaxed) / calls)
    }
}

impl Interceptor for Metrics {
    fn on_response(&self, _method: &str, status: &Status, elapsed: Duration) {
        self.inner.calls.fetch_add(1, Ordering::Relaxed);
        if status.code != Code::Ok {
            self.inner.failures.fetch_add(1, Ordering::Relaxed);
        }
        let us = elapsed.as_micros().min(u64::MAX as u128) as u64;
        self.inner.total_us.fetch_add(us, Ordering::Relaxed);
    }
}

/// The metadata key that carries a token, as gRPC's `authorization`.
pub const AUTH_KEY: &str = "authorization";

/// Bearer-token auth through metadata: on a client it adds the token, on a
/// server it refuses calls without it (`Unauthenticated`).
#[derive(Clone, Debug)]
pub struct BearerAuth {
    /// The expected or sent value (`Bearer <token>`).
    value: String,
    /// Whether this instance checks (server) or sets (client).
    check: bool,
}

impl BearerAuth {
    /// The client side: every call carries `authorization: Bearer <token>`.
    pub fn client(token: &str) -> BearerAuth {
        BearerAuth {
            value: format!("Bearer {token}"),
            check: false,
        }
    }

    /// The server side: calls must carry `authorization: Bearer <token>`.
    pub fn server(token: &str) -> BearerAuth {
        BearerAuth {
            value: format!("Bearer {token}"),
            check: true,
        }
    }
}

impl Interceptor for BearerAuth {
    fn on_request(&self, call: &mut CallInfo<'_>) -> Result<(), Status> {
        if !self.check {
            call.metadata.insert(AUTH_KEY, self.value.clone());
            return Ok(());
        }
        match call.metadata.get(AUTH_KEY) {
            Some(v) if v == self.value => Ok(()),
            Some(_) => Err(Status::unauthenticated("wrong token")),
            None => Err(Status::unauthenticated("missing authorization metadata")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_auth_satisfies_server_auth_and_order_is_kept() {
        let mut client = Chain::default();
        client.push(BearerAuth::client("t0k"));
        let mut server = Chain::default();
        server.push(BearerAuth::server("t0k"));
        let metrics = Metrics::default();
        server.push(metrics.clone());

        let mut md = Metadata::new();
        assert!(
            server
                .on_request(&mut CallInfo {
                    method: "A.b",
                    metadata: &mut md
                })
                .is_err()
        );
        client
            .on_request(&mut CallInfo {
                method: "A.b",
                metadata: &mut md,
            })
            .unwrap();
        server
            .on_request(&mut CallInfo {
                method: "A.b",
                metadata: &mut md,
            })
            .unwrap();
        server.on_response("A.b", &Status::ok(), Duration::from_micros(10));
        server.on_response("A.b", &Status::internal("x"), Duration::from_micros(30));
        assert_eq!((metrics.calls(), metrics.failures()), (2, 1));
        assert_eq!(metrics.mean_latency(), Duration::from_micros(20));
    }
}
