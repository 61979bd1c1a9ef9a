//! The output buffer of a connection: a list of fixed-size blocks, written
//! with `writev`, a bounded amount per call.
//!
//! Mirrors Redis's reply list (`networking.c`: `clientReplyBlock`s of
//! `PROTO_REPLY_CHUNK_BYTES` = 16 KiB, written by `_writevToClient`) and
//! libevent's `evbuffer` chain (`buffer.c`, drained by
//! `evbuffer_write_iovec`).
//!
//! ```text
// ANCHOR: blocks
//!   blocks (oldest first)                                        back
//!   ┌──────────────┐ ┌──────────────┐ ┌───────────────┐ ┌──────────────┐
//!   │░░░░▓▓▓▓▓▓▓▓▓▓│ │ Bytes (big   │ │▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓│ │▓▓▓▓▓▓        │
//!   │ copied, 16K  │ │ value, not   │ │ one large push│ │ copied, 16K  │
//!   └──────────────┘ │ copied)      │ │ (own block)   │ └──────────────┘
//!    ░ written        └──────────────┘ └───────────────┘   ▲ push_slice fills
//!    ▓ pending                                              the room left,
//!                                                           then a new block
//!   one write call: writev of up to 64 blocks, at most `limit` bytes
// ANCHOR_END: blocks
//! ```
//!
//! Why blocks: the old buffer was one contiguous `BytesMut`, and a client
//! that pipelines without reading grew it to hundreds of megabytes, copying
//! everything buffered each time it doubled, while every other client
//! waited. Appending to a block never moves bytes already buffered; a
//! written block is freed (or kept for reuse) on its own.
//!
//! Why a large push gets one block of its own instead of 16 KiB pieces (as
//! Redis's `_addReplyProtoToList` does too): the bytes are copied once
//! either way, and pieces would cost one allocation and one iovec each; the
//! per-call write limit, not the block size, is what bounds a write.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};
use std::ops::{Deref, DerefMut};

use bytes::{Buf, Bytes};

/// Size of a copy block (Redis `PROTO_REPLY_CHUNK_BYTES`).
pub const BLOCK_SIZE: usize = 16 * 1024;
/// At most this many blocks go into one `writev` (Linux `IOV_MAX` is 1024;
/// libevent uses `NUM_WRITE_IOVEC` = 128).
const MAX_IOVECS: usize = 64;
/// `Bytes` up to this size are copied rather than queued as a block.
const COPY_THRESHOLD: usize = 256;

/// One block of pending output.
#[derive(Debug)]
enum Block {
    /// Bytes copied in; `data[start..]` is pending. Capacity
    /// [`BLOCK_SIZE`], or more for one large push.
    Copied {
        /// The bytes, written and pending.
        data: Vec<u8>,
        /// How much of `data` is written already.
        start: usize,
    },
    /// A ready-made value queued without a copy, advanced as it is written.
    Shared(Bytes),
}

impl Block {
    /// The pending bytes.
    fn pending(&self) -> &[u8] {
        match self {
            Block::Copied { data, start } => &data[*start..],
            Block::Shared(bytes) => bytes,
        }
    }
}

/// Pending output of one connection.
#[derive(Debug, Default)]
pub struct OutputBuffer {
    /// Blocks, oldest first; only the back one is appended to.
    blocks: VecDeque<Block>,
    /// Total bytes pending.
    len: usize,
    /// One written-out standard block kept for reuse, so a connection that
    /// streams does not allocate a block per 16 KiB.
    spare: Option<Vec<u8>>,
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

    /// Queue a copy of `data`: into the room left in the back block, the
    /// rest into a new block (of its own size if larger than a block).
    pub fn push_slice(&mut self, data: &[u8]) {
        self.len += data.len();
        let mut rest = data;
        if let Some(Block::Copied { data: back, .. }) = self.blocks.back_mut() {
            let n = rest.len().min(back.capacity() - back.len());
            back.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
        }
        if !rest.is_empty() {
            let mut block = self.new_block(rest.len());
            block.extend_from_slice(rest);
            self.blocks.push_back(Block::Copied {
                data: block,
                start: 0,
            });
        }
    }

    /// Queue `data` without copying it (unless it is small).
    pub fn push_bytes(&mut self, data: Bytes) {
        if data.len() <= COPY_THRESHOLD {
            self.push_slice(&data);
            return;
        }
        self.len += data.len();
        self.blocks.push_back(Block::Shared(data));
    }

    /// The back block as a `Vec<u8>` to append to, for encoders that write
    /// into a `Vec` (a reply encoder can write straight into the output,
    /// with no buffer of its own in between). Append only: the bytes
    /// already in the `Vec` are earlier output. Pushes beyond the block's
    /// room grow that one block (copying it, never the blocks before); the
    /// next push after the guard is dropped starts from its room left.
    ///
    /// A back block that already holds a block's worth is left as it is
    /// and a new one lent instead: otherwise a connection that never reads
    /// (its output only grows) would keep growing one `Vec`, copying
    /// everything it holds at each doubling — the cost the blocks exist to
    /// avoid. So one guard's appends copy at most what that guard wrote.
    pub fn append(&mut self) -> Append<'_> {
        let (data, start) = match self.blocks.pop_back() {
            Some(Block::Copied { data, start }) if data.len() < BLOCK_SIZE => (data, start),
            other => {
                self.blocks.extend(other);
                (self.new_block(0), 0)
            }
        };
        Append {
            before: data.len(),
            data,
            start,
            buffer: self,
        }
    }

    /// Drop everything pending.
    pub fn clear(&mut self) {
        while let Some(block) = self.blocks.pop_front() {
            if let Block::Copied { data, .. } = block {
                self.keep_spare(data);
            }
        }
        self.len = 0;
    }

    /// Give back the memory kept while nothing is pending (the reusable
    /// block, and the emptied back block): for an owner trimming idle
    /// connections, as Redis's `clientsCronResizeOutputBuffer` does.
    pub fn shrink(&mut self) {
        self.spare = None;
        if self.len == 0 {
            self.blocks.clear();
        }
    }

    /// One vectored write of as much as is pending (up to 64 blocks).
    /// Returns whether the writer took everything offered: a short write on
    /// a non-blocking socket means its send buffer is full.
    pub fn write_to<W: Write + ?Sized>(&mut self, out: &mut W) -> io::Result<bool> {
        self.write_at_most(out, usize::MAX).map(|(_, all)| all)
    }

    /// One vectored write of at most `limit` bytes (Redis 7 caps one
    /// `writev` at `NET_MAX_WRITES_PER_EVENT` the same way). Returns the
    /// bytes written and whether the writer took all it was offered.
    pub(crate) fn write_at_most<W: Write + ?Sized>(
        &mut self,
        out: &mut W,
        limit: usize,
    ) -> io::Result<(usize, bool)> {
        if let [block] = self.blocks.as_slices().0
            && self.blocks.len() == 1
        {
            // One block (the usual reply): a plain `write`, no iovec array.
            let pending = block.pending();
            let offered = pending.len().min(limit);
            if offered == 0 {
                return Ok((0, true));
            }
            let written = out.write(&pending[..offered])?;
            return self.account(written, offered);
        }
        let mut iov = [IoSlice::new(&[]); MAX_IOVECS];
        let mut n = 0;
        let mut offered = 0;
        for block in self.blocks.iter().take(MAX_IOVECS) {
            if offered == limit {
                break;
            }
            let pending = block.pending();
            let take = pending.len().min(limit - offered);
            iov[n] = IoSlice::new(&pending[..take]);
            offered += take;
            n += 1;
        }
        if offered == 0 {
            return Ok((0, true));
        }
        let written = out.write_vectored(&iov[..n])?;
        self.account(written, offered)
    }

    /// Drop what a write took; a writer that took nothing of something is
    /// broken (`WriteZero`), not full (a full socket says `WouldBlock`).
    fn account(&mut self, written: usize, offered: usize) -> io::Result<(usize, bool)> {
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        self.consume(written);
        Ok((written, written == offered))
    }

    /// Drop `n` written bytes from the front.
    fn consume(&mut self, mut n: usize) {
        self.len -= n;
        while n > 0 {
            let Some(front) = self.blocks.front_mut() else {
                break;
            };
            let pending = front.pending().len();
            if n < pending {
                match front {
                    Block::Copied { start, .. } => *start += n,
                    Block::Shared(bytes) => bytes.advance(n),
                }
                return;
            }
            n -= pending;
            self.retire_front();
        }
    }

    /// The front block is written: free it, keep it as the spare, or (the
    /// last standard block) rewind it in place. The last case is the hot
    /// path of one small reply per request: no allocation, no queue change.
    fn retire_front(&mut self) {
        if self.blocks.len() == 1
            && let Some(Block::Copied { data, start }) = self.blocks.front_mut()
            && data.capacity() == BLOCK_SIZE
        {
            data.clear();
            *start = 0;
            return;
        }
        if let Some(Block::Copied { data, .. }) = self.blocks.pop_front() {
            self.keep_spare(data);
        }
    }

    /// Keep a written-out block for reuse if it is a standard one and no
    /// other is kept; free it otherwise.
    fn keep_spare(&mut self, mut data: Vec<u8>) {
        if data.capacity() == BLOCK_SIZE && self.spare.is_none() {
            data.clear();
            self.spare = Some(data);
        }
    }

    /// An empty block with room for `need` bytes: the spare if it fits.
    fn new_block(&mut self, need: usize) -> Vec<u8> {
        if need <= BLOCK_SIZE
            && let Some(spare) = self.spare.take()
        {
            return spare;
        }
        Vec::with_capacity(need.max(BLOCK_SIZE))
    }
}

impl Write for OutputBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.push_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The back block of an [`OutputBuffer`] lent out as a `Vec<u8>`, from
/// [`OutputBuffer::append`]; it goes back, with what was appended counted,
/// when the guard drops.
#[derive(Debug)]
pub struct Append<'a> {
    /// The buffer the block came from (and goes back to).
    buffer: &'a mut OutputBuffer,
    /// The block, taken off the back of the buffer while lent.
    data: Vec<u8>,
    /// How much of `data` was already written.
    start: usize,
    /// `data.len()` when lent out.
    before: usize,
}

impl Deref for Append<'_> {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.data
    }
}

impl DerefMut for Append<'_> {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }
}

impl Drop for Append<'_> {
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        // Truncating breaks the "append only" contract; the count still
        // follows what is really there, so nothing is written twice.
        let start = self.start.min(data.len());
        let buffer = &mut *self.buffer;
        buffer.len = buffer.len - (self.before - self.start) + (data.len() - start);
        if data.len() == start {
            // Nothing pending in it: no empty block in the queue.
            buffer.keep_spare(data);
        } else {
            buffer.blocks.push_back(Block::Copied { data, start });
        }
    }
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;
