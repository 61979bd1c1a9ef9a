//! An HTTP/1.1 web framework on tokio (planned).
//!
//! Counterparts: axum/hyper, gin.
//!
//! # Layout
//!
//! - `http`: our own request parser and response writer (RFC 9112).
//! - `router`: a compressed radix tree per method.
//! - `extract`: extractors and their rejections.
//! - `middleware`: the onion model and built-in layers.
//! - `server`: accept loop, connections, keep-alive, shutdown.
