//! WebSocket (RFC 6455), from scratch: the upgrade as an extractor, the
//! frame codec, and a socket that reassembles messages and enforces the
//! protocol. Mirrors axum's `extract::ws` over tungstenite.
//!
//! # Layout
//!
//! In the order a connection goes through them:
//!
//! - [`upgrade`](WebSocketUpgrade): the opening handshake as an extractor; 400/426 for bad ones.
//! - `accept`: `Sec-WebSocket-Accept` (SHA-1 and base64, written here).
//! - `extension`: `permessage-deflate` negotiation (RFC 7692): offers, parameters, the answer.
//! - [`frame`]: the frame header parser and writer, masking.
//! - `utf8`: incremental UTF-8 validation across fragments, failing fast.
//! - `deflate`: the `permessage-deflate` codec, context takeover, the zip-bomb limit
//!   (`deflate_off` stands in without the `ws-deflate` feature, declining every offer).
//! - [`close`]: close codes and close frames.
//! - [`socket`](WebSocket): receive and send messages, ping/pong, the closing handshake, limits.
//! - [`message`](Message): what the application sends and receives; the limits.
//! - [`error`](WsError): what can go wrong, and its close code.

mod accept;
pub mod close;
#[cfg(feature = "ws-deflate")]
mod deflate;
#[cfg(not(feature = "ws-deflate"))]
#[path = "deflate_off.rs"]
mod deflate;
mod error;
mod extension;
pub mod frame;
mod message;
mod socket;
mod upgrade;
mod utf8;

pub use accept::accept_key;
pub use close::CloseFrame;
pub use error::WsError;
pub use extension::{Agreed, DeflateConfig, negotiate};
pub use message::{Message, WebSocketConfig};
pub use socket::WebSocket;
pub use upgrade::{HandshakeRejection, WebSocketUpgrade};
pub use utf8::Utf8Validator;
