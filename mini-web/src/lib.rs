//! mini-web: an HTTP/1.1 web framework on tokio, with its own request
//! parser, radix router, middleware and extractors.
//!
//! Counterparts: axum on hyper (the API shape: `Router`, `get(handler)`,
//! extractors, `IntoResponse`, `middleware::from_fn`), and gin (route groups).
//! What is ours and not borrowed is the wire: the parser is strict RFC 9112,
//! because request smuggling is where from-scratch servers fail.
//!
//! # Layout
//!
//! In the order a request travels:
//!
//! - [`server`]: accept loop, one task per connection, keep-alive,
//!   pipelining, `100-continue`, graceful shutdown, the runtime choice.
//! - [`http`]: the wire — request-head parser, body framing and smuggling
//!   rules, chunked decoder, limits, response writer, cached `Date`.
//! - [`request`]: the [`Request`] handlers see: spans into the read buffer plus the body.
//! - [`body`]: the request body — whole, or a stream the handler pulls, with backpressure.
//! - [`router`]: radix tree per method, groups, nesting, 404/405.
//! - [`middleware`]: the onion (`next.run(req).await`) and built-in layers.
//! - [`service`]: an endpoint with state and layers bound — what the router stores.
//! - [`handler`]: async functions of extractors, and the signature rules.
//! - [`extract`]: `Path`, `Query`, `Json`, `Form`, `State`, headers, body; rejections.
//! - [`response`]: [`Response`] and [`IntoResponse`].
//! - [`static_files`]: a directory as a handler (ETag, Range, no traversal; large files streamed).
//! - [`stream`]: a response body sent as it is produced, from a channel or a reader.
//! - [`sse`]: Server-Sent Events over a streamed body; `Last-Event-ID`.
//! - [`upgrade`]: a `101` response hands the connection to a callback.
//! - [`ws`]: WebSocket (RFC 6455): the upgrade extractor, frames, the socket,
//!   `permessage-deflate` (RFC 7692).
//!
//! # Example
//!
//! ```no_run
//! use mini_web::extract::{Json, Path};
//! use mini_web::router::get;
//! use mini_web::{Router, Server};
//!
//! async fn user(Path(id): Path<u64>) -> String {
//!     format!("user {id}")
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let app = Router::new()
//!     .route("/plaintext", get(|| async { "Hello, World!" }))
//!     .route("/json", get(|| async { Json(serde_json::json!({"message": "Hello, World!"})) }))
//!     .route("/user/{id}", get(user));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! Server::new().serve(listener, app).await
//! # }
//! ```

pub mod body;
pub mod extract;
pub mod handler;
pub mod http;
pub mod middleware;
pub mod request;
pub mod response;
pub mod router;
pub mod server;
pub mod service;
pub mod sse;
pub mod static_files;
pub mod stream;
pub mod upgrade;
pub mod ws;

pub use body::Body;
pub use request::Request;
pub use response::{IntoResponse, Response};
pub use router::Router;
pub use server::{Server, runtime};
