//! `Service`: a handler with its state bound and its middleware applied —
//! what the router stores for each route. A cheap clone (one `Arc`).
//!
//! Named after `tower::Service`, whose role it plays, but deliberately not
//! that trait: no `poll_ready` (nothing here applies backpressure per
//! service), and no dependency on the `http` and `tower` crates.

use std::sync::Arc;

use crate::Request;
use crate::handler::BoxFuture;

/// A type-erased endpoint: request in, future of a response out.
#[derive(Clone)]
pub struct Service(Arc<dyn Fn(Request) -> BoxFuture + Send + Sync>);

impl Service {
    /// Wraps a function.
    pub fn new(f: impl Fn(Request) -> BoxFuture + Send + Sync + 'static) -> Service {
        Service(Arc::new(f))
    }

    /// Runs the endpoint.
    pub fn call(&self, req: Request) -> BoxFuture {
        (self.0)(req)
    }
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Service")
    }
}
