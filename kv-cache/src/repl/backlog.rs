//! The replication backlog: the tail of the replication stream, kept so
//! that a replica whose link broke can ask for only what it missed.
//!
//! Every byte the master sends to its replicas has an offset: the
//! master's `master_repl_offset` counts them from the start of its history.
//! The backlog holds the stream's last `repl-backlog-size` bytes (a little
//! more: it drops whole blocks), so a replica that reconnects with
//! `PSYNC <replid> <offset>` is answered `+CONTINUE` and the bytes from
//! that offset on, when they are still here.
//!
//! ```text
//!  offsets:  first_byte_offset()                       offset()
//!                 │                                        │
//!                 ▼                                        ▼
//!   blocks:  [ block 0 ][ block 1 ][  block 2  ][ block 3 ]  + unsealed
//!             ▲ dropped whole once the rest still holds `size` bytes
//! ```
//!
//! Why blocks of [`Bytes`] that replicas share: in Redis 7.0 the backlog
//! and every replica's output buffer point at the same reference-counted
//! blocks (the shared replication buffer), where 6.x copied each write
//! into the backlog *and* into every replica's buffer. A [`Bytes`] is such
//! a block: a replica's output queues a clone (a reference count, no
//! copy), and a block lives until both the backlog and the slowest replica
//! are done with it.
//!
//! Writes within one event-loop turn accumulate in one growing buffer;
//! [`Backlog::seal`] at the end of the turn turns them into one block and
//! returns it for the replicas. So a block is one turn's writes, and the
//! replicas get one write per turn, as Redis's `beforeSleep` flush gives
//! them.
//!
//! Offsets follow Redis's conventions: [`Backlog::offset`] is the number of
//! bytes in the stream so far (`master_repl_offset`); a replica that has
//! applied `n` bytes asks for `n + 1`, the first byte it lacks, and
//! [`Backlog::first_byte_offset`] is the offset of the first byte held
//! (`repl_backlog->offset`), counted from 1.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

/// Redis's default `repl-backlog-size`: 1 MB.
pub const DEFAULT_SIZE: usize = 1024 * 1024;
/// Redis's smallest `repl-backlog-size` (`CONFIG SET` bound).
pub const MIN_SIZE: usize = 16 * 1024;

/// The tail of the replication stream.
#[derive(Debug)]
pub struct Backlog {
    /// Sealed blocks, oldest first.
    blocks: VecDeque<Bytes>,
    /// Bytes in `blocks`.
    held: u64,
    /// Appended since the last seal.
    unsealed: BytesMut,
    /// Bytes in the stream so far, sealed or not (`master_repl_offset`).
    offset: u64,
    /// How much history to keep (`repl-backlog-size`).
    size: usize,
}

impl Backlog {
    /// An empty backlog that starts at stream offset `offset` (Redis
    /// creates it when the first replica attaches, at the current
    /// `master_repl_offset`).
    pub fn new(size: usize, offset: u64) -> Backlog {
        Backlog {
            blocks: VecDeque::new(),
            held: 0,
            unsealed: BytesMut::new(),
            offset,
            size: size.max(MIN_SIZE),
        }
    }

    /// Appends stream bytes (commands already in RESP form).
    pub fn append(&mut self, bytes: &[u8]) {
        self.unsealed.extend_from_slice(bytes);
        self.offset += bytes.len() as u64;
    }

    /// Ends a turn: what was appended since the last seal becomes one
    /// block, returned for the replicas to queue; `None` when nothing was.
    /// Old blocks are dropped while the rest still holds `size` bytes.
    pub fn seal(&mut self) -> Option<Bytes> {
        if self.unsealed.is_empty() {
            return None;
        }
        let block = self.unsealed.split().freeze();
        self.held += block.len() as u64;
        self.blocks.push_back(block.clone());
        self.trim();
        Some(block)
    }

    /// Drops the oldest blocks while the others still hold `size` bytes.
    fn trim(&mut self) {
        while let Some(front) = self.blocks.front() {
            let rest = self.held - front.len() as u64;
            if rest < self.size as u64 {
                break;
            }
            self.held = rest;
            self.blocks.pop_front();
        }
    }

    /// Changes how much history is kept (`CONFIG SET repl-backlog-size`);
    /// shrinking drops old blocks at once.
    pub fn resize(&mut self, size: usize) {
        self.size = size.max(MIN_SIZE);
        self.trim();
    }

    /// The configured size.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes in the stream so far (`master_repl_offset`).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes of history held, sealed or not (`repl_backlog_histlen`).
    pub fn histlen(&self) -> u64 {
        self.held + self.unsealed.len() as u64
    }

    /// Offset of the first byte held, counted from 1
    /// (`repl_backlog_first_byte_offset`): `offset() + 1` when empty.
    pub fn first_byte_offset(&self) -> u64 {
        self.offset - self.histlen() + 1
    }

    /// Whether a replica asking for `psync_offset` (the first byte it
    /// lacks) can be continued from here: from the first byte held up to
    /// one past the last (nothing missing). Redis's test in
    /// `masterTryPartialResynchronization`.
    pub fn covers(&self, psync_offset: u64) -> bool {
        psync_offset >= self.first_byte_offset() && psync_offset <= self.offset + 1
    }

    /// The stream from `psync_offset` to its end, as shared slices of the
    /// blocks (sealing what the turn appended so far first), or `None`
    /// when the backlog does not hold that offset. An empty list means the
    /// replica lacks nothing.
    pub fn since(&mut self, psync_offset: u64) -> Option<Vec<Bytes>> {
        // Sealing may drop old blocks, so it comes before the test.
        self.seal();
        if !self.covers(psync_offset) {
            return None;
        }
        let mut skip = psync_offset - self.first_byte_offset();
        let mut out = Vec::new();
        for block in &self.blocks {
            let len = block.len() as u64;
            if skip >= len {
                skip -= len;
                continue;
            }
            out.push(block.slice(skip as usize..));
            skip = 0;
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn joined(parts: &[Bytes]) -> Vec<u8> {
        parts.iter().flat_map(|b| b.iter().copied()).collect()
    }

    #[test]
    fn offsets_follow_redis_conventions() {
        let mut b = Backlog::new(MIN_SIZE, 100);
        assert_eq!(
            (b.offset(), b.histlen(), b.first_byte_offset()),
            (100, 0, 101)
        );
        assert!(b.covers(101) && !b.covers(100) && !b.covers(102));
        b.append(b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(
            (b.offset(), b.histlen(), b.first_byte_offset()),
            (114, 14, 101)
        );
        assert_eq!(joined(&b.since(101).unwrap()), b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(joined(&b.since(109).unwrap()), b"PING\r\n");
        assert!(b.since(115).unwrap().is_empty());
        assert!(b.since(116).is_none() && b.since(100).is_none());
    }

    #[test]
    fn a_sealed_block_is_what_the_replicas_get_and_what_the_backlog_keeps() {
        let mut b = Backlog::new(MIN_SIZE, 0);
        b.append(b"ab");
        b.append(b"cd");
        let block = b.seal().unwrap();
        assert_eq!(&block[..], b"abcd");
        assert!(b.seal().is_none());
        // The same allocation, shared: no copy per replica.
        assert_eq!(b.since(1).unwrap()[0].as_ptr(), block.as_ptr());
    }

    #[test]
    fn old_blocks_go_once_the_rest_holds_the_size() {
        let mut b = Backlog::new(MIN_SIZE, 0);
        let chunk = vec![7u8; 10 * 1024];
        for _ in 0..5 {
            b.append(&chunk);
            b.seal();
        }
        // 50 KiB written; two 10 KiB blocks are enough for 16 KiB.
        assert_eq!(b.histlen(), 20 * 1024);
        assert_eq!(b.first_byte_offset(), 30 * 1024 + 1);
        b.resize(64 * 1024);
        assert_eq!(b.histlen(), 20 * 1024, "growing keeps what is held");
    }

    proptest! {
        // Each case writes up to ~500 KB and reads it back three times a
        // step: 64 cases keep this test to a few seconds in a debug build.
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Against a model that keeps the whole stream: whatever the
        /// appends, seals and resizes, the backlog holds at least `size`
        /// bytes of history (or all it was given since it last dropped
        /// some), never more than one block beyond, and every offset it
        /// covers reads back the model's bytes.
        #[test]
        fn matches_a_model_of_the_whole_stream(
            start in 0u64..1_000_000,
            ops in prop::collection::vec((0usize..6000, any::<bool>(), 0u8..20), 1..80),
        ) {
            let mut b = Backlog::new(MIN_SIZE, start);
            let mut model: Vec<u8> = Vec::new();
            let mut largest_block = 0u64;
            let mut pending = 0u64;
            let mut must = 0u64;
            for (i, (len, read, resize)) in ops.into_iter().enumerate() {
                let bytes: Vec<u8> = (0..len).map(|j| (i * 31 + j) as u8).collect();
                b.append(&bytes);
                model.extend_from_slice(&bytes);
                pending += len as u64;
                if resize == 0 {
                    b.resize(MIN_SIZE + (i % 4) * 8192);
                    must = must.min(b.size() as u64);
                }
                let total = model.len() as u64;
                prop_assert_eq!(b.offset(), start + total);
                // History dropped is gone: growing the size later does not
                // bring it back, so what must be held grows from there.
                must = (must + len as u64).min(b.size() as u64);
                prop_assert!(b.histlen() >= must);
                prop_assert!(b.histlen() <= total);
                prop_assert!(b.histlen() <= b.size() as u64 + largest_block + pending);
                if !read {
                    continue;
                }
                // The turn ends: its bytes become one block.
                b.seal();
                largest_block = largest_block.max(pending);
                pending = 0;
                let (first, half) = (b.first_byte_offset(), b.histlen() / 2);
                for probe in [first, first + half, b.offset() + 1] {
                    let got = joined(&b.since(probe).unwrap());
                    let from = (probe - start - 1) as usize;
                    prop_assert_eq!(&got[..], &model[from..]);
                }
                prop_assert!(b.since(first - 1).is_none());
                prop_assert!(b.since(b.offset() + 2).is_none());
            }
        }
    }
}
