//! What can be wrong with a request on the wire, and the status each answer gets.
//!
//! Every variant is a reason a request was refused *before* routing. After
//! any of them the connection closes: once framing is in doubt, the next
//! byte cannot be trusted to start a request (that doubt is what request
//! smuggling exploits).

use super::status::StatusCode;

/// A request the parser or the body decoder refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The method is not a token (RFC 9110 §9.1).
    #[error("invalid method token")]
    InvalidMethod,
    /// The request target is empty or holds a byte outside visible ASCII.
    #[error("invalid request target")]
    InvalidTarget,
    /// The version is not `HTTP/<digit>.<digit>`, or the line is malformed.
    #[error("invalid request line or version")]
    InvalidVersion,
    /// A well-formed version other than HTTP/1.0 and HTTP/1.1.
    #[error("HTTP version not supported")]
    UnsupportedVersion,
    /// The request line exceeds `Limits::max_request_line`.
    #[error("request line too long")]
    RequestLineTooLong,
    /// The head exceeds `Limits::max_head_bytes`.
    #[error("request head too large")]
    HeadTooLarge,
    /// More header fields than `Limits::max_headers`.
    #[error("too many header fields")]
    TooManyHeaders,
    /// A field name is empty or not a token.
    #[error("invalid header name")]
    InvalidHeaderName,
    /// Whitespace between a field name and its colon (RFC 9112 §5.1).
    #[error("whitespace before colon in header field")]
    WhitespaceBeforeColon,
    /// A field line starting with whitespace: obsolete line folding (RFC 9112 §5.2).
    #[error("obsolete line folding")]
    ObsFold,
    /// A CR not followed by LF, or an LF not preceded by CR (RFC 9112 §2.2).
    #[error("bare CR or LF")]
    BareCrLf,
    /// A field value holding NUL or another control character (RFC 9110 §5.5).
    #[error("control character in header value")]
    InvalidHeaderValue,
    /// HTTP/1.1 without a `Host` field (RFC 9112 §3.2).
    #[error("missing Host header")]
    MissingHost,
    /// More than one `Host` field (RFC 9112 §3.2).
    #[error("duplicate Host header")]
    DuplicateHost,
    /// A `Host` that is not `uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 3986 §3.2.2).
    #[error("invalid Host header")]
    InvalidHost,
    /// Both `Content-Length` and `Transfer-Encoding` (RFC 9112 §6.1).
    #[error("both Content-Length and Transfer-Encoding")]
    ContentLengthAndTransferEncoding,
    /// `Content-Length` values that differ, or one that is not digits.
    #[error("invalid or conflicting Content-Length")]
    InvalidContentLength,
    /// `Transfer-Encoding` whose final coding is not `chunked`, or `chunked` twice.
    #[error("Transfer-Encoding must end in chunked")]
    TransferEncodingNotChunked,
    /// A transfer coding before `chunked` that we do not decode (gzip, ...).
    #[error("unsupported transfer coding")]
    UnsupportedTransferCoding,
    /// `Transfer-Encoding` in an HTTP/1.0 request (RFC 9112 §6.1: framing is faulty).
    #[error("Transfer-Encoding in an HTTP/1.0 request")]
    TransferEncodingOnHttp10,
    /// The body exceeds `Limits::max_body_bytes`.
    #[error("body too large")]
    BodyTooLarge,
    /// Malformed chunked framing: bad size, missing CRLF, size overflow.
    #[error("invalid chunked encoding")]
    InvalidChunk,
    /// Chunk extensions beyond `Limits::max_chunk_ext_bytes`.
    #[error("chunk extensions too long")]
    ChunkExtensionsTooLong,
    /// An `Expect` other than `100-continue` (RFC 9110 §10.1.1).
    #[error("unsupported expectation")]
    UnsupportedExpectation,
    /// The head did not arrive within `Limits::header_read_timeout`.
    #[error("timed out reading the request head")]
    HeadTimeout,
}

impl ParseError {
    /// The status the server answers with before closing.
    pub fn status(self) -> StatusCode {
        use ParseError::*;
        match self {
            UnsupportedVersion => StatusCode::HTTP_VERSION_NOT_SUPPORTED,
            RequestLineTooLong => StatusCode::URI_TOO_LONG,
            HeadTooLarge | TooManyHeaders => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedTransferCoding => StatusCode::NOT_IMPLEMENTED,
            UnsupportedExpectation => StatusCode::EXPECTATION_FAILED,
            HeadTimeout => StatusCode::REQUEST_TIMEOUT,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}
