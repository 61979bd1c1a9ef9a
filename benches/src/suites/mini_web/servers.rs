//! The two servers under load, built the same way: the same four routes
//! (and the WebSocket/SSE ones of `live_routes`),
//! the same tokio runtime flavour and worker count, on their own thread in
//! this process, `TCP_NODELAY` on accepted sockets, 1 MiB body limit on
//! `/echo`, stopped by a graceful-shutdown signal.

use std::net::SocketAddr;
use std::thread::JoinHandle;

use anyhow::Context;
use serde::Serialize;
use tokio::sync::oneshot;

use crate::runner::Impl;

/// Which implementation to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Which {
    /// mini-web.
    Ours,
    /// axum 0.8 on hyper 1 (`axum::serve`).
    Axum,
}

impl Which {
    /// The implementation an `impl` column names.
    pub(crate) fn from_name(imp: &str) -> anyhow::Result<Which> {
        match imp {
            "ours" => Ok(Which::Ours),
            "axum" => Ok(Which::Axum),
            other => anyhow::bail!("unknown impl {other}"),
        }
    }
}

/// The two implementations every load comparison runs, as the summary names them.
pub(crate) fn impls() -> Vec<Impl> {
    vec![
        Impl {
            name: "ours",
            config: "mini_web::Server, tokio runtime as the case's t".into(),
        },
        Impl {
            name: "axum",
            config: "axum::serve, tokio runtime as the case's t".into(),
        },
    ]
}

/// A server running on its own thread; stopped and joined on drop.
pub(crate) struct Running {
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

/// The runtime both servers use: current-thread for 1 worker, multi-thread above.
fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    mini_web::runtime(threads)
}

/// Starts `which` with `threads` worker threads on a free loopback port.
pub(crate) fn start(which: Which, threads: usize) -> anyhow::Result<Running> {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let rt = runtime(threads)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("{which:?}-server"))
        .spawn(move || {
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(std_listener) {
                    Ok(l) => l,
                    Err(e) => {
                        eprintln!("server listener: {e}");
                        return;
                    }
                };
                let signal = async {
                    let _ = stopped.await;
                };
                let result = match which {
                    Which::Ours => serve_ours(listener, signal).await,
                    Which::Axum => serve_axum(listener, signal).await,
                };
                if let Err(e) = result {
                    eprintln!("{which:?} server: {e}");
                }
            });
        })?;
    let running = Running {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    };
    crate::runner::util::wait_for_port(addr, std::time::Duration::from_secs(5))?;
    Ok(running)
}

async fn serve_ours(
    listener: tokio::net::TcpListener,
    signal: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    use mini_web::extract::{Json, Path};
    use mini_web::router::{get, post};

    let app = mini_web::Router::new()
        .route("/plaintext", get(|| async { "Hello, World!" }))
        .route(
            "/json",
            get(|| async {
                Json(Message {
                    message: "Hello, World!",
                })
            }),
        )
        .route(
            "/user/{id}",
            get(|Path(id): Path<String>| async move { id }),
        )
        .route("/echo", post(|body: bytes::Bytes| async move { body }));
    let app = super::live_routes::ours(app);
    let limits = mini_web::http::Limits {
        max_body_bytes: 1024 * 1024,
        ..Default::default()
    };
    mini_web::Server::new()
        .limits(limits)
        .serve_with_shutdown(listener, app, signal)
        .await
}

async fn serve_axum(
    listener: tokio::net::TcpListener,
    signal: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::extract::{DefaultBodyLimit, Path};
    use axum::routing::{get, post};
    use axum::serve::ListenerExt;

    let app = axum::Router::new()
        .route("/plaintext", get(|| async { "Hello, World!" }))
        .route(
            "/json",
            get(|| async {
                axum::Json(Message {
                    message: "Hello, World!",
                })
            }),
        )
        .route(
            "/user/{id}",
            get(|Path(id): Path<String>| async move { id }),
        )
        .route("/echo", post(|body: bytes::Bytes| async move { body }))
        .layer(DefaultBodyLimit::max(1024 * 1024));
    let app = super::live_routes::axum(app);
    // axum::serve leaves Nagle on; its documented way to turn it off, as ours does.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(signal)
        .await
}
