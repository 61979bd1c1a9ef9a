//! The chunked transfer coding (RFC 9112 §7.1), decoded incrementally.
//!
//! ```text
//! chunked-body = *chunk last-chunk trailer-section CRLF
//! chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! last-chunk   = 1*"0" [ chunk-ext ] CRLF
//! ```
//!
//! Mirrors hyper's `proto::h1::decode::ChunkedState`: a small state machine
//! fed whatever bytes have arrived, so any split of the input decodes the
//! same. Sizes are accumulated with checked arithmetic (a 17-digit size must
//! not wrap around to a small one); extensions are skipped but counted against
//! a budget; trailer fields are checked like header fields and discarded.

use bytes::{Buf, BytesMut};

use super::error::ParseError;
use super::limits::Limits;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading hex digits of a chunk size.
    Size,
    /// After the size: optional whitespace and `;ext` up to CR.
    Extension,
    /// Saw CR after the size line; LF must follow.
    SizeLf,
    /// Inside chunk data, this many bytes left.
    Data(u64),
    /// After data: CR must follow.
    DataCr,
    /// After data CR: LF must follow.
    DataLf,
    /// At the start of a trailer line (or the final CRLF).
    TrailerStart,
    /// Inside a trailer field line.
    Trailer,
    /// Saw CR inside or at the end of the trailers; LF must follow.
    TrailerLf {
        /// Whether the line that this CR ends was empty (the end of the body).
        last: bool,
    },
    /// The body is complete.
    Done,
}

/// An incremental chunked-body decoder. Mirrors hyper's `ChunkedState`.
#[derive(Debug)]
pub struct ChunkedDecoder {
    /// Where in the grammar we are.
    state: State,
    /// The chunk size being read.
    size: u64,
    /// Whether the current size has at least one digit.
    digits: bool,
    /// Extension bytes seen so far over the whole body.
    ext_bytes: usize,
    /// Trailer bytes seen so far.
    trailer_bytes: usize,
    /// Decoded bytes so far (checked against the body limit).
    decoded: usize,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        ChunkedDecoder::new()
    }
}

impl ChunkedDecoder {
    /// A decoder at the start of a chunked body.
    pub fn new() -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::Size,
            size: 0,
            digits: false,
            ext_bytes: 0,
            trailer_bytes: 0,
            decoded: 0,
        }
    }

    /// Whether the last chunk and the trailers have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Consumes as much of `input` as possible, appending chunk data to `out`.
    /// Returns `Ok(true)` once the body is complete (bytes after it stay in
    /// `input`: they are the next pipelined request).
    pub fn decode(
        &mut self,
        input: &mut BytesMut,
        out: &mut BytesMut,
        limits: &Limits,
    ) -> Result<bool, ParseError> {
        while !input.is_empty() && self.state != State::Done {
            if let State::Data(left) = self.state {
                let n = (left as usize).min(input.len());
                out.extend_from_slice(&input[..n]);
                input.advance(n);
                let left = left - n as u64;
                self.state = if left == 0 {
                    State::DataCr
                } else {
                    State::Data(left)
                };
                continue;
            }
            let b = input[0];
            input.advance(1);
            self.step(b, limits)?;
        }
        Ok(self.state == State::Done)
    }

    fn step(&mut self, b: u8, limits: &Limits) -> Result<(), ParseError> {
        use State::*;
        self.state = match self.state {
            Size => match b {
                b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                    let digit = (b as char).to_digit(16).unwrap_or(0) as u64;
                    self.size = self
                        .size
                        .checked_mul(16)
                        .and_then(|s| s.checked_add(digit))
                        .ok_or(ParseError::InvalidChunk)?;
                    self.digits = true;
                    Size
                }
                _ if !self.digits => return Err(ParseError::InvalidChunk),
                b'\r' => SizeLf,
                b';' | b' ' | b'\t' => {
                    self.count_ext(limits)?;
                    Extension
                }
                _ => return Err(ParseError::InvalidChunk),
            },
            Extension => match b {
                b'\r' => SizeLf,
                b'\t' => {
                    self.count_ext(limits)?;
                    Extension
                }
                0..=0x1f | 0x7f => return Err(ParseError::InvalidChunk),
                _ => {
                    self.count_ext(limits)?;
                    Extension
                }
            },
            SizeLf => {
                if b != b'\n' {
                    return Err(ParseError::InvalidChunk);
                }
                let size = std::mem::take(&mut self.size);
                self.digits = false;
                if size == 0 {
                    TrailerStart
                } else {
                    let total = usize::try_from(size)
                        .ok()
                        .and_then(|s| s.checked_add(self.decoded))
                        .filter(|&t| t <= limits.max_body_bytes)
                        .ok_or(ParseError::BodyTooLarge)?;
                    self.decoded = total;
                    Data(size)
                }
            }
            // Data is copied in bulk by `decode` and never reaches here.
            Data(left) => Data(left),
            DataCr if b == b'\r' => DataLf,
            DataLf if b == b'\n' => Size,
            DataCr | DataLf => return Err(ParseError::InvalidChunk),
            TrailerStart => match b {
                b'\r' => TrailerLf { last: true },
                b' ' | b'\t' => return Err(ParseError::ObsFold),
                _ => self.trailer_byte(b, limits)?,
            },
            Trailer => match b {
                b'\r' => TrailerLf { last: false },
                _ => self.trailer_byte(b, limits)?,
            },
            TrailerLf { last } => {
                if b != b'\n' {
                    return Err(ParseError::BareCrLf);
                }
                if last { Done } else { TrailerStart }
            }
            Done => Done,
        };
        Ok(())
    }

    fn count_ext(&mut self, limits: &Limits) -> Result<(), ParseError> {
        self.ext_bytes += 1;
        if self.ext_bytes > limits.max_chunk_ext_bytes {
            return Err(ParseError::ChunkExtensionsTooLong);
        }
        Ok(())
    }

    fn trailer_byte(&mut self, b: u8, limits: &Limits) -> Result<State, ParseError> {
        self.trailer_bytes += 1;
        if self.trailer_bytes > limits.max_head_bytes {
            return Err(ParseError::HeadTooLarge);
        }
        match b {
            b'\n' => Err(ParseError::BareCrLf),
            b'\t' => Ok(State::Trailer),
            0..=0x1f | 0x7f => Err(ParseError::InvalidHeaderValue),
            _ => Ok(State::Trailer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8]) -> Result<(Vec<u8>, usize), ParseError> {
        let mut d = ChunkedDecoder::new();
        let mut buf = BytesMut::from(input);
        let mut out = BytesMut::new();
        let done = d.decode(&mut buf, &mut out, &Limits::default())?;
        assert!(done, "incomplete");
        Ok((out.to_vec(), buf.len()))
    }

    #[test]
    fn chunks_extensions_trailers() {
        let (body, rest) =
            decode_all(b"5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT").unwrap();
        assert_eq!(body, b"hello world");
        assert_eq!(rest, 4);
    }

    #[test]
    fn rejects_overflow_and_bad_crlf() {
        assert_eq!(
            decode_all(b"fffffffffffffffff\r\n"),
            Err(ParseError::InvalidChunk)
        );
        assert_eq!(
            decode_all(b"5\r\nhelloXX0\r\n\r\n"),
            Err(ParseError::InvalidChunk)
        );
        assert_eq!(decode_all(b"\r\n"), Err(ParseError::InvalidChunk));
        assert_eq!(decode_all(b"5\nhello"), Err(ParseError::InvalidChunk));
        assert_eq!(decode_all(b"1000000\r\n"), Err(ParseError::BodyTooLarge));
    }

    #[test]
    fn byte_by_byte_equals_whole() {
        let input = b"3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
        let mut d = ChunkedDecoder::new();
        let mut out = BytesMut::new();
        let mut done = false;
        for &b in input.iter() {
            let mut one = BytesMut::from(&[b][..]);
            done = d.decode(&mut one, &mut out, &Limits::default()).unwrap();
        }
        assert!(done);
        assert_eq!(&out[..], b"abc0123456789abcdef");
    }
}
