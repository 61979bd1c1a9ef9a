//! An RPC framework on tokio (planned).
//!
//! Counterparts: tarpc, tonic/gRPC.
//!
//! # Layout
//!
//! - `frame`: the length-prefixed wire format.
//! - `codec`: pluggable serde codecs.
//! - `client`: one connection, many concurrent calls.
//! - `server`: dispatch, deadlines, cancellation.
//! - `discover`: registry and load balancers.
