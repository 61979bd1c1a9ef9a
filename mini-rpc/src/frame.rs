//! The wire format: a connection preface, then length-prefixed frames.
//!
//! Every number is big-endian. The full drawing is in the notes
//! (`notes/src/mini-rpc/wire.md`); in short:
//!
//! ```text
//! preface (8 bytes, each side once):  "MRPC" | version u8 | codec u8 | status u8 | 0u8
//!
//! frame:   length u32 | kind u8 | id u64 | body (length - 9 bytes)
//!   Request        deadline_us u64 (0 = none) | method (u8 len + UTF-8) | metadata | payload
//!   Response       status u8 | message (u16 len + UTF-8) | metadata | payload
//!   Cancel         (empty)
//!   Ping / Pong    (empty; the id is a nonce echoed back)
//!   StreamMessage  payload
//!   StreamEnd      status u8 | message (u16 len + UTF-8)
//!   Credit         n u32 (the sender of the stream may send n more bytes of messages)
//! metadata: count u16 | count × (key u16 len + UTF-8, value u16 len + UTF-8)
//! ```
//!
//! Why this shape: a fixed 13-byte head lets the reader route a frame (kind,
//! request id) before touching the body, which is how the client
//! multiplexer finds the waiting call; the length comes first so a reader
//! can refuse an oversized frame from its first four bytes, before
//! buffering it. The deadline is relative (tarpc's choice) so that clock skew
//! between hosts cannot expire a call early or keep it alive forever.
//! Rejected: varints in the head (saves ~6 bytes on a 1 KB call, costs
//! branches on every frame) and HTTP/2 (what tonic uses: HPACK and stream
//! states are far more than a request/response multiplexer needs).

use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::metadata::Metadata;
use crate::status::{Code, Status};

/// The four bytes every connection starts with; anything else is not us.
pub const MAGIC: [u8; 4] = *b"MRPC";
/// The protocol version this build speaks; a peer with another is refused.
pub const VERSION: u8 = 1;
/// Size of the connection preface.
pub const PREFACE_LEN: usize = 8;
/// Bytes before the body: length (4), kind (1), id (8).
pub const HEAD_LEN: usize = 13;
/// Default largest frame, length field included: 16 MiB. gRPC's default
/// receive limit is 4 MiB, tarpc's bincode transport has none; we pick a
/// bound large enough for bulk replies and small enough that one peer cannot
/// make us buffer without limit.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// Bytes of stream messages (payload plus the 13-byte head each) a sender
/// may send on a new stream before any `Credit` frame: HTTP/2's initial
/// window (65 535). The rule is in `window`: a message may start while the
/// window is above zero.
pub const STREAM_WINDOW: u32 = 64 * 1024;

/// A preface status byte sent by the server.
pub mod preface_status {
    /// Version and codec accepted.
    pub const ACCEPTED: u8 = 0;
    /// The server does not speak this version.
    pub const BAD_VERSION: u8 = 1;
    /// The server does not have the proposed codec.
    pub const UNSUPPORTED_CODEC: u8 = 2;
    /// The server is at `max_connections`.
    pub const BUSY: u8 = 3;
}

/// The first 8 bytes of each direction of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preface {
    /// Protocol version.
    pub version: u8,
    /// Codec id (see [`crate::codec::CodecKind`]): proposed by the client, confirmed by the server.
    pub codec: u8,
    /// 0 from the client; the server's verdict in its reply ([`preface_status`]).
    pub status: u8,
}

impl Preface {
    /// The preface as bytes.
    pub fn to_bytes(self) -> [u8; PREFACE_LEN] {
        let [m0, m1, m2, m3] = MAGIC;
        [m0, m1, m2, m3, self.version, self.codec, self.status, 0]
    }

    /// Parses a preface; a wrong magic is an error at once, so a peer that
    /// speaks HTTP or Redis is turned away after its first read.
    pub fn parse(bytes: &[u8; PREFACE_LEN]) -> Result<Preface, FrameError> {
        if bytes[..4] != MAGIC {
            return Err(FrameError::BadMagic([
                bytes[0], bytes[1], bytes[2], bytes[3],
            ]));
        }
        Ok(Preface {
            version: bytes[4],
            codec: bytes[5],
            status: bytes[6],
        })
    }
}

// ANCHOR: kinds
/// Frame kinds, the byte after the length.
mod kind {
    pub(super) const REQUEST: u8 = 1;
    pub(super) const RESPONSE: u8 = 2;
    pub(super) const CANCEL: u8 = 3;
    pub(super) const PING: u8 = 4;
    pub(super) const PONG: u8 = 5;
    pub(super) const STREAM_MESSAGE: u8 = 6;
    pub(super) const STREAM_END: u8 = 7;
    pub(super) const CREDIT: u8 = 8;
}
// ANCHOR_END: kinds

/// A call, client to server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Chosen by the client, unique among its calls in flight on this connection.
    pub id: u64,
    /// `Service.method`, as net/rpc names methods (`Arith.Multiply`).
    pub method: String,
    /// Time the caller will wait, counted from when the server reads the frame.
    pub deadline: Option<Duration>,
    /// Caller-supplied pairs (auth tokens, trace ids).
    pub metadata: Metadata,
    /// The encoded arguments, in the connection's codec.
    pub payload: Bytes,
}

/// The end of a unary call, server to client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The id of the request it answers.
    pub id: u64,
    /// Ok, or why not.
    pub status: Status,
    /// Pairs set by the server (gRPC's trailers).
    pub metadata: Metadata,
    /// The encoded result (empty unless the status is Ok).
    pub payload: Bytes,
}

/// Everything that travels after the preface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// Start a call.
    Request(Request),
    /// Finish a unary call.
    Response(Response),
    /// The client no longer wants call `id`; the server drops its handler.
    Cancel(u64),
    /// Liveness probe; the peer answers `Pong` with the same nonce.
    Ping(u64),
    /// Answer to `Ping`.
    Pong(u64),
    /// One item of a stream, in either direction (server, client or bidi).
    StreamMessage {
        /// The streaming call.
        id: u64,
        /// The encoded item.
        payload: Bytes,
    },
    /// The last frame of a stream; from a client, Ok is its clean end (half-close).
    StreamEnd {
        /// The streaming call.
        id: u64,
        /// Ok for a clean end, else the error that ended it.
        status: Status,
    },
    /// Flow control: the receiver of call `id`'s stream (the client for a
    /// server stream, the server for a client stream) grants `n` more bytes.
    Credit {
        /// The streaming call.
        id: u64,
        /// Bytes added to the window.
        n: u32,
    },
}

/// Why bytes could not be read as our protocol; the connection is closed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    /// The peer does not start with `MRPC`.
    #[error("bad magic {0:02x?}: not a mini-rpc peer")]
    BadMagic([u8; 4]),
    /// The length field is above the configured maximum.
    #[error("frame of {len} bytes exceeds max_frame {max}")]
    Oversized {
        /// Announced length including the length field.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// A kind byte we do not know.
    #[error("unknown frame kind {0}")]
    UnknownKind(u8),
    /// The body is shorter than its fields say, or has bytes left over.
    #[error("malformed frame: {0}")]
    Malformed(&'static str),
}

impl Frame {
    /// The request id the frame belongs to (the nonce for ping/pong).
    pub fn id(&self) -> u64 {
        match self {
            Frame::Request(r) => r.id,
            Frame::Response(r) => r.id,
            Frame::Cancel(id) | Frame::Ping(id) | Frame::Pong(id) => *id,
            Frame::StreamMessage { id, .. }
            | Frame::StreamEnd { id, .. }
            | Frame::Credit { id, .. } => *id,
        }
    }

    /// Appends the frame to `out`.
    ///
    /// Strings longer than their length field are cut at a character
    /// boundary rather than refused: a method name over 255 bytes or a
    /// message over 64 KiB is a bug of the caller, and losing its tail is
    /// better than failing the reply that carries it.
    pub fn encode(&self, out: &mut BytesMut) {
        let start = out.len();
        out.put_u32(0); // patched below, once the body length is known
        match self {
            Frame::Request(r) => {
                put_head(out, kind::REQUEST, r.id);
                // Saturate (a budget past u64 microseconds means "never"),
                // and never send 0, which means "no deadline".
                let us = r.deadline.map_or(0, |d| {
                    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
                });
                out.put_u64(us);
                put_str(out, &r.method, u8::MAX as usize, |o, n| o.put_u8(n as u8));
                put_metadata(out, &r.metadata);
                out.put_slice(&r.payload);
            }
            Frame::Response(r) => {
                put_head(out, kind::RESPONSE, r.id);
                put_status(out, &r.status);
                put_metadata(out, &r.metadata);
                out.put_slice(&r.payload);
            }
            Frame::Cancel(id) => put_head(out, kind::CANCEL, *id),
            Frame::Ping(id) => put_head(out, kind::PING, *id),
            Frame::Pong(id) => put_head(out, kind::PONG, *id),
            Frame::StreamMessage { id, payload } => {
                put_head(out, kind::STREAM_MESSAGE, *id);
                out.put_slice(payload);
            }
            Frame::StreamEnd { id, status } => {
                put_head(out, kind::STREAM_END, *id);
                put_status(out, status);
            }
            Frame::Credit { id, n } => {
                put_head(out, kind::CREDIT, *id);
                out.put_u32(*n);
            }
        }
        let body = (out.len() - start - 4) as u32;
        out[start..start + 4].copy_from_slice(&body.to_be_bytes());
    }

    /// The number of bytes [`Frame::encode`] appends, without encoding:
    /// what a frame costs in a connection's outgoing queue.
    pub fn encoded_len(&self) -> usize {
        let body = match self {
            Frame::Request(r) => {
                8 + 1
                    + cut(&r.method, u8::MAX as usize).len()
                    + metadata_len(&r.metadata)
                    + r.payload.len()
            }
            Frame::Response(r) => {
                status_len(&r.status) + metadata_len(&r.metadata) + r.payload.len()
            }
            Frame::Cancel(_) | Frame::Ping(_) | Frame::Pong(_) => 0,
            Frame::StreamMessage { payload, .. } => payload.len(),
            Frame::StreamEnd { status, .. } => status_len(status),
            Frame::Credit { .. } => 4,
        };
        HEAD_LEN + body
    }

    /// Takes one whole frame off the front of `buf`, if one is there.
    ///
    /// `Ok(None)` means "read more". A frame whose length exceeds `max_frame`
    /// is refused from its first four bytes. On success exactly the frame's
    /// bytes are consumed; payloads share `buf`'s memory (no copy).
    pub fn decode(buf: &mut BytesMut, max_frame: usize) -> Result<Option<Frame>, FrameError> {
        if buf.len() < 4 {
            return Ok(None);
        }
        let body_len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        let total = body_len.saturating_add(4);
        if total > max_frame {
            return Err(FrameError::Oversized {
                len: total,
                max: max_frame,
            });
        }
        if total < HEAD_LEN {
            return Err(FrameError::Malformed("frame shorter than its 13-byte head"));
        }
        if buf.len() < total {
            buf.reserve(total - buf.len());
            return Ok(None);
        }
        let mut frame = buf.split_to(total).freeze();
        frame.advance(4);
        parse_body(frame).map(Some)
    }
}

fn put_head(out: &mut BytesMut, kind: u8, id: u64) {
    out.put_u8(kind);
    out.put_u64(id);
}

/// `s` cut to at most `max` bytes, on a char boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Writes `s` cut to at most `max` bytes, after its length.
fn put_str(out: &mut BytesMut, s: &str, max: usize, put_len: impl Fn(&mut BytesMut, usize)) {
    let s = cut(s, max);
    put_len(out, s.len());
    out.put_slice(s.as_bytes());
}

/// Encoded size of a string with a u16 length.
fn u16_str_len(s: &str) -> usize {
    2 + cut(s, u16::MAX as usize).len()
}

fn status_len(status: &Status) -> usize {
    1 + u16_str_len(&status.message)
}

fn metadata_len(metadata: &Metadata) -> usize {
    let pairs = metadata.iter().take(u16::MAX as usize);
    2 + pairs
        .map(|(k, v)| u16_str_len(k) + u16_str_len(v))
        .sum::<usize>()
}

fn put_u16_str(out: &mut BytesMut, s: &str) {
    put_str(out, s, u16::MAX as usize, |o, n| o.put_u16(n as u16));
}

fn put_status(out: &mut BytesMut, status: &Status) {
    out.put_u8(status.code as u8);
    put_u16_str(out, &status.message);
}

fn put_metadata(out: &mut BytesMut, metadata: &Metadata) {
    let count = metadata.len().min(u16::MAX as usize);
    out.put_u16(count as u16);
    for (k, v) in metadata.iter().take(count) {
        put_u16_str(out, k);
        put_u16_str(out, v);
    }
}

/// Parses the part after the length: kind, id, body. `b` is exactly one frame.
fn parse_body(mut b: Bytes) -> Result<Frame, FrameError> {
    let kind = b.get_u8();
    let id = b.get_u64();
    let frame = match kind {
        kind::REQUEST => {
            let us = take_u64(&mut b)?;
            let method_len = take_u8(&mut b)? as usize;
            let method = take_string(&mut b, method_len)?;
            let metadata = take_metadata(&mut b)?;
            Frame::Request(Request {
                id,
                method,
                deadline: (us != 0).then(|| Duration::from_micros(us)),
                metadata,
                payload: b,
            })
        }
        kind::RESPONSE => {
            let status = take_status(&mut b)?;
            let metadata = take_metadata(&mut b)?;
            Frame::Response(Response {
                id,
                status,
                metadata,
                payload: b,
            })
        }
        kind::CANCEL => empty(b, Frame::Cancel(id))?,
        kind::PING => empty(b, Frame::Ping(id))?,
        kind::PONG => empty(b, Frame::Pong(id))?,
        kind::STREAM_MESSAGE => Frame::StreamMessage { id, payload: b },
        kind::STREAM_END => {
            let status = take_status(&mut b)?;
            empty(b, Frame::StreamEnd { id, status })?
        }
        kind::CREDIT => {
            let n = take_u32(&mut b)?;
            empty(b, Frame::Credit { id, n })?
        }
        other => return Err(FrameError::UnknownKind(other)),
    };
    Ok(frame)
}

fn empty(rest: Bytes, frame: Frame) -> Result<Frame, FrameError> {
    if rest.is_empty() {
        Ok(frame)
    } else {
        Err(FrameError::Malformed(
            "bytes after the end of the frame body",
        ))
    }
}

const SHORT: FrameError = FrameError::Malformed("body shorter than its fields");

fn take_u8(b: &mut Bytes) -> Result<u8, FrameError> {
    b.try_get_u8().map_err(|_| SHORT)
}

fn take_u16(b: &mut Bytes) -> Result<u16, FrameError> {
    b.try_get_u16().map_err(|_| SHORT)
}

fn take_u32(b: &mut Bytes) -> Result<u32, FrameError> {
    b.try_get_u32().map_err(|_| SHORT)
}

fn take_u64(b: &mut Bytes) -> Result<u64, FrameError> {
    b.try_get_u64().map_err(|_| SHORT)
}

fn take_string(b: &mut Bytes, len: usize) -> Result<String, FrameError> {
    if b.len() < len {
        return Err(SHORT);
    }
    let raw = b.split_to(len);
    String::from_utf8(raw.to_vec()).map_err(|_| FrameError::Malformed("string is not UTF-8"))
}

fn take_u16_string(b: &mut Bytes) -> Result<String, FrameError> {
    let len = take_u16(b)? as usize;
    take_string(b, len)
}

fn take_status(b: &mut Bytes) -> Result<Status, FrameError> {
    let code = Code::from_u8(take_u8(b)?);
    let message = take_u16_string(b)?;
    Ok(Status { code, message })
}

fn take_metadata(b: &mut Bytes) -> Result<Metadata, FrameError> {
    let count = take_u16(b)?;
    let mut metadata = Metadata::new();
    for _ in 0..count {
        let key = take_u16_string(b)?;
        let value = take_u16_string(b)?;
        metadata.push_raw(key, value);
    }
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Frame {
        Frame::Request(Request {
            id: 7,
            method: "Echo.echo".into(),
            deadline: Some(Duration::from_millis(250)),
            metadata: [("auth", "s3cret")].into_iter().collect(),
            payload: Bytes::from_static(b"hi"),
        })
    }

    #[test]
    fn request_bytes_are_exactly_as_documented() {
        let mut out = BytesMut::new();
        request().encode(&mut out);
        let mut want = Vec::new();
        want.extend_from_slice(&45u32.to_be_bytes()); // head 9, deadline 8, method 10, metadata 16, payload 2
        want.push(1); // kind: request
        want.extend_from_slice(&7u64.to_be_bytes()); // id
        want.extend_from_slice(&250_000u64.to_be_bytes()); // deadline in us
        want.push(9);
        want.extend_from_slice(b"Echo.echo");
        want.extend_from_slice(&1u16.to_be_bytes());
        want.extend_from_slice(&4u16.to_be_bytes());
        want.extend_from_slice(b"auth");
        want.extend_from_slice(&6u16.to_be_bytes());
        want.extend_from_slice(b"s3cret");
        want.extend_from_slice(b"hi");
        assert_eq!(&out[..], &want[..]);
    }

    #[test]
    fn decode_waits_for_the_whole_frame_then_consumes_only_it() {
        let mut bytes = BytesMut::new();
        request().encode(&mut bytes);
        Frame::Ping(9).encode(&mut bytes);
        let mut partial = BytesMut::from(&bytes[..10]);
        assert_eq!(Frame::decode(&mut partial, DEFAULT_MAX_FRAME), Ok(None));
        assert_eq!(
            Frame::decode(&mut bytes, DEFAULT_MAX_FRAME),
            Ok(Some(request()))
        );
        assert_eq!(
            Frame::decode(&mut bytes, DEFAULT_MAX_FRAME),
            Ok(Some(Frame::Ping(9)))
        );
        assert!(bytes.is_empty());
    }

    #[test]
    fn encoded_len_counts_strings_as_cut_by_encode() {
        let long = Frame::Request(Request {
            id: 1,
            method: "é".repeat(200), // 400 bytes, cut to 254 (a char boundary)
            deadline: None,
            metadata: Metadata::new(),
            payload: Bytes::new(),
        });
        let mut out = BytesMut::new();
        long.encode(&mut out);
        assert_eq!(long.encoded_len(), out.len());
        assert_eq!(out.len(), HEAD_LEN + 8 + 1 + 254 + 2);
    }

    #[test]
    fn oversized_is_refused_from_the_length_alone() {
        let mut buf = BytesMut::from(&[0x01, 0, 0, 0][..]); // 16 MiB body announced
        let err = Frame::decode(&mut buf, 1024).unwrap_err();
        assert!(matches!(err, FrameError::Oversized { max: 1024, .. }));
    }

    #[test]
    fn wrong_magic_and_unknown_kind_are_errors() {
        assert!(Preface::parse(b"GET / HT").is_err());
        let mut buf = BytesMut::new();
        buf.put_u32(9);
        buf.put_u8(99);
        buf.put_u64(1);
        assert_eq!(
            Frame::decode(&mut buf, DEFAULT_MAX_FRAME),
            Err(FrameError::UnknownKind(99))
        );
    }
}
