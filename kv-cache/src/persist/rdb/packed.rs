//! Redis's packed containers, byte for byte: the listpack (written and
//! read), the ziplist (read only: Redis 7.0 still loads files from 6.x),
//! and the intset (written and read). Our own in-memory [`crate::db::listpack`]
//! differs (it keeps every entry as bytes), so these are encoded on save
//! and decoded on load. Redis: `src/listpack.c`, `src/ziplist.c`, `src/intset.c`.
//!
//! ```text
//!   listpack  <total bytes u32 LE> <count u16 LE> entry... 0xFF
//!     entry   <encoding + data> <backlen: size of encoding + data, 1..5 bytes>
//!             0xxxxxxx 7-bit uint | 110xxxxx +1 13-bit int | 11110001..4 16/24/32/64-bit int
//!             10xxxxxx 6-bit-length string | 1110xxxx +1 12-bit | 11110000 +4 32-bit
//!   ziplist   <total u32 LE> <tail offset u32 LE> <count u16 LE> entry... 0xFF
//!     entry   <prevlen: 1 byte, or 0xFE + u32 LE> <encoding> <data>
//!   intset    <width u32 LE: 2, 4, 8> <count u32 LE> <members, ascending, LE>
//! ```
//!
//! Decoding is strict (every length checked against the blob), since a
//! blob comes from a file or a `RESTORE` payload: a bad one is an error,
//! never a panic.

use crate::protocol::parse_i64;

/// An entry of a packed container: the text of its bytes, or an integer.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// Stored as bytes.
    Bytes(Vec<u8>),
    /// Stored as an integer.
    Int(i64),
}

impl Entry {
    /// The entry as the bytes a client sees (integers as digits).
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Entry::Bytes(b) => b,
            Entry::Int(n) => n.to_string().into_bytes(),
        }
    }
}

/// Builds a listpack in Redis's encoding.
#[derive(Debug)]
pub struct ListpackWriter {
    buf: Vec<u8>,
    count: usize,
}

impl Default for ListpackWriter {
    fn default() -> Self {
        ListpackWriter {
            buf: vec![0; 6],
            count: 0,
        }
    }
}

impl ListpackWriter {
    /// Appends a string, integer-encoded when it is a canonical integer (`lpAppend`).
    pub fn push(&mut self, s: &[u8]) {
        match parse_i64(s) {
            Some(n) => self.push_int(n),
            None => {
                let start = self.buf.len();
                let n = s.len();
                if n < 64 {
                    self.buf.push(0x80 | n as u8);
                } else if n < 4096 {
                    self.buf
                        .extend_from_slice(&[0xE0 | (n >> 8) as u8, n as u8]);
                } else {
                    self.buf.push(0xF0);
                    self.buf.extend_from_slice(&(n as u32).to_le_bytes());
                }
                self.buf.extend_from_slice(s);
                self.end_entry(start);
            }
        }
    }

    /// Appends an integer in its smallest encoding (`lpAppendInteger`).
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = (v & 0x1fff) as u16;
            self.buf
                .extend_from_slice(&[0xC0 | (u >> 8) as u8, u as u8]);
        } else if (-32768..=32767).contains(&v) {
            self.buf.push(0xF1);
            self.buf.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-8388608..=8388607).contains(&v) {
            self.buf.push(0xF2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if let Ok(w) = i32::try_from(v) {
            self.buf.push(0xF3);
            self.buf.extend_from_slice(&w.to_le_bytes());
        } else {
            self.buf.push(0xF4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        self.end_entry(start);
    }

    /// Writes the back-length of the entry that began at `start`.
    fn end_entry(&mut self, start: usize) {
        let l = (self.buf.len() - start) as u64;
        self.buf.extend_from_slice(&backlen(l));
        self.count += 1;
    }

    /// The size the finished listpack will have.
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    /// Entries so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The finished listpack.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xFF);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let count = self.count.min(65535) as u16;
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

/// Why a blob was refused (the caller adds the file offset).
pub type BlobError = &'static str;

fn get(b: &[u8], at: usize, n: usize) -> Result<&[u8], BlobError> {
    b.get(at..at.checked_add(n).ok_or("length overflow")?)
        .ok_or("entry runs past the end of the blob")
}

fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0, |acc, &x| acc << 8 | x as u64)
}

/// Sign-extends the low `bits` of `v`.
fn sext(v: u64, bits: u32) -> i64 {
    ((v << (64 - bits)) as i64) >> (64 - bits)
}

/// The entries of a Redis listpack.
pub fn read_listpack(b: &[u8]) -> Result<Vec<Entry>, BlobError> {
    let total = le(get(b, 0, 4)?) as usize;
    if total != b.len() {
        return Err("listpack size header does not match its length");
    }
    let declared = le(get(b, 4, 2)?) as usize;
    let mut out = Vec::new();
    let mut at = 6;
    loop {
        let e = *get(b, at, 1)?.first().ok_or("empty")?;
        if e == 0xFF {
            if at + 1 != b.len() {
                return Err("bytes after the listpack terminator");
            }
            break;
        }
        let (entry, size) = match e {
            0x00..=0x7F => (Entry::Int(e as i64), 1),
            0x80..=0xBF => {
                let n = (e & 0x3f) as usize;
                (Entry::Bytes(get(b, at + 1, n)?.to_vec()), 1 + n)
            }
            0xC0..=0xDF => {
                let v = ((e & 0x1f) as u64) << 8 | get(b, at + 1, 1)?[0] as u64;
                (Entry::Int(sext(v, 13)), 2)
            }
            0xE0..=0xEF => {
                let n = ((e & 0x0f) as usize) << 8 | get(b, at + 1, 1)?[0] as usize;
                (Entry::Bytes(get(b, at + 2, n)?.to_vec()), 2 + n)
            }
            0xF0 => {
                let n = le(get(b, at + 1, 4)?) as usize;
                (Entry::Bytes(get(b, at + 5, n)?.to_vec()), 5 + n)
            }
            0xF1..=0xF4 => {
                let w = [2usize, 3, 4, 8][(e - 0xF1) as usize];
                let v = le(get(b, at + 1, w)?);
                (Entry::Int(sext(v, 8 * w as u32)), 1 + w)
            }
            _ => return Err("unknown listpack entry encoding"),
        };
        // The back-length must say the same size, or the blob is corrupt:
        // compare it with the one this size is written as.
        let want = backlen(size as u64);
        if get(b, at + size, want.len())? != want.as_slice() {
            return Err("listpack entry back-length is corrupt");
        }
        at += size + want.len();
        out.push(entry);
    }
    if declared != 65535 && declared != out.len() {
        return Err("listpack entry count does not match its header");
    }
    Ok(out)
}

/// The back-length of an entry of `l` bytes: 7 bits a byte, most
/// significant group first, every byte but the first with its high bit
/// set, so that it reads back from the entry's end (`lpEncodeBacklen`).
fn backlen(l: u64) -> Vec<u8> {
    let groups = match l {
        0..=127 => 1,
        128..16383 => 2,
        16383..2097151 => 3,
        2097151..268435455 => 4,
        _ => 5,
    };
    (0..groups)
        .rev()
        .map(|g| {
            let b = ((l >> (7 * g)) & 127) as u8;
            if g == groups - 1 { b } else { b | 128 }
        })
        .collect()
}

/// The entries of a Redis ziplist (files from Redis ≤ 6.2).
pub fn read_ziplist(b: &[u8]) -> Result<Vec<Entry>, BlobError> {
    let total = le(get(b, 0, 4)?) as usize;
    if total != b.len() {
        return Err("ziplist size header does not match its length");
    }
    let declared = le(get(b, 8, 2)?) as usize;
    let mut out = Vec::new();
    let mut at = 10;
    loop {
        let first = get(b, at, 1)?[0];
        if first == 0xFF {
            if at + 1 != b.len() {
                return Err("bytes after the ziplist terminator");
            }
            break;
        }
        at += if first == 0xFE { 5 } else { 1 };
        let e = get(b, at, 1)?[0];
        let (entry, size) = match e >> 6 {
            0 => {
                let n = (e & 0x3f) as usize;
                (Entry::Bytes(get(b, at + 1, n)?.to_vec()), 1 + n)
            }
            1 => {
                let n = ((e & 0x3f) as usize) << 8 | get(b, at + 1, 1)?[0] as usize;
                (Entry::Bytes(get(b, at + 2, n)?.to_vec()), 2 + n)
            }
            2 => {
                let n = u32::from_be_bytes(get(b, at + 1, 4)?.try_into().map_err(|_| "short")?);
                let n = n as usize;
                (Entry::Bytes(get(b, at + 5, n)?.to_vec()), 5 + n)
            }
            _ => match e {
                0xC0 => (Entry::Int(sext(le(get(b, at + 1, 2)?), 16)), 3),
                0xD0 => (Entry::Int(sext(le(get(b, at + 1, 4)?), 32)), 5),
                0xE0 => (Entry::Int(le(get(b, at + 1, 8)?) as i64), 9),
                0xF0 => (Entry::Int(sext(le(get(b, at + 1, 3)?), 24)), 4),
                0xFE => (Entry::Int(get(b, at + 1, 1)?[0] as i8 as i64), 2),
                0xF1..=0xFD => (Entry::Int((e & 0x0f) as i64 - 1), 1),
                _ => return Err("unknown ziplist entry encoding"),
            },
        };
        at += size;
        out.push(entry);
    }
    if declared != 65535 && declared != out.len() {
        return Err("ziplist entry count does not match its header");
    }
    Ok(out)
}

/// An intset of `members` (ascending, distinct) at `width` bytes each.
pub fn write_intset(width: usize, members: impl ExactSizeIterator<Item = i64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + width * members.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(members.len() as u32).to_le_bytes());
    for m in members {
        out.extend_from_slice(&m.to_le_bytes()[..width]);
    }
    out
}

/// The members of an intset blob, checked ascending and distinct.
pub fn read_intset(b: &[u8]) -> Result<Vec<i64>, BlobError> {
    let width = le(get(b, 0, 4)?) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err("intset has an invalid encoding");
    }
    let n = le(get(b, 4, 4)?) as usize;
    if n.checked_mul(width).and_then(|s| s.checked_add(8)) != Some(b.len()) {
        return Err("intset size does not match its length");
    }
    let mut out: Vec<i64> = Vec::with_capacity(n);
    for c in b[8..].chunks_exact(width) {
        let v = sext(le(c), 8 * width as u32);
        if out.last().is_some_and(|&p| p >= v) {
            return Err("intset members are not in ascending order");
        }
        out.push(v);
    }
    if out.is_empty() {
        return Err("empty intset");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn listpack_bytes_are_redis_bytes() {
        // `DEBUG LISTPACK`-checked layout: "a", 5, -1, "hello" ...
        let mut w = ListpackWriter::default();
        for s in [&b"a"[..], b"5", b"-1", b"1000", b"100000"] {
            w.push(s);
        }
        let lp = w.finish();
        assert_eq!(
            lp,
            [
                &[23, 0, 0, 0, 5, 0][..],
                &[0x81, b'a', 2],
                &[5, 1],
                &[0xDF, 0xFF, 2],
                &[0xC3, 0xE8, 2],
                &[0xF2, 0xA0, 0x86, 0x01, 4],
                &[0xFF],
            ]
            .concat()
        );
    }

    fn entry_text() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string().into_bytes()),
            (-5000i64..5000).prop_map(|n| n.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..100),
            proptest::collection::vec(any::<u8>(), 4000..4200),
        ]
    }

    proptest! {
        #[test]
        fn listpack_round_trip(items in proptest::collection::vec(entry_text(), 0..20)) {
            let mut w = ListpackWriter::default();
            for i in &items {
                w.push(i);
            }
            let back: Vec<Vec<u8>> = read_listpack(&w.finish()).unwrap().into_iter().map(Entry::into_bytes).collect();
            prop_assert_eq!(back, items);
        }

        #[test]
        fn intset_round_trip(mut v in proptest::collection::btree_set(any::<i32>(), 1..50)) {
            let members: Vec<i64> = std::mem::take(&mut v).into_iter().map(i64::from).collect();
            let blob = write_intset(4, members.iter().copied());
            prop_assert_eq!(read_intset(&blob).unwrap(), members);
        }

        #[test]
        fn arbitrary_blobs_never_panic(b in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = read_listpack(&b);
            let _ = read_ziplist(&b);
            let _ = read_intset(&b);
        }
    }
}
