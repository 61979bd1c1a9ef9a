//! mini-rpc: an RPC framework on tokio — one trait declares a service, the
//! `#[service]` macro generates a typed client and the server dispatch, and
//! calls are multiplexed over few TCP connections with deadlines,
//! cancellation, streams in both directions (flow-controlled in bytes),
//! interceptors, discovery (a built-in registry or etcd) and load balancing.
//!
//! Counterparts: tarpc (service macro, relative deadlines, cancellation on
//! drop), tonic/gRPC (status codes, metadata, interceptors, streaming),
//! Go's net/rpc and GeeRPC (codec negotiation, registry with heartbeats,
//! balancers). The notes chapter `notes/src/mini-rpc/` draws the wire format
//! and follows a call end to end.
//!
//! # Layout
//!
//! - [`frame`]: the wire format — preface, length-prefixed frames, their kinds.
//! - [`codec`]: serde codecs for payloads (postcard by default, JSON), negotiated per connection.
//! - [`metadata`]: the per-call string map.
//! - `decoded`: [`Decoded`], typed items over a raw stream (either direction).
//! - [`status`]: `Code` + message, the outcome of every call.
//! - `window`: stream flow control in bytes, the same rule in both directions.
//! - `io`: the frame reader (per-frame timeout, server-wide byte budget), the byte-bounded outbox, the batching writer.
//! - [`interceptor`]: hooks around calls on either side (logging, metrics, auth).
//! - [`client`]: the multiplexer, sub-connections, reconnect, retries, streams.
//! - [`service`](mod@service): the untyped `Service` trait the macro implements, `Context`, server streams.
//! - [`server`]: accept loop, limits, per-connection dispatch, deadlines, cancel, graceful shutdown.
//! - [`discover`]: the `Registry` trait (built-in registry, etcd), `Discover`, balancers.
//!
//! # Example
//!
//! ```
//! use mini_rpc::{Client, Context, Server, Status};
//!
//! #[mini_rpc::service]
//! pub trait Greeter {
//!     async fn hello(name: String) -> String;
//! }
//!
//! #[derive(Clone)]
//! struct Polite;
//!
//! impl Greeter for Polite {
//!     async fn hello(&self, _ctx: Context, name: String) -> Result<String, Status> {
//!         Ok(format!("hello, {name}"))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let server = Server::builder().add_service(GreeterServer::new(Polite)).build();
//! tokio::spawn(async move { server.serve(listener).await });
//!
//! let client = GreeterClient::new(Client::connect(addr).await?);
//! assert_eq!(client.hello("ada".into()).await?, "hello, ada");
//! # Ok(())
//! # }
//! ```

// Lets `#[service]` (which names `::mini_rpc`) be used inside this crate too.
extern crate self as mini_rpc;

pub mod client;
pub mod codec;
mod decoded;
pub mod discover;
pub mod frame;
pub mod interceptor;
mod io;
pub mod metadata;
pub mod server;
pub mod service;
pub mod status;
mod window;

pub use client::{
    CallOptions, Channel, Client, ClientSink, ClientStream, RawSink, RawStream, Upload,
};
pub use codec::CodecKind;
pub use decoded::{Decoded, RawItems};
pub use io::ConnError;
pub use metadata::Metadata;
pub use mini_rpc_macros::service;
pub use server::{Server, ServerConfig};
pub use service::{
    BoxFuture, Context, RawIncoming, Reply, RequestStream, ServerStream, Service, StreamSender,
    Streaming,
};
pub use status::{Code, Status};

/// Re-exports used by code that `#[service]` generates; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use bytes::Bytes;
    pub use serde;
}
