//! The server: accept loop, one task per connection, graceful shutdown, and
//! the runtime choice. Mirrors `axum::serve` over hyper's `http1` server.
//!
//! ```text
//! TcpListener ──accept──► spawn(Conn::run) ──► Router::dispatch ──► ...
//!      │                        ▲
//!      └── shutdown signal ─────┴─ watch channel: idle connections close now,
//!                                  busy ones after their current response;
//!                                  whatever is left at the deadline is aborted.
//! ```

mod conn;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::Router;
use crate::http::Limits;

/// How to serve: limits and the shutdown deadline. Mirrors the knobs of
/// hyper's `http1::Builder` plus axum's `serve(...).with_graceful_shutdown`.
#[derive(Debug, Clone)]
pub struct Server {
    /// Limits applied to every connection.
    pub limits: Limits,
    /// After the shutdown signal, how long in-flight requests may take before
    /// their connections are aborted.
    pub shutdown_deadline: Duration,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            limits: Limits::default(),
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

impl Server {
    /// Default limits (see [`Limits`]) and a 10 s shutdown deadline.
    pub fn new() -> Server {
        Server::default()
    }

    /// Replaces the limits.
    pub fn limits(mut self, limits: Limits) -> Server {
        self.limits = limits;
        self
    }

    /// Serves `app` on `listener` until the process ends.
    pub async fn serve<S: Clone + Send + Sync + 'static>(
        self,
        listener: TcpListener,
        app: Router<S>,
    ) -> std::io::Result<()> {
        self.serve_with_shutdown(listener, app, std::future::pending())
            .await
    }

    /// Serves `app` until `signal` completes, then shuts down gracefully: stop
    /// accepting, let in-flight requests finish (up to `shutdown_deadline`),
    /// close idle connections.
    pub async fn serve_with_shutdown<S: Clone + Send + Sync + 'static>(
        self,
        listener: TcpListener,
        app: Router<S>,
        signal: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let app = Arc::new(app);
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut conns = JoinSet::new();
        let mut signal = std::pin::pin!(signal);
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = &mut signal => break,
            };
            while conns.try_join_next().is_some() {}
            let (stream, peer) = match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning (as hyper and axum do).
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            // Responses leave in one write each; Nagle's algorithm would only delay them.
            let _ = stream.set_nodelay(true);
            tracing::trace!(%peer, "accepted");
            let conn = conn::Conn::new(stream, self.limits.clone(), stop_rx.clone());
            let app = app.clone();
            conns.spawn(async move { conn.run(&app).await });
        }
        drop(listener);
        let _ = stop_tx.send(true);
        let drained = tokio::time::timeout(self.shutdown_deadline, async {
            while conns.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                left = conns.len(),
                "shutdown deadline passed; aborting connections"
            );
            conns.abort_all();
        }
        Ok(())
    }
}

/// A tokio runtime with `threads` workers: the current-thread runtime for
/// 1 (no work stealing, no cross-thread wakeups), the multi-thread one above.
pub fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
}
