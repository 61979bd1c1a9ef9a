//! Built-in layers: request logging, panic recovery, a timeout, request ids.
//! Each mirrors the tower-http layer of the same purpose (`TraceLayer`,
//! `CatchPanicLayer`, `TimeoutLayer`, `SetRequestIdLayer`).

use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Middleware, Next};
use crate::Request;
use crate::http::StatusCode;
use crate::response::Response;

/// Logs one `tracing` event per request: method, path, status, latency.
/// Mirrors tower-http's `TraceLayer`.
pub fn logging() -> impl Middleware {
    |req: Request, next: Next| async move {
        let start = Instant::now();
        let method = req.method();
        let path = req.path().to_string();
        let res = next.run(req).await;
        tracing::info!(
            %method,
            %path,
            status = res.status.as_u16(),
            latency_us = start.elapsed().as_micros() as u64,
            "request"
        );
        res
    }
}

/// Turns a panic in a handler (or an inner layer) into `500 Internal Server
/// Error`; the connection keeps serving. Mirrors tower-http's `CatchPanicLayer`.
///
/// Without it a panic ends only the connection's task (tokio isolates tasks),
/// and the client sees the connection drop.
pub fn catch_panic() -> impl Middleware {
    |req: Request, next: Next| {
        let mut fut = Box::pin(next.run(req));
        async move {
            // AssertUnwindSafe: after a panic the future is dropped, never polled
            // again, so no broken invariant inside it can be observed.
            let caught =
                poll_fn(
                    |cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
                        Ok(std::task::Poll::Ready(res)) => std::task::Poll::Ready(Ok(res)),
                        Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
                        Err(panic) => std::task::Poll::Ready(Err(panic)),
                    },
                )
                .await;
            caught.unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(panic = %what, "handler panicked");
                Response::text(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
            })
        }
    }
}

/// Answers `408 Request Timeout` when the inner layers take longer than
/// `limit` (the status tower-http's `TimeoutLayer` uses). The handler's future
/// is dropped, which cancels it at its next `.await`.
pub fn timeout(limit: Duration) -> impl Middleware {
    move |req: Request, next: Next| async move {
        match tokio::time::timeout(limit, next.run(req)).await {
            Ok(res) => res,
            Err(_) => Response::text(StatusCode::REQUEST_TIMEOUT, "request timed out"),
        }
    }
}

/// The id given to a request by [`request_id`], readable by handlers with
/// `req.extension::<RequestId>()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn fresh_id() -> String {
    // A per-process prefix from the start time keeps ids from two runs apart;
    // the counter keeps them unique within a run.
    static PREFIX: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let prefix = *PREFIX.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    });
    format!(
        "{:08x}-{:x}",
        prefix & 0xffff_ffff,
        NEXT_ID.fetch_add(1, Ordering::Relaxed)
    )
}

/// Gives every request an `x-request-id`: the client's, if it sent a sane
/// one (visible ASCII, at most 128 bytes), or a fresh one; echoes it in the
/// response. Mirrors tower-http's `SetRequestIdLayer` + `PropagateRequestIdLayer`.
pub fn request_id() -> impl Middleware {
    |mut req: Request, next: Next| async move {
        let id = req
            .header_str("x-request-id")
            .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
            .map(str::to_string)
            .unwrap_or_else(fresh_id);
        if req.header("x-request-id").is_none() {
            req.insert_header("x-request-id", id.clone());
        }
        req.insert_extension(RequestId(id.clone()));
        let mut res = next.run(req).await;
        res.set_header("x-request-id", id);
        res
    }
}
