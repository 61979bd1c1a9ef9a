//! The values a key can hold. Redis: `robj` with its `type` and `encoding`
//! (`src/object.c`). Strings are stored inline (their encodings are the
//! variants below); each collection type is boxed, so a `Val` stays two
//! words and a string key pays nothing for the collections.

use bytes::Bytes;

use super::hash::Hash;
use super::list::List;
use super::sds::Sds;
use super::set::Set;
use super::zset::ZSet;
use crate::protocol::parse_i64;
use crate::protocol::reply::fmt_i64;

/// A stored value. The variants are the *encodings* of Redis's string type.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A string that is a canonical 64-bit integer (Redis `OBJ_ENCODING_INT`):
    /// `INCR` works on it without parsing, and it costs no heap.
    Int(i64),
    /// A string set whole (Redis `embstr` up to 44 bytes, `raw` beyond).
    Str(Sds),
    /// A string grown in place by `APPEND`/`SETRANGE`, with spare capacity so
    /// repeated appends are amortized O(1) (Redis `raw` sds with free space).
    Buf(Box<Vec<u8>>),
    /// A string adopted whole from a big request argument (≥ 32 KB): the
    /// buffer the bulk was read into, shared with nobody once the request
    /// has run (Redis stores the query buffer's sds as the value the same way).
    Big(Box<Bytes>),
    /// A list (Redis 7.0: always a quicklist of listpack nodes).
    List(Box<List>),
    /// A hash (listpack while small, then a hashtable).
    Hash(Box<Hash>),
    /// A set (intset while small and all integers, then a hashtable).
    Set(Box<Set>),
    /// A sorted set (listpack while small, then skiplist + dict).
    ZSet(Box<ZSet>),
}

impl Val {
    /// The value for the bytes of a `SET`: an integer when the bytes are a
    /// canonical integer (as Redis's `tryObjectEncoding`), else a string.
    #[inline]
    pub fn from_bytes(b: &[u8]) -> Val {
        match parse_i64(b) {
            Some(n) if b.len() <= 20 => Val::Int(n),
            _ => Val::Str(Sds::new(b)),
        }
    }

    /// The type name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Int(_) | Val::Str(_) | Val::Buf(_) | Val::Big(_) => "string",
            Val::List(_) => "list",
            Val::Hash(_) => "hash",
            Val::Set(_) => "set",
            Val::ZSet(_) => "zset",
        }
    }

    /// Whether this is a string (any of its encodings).
    #[inline]
    pub fn is_string(&self) -> bool {
        matches!(self, Val::Int(_) | Val::Str(_) | Val::Buf(_) | Val::Big(_))
    }

    /// The encoding name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Val::Int(_) => "int",
            Val::Str(s) if s.len() <= 44 => "embstr",
            Val::Str(_) | Val::Buf(_) | Val::Big(_) => "raw",
            Val::List(l) => l.encoding(),
            Val::Hash(h) => h.encoding(),
            Val::Set(s) => s.encoding(),
            Val::ZSet(z) => z.encoding(),
        }
    }

    /// Calls `f` with the string bytes (an integer is formatted on the stack).
    /// Callers check [`Val::is_string`] first; a collection reads as empty.
    #[inline]
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Val::Int(n) => {
                let mut tmp = [0u8; 20];
                f(fmt_i64(*n, &mut tmp))
            }
            Val::Str(s) => f(s),
            Val::Buf(b) => f(b),
            Val::Big(b) => f(b),
            Val::List(_) | Val::Hash(_) | Val::Set(_) | Val::ZSet(_) => f(b""),
        }
    }

    /// String length in bytes (`STRLEN`).
    pub fn str_len(&self) -> usize {
        self.with_bytes(<[u8]>::len)
    }

    /// Turns the value into a growable buffer and returns it (for
    /// `APPEND`/`SETRANGE`).
    pub fn make_buf(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Val::Buf(_)) {
            let v = self.with_bytes(<[u8]>::to_vec);
            *self = Val::Buf(Box::new(v));
        }
        match self {
            Val::Buf(b) => b,
            // Just made it a Buf above.
            _ => unreachable!("make_buf converts every encoding to Buf"),
        }
    }
}
