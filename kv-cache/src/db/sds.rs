//! `Sds`: the byte string keys and small values are stored in. Named after
//! Redis's `sds` (`src/sds.h`), whose job it shares: a binary-safe string with
//! as little overhead as possible for the short strings a cache is full of.
//!
//! Redis avoids a second allocation for short values with `embstr` (object
//! header and bytes in one block). We get the same effect the Rust way: up
//! to [`INLINE_CAP`] bytes live inside the 24-byte value itself, so a
//! `key:123456` key costs no allocation at all; longer strings go to the heap.
//!
//! Three bytes of the 24 are a *header* the owner may use, as Redis keeps
//! the 24-bit access clock (`lru`) in each object's header: the keyspace
//! stores each key's last access time there (see [`Sds::meta`]), so
//! `OBJECT IDLETIME` costs no byte per key beyond what the key already
//! takes. The price is three bytes of inline capacity (19 instead of 22):
//! keys and values of 20 to 22 bytes now take a heap block; an extra field
//! in the dict entry instead would have moved every key's entry from a
//! 64-byte to an 80-byte malloc chunk.

use std::fmt;
use std::ops::Deref;

/// Bytes stored inline, without a heap allocation.
pub const INLINE_CAP: usize = 19;

/// The largest value [`Sds::meta`] holds (24 bits).
pub const META_MAX: u32 = (1 << 24) - 1;

/// An immutable binary string, inline when short, with a 3-byte header
/// ([`Sds::meta`]). 24 bytes.
#[derive(Clone)]
pub enum Sds {
    /// Up to [`INLINE_CAP`] bytes, in place.
    Inline {
        /// How many bytes of `buf` are used.
        len: u8,
        /// The header, little-endian.
        meta: [u8; 3],
        /// The bytes; only `..len` is meaningful.
        buf: [u8; INLINE_CAP],
    },
    /// Longer strings: exactly sized on the heap.
    Heap {
        /// The header, little-endian.
        meta: [u8; 3],
        /// The bytes.
        bytes: Box<[u8]>,
    },
}

/// Strings are equal by their bytes; the header is not part of the string.
impl PartialEq for Sds {
    fn eq(&self, other: &Sds) -> bool {
        **self == **other
    }
}

impl Eq for Sds {}

impl Sds {
    /// A copy of `b`.
    #[inline]
    pub fn new(b: &[u8]) -> Sds {
        if b.len() <= INLINE_CAP {
            let mut buf = [0u8; INLINE_CAP];
            buf[..b.len()].copy_from_slice(b);
            Sds::Inline {
                len: b.len() as u8,
                meta: [0; 3],
                buf,
            }
        } else {
            Sds::Heap {
                meta: [0; 3],
                bytes: b.into(),
            }
        }
    }

    /// Takes ownership of `v` (no copy when it is long).
    pub fn from_vec(v: Vec<u8>) -> Sds {
        if v.len() <= INLINE_CAP {
            Sds::new(&v)
        } else {
            Sds::Heap {
                meta: [0; 3],
                bytes: v.into_boxed_slice(),
            }
        }
    }

    /// Heap bytes used beyond the 24 bytes of the value itself.
    pub fn heap_size(&self) -> usize {
        match self {
            Sds::Inline { .. } => 0,
            Sds::Heap { bytes, .. } => bytes.len(),
        }
    }

    /// The 24-bit header (0 for a new string).
    #[inline]
    pub fn meta(&self) -> u32 {
        let (Sds::Inline { meta, .. } | Sds::Heap { meta, .. }) = self;
        u32::from_le_bytes([meta[0], meta[1], meta[2], 0])
    }

    /// Sets the header to the low 24 bits of `v`.
    #[inline]
    pub fn set_meta(&mut self, v: u32) {
        let (Sds::Inline { meta, .. } | Sds::Heap { meta, .. }) = self;
        let b = v.to_le_bytes();
        *meta = [b[0], b[1], b[2]];
    }
}

impl Deref for Sds {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Sds::Inline { len, buf, .. } => &buf[..*len as usize],
            Sds::Heap { bytes, .. } => bytes,
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
        assert!(matches!(Sds::new(&[7; 19]), Sds::Inline { .. }));
        assert!(matches!(Sds::new(&[7; 20]), Sds::Heap { .. }));
        assert_eq!(&*Sds::new(b"abc"), b"abc");
        assert_eq!(&*Sds::from_vec(vec![1; 40]), &[1; 40][..]);
    }

    #[test]
    fn the_header_is_apart_from_the_bytes() {
        for len in [0, 5, 19, 20, 40] {
            let mut s = Sds::new(&vec![9; len]);
            assert_eq!(s.meta(), 0);
            s.set_meta(0x01AB_CDEF);
            assert_eq!(s.meta(), 0xAB_CDEF);
            assert_eq!(&*s, &vec![9; len][..]);
            assert_eq!(s, Sds::new(&vec![9; len]));
        }
        assert_eq!(std::mem::size_of::<crate::db::Val>(), 24);
    }
}
