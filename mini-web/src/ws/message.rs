//! Messages as the application sees them, and the socket's limits.

use std::time::Duration;

use bytes::Bytes;

use super::close::CloseFrame;

/// A WebSocket message. Mirrors `tungstenite::Message` (and axum's `ws::Message`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message, already checked to be UTF-8.
    Text(String),
    /// A binary message.
    Binary(Bytes),
    /// A ping received (already answered with a pong) or to send.
    Ping(Bytes),
    /// A pong received, or to send unsolicited (a heartbeat).
    Pong(Bytes),
    /// The closing handshake, with the peer's code and reason if it gave one.
    Close(Option<CloseFrame>),
}

/// Limits and timeouts of one socket. Defaults mirror tungstenite's
/// `WebSocketConfig` (64 MiB messages, 16 MiB frames).
///
/// | limit | ours | tungstenite (defaults as its docs give them, 0.12–0.20) | answer |
/// |---|---|---|---|
/// | message size | 64 MiB | 64 MiB (`max_message_size`) | close 1009 |
/// | frame size | 16 MiB | 16 MiB (`max_frame_size`) | close 1009 |
/// | write stall | 60 s | not checked here | error, connection dropped |
/// | close reply wait | 5 s | not checked here | connection dropped |
#[derive(Clone, Debug)]
pub struct WebSocketConfig {
    /// Largest message, all fragments together.
    pub max_message_size: usize,
    /// Largest single frame's payload.
    pub max_frame_size: usize,
    /// How long a send may wait for a peer that does not read.
    pub write_timeout: Duration,
    /// After we send a close frame, how long to wait for the peer's.
    pub close_timeout: Duration,
}

impl Default for WebSocketConfig {
    fn default() -> WebSocketConfig {
        WebSocketConfig {
            max_message_size: 64 << 20,
            max_frame_size: 16 << 20,
            write_timeout: Duration::from_secs(60),
            close_timeout: Duration::from_secs(5),
        }
    }
}
