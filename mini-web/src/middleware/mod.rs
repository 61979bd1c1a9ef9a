//! Middleware: the onion model. Each layer gets the request and a [`Next`];
//! it may answer on its own, or call `next.run(req).await` and look at (or
//! change) the response on the way out.
//!
//! ```text
//!   request ──► logging ──► request_id ──► cors ──► handler
//!   response ◄── logging ◄── request_id ◄── cors ◄──┘
//! ```
//!
//! Mirrors axum's `middleware::from_fn` and gin's `c.Next()`. A layer added
//! with [`Router::layer`](crate::Router::layer) wraps every route added to that
//! router before it (and the router's 404/405 answers), so groups get their
//! own layers by being nested routers.
//!
//! Tower: not supported, by decision. `tower::Layer`/`Service` would bring the
//! `http` and `tower` crates into the library and a `poll_ready` step that our
//! in-memory endpoints never need; an adapter crate could bridge the two, and
//! none is written. What tower-http layers do, the built-ins here do for the
//! common cases: [`logging`], [`catch_panic`], [`timeout`], [`request_id`], [`cors`],
//! and `compression` (gzip, feature `gzip`).

mod builtin;
#[cfg(feature = "gzip")]
mod compression;
mod cors;

pub use builtin::{RequestId, catch_panic, logging, request_id, timeout};
#[cfg(feature = "gzip")]
pub use compression::{MIN_SIZE as GZIP_MIN_SIZE, compression};
pub use cors::{Cors, cors};

use std::future::Future;
use std::sync::Arc;

use crate::Request;
use crate::handler::BoxFuture;
use crate::response::{IntoResponse, Response};
use crate::service::Service;

/// The rest of the onion: the inner layers and the handler. Mirrors
/// `axum::middleware::Next`.
#[derive(Debug, Clone)]
pub struct Next {
    inner: Service,
}

impl Next {
    /// Runs the inner layers and the handler.
    pub async fn run(self, req: Request) -> Response {
        self.inner.call(req).await
    }
}

/// A middleware layer. Implemented for every `Fn(Request, Next) -> impl Future<Output = impl IntoResponse>`.
pub trait Middleware: Send + Sync + 'static {
    /// Handles `req`, usually by calling `next.run(req)`.
    fn call(&self, req: Request, next: Next) -> BoxFuture;
}

impl<F, Fut, R> Middleware for F
where
    F: Fn(Request, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResponse,
{
    fn call(&self, req: Request, next: Next) -> BoxFuture {
        let fut = self(req, next);
        Box::pin(async move { fut.await.into_response() })
    }
}

/// Wraps `inner` in `layer`.
pub(crate) fn wrap(layer: Arc<dyn Middleware>, inner: Service) -> Service {
    Service::new(move |req| {
        layer.call(
            req,
            Next {
                inner: inner.clone(),
            },
        )
    })
}
