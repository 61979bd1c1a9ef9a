//! The opening handshake (RFC 6455 §4.2) as an extractor. Mirrors axum's
//! `extract::ws::WebSocketUpgrade`:
//!
//! ```no_run
//! use mini_web::ws::{Message, WebSocketUpgrade};
//!
//! async fn chat(ws: WebSocketUpgrade) -> mini_web::Response {
//!     ws.protocols(["chat"]).on_upgrade(|mut socket| async move {
//!         while let Some(Ok(msg)) = socket.recv().await {
//!             if let Message::Text(t) = msg {
//!                 let _ = socket.send(Message::Text(t)).await;
//!             }
//!         }
//!     })
//! }
//! ```
//!
//! What a client gets for a bad handshake:
//!
//! | request | answer |
//! |---|---|
//! | no `Upgrade: websocket` (a plain HTTP request) | 426, `upgrade: websocket` |
//! | `Sec-WebSocket-Version` missing or not 13 | 426, `sec-websocket-version: 13` (§4.4) |
//! | not `GET`, not HTTP/1.1, no `Connection: upgrade`, bad `Sec-WebSocket-Key` | 400 |

use std::future::Future;

use super::accept::{accept_key, valid_key};
use super::deflate::Deflate;
use super::extension::{DeflateConfig, negotiate};
use super::message::WebSocketConfig;
use super::socket::WebSocket;
use crate::Request;
use crate::extract::FromRequestParts;
use crate::http::{Method, StatusCode, Version};
use crate::response::{IntoResponse, Response};
use crate::upgrade::OnUpgrade;

/// A valid WebSocket handshake, waiting for [`on_upgrade`](Self::on_upgrade).
#[derive(Debug, Clone)]
pub struct WebSocketUpgrade {
    /// The `Sec-WebSocket-Accept` value.
    accept: String,
    /// The subprotocols the client offered, in its order of preference.
    offered: Vec<String>,
    /// The one we picked.
    selected: Option<String>,
    /// The socket's limits.
    config: WebSocketConfig,
    /// Every `Sec-WebSocket-Extensions` value the client sent, in order.
    extensions: Vec<String>,
    /// What we agree to if the client offers `permessage-deflate`; `None`: decline.
    deflate: Option<DeflateConfig>,
}

/// Why the handshake was refused: the status and the header that says what
/// the server wants, with the request part named in the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("WebSocket handshake: {reason}")]
pub struct HandshakeRejection {
    /// 400 or 426.
    pub status: StatusCode,
    /// What was wrong.
    pub reason: &'static str,
}

impl IntoResponse for HandshakeRejection {
    fn into_response(self) -> Response {
        let res = Response::text(self.status, format!("{self}\n"));
        if self.status == StatusCode::UPGRADE_REQUIRED {
            res.with_header("upgrade", "websocket")
                .with_header("sec-websocket-version", "13")
        } else {
            res
        }
    }
}

fn reject(status: StatusCode, reason: &'static str) -> HandshakeRejection {
    HandshakeRejection { status, reason }
}

/// Whether the comma-separated header `name` holds `token` (case-insensitive).
fn has_token(req: &Request, name: &str, token: &str) -> bool {
    req.headers()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .flat_map(|(_, v)| v.split(|&b| b == b','))
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

impl<S> FromRequestParts<S> for WebSocketUpgrade {
    type Rejection = HandshakeRejection;

    fn from_request_parts(req: &Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !has_token(req, "upgrade", "websocket") {
            return Err(reject(
                StatusCode::UPGRADE_REQUIRED,
                "`Upgrade: websocket` is required",
            ));
        }
        if req.method() != Method::Get {
            return Err(reject(StatusCode::BAD_REQUEST, "the method must be GET"));
        }
        if req.version() != Version::Http11 {
            return Err(reject(
                StatusCode::BAD_REQUEST,
                "the version must be HTTP/1.1",
            ));
        }
        if !has_token(req, "connection", "upgrade") {
            return Err(reject(
                StatusCode::BAD_REQUEST,
                "`Connection` must include `upgrade`",
            ));
        }
        if req.header("sec-websocket-version") != Some(b"13") {
            return Err(reject(
                StatusCode::UPGRADE_REQUIRED,
                "`Sec-WebSocket-Version` must be 13",
            ));
        }
        let key = match req.header("sec-websocket-key") {
            Some(k) if valid_key(k) => k,
            Some(_) => {
                return Err(reject(
                    StatusCode::BAD_REQUEST,
                    "`Sec-WebSocket-Key` is not base64 of 16 bytes",
                ));
            }
            None => {
                return Err(reject(
                    StatusCode::BAD_REQUEST,
                    "`Sec-WebSocket-Key` is missing",
                ));
            }
        };
        let offered = req
            .headers()
            .filter(|(n, _)| n.eq_ignore_ascii_case(b"sec-websocket-protocol"))
            .flat_map(|(_, v)| v.split(|&b| b == b','))
            .filter_map(|p| std::str::from_utf8(p.trim_ascii()).ok())
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        let extensions = req
            .headers()
            .filter(|(n, _)| n.eq_ignore_ascii_case(b"sec-websocket-extensions"))
            .filter_map(|(_, v)| std::str::from_utf8(v).ok())
            .map(String::from)
            .collect();
        Ok(WebSocketUpgrade {
            accept: accept_key(key),
            offered,
            selected: None,
            config: WebSocketConfig::default(),
            extensions,
            deflate: None,
        })
    }
}

impl WebSocketUpgrade {
    /// The subprotocols this endpoint speaks: the first the client offered
    /// that is among them is chosen and echoed (§4.2.2 item 5.4); none in
    /// common means none is sent, and the client decides whether to go on.
    pub fn protocols<I, P>(mut self, supported: I) -> WebSocketUpgrade
    where
        I: IntoIterator<Item = P>,
        P: AsRef<str>,
    {
        let supported: Vec<P> = supported.into_iter().collect();
        self.selected = self
            .offered
            .iter()
            .find(|o| supported.iter().any(|s| s.as_ref() == o.as_str()))
            .cloned();
        self
    }

    /// The subprotocols the client offered, in its order.
    pub fn offered_protocols(&self) -> &[String] {
        &self.offered
    }

    /// Agrees to `permessage-deflate` (RFC 7692) within `config` if the
    /// client offers it; off unless called, since each compressing
    /// connection holds zlib state (see `ws::deflate`). The message-size
    /// limit applies to the inflated size.
    pub fn deflate(mut self, config: DeflateConfig) -> WebSocketUpgrade {
        self.deflate = Some(config);
        self
    }

    /// Replaces the socket's limits.
    pub fn config(mut self, config: WebSocketConfig) -> WebSocketUpgrade {
        self.config = config;
        self
    }

    /// The `101 Switching Protocols` response; once it is sent, `f` runs
    /// with the socket on the connection's task.
    pub fn on_upgrade<F, Fut>(self, f: F) -> Response
    where
        F: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let WebSocketUpgrade {
            accept,
            selected,
            config,
            extensions,
            deflate,
            ..
        } = self;
        let mut res = Response::new(StatusCode::SWITCHING_PROTOCOLS)
            .with_header("upgrade", "websocket")
            .with_header("sec-websocket-accept", accept);
        if let Some(p) = &selected {
            res.set_header("sec-websocket-protocol", p.clone());
        }
        let codec = deflate
            .and_then(|d| negotiate(extensions.iter().map(String::as_str), &d))
            .and_then(Deflate::new);
        if let Some(c) = &codec {
            res.set_header("sec-websocket-extensions", c.agreed().response.clone());
        }
        res.upgrade = Some(OnUpgrade::new(move |upgraded| {
            f(WebSocket::new(upgraded, config, selected, codec))
        }));
        res
    }
}
