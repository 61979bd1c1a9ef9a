//! The output buffer of a connection: a queue of byte chunks written with
//! one `writev`.
//!
//! Mirrors libevent's `evbuffer` chain (`buffer.c`: a list of
//! `evbuffer_chain`s drained with `writev` via `evbuffer_write_iovec`) and
//! Redis's client reply buffer plus reply list (`buf` + `reply`). Small
//! writes are copied into one growing `tail`; large ready-made `Bytes` are
//! queued without a copy. Order is `chunks` then `tail`.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

use bytes::{Buf, Bytes, BytesMut};

/// At most this many chunks go into one `writev` (Linux `IOV_MAX` is 1024;
/// libevent uses `NUM_WRITE_IOVEC` = 128).
const MAX_IOVECS: usize = 64;
/// `Bytes` up to this size are copied into the tail rather than queued.
const COPY_THRESHOLD: usize = 256;

/// Pending output of one connection.
#[derive(Debug, Default)]
pub struct OutputBuffer {
    /// Queued whole chunks, oldest first.
    chunks: VecDeque<Bytes>,
    /// Bytes copied in by small writes, after every chunk.
    tail: BytesMut,
    /// Total bytes pending.
    len: usize,
}

impl OutputBuffer {
    /// Bytes waiting to be written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queue a copy of `data`.
    pub fn push_slice(&mut self, data: &[u8]) {
        self.tail.extend_from_slice(data);
        self.len += data.len();
    }

    /// Queue `data` without copying it (unless it is small).
    pub fn push_bytes(&mut self, data: Bytes) {
        if data.len() <= COPY_THRESHOLD {
            self.push_slice(&data);
            return;
        }
        if !self.tail.is_empty() {
            let staged = self.tail.split().freeze();
            self.chunks.push_back(staged);
        }
        self.len += data.len();
        self.chunks.push_back(data);
    }

    /// Drop everything pending.
    pub fn clear(&mut self) {
        self.chunks.clear();
        self.tail.clear();
        self.len = 0;
    }

    /// One vectored write of as much as is pending (up to 64 chunks).
    /// Returns whether the writer took everything offered: a short write on
    /// a non-blocking socket means its send buffer is full.
    pub fn write_to<W: Write + ?Sized>(&mut self, out: &mut W) -> io::Result<bool> {
        let mut offered = self.tail.len();
        let written = if self.chunks.is_empty() {
            out.write(&self.tail)?
        } else {
            offered = 0;
            let mut iov = [IoSlice::new(&[]); MAX_IOVECS];
            let mut n = 0;
            for chunk in self.chunks.iter().take(MAX_IOVECS) {
                iov[n] = IoSlice::new(chunk);
                offered += chunk.len();
                n += 1;
            }
            if n < MAX_IOVECS && !self.tail.is_empty() {
                iov[n] = IoSlice::new(&self.tail);
                offered += self.tail.len();
                n += 1;
            }
            out.write_vectored(&iov[..n])?
        };
        if written == 0 && offered > 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        self.consume(written);
        Ok(written == offered)
    }

    /// Drop `n` written bytes from the front.
    fn consume(&mut self, mut n: usize) {
        self.len -= n;
        while n > 0 {
            let Some(front) = self.chunks.front_mut() else {
                self.tail.advance(n);
                break;
            };
            if n < front.len() {
                front.advance(n);
                break;
            }
            n -= front.len();
            self.chunks.pop_front();
        }
        if self.tail.is_empty() {
            // Keep the allocation; rewind to its start.
            self.tail.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that accepts at most `limit` bytes per call.
    struct Trickle {
        out: Vec<u8>,
        limit: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.limit);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            let mut total = 0;
            for b in bufs {
                let n = self.write(&b[..b.len().min(self.limit - total)])?;
                total += n;
                if total == self.limit {
                    break;
                }
            }
            Ok(total)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn mixed_writes_come_out_in_order_through_partial_writes() {
        let mut buf = OutputBuffer::default();
        let big: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        buf.push_slice(b"head-");
        buf.push_bytes(Bytes::from(big.clone()));
        buf.push_slice(b"-tail");
        let mut expected = b"head-".to_vec();
        expected.extend_from_slice(&big);
        expected.extend_from_slice(b"-tail");
        assert_eq!(buf.len(), expected.len());
        let mut out = Trickle {
            out: Vec::new(),
            limit: 37,
        };
        while !buf.is_empty() {
            buf.write_to(&mut out).unwrap();
        }
        assert_eq!(out.out, expected);
    }
}
