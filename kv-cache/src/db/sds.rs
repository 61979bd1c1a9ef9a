//! `Sds`: the byte string keys and small values are stored in. Named after
//! Redis's `sds` (`src/sds.h`), whose job it shares: a binary-safe string with
//! as little overhead as possible for the short strings a cache is full of.
//!
//! Redis avoids a second allocation for short values with `embstr` (object
//! header and bytes in one block). We get the same effect the Rust way: up
//! to [`INLINE_CAP`] bytes live inside the 24-byte value itself, so a
//! `key:123456` key costs no allocation at all; longer strings go to the heap.

use std::fmt;
use std::ops::Deref;

/// Bytes stored inline, without a heap allocation.
pub const INLINE_CAP: usize = 22;

/// An immutable binary string, inline when short. 24 bytes.
#[derive(Clone, PartialEq, Eq)]
pub enum Sds {
    /// Up to [`INLINE_CAP`] bytes, in place.
    Inline {
        /// How many bytes of `buf` are used.
        len: u8,
        /// The bytes; only `..len` is meaningful.
        buf: [u8; INLINE_CAP],
    },
    /// Longer strings: exactly sized on the heap.
    Heap(Box<[u8]>),
}

impl Sds {
    /// A copy of `b`.
    #[inline]
    pub fn new(b: &[u8]) -> Sds {
        if b.len() <= INLINE_CAP {
            let mut buf = [0u8; INLINE_CAP];
            buf[..b.len()].copy_from_slice(b);
            Sds::Inline {
                len: b.len() as u8,
                buf,
            }
        } else {
            Sds::Heap(b.into())
        }
    }

    /// Takes ownership of `v` (no copy when it is long).
    pub fn from_vec(v: Vec<u8>) -> Sds {
        if v.len() <= INLINE_CAP {
            Sds::new(&v)
        } else {
            Sds::Heap(v.into_boxed_slice())
        }
    }

    /// Heap bytes used beyond the 24 bytes of the value itself.
    pub fn heap_size(&self) -> usize {
        match self {
            Sds::Inline { .. } => 0,
            Sds::Heap(b) => b.len(),
        }
    }
}

impl Deref for Sds {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Sds::Inline { len, buf } => &buf[..*len as usize],
            Sds::Heap(b) => b,
        }
    }
}

impl fmt::Debug for Sds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_inline_long_heap() {
        assert_eq!(std::mem::size_of::<Sds>(), 24);
        assert!(matches!(Sds::new(b"key:123456"), Sds::Inline { .. }));
        assert!(matches!(Sds::new(&[7; 23]), Sds::Heap(_)));
        assert_eq!(&*Sds::new(b"abc"), b"abc");
        assert_eq!(&*Sds::from_vec(vec![1; 40]), &[1; 40][..]);
    }
}
