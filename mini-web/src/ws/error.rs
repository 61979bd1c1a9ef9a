//! Why a WebSocket failed, and the close code each failure is reported with.

/// A WebSocket error. Mirrors `tungstenite::Error`, with the close code the
/// peer is sent when the error is the peer's fault.
#[derive(Debug, thiserror::Error)]
pub enum WsError {
    /// The peer broke RFC 6455 (the text names the rule); closed with 1002.
    #[error("protocol error: {0}")]
    Protocol(&'static str),
    /// A text message or close reason that is not UTF-8; closed with 1007.
    #[error("invalid UTF-8 in a text message or close reason")]
    InvalidUtf8,
    /// A frame or message above the configured limit; closed with 1009.
    #[error("{0} larger than the configured limit")]
    TooBig(&'static str),
    /// The connection is closed (or closing): nothing more can be sent.
    #[error("the WebSocket is closed")]
    Closed,
    /// The peer stopped reading for longer than the write timeout.
    #[error("the peer stopped reading")]
    WriteTimeout,
    /// The socket failed, or the peer went away without a close frame.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl WsError {
    /// The close code sent to the peer when this error fails the connection.
    pub fn close_code(&self) -> Option<u16> {
        match self {
            WsError::Protocol(_) => Some(super::close::PROTOCOL_ERROR),
            WsError::InvalidUtf8 => Some(super::close::INVALID_DATA),
            WsError::TooBig(_) => Some(super::close::TOO_BIG),
            _ => None,
        }
    }
}
