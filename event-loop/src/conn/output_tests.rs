//! `OutputBuffer` against a `Vec<u8>` model: whatever mix of pushes and
//! partial writes, the bytes come out once each, in order.

use std::io::{self, IoSlice, Write};

use bytes::Bytes;
use proptest::prelude::*;

use super::{BLOCK_SIZE, OutputBuffer};

/// A writer that takes a scripted number of bytes per call (0 = the
/// socket is full: `WouldBlock`), like a non-blocking socket.
struct Socket {
    /// Everything written.
    out: Vec<u8>,
    /// Bytes accepted by the next calls, in turn (cycled).
    script: Vec<usize>,
    /// Calls made.
    calls: usize,
}

impl Socket {
    fn new(script: Vec<usize>) -> Self {
        Self {
            out: Vec::new(),
            script,
            calls: 0,
        }
    }

    fn accept(&mut self) -> usize {
        let n = self.script[self.calls % self.script.len()];
        self.calls += 1;
        n
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut room = self.accept();
        if room == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let mut total = 0;
        for b in bufs {
            let n = b.len().min(room);
            self.out.extend_from_slice(&b[..n]);
            total += n;
            room -= n;
            if room == 0 {
                break;
            }
        }
        Ok(total)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One step against the buffer.
#[derive(Debug, Clone)]
enum Op {
    /// `push_slice` of this many bytes.
    Slice(usize),
    /// `push_bytes` of this many bytes.
    Shared(usize),
    /// `append`, then this many bytes pushed onto the lent `Vec`.
    Append(usize),
    /// One `write_at_most` with this limit.
    Write(usize),
    /// `clear` (the model forgets what is pending too).
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    // Sizes around the block size, so pushes straddle block boundaries.
    let size = prop_oneof![0..64usize, 0..3 * BLOCK_SIZE];
    prop_oneof![
        4 => size.clone().prop_map(Op::Slice),
        2 => size.clone().prop_map(Op::Shared),
        2 => size.prop_map(Op::Append),
        4 => (1..200_000usize).prop_map(Op::Write),
        1 => Just(Op::Clear),
    ]
}

proptest! {
    #[test]
    fn bytes_come_out_once_each_in_order(
        ops in prop::collection::vec(op(), 1..60),
        script in prop::collection::vec(0..40_000usize, 1..8),
    ) {
        let mut buf = OutputBuffer::default();
        let mut socket = Socket::new(script);
        let mut model: Vec<u8> = Vec::new();
        let mut next = 0u8;
        let mut fresh = |n: usize| -> Vec<u8> {
            (0..n).map(|_| { next = next.wrapping_add(1); next }).collect()
        };
        for op in ops {
            match op {
                Op::Slice(n) => {
                    let data = fresh(n);
                    buf.push_slice(&data);
                    model.extend_from_slice(&data);
                }
                Op::Shared(n) => {
                    let data = fresh(n);
                    buf.push_bytes(Bytes::from(data.clone()));
                    model.extend_from_slice(&data);
                }
                Op::Append(n) => {
                    let data = fresh(n);
                    buf.append().extend_from_slice(&data);
                    model.extend_from_slice(&data);
                }
                Op::Clear => {
                    buf.clear();
                    model.truncate(socket.out.len());
                }
                Op::Write(limit) => {
                    let before = socket.out.len();
                    match buf.write_at_most(&mut socket, limit) {
                        Ok((n, _)) => {
                            prop_assert!(n <= limit);
                            prop_assert_eq!(n, socket.out.len() - before);
                        }
                        Err(e) => prop_assert_eq!(e.kind(), io::ErrorKind::WouldBlock),
                    }
                }
            }
            prop_assert_eq!(buf.len(), model.len() - socket.out.len());
        }
        socket.script = vec![BLOCK_SIZE];
        while !buf.is_empty() {
            buf.write_to(&mut socket).unwrap();
        }
        prop_assert_eq!(socket.out, model);
    }
}

#[test]
fn appending_never_moves_buffered_bytes() {
    let mut buf = OutputBuffer::default();
    buf.push_slice(&[1; BLOCK_SIZE - 10]);
    let first = buf.blocks[0].pending().as_ptr();
    buf.push_slice(&[2; 100]);
    buf.push_slice(&[3; 5 * BLOCK_SIZE]);
    buf.push_slice(&[4; 10]);
    assert_eq!(buf.blocks[0].pending().as_ptr(), first, "first block moved");
    // The first filled up, the rest of the 100 started a block, the big
    // push filled that one's room and got one exact-size block for the
    // rest, and the last 10 found no room there: a fourth block.
    assert_eq!(buf.blocks.len(), 4);
    assert_eq!(buf.len(), BLOCK_SIZE - 10 + 100 + 5 * BLOCK_SIZE + 10);
}

#[test]
fn an_output_that_only_grows_is_not_copied_again_and_again() {
    // A client that never reads: every batch appends through a guard. Once
    // the back block holds a block's worth, the next guard starts another,
    // so earlier replies stay where they are.
    let mut buf = OutputBuffer::default();
    let reply = b"$1\r\nv\r\n";
    let mut firsts = Vec::new();
    for _ in 0..20 {
        let mut out = buf.append();
        for _ in 0..3000 {
            out.extend_from_slice(reply);
        }
        drop(out);
        firsts.push(buf.blocks[0].pending().as_ptr());
    }
    assert!(
        firsts.windows(2).all(|w| w[0] == w[1]),
        "the first block moved"
    );
    assert!(buf.blocks.len() >= 19, "{} blocks", buf.blocks.len());
    assert_eq!(buf.len(), 20 * 3000 * reply.len());
}

#[test]
fn a_drained_block_is_rewound_not_freed() {
    let mut buf = OutputBuffer::default();
    let mut socket = Socket::new(vec![usize::MAX]);
    buf.push_slice(b"+PONG\r\n");
    let block = buf.blocks[0].pending().as_ptr();
    assert!(buf.write_to(&mut socket).unwrap());
    buf.push_slice(b"+PONG\r\n");
    assert_eq!(buf.blocks[0].pending().as_ptr(), block);
    assert_eq!(socket.out, b"+PONG\r\n");
}

#[test]
fn one_write_offers_at_most_the_limit() {
    let mut buf = OutputBuffer::default();
    buf.push_slice(&vec![7; 10 * BLOCK_SIZE]);
    let mut socket = Socket::new(vec![usize::MAX]);
    let (n, all) = buf.write_at_most(&mut socket, 64 * 1024).unwrap();
    assert_eq!((n, all), (64 * 1024, true));
    assert_eq!(buf.len(), 10 * BLOCK_SIZE - 64 * 1024);
}
