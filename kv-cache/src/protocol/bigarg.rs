//! The path of a big bulk argument (≥ [`BIG_ARG`], 32 KB), as Redis's
//! `processMultibulkBuffer` and `readQueryFromClient` give it: the bulk
//! gets an input buffer of its own, sized exactly, and that buffer becomes
//! the argument — and, for a `SET`, the stored value — without a copy.
//!
//! ```text
//!  *3 $3 SET $1 k $104857600 ....        header read, bytes missing
//!  └─ detached into the parser ─┘
//!  input = [ bulk bytes ......... \r\n ]  capacity exactly len + 2;
//!          reads stop at its end (read budget = bytes still missing)
//!  full → input taken whole → Bytes → Argv::shared(2) → Val::Big
//! ```
//!
//! Without this, a 100 MB bulk grew the read buffer by doubling (128 MB
//! for 100 MB, with copies on the way), and the stored value was a second
//! 100 MB copy, while the buffer kept its capacity for as long as the
//! connection lived.

use bytes::{Buf, BytesMut};

use super::RequestParser;
use super::request::BIG_ARG;

// ANCHOR: bigarg
/// Before parsing: a big bulk whose bytes now fill `input` exactly is
/// taken whole as the argument (Redis: "the buffer contains JUST our bulk
/// element"). `input` is left empty, with no allocation.
pub fn adopt(parser: &mut RequestParser, input: &mut BytesMut) {
    if let Some((0, len)) = parser.waiting_bulk()
        && len >= BIG_ARG
        && input.len() == len + 2
    {
        let mut bulk = std::mem::take(input);
        bulk.truncate(len);
        parser.adopt_bulk(bulk.freeze());
    }
}

/// After parsing (`input` starts at the unparsed request): when the parser
/// waits for a big bulk's bytes and the buffer holds nothing past that
/// bulk, the arguments before it move into the parser and the bulk starts
/// a buffer of exactly its size. Returns the most bytes the next read may
/// add — those the bulk still misses, so none of the next request lands in
/// its buffer — or `None` when reads need no limit.
pub fn prepare(parser: &mut RequestParser, input: &mut BytesMut) -> Option<usize> {
    let (start, len) = parser.waiting_bulk()?;
    let have = input.len() - start;
    // More than the bulk buffered (a pipeline): it is copied as usual.
    if len < BIG_ARG || have > len + 2 {
        return None;
    }
    if start > 0 {
        parser.detach_head(&input[..]);
        input.advance(start);
    }
    if input.capacity() != len + 2 {
        let mut own = BytesMut::with_capacity(len + 2);
        own.extend_from_slice(input);
        *input = own;
    }
    Some((len + 2 - have).max(1))
}
// ANCHOR_END: bigarg
