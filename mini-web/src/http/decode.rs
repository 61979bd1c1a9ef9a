//! The body decoder: turns the bytes that follow a head into pieces of the
//! body, for either framing (RFC 9112 §6.3): a `Content-Length` count or
//! the chunked coding. Mirrors hyper's `proto::h1::decode::Decoder`.
//!
//! It works on whatever is buffered and never reads: the connection reads
//! when the decoder says [`Decoded::NeedMore`], so the same code serves a
//! body that arrived with its head and one trickling in over minutes.

use bytes::{Bytes, BytesMut};

use super::chunked::ChunkedDecoder;
use super::error::ParseError;
use super::framing::BodyKind;
use super::limits::Limits;

/// What the decoder took out of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// The next bytes of the body (never empty).
    Data(Bytes),
    /// The body is complete; bytes after it stay in the buffer.
    End,
    /// More bytes must be read first.
    NeedMore,
}

#[derive(Debug)]
enum Framing {
    /// This many bytes are still to come.
    Length(u64),
    /// The chunked coding.
    Chunked(ChunkedDecoder),
    /// `End` was returned.
    Done,
}

/// A body being decoded. Mirrors hyper's `Decoder`.
#[derive(Debug)]
pub struct BodyDecoder {
    framing: Framing,
}

impl BodyDecoder {
    /// A decoder for a body framed as `kind`. A `Length` beyond
    /// `Limits::max_body_bytes` must be refused before this (413 before any
    /// read), so the decoder does not check it; chunked sizes it does check.
    pub fn new(kind: BodyKind) -> BodyDecoder {
        let framing = match kind {
            BodyKind::Empty | BodyKind::Length(0) => Framing::Length(0),
            BodyKind::Length(n) => Framing::Length(n),
            BodyKind::Chunked => Framing::Chunked(ChunkedDecoder::new()),
        };
        BodyDecoder { framing }
    }

    /// Whether `End` was returned.
    pub fn is_done(&self) -> bool {
        matches!(self.framing, Framing::Done)
    }

    /// Takes the next piece of the body out of `buf`.
    pub fn next(&mut self, buf: &mut BytesMut, limits: &Limits) -> Result<Decoded, ParseError> {
        match &mut self.framing {
            Framing::Done => Ok(Decoded::End),
            Framing::Length(0) => {
                self.framing = Framing::Done;
                Ok(Decoded::End)
            }
            Framing::Length(_) if buf.is_empty() => Ok(Decoded::NeedMore),
            Framing::Length(left) => {
                let n = usize::try_from(*left).unwrap_or(usize::MAX).min(buf.len());
                *left -= n as u64;
                // Split, not copied: the piece shares the read buffer's allocation.
                Ok(Decoded::Data(buf.split_to(n).freeze()))
            }
            Framing::Chunked(dec) => {
                if dec.is_done() {
                    self.framing = Framing::Done;
                    return Ok(Decoded::End);
                }
                let mut out = BytesMut::new();
                let done = dec.decode(buf, &mut out, limits)?;
                if !out.is_empty() {
                    // `End` comes on the next call (the decoder remembers it is done).
                    Ok(Decoded::Data(out.freeze()))
                } else if done {
                    self.framing = Framing::Done;
                    Ok(Decoded::End)
                } else {
                    Ok(Decoded::NeedMore)
                }
            }
        }
    }

    /// Decodes everything buffered: the data so far (empty if none) and
    /// whether the body ended.
    pub fn drain_buffered(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<(Bytes, bool), ParseError> {
        let mut first: Option<Bytes> = None;
        let mut more = BytesMut::new();
        loop {
            match self.next(buf, limits)? {
                Decoded::Data(d) if first.is_none() => first = Some(d),
                Decoded::Data(d) => {
                    if more.is_empty() {
                        more.extend_from_slice(first.as_deref().unwrap_or_default());
                    }
                    more.extend_from_slice(&d);
                }
                end => {
                    let data = if more.is_empty() {
                        first.unwrap_or_default()
                    } else {
                        more.freeze()
                    };
                    return Ok((data, end == Decoded::End));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(kind: BodyKind, reads: &[&[u8]]) -> Result<(Vec<u8>, bool, usize), ParseError> {
        let mut dec = BodyDecoder::new(kind);
        let mut buf = BytesMut::new();
        let mut body = Vec::new();
        for read in reads {
            buf.extend_from_slice(read);
            loop {
                match dec.next(&mut buf, &Limits::default())? {
                    Decoded::Data(d) => body.extend_from_slice(&d),
                    Decoded::End => return Ok((body, true, buf.len())),
                    Decoded::NeedMore => break,
                }
            }
        }
        Ok((body, false, buf.len()))
    }

    #[test]
    fn length_bodies_stop_at_their_length() {
        assert_eq!(
            pieces(BodyKind::Length(5), &[b"he", b"lloGET"]),
            Ok((b"hello".to_vec(), true, 3))
        );
        assert_eq!(
            pieces(BodyKind::Length(5), &[b"he"]),
            Ok((b"he".to_vec(), false, 0))
        );
        assert_eq!(pieces(BodyKind::Empty, &[b"x"]), Ok((Vec::new(), true, 1)));
    }

    #[test]
    fn chunked_bodies_end_after_their_trailers() {
        assert_eq!(
            pieces(BodyKind::Chunked, &[b"3\r\nab", b"c\r\n0\r\n", b"\r\nNEXT"]),
            Ok((b"abc".to_vec(), true, 4))
        );
        let mut dec = BodyDecoder::new(BodyKind::Chunked);
        let mut buf = BytesMut::from(&b"1\r\na\r\n2\r\nbc\r\n"[..]);
        let (data, done) = dec.drain_buffered(&mut buf, &Limits::default()).unwrap();
        assert_eq!((&data[..], done), (&b"abc"[..], false));
        assert!(buf.is_empty() && !dec.is_done());
    }
}
