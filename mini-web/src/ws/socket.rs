//! The server side of an open WebSocket: receive messages (reassembling
//! fragments, answering pings, enforcing limits) and send them.
//!
//! Mirrors `tungstenite::WebSocket` in the server role, with backpressure by
//! construction: [`WebSocket::recv`] reads from the socket only when called,
//! so a handler that falls behind stops reading and TCP's window stops the
//! peer; [`WebSocket::send`] returns once the frame is in the kernel, so a
//! handler cannot queue more than one frame ahead of a peer that does not
//! read (and gives up after `write_timeout`).
//!
//! ```text
//!  recv ─► header? ─► payload arrived? ─► unmask ─┬─ ping  ─► pong back, yield Ping
//!            ▲ no          ▲ no                   ├─ pong  ─► yield Pong
//!            └─ read ◄─────┘                      ├─ close ─► echo close, shut, yield Close
//!                                                 └─ data  ─► append (UTF-8 checked as it comes)
//!                                                              FIN ─► yield Text / Binary
//!  any rule broken ─► close frame with 1002 / 1007 / 1009, shut, yield the error
//! ```

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

use super::close::{self, CloseFrame};
use super::deflate::Deflate;
use super::error::WsError;
use super::frame::{FrameHeader, Opcode, apply_mask, parse_header, write_frame, write_frame_rsv1};
use super::message::{Message, WebSocketConfig};
use super::utf8::Utf8Validator;
use crate::upgrade::Upgraded;

/// Where the closing handshake stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Messages flow both ways.
    Open,
    /// We sent a close frame and wait for the peer's.
    CloseSent,
    /// Done: the TCP connection is shut (or dead).
    Closed,
}

/// A fragmented message being put together.
struct Partial {
    /// Text or binary, from the first frame.
    opcode: Opcode,
    /// RSV1 on the first frame: compressed with `permessage-deflate`.
    compressed: bool,
    /// The fragments so far (inflated, if compressed).
    data: BytesMut,
}

/// An open WebSocket connection, server side. Mirrors axum's `ws::WebSocket`.
pub struct WebSocket {
    /// The socket and the bytes already read past the HTTP head.
    conn: Upgraded,
    /// Frames waiting to be written.
    write: Vec<u8>,
    /// The limits in force.
    config: WebSocketConfig,
    /// The subprotocol agreed in the handshake.
    protocol: Option<String>,
    /// A message whose final fragment has not arrived.
    partial: Option<Partial>,
    /// UTF-8 state of the text message in `partial` (or in the current frame).
    utf8: Utf8Validator,
    /// The closing handshake.
    state: State,
    /// `permessage-deflate`, when the handshake agreed it.
    deflate: Option<Deflate>,
}

impl std::fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("state", &self.state)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl WebSocket {
    /// Wraps a connection on which the handshake is already done, server
    /// side (mirrors `tungstenite::WebSocket::from_raw_socket`). The upgrade
    /// extractor does this for handlers; tests and custom upgrades call it.
    pub fn from_raw(conn: Upgraded, config: WebSocketConfig) -> WebSocket {
        WebSocket::new(conn, config, None, None)
    }

    /// [`from_raw`](Self::from_raw) with `permessage-deflate` as `agreed`
    /// (what [`negotiate`](super::negotiate) returned for the handshake);
    /// without the `ws-deflate` feature the socket stays uncompressed.
    pub fn from_raw_with_deflate(
        conn: Upgraded,
        config: WebSocketConfig,
        agreed: super::Agreed,
    ) -> WebSocket {
        WebSocket::new(conn, config, None, Deflate::new(agreed))
    }

    pub(crate) fn new(
        conn: Upgraded,
        config: WebSocketConfig,
        protocol: Option<String>,
        deflate: Option<Deflate>,
    ) -> WebSocket {
        WebSocket {
            conn,
            write: Vec::new(),
            config,
            protocol,
            partial: None,
            utf8: Utf8Validator::default(),
            state: State::Open,
            deflate,
        }
    }

    /// The subprotocol chosen in the handshake, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The next message; `None` once the connection is closed. A protocol
    /// violation closes the connection (with the matching close code) and
    /// comes back as `Some(Err(..))`; after it, `None`.
    pub async fn recv(&mut self) -> Option<Result<Message, WsError>> {
        if self.state == State::Closed {
            return None;
        }
        match self.next_message().await {
            Ok(Some(msg)) => Some(Ok(msg)),
            Ok(None) => None,
            Err(e) => {
                self.fail(&e).await;
                Some(Err(e))
            }
        }
    }

    /// Sends a message. A [`Message::Close`] starts the closing handshake:
    /// keep calling `recv` until `None` to see it finish (or use [`close`](Self::close)).
    pub async fn send(&mut self, msg: Message) -> Result<(), WsError> {
        if self.state != State::Open {
            return Err(WsError::Closed);
        }
        let close_payload;
        let (opcode, payload): (Opcode, &[u8]) = match &msg {
            Message::Text(t) => (Opcode::Text, t.as_bytes()),
            Message::Binary(b) => (Opcode::Binary, b),
            Message::Ping(b) | Message::Pong(b) if b.len() > super::frame::MAX_CONTROL_PAYLOAD => {
                return Err(WsError::TooBig("ping or pong payload"));
            }
            Message::Ping(b) => (Opcode::Ping, b),
            Message::Pong(b) => (Opcode::Pong, b),
            Message::Close(frame) => {
                close_payload = close::payload(frame.as_ref());
                self.state = State::CloseSent;
                (Opcode::Close, &close_payload)
            }
        };
        match &mut self.deflate {
            // Data messages are compressed whole, into one frame with RSV1.
            Some(d) if !opcode.is_control() => {
                let compressed = d.compress(payload)?;
                write_frame_rsv1(&mut self.write, true, true, opcode, None, &compressed);
            }
            _ => write_frame(&mut self.write, true, opcode, None, payload),
        }
        self.flush().await
    }

    /// Closes with `code` and `reason`: sends the close frame, waits up to
    /// `close_timeout` for the peer's (discarding messages meanwhile), and
    /// shuts the connection.
    pub async fn close(mut self, code: u16, reason: &str) -> Result<(), WsError> {
        let frame = CloseFrame {
            code,
            reason: reason.to_string(),
        };
        self.send(Message::Close(Some(frame))).await?;
        let wait = self.config.close_timeout;
        let _ = timeout(wait, async { while self.recv().await.is_some() {} }).await;
        self.shutdown().await;
        Ok(())
    }

    /// Reads frames until one completes a message.
    async fn next_message(&mut self) -> Result<Option<Message>, WsError> {
        loop {
            let Some((header, header_len)) = parse_header(&self.conn.read_ahead)? else {
                if !self.read_more().await? {
                    return self.eof();
                }
                continue;
            };
            self.check(&header)?;
            // Checked against the limit first: the length is the peer's claim.
            let len = header.len as usize;
            while self.conn.read_ahead.len() < header_len + len {
                self.check_text_so_far(&header, header_len)?;
                let want = header_len + len - self.conn.read_ahead.len();
                self.conn.read_ahead.reserve(want.min(1 << 20));
                if !self.read_more().await? {
                    return self.eof();
                }
            }
            let mut frame = self.conn.read_ahead.split_to(header_len + len);
            let mut payload = frame.split_off(header_len);
            if let Some(key) = header.mask {
                apply_mask(&mut payload, key, 0);
            }
            if let Some(msg) = self.on_frame(header, payload).await? {
                return Ok(Some(msg));
            }
            if self.state == State::Closed {
                return Ok(None);
            }
        }
    }

    /// The rules a header breaks given the socket's state (the frame parser
    /// checked the rest).
    // ANCHOR: state_rules
    fn check(&self, header: &FrameHeader) -> Result<(), WsError> {
        // Clients mask every frame, so that a script cannot make the bytes on
        // the wire look like an HTTP request to a proxy in between (§5.1, §10.3).
        if header.mask.is_none() {
            return Err(WsError::Protocol("unmasked client frame"));
        }
        if header.len > self.config.max_frame_size as u64 {
            return Err(WsError::TooBig("frame"));
        }
        // RSV1 means "compressed" only where permessage-deflate was agreed,
        // and only on a message's first frame (RFC 7692 §6).
        if header.rsv1 && (self.deflate.is_none() || header.opcode == Opcode::Continuation) {
            return Err(WsError::Protocol("reserved bit set"));
        }
        match (header.opcode, &self.partial) {
            (Opcode::Continuation, None) => {
                return Err(WsError::Protocol(
                    "continuation without a message to continue",
                ));
            }
            (Opcode::Text | Opcode::Binary, Some(_)) => {
                return Err(WsError::Protocol("new message before the last one ended"));
            }
            _ => {}
        }
        // A compressed message's size is checked as it inflates, not here.
        let compressed = header.rsv1 || self.partial.as_ref().is_some_and(|p| p.compressed);
        let so_far = self.partial.as_ref().map_or(0, |p| p.data.len()) as u64;
        if !header.opcode.is_control()
            && !compressed
            && so_far + header.len > self.config.max_message_size as u64
        {
            return Err(WsError::TooBig("message"));
        }
        Ok(())
    }
    // ANCHOR_END: state_rules

    /// Fail fast (§8.1): while a text frame's payload is still arriving, check
    /// the part that is here. Validation restarts from the frame's start each
    /// time (cheap next to the read) on a copy, since unmasking in place
    /// would need to track how much was unmasked already.
    fn check_text_so_far(&self, header: &FrameHeader, header_len: usize) -> Result<(), WsError> {
        // Compressed text is checked as it inflates, frame by frame.
        let is_text = match header.opcode {
            Opcode::Text => !header.rsv1,
            Opcode::Continuation => self
                .partial
                .as_ref()
                .is_some_and(|p| p.opcode == Opcode::Text && !p.compressed),
            _ => false,
        };
        // Bounded work: only frames up to 64 KiB are checked early.
        let arrived = &self.conn.read_ahead[header_len..];
        if !is_text || arrived.len() > 64 * 1024 {
            return Ok(());
        }
        let mut copy = arrived.to_vec();
        if let Some(key) = header.mask {
            apply_mask(&mut copy, key, 0);
        }
        // A new text message starts from a clean state; a continuation goes on from its fragments.
        let mut utf8 = if header.opcode == Opcode::Text {
            Utf8Validator::default()
        } else {
            self.utf8.clone()
        };
        if utf8.feed(&copy) {
            Ok(())
        } else {
            Err(WsError::InvalidUtf8)
        }
    }

    /// Handles one whole frame; returns a message when one is complete.
    async fn on_frame(
        &mut self,
        header: FrameHeader,
        payload: BytesMut,
    ) -> Result<Option<Message>, WsError> {
        match header.opcode {
            Opcode::Ping => {
                if self.state == State::Open {
                    write_frame(&mut self.write, true, Opcode::Pong, None, &payload);
                    self.flush().await?;
                }
                Ok(Some(Message::Ping(payload.freeze())))
            }
            Opcode::Pong => Ok(Some(Message::Pong(payload.freeze()))),
            Opcode::Close => {
                let frame = close::parse(&payload)?;
                if self.state == State::Open {
                    // Echo the code (§5.5.1); an empty close gets an empty one.
                    self.send_close(frame.as_ref().map(|f| f.code)).await;
                }
                // The server closes the TCP connection first (§7.1.1).
                self.shutdown().await;
                Ok(Some(Message::Close(frame)))
            }
            Opcode::Text | Opcode::Binary | Opcode::Continuation => {
                if header.opcode != Opcode::Continuation {
                    self.utf8 = Utf8Validator::default();
                    self.partial = Some(Partial {
                        opcode: header.opcode,
                        compressed: header.rsv1,
                        data: BytesMut::new(),
                    });
                }
                let Some(partial) = self.partial.as_mut() else {
                    return Err(WsError::Protocol(
                        "continuation without a message to continue",
                    ));
                };
                match (&mut self.deflate, partial.compressed) {
                    (Some(deflate), true) => {
                        // Inflated fragment by fragment, so the size limit and
                        // UTF-8 fail fast on what has arrived so far.
                        let (limit, before) = (self.config.max_message_size, partial.data.len());
                        deflate.decompress(&payload, &mut partial.data, limit)?;
                        if header.fin {
                            deflate.finish_message(&mut partial.data, limit)?;
                        }
                        if partial.opcode == Opcode::Text
                            && !self.utf8.feed(&partial.data[before..])
                        {
                            return Err(WsError::InvalidUtf8);
                        }
                    }
                    _ => {
                        if partial.opcode == Opcode::Text && !self.utf8.feed(&payload) {
                            return Err(WsError::InvalidUtf8);
                        }
                        if partial.data.is_empty() {
                            partial.data = payload; // the common case: one frame, no copy
                        } else {
                            partial.data.extend_from_slice(&payload);
                        }
                    }
                }
                if !header.fin {
                    return Ok(None);
                }
                let Some(Partial { opcode, data, .. }) = self.partial.take() else {
                    return Ok(None);
                };
                if opcode == Opcode::Binary {
                    return Ok(Some(Message::Binary(data.freeze())));
                }
                if !self.utf8.is_complete() {
                    return Err(WsError::InvalidUtf8);
                }
                let text = String::from_utf8(data.to_vec()).map_err(|_| WsError::InvalidUtf8)?;
                Ok(Some(Message::Text(text)))
            }
        }
    }

    /// The peer's stream ended: clean if we were closing, else an error.
    fn eof(&mut self) -> Result<Option<Message>, WsError> {
        let was = std::mem::replace(&mut self.state, State::Closed);
        if was == State::CloseSent {
            Ok(None)
        } else {
            Err(WsError::Io(std::io::ErrorKind::UnexpectedEof.into()))
        }
    }

    /// Fails the connection (§7.1.7): a close frame with the error's code if
    /// we may still send one, then shut.
    async fn fail(&mut self, e: &WsError) {
        if let (State::Open, Some(code)) = (self.state, e.close_code()) {
            self.send_close(Some(code)).await;
        }
        self.shutdown().await;
    }

    /// Sends a close frame with `code` and no reason (or an empty one), best
    /// effort: the connection is shut next whatever happens.
    async fn send_close(&mut self, code: Option<u16>) {
        let frame = code.map(|code| CloseFrame {
            code,
            reason: String::new(),
        });
        write_frame(
            &mut self.write,
            true,
            Opcode::Close,
            None,
            &close::payload(frame.as_ref()),
        );
        let _ = self.flush().await;
    }

    /// Reads once; `false` at end of stream.
    async fn read_more(&mut self) -> Result<bool, WsError> {
        if self.conn.read_ahead.capacity() - self.conn.read_ahead.len() < 4096 {
            self.conn.read_ahead.reserve(8192);
        }
        match self.conn.io.read_buf(&mut self.conn.read_ahead).await {
            Ok(0) => Ok(false),
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes the pending frames, waiting at most `write_timeout`.
    async fn flush(&mut self) -> Result<(), WsError> {
        let result = timeout(
            self.config.write_timeout,
            self.conn.io.write_all(&self.write),
        )
        .await;
        self.write.clear();
        match result {
            Ok(r) => r.map_err(WsError::from),
            Err(_) => Err(WsError::WriteTimeout),
        }
    }

    async fn shutdown(&mut self) {
        self.state = State::Closed;
        let _ = self.conn.io.shutdown().await;
    }
}

/// Messages are also [`Bytes`] and `String` conversions.
impl From<String> for Message {
    fn from(s: String) -> Message {
        Message::Text(s)
    }
}

impl From<Bytes> for Message {
    fn from(b: Bytes) -> Message {
        Message::Binary(b)
    }
}
