//! A listpack: a sequence of byte strings packed into one contiguous buffer.
//! Redis: `src/listpack.c`, the compact encoding of small hashes and sorted
//! sets, and of each node of a quicklist.
//!
//! A small collection stored as separate heap objects pays a pointer, an
//! allocation header and padding per element — often more than the element.
//! Packed end to end, ten short fields cost little more than their bytes.
//! The price is O(n) lookups and O(n) inserts (everything after the insert
//! point moves), which is why collections leave this encoding past a size
//! threshold.
//!
//! Each entry is its length, its bytes, and a *back-length* so the buffer
//! can be walked in both directions:
//!
//! ```text
//!   ┌────────┬──────────────┬─────────┐┌────────┬──────┬─────────┐
//!   │ len    │ data         │ backlen ││ len    │ data │ backlen │ ...
//!   │ LEB128 │ `len` bytes  │ of the  ││        │      │         │
//!   └────────┴──────────────┴─────────┘└────────┴──────┴─────────┘
//!   ◄──────── backlen counts these ───►
//! ```
//!
//! `len` is LEB128 (7 bits a byte, low group first, high bit = "more").
//! `backlen` holds the size of `len` + `data` written so that reading
//! *backwards* from the entry's end works: its last byte carries the lowest
//! 7 bits and has the high bit set when more groups precede it. Redis's
//! layout is the same idea; it additionally stores small integers in 1–9
//! bytes, where we keep every entry as bytes (an integer costs its digits).
//!
//! Positions are byte offsets of entries (`usize`), valid until the next
//! change, as Redis's `unsigned char *p` cursors are.

use std::fmt;

/// Entries packed in one buffer. See the module docs for the layout.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Listpack {
    buf: Vec<u8>,
    count: u32,
}

impl fmt::Debug for Listpack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

/// Size of `n` as LEB128.
#[inline]
fn varint_len(mut n: usize) -> usize {
    let mut size = 1;
    while n >= 0x80 {
        n >>= 7;
        size += 1;
    }
    size
}

/// Reads a LEB128 at `at`: (value, bytes used).
#[inline]
fn get_varint(buf: &[u8], at: usize) -> (usize, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    let mut i = at;
    loop {
        let b = buf[i];
        n |= ((b & 0x7f) as usize) << shift;
        i += 1;
        if b & 0x80 == 0 {
            return (n, i - at);
        }
        shift += 7;
    }
}

/// Size of an entry holding `n` bytes: length, data, back-length.
#[inline]
fn entry_size(n: usize) -> usize {
    let head = varint_len(n) + n;
    head + varint_len(head)
}

/// Writes the entry for `v` into `dst`, which is exactly
/// [`entry_size`]`(v.len())` bytes long: the length as LEB128, the bytes,
/// then the back-length high groups first, its first byte with the high
/// bit clear and every later one with it set.
#[inline]
fn encode_into(dst: &mut [u8], v: &[u8]) {
    let mut i = 0;
    let mut n = v.len();
    while n >= 0x80 {
        dst[i] = (n as u8 & 0x7f) | 0x80;
        n >>= 7;
        i += 1;
    }
    dst[i] = n as u8;
    i += 1;
    dst[i..i + v.len()].copy_from_slice(v);
    i += v.len();
    let head = i;
    let size = varint_len(head);
    for k in (0..size).rev() {
        let group = ((head >> (7 * k)) & 0x7f) as u8;
        dst[i] = if k == size - 1 { group } else { group | 0x80 };
        i += 1;
    }
}

/// The allocation size a buffer of `n` bytes grows to: jemalloc's size
/// classes (16-byte steps to 128, then four classes per power of two), the
/// sizes Redis's listpacks really occupy. Growing to the class instead of
/// to the exact size lets most inserts reuse the slack, where an exact
/// `realloc` per insert would copy a node of up to 8 KB each time.
#[inline]
fn size_class(n: usize) -> usize {
    if n <= 128 {
        return (n + 15) & !15;
    }
    let log = usize::BITS - 1 - (n - 1).leading_zeros();
    let step = 1usize << (log - 2);
    (n + step - 1) & !(step - 1)
}

impl Listpack {
    /// An empty listpack (no allocation).
    pub const fn new() -> Listpack {
        Listpack {
            buf: Vec::new(),
            count: 0,
        }
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether there are no entries.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Encoded size in bytes (Redis `lpBytes`).
    #[inline]
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Heap bytes held, for memory accounting.
    pub fn allocated(&self) -> usize {
        self.buf.capacity()
    }

    /// Offset of the first entry.
    #[inline]
    pub fn first(&self) -> Option<usize> {
        (!self.buf.is_empty()).then_some(0)
    }

    /// Offset of the last entry.
    #[inline]
    pub fn last(&self) -> Option<usize> {
        self.prev(self.buf.len())
    }

    /// `(data start, data end, entry end)` of the entry at `at`.
    #[inline]
    fn span(&self, at: usize) -> (usize, usize, usize) {
        let (len, used) = get_varint(&self.buf, at);
        let start = at + used;
        let end = start + len;
        (start, end, end + varint_len(used + len))
    }

    /// The entry after the one at `at`.
    #[inline]
    pub fn next(&self, at: usize) -> Option<usize> {
        let (_, _, end) = self.span(at);
        (end < self.buf.len()).then_some(end)
    }

    /// The entry before the one at `at` (`at` may be [`Listpack::bytes`],
    /// the end, to get the last entry).
    #[inline]
    pub fn prev(&self, at: usize) -> Option<usize> {
        if at == 0 {
            return None;
        }
        let mut i = at - 1;
        let mut n = (self.buf[i] & 0x7f) as usize;
        let mut more = self.buf[i] & 0x80 != 0;
        let mut shift = 7;
        let mut size = 1;
        while more {
            i -= 1;
            n |= ((self.buf[i] & 0x7f) as usize) << shift;
            more = self.buf[i] & 0x80 != 0;
            shift += 7;
            size += 1;
        }
        Some(at - size - n)
    }

    /// The bytes of the entry at `at`.
    #[inline]
    pub fn get(&self, at: usize) -> &[u8] {
        let (start, end, _) = self.span(at);
        &self.buf[start..end]
    }

    /// The offset of entry `index` (negative: from the tail, -1 is the
    /// last), walking from the nearer end. Redis `lpSeek`.
    pub fn seek(&self, index: isize) -> Option<usize> {
        let n = self.len() as isize;
        let i = if index < 0 { n + index } else { index };
        if i < 0 || i >= n {
            return None;
        }
        if i <= n / 2 {
            let mut at = self.first()?;
            for _ in 0..i {
                at = self.next(at)?;
            }
            Some(at)
        } else {
            let mut at = self.last()?;
            for _ in 0..(n - 1 - i) {
                at = self.prev(at)?;
            }
            Some(at)
        }
    }

    /// Entries front to back (and back to front with `.rev()`).
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            lp: self,
            front: 0,
            back: self.buf.len(),
        }
    }

    /// Appends an entry.
    pub fn push_back(&mut self, v: &[u8]) {
        let end = self.buf.len();
        self.insert(end, v);
    }

    /// Prepends an entry.
    pub fn push_front(&mut self, v: &[u8]) {
        self.insert(0, v);
    }

    /// Inserts an entry before the one at `at` (`at == bytes()` appends).
    pub fn insert(&mut self, at: usize, v: &[u8]) {
        let size = entry_size(v.len());
        self.grow(size);
        let old = self.buf.len();
        // Encode in place: no temporary buffer per entry.
        self.buf.resize(old + size, 0);
        self.buf.copy_within(at..old, at + size);
        encode_into(&mut self.buf[at..at + size], v);
        self.count += 1;
    }

    /// Removes the entry at `at`; the entry that followed now sits at `at`.
    pub fn remove(&mut self, at: usize) {
        let (_, _, end) = self.span(at);
        self.buf.drain(at..end);
        self.count -= 1;
        self.shrink();
    }

    /// Removes `n` entries starting with the one at `at` (fewer if the
    /// listpack ends first).
    pub fn remove_range(&mut self, at: usize, n: usize) {
        let mut end = at;
        let mut removed = 0;
        while removed < n && end < self.buf.len() {
            end = self.span(end).2;
            removed += 1;
        }
        self.buf.drain(at..end);
        self.count -= removed as u32;
        self.shrink();
    }

    /// Replaces the entry at `at` with `v`.
    pub fn replace(&mut self, at: usize, v: &[u8]) {
        let (_, _, end) = self.span(at);
        let (old, new) = (end - at, entry_size(v.len()));
        if new > old {
            self.grow(new - old);
            let len = self.buf.len();
            self.buf.resize(len + new - old, 0);
            self.buf.copy_within(end..len, at + new);
        } else if new < old {
            self.buf.copy_within(end.., at + new);
            self.buf.truncate(self.buf.len() - (old - new));
        }
        encode_into(&mut self.buf[at..at + new], v);
        self.shrink();
    }

    /// The first entry equal to `v` among entries `0, step, 2*step, ...`
    /// (a hash's fields are every second entry: `step` 2). Redis `lpFind`.
    pub fn find(&self, v: &[u8], step: usize) -> Option<usize> {
        let mut at = self.first()?;
        loop {
            if self.get(at) == v {
                return Some(at);
            }
            for _ in 0..step {
                at = self.next(at)?;
            }
        }
    }

    /// Gives back memory when much of the buffer is unused.
    #[inline]
    fn shrink(&mut self) {
        if self.buf.capacity() > self.buf.len() + self.buf.len() / 4 + 16 {
            self.buf.shrink_to_fit();
        }
    }
}

/// Operations a quicklist needs on its nodes: sizing an entry before
/// inserting it, splitting a node and merging two, and iterating from a
/// position (Redis `lpMerge`, `lpDeleteRange` and `lpSeek` serve the same).
impl Listpack {
    /// The encoded size of an entry holding `n` bytes.
    #[inline]
    pub fn encoded_len(n: usize) -> usize {
        entry_size(n)
    }

    /// Makes room for `extra` more bytes, growing to the next size class.
    #[inline]
    fn grow(&mut self, extra: usize) {
        let len = self.buf.len();
        if self.buf.capacity() - len < extra {
            self.buf.reserve_exact(size_class(len + extra) - len);
        }
    }

    /// Appends all of `other`'s entries. Entries carry only their own
    /// lengths, so this is a byte copy.
    pub fn append(&mut self, other: &Listpack) {
        self.grow(other.buf.len());
        self.buf.extend_from_slice(&other.buf);
        self.count += other.count;
    }

    /// Moves the entries from the one at `at` to the end into a new
    /// listpack, which is returned.
    pub fn split_off(&mut self, at: usize) -> Listpack {
        let mut tail = Listpack {
            buf: self.buf.split_off(at),
            count: 0,
        };
        let mut pos = 0;
        while pos < tail.buf.len() {
            pos = tail.span(pos).2;
            tail.count += 1;
        }
        self.count -= tail.count;
        self.shrink();
        tail
    }

    /// Entries from the one at `at` to the end.
    #[inline]
    pub fn iter_from(&self, at: usize) -> Iter<'_> {
        Iter {
            lp: self,
            front: at,
            back: self.buf.len(),
        }
    }

    /// Entries from the first up to, not including, the one at `end`
    /// (`end == bytes()`: all); with `.rev()` they come from `end` backwards.
    #[inline]
    pub fn iter_until(&self, end: usize) -> Iter<'_> {
        Iter {
            lp: self,
            front: 0,
            back: end,
        }
    }
}

/// Iterator over a listpack's entries; see [`Listpack::iter`].
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    lp: &'a Listpack,
    /// Offset of the next entry from the front.
    front: usize,
    /// End offset of the next entry from the back.
    back: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.front >= self.back {
            return None;
        }
        let (start, end, next) = self.lp.span(self.front);
        self.front = next;
        Some(&self.lp.buf[start..end])
    }
}

impl DoubleEndedIterator for Iter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        let at = self.lp.prev(self.back)?;
        self.back = at;
        Some(self.lp.get(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn layout_of_two_short_entries() {
        let mut lp = Listpack::new();
        lp.push_back(b"ab");
        lp.push_back(b"");
        // len 2, "ab", backlen 3 | len 0, backlen 1
        assert_eq!(lp.buf, [2, b'a', b'b', 3, 0, 1]);
        assert_eq!(lp.len(), 2);
        assert_eq!(lp.last(), Some(4));
        assert_eq!(lp.prev(4), Some(0));
    }

    #[test]
    fn long_entries_use_multi_byte_lengths_both_ways() {
        let mut lp = Listpack::new();
        let big = vec![7u8; 20_000];
        lp.push_back(b"x");
        lp.push_back(&big);
        lp.push_back(b"y");
        let back: Vec<&[u8]> = lp.iter().rev().collect();
        assert_eq!(back, [&b"y"[..], &big[..], &b"x"[..]]);
        assert_eq!(lp.get(lp.seek(-2).unwrap()), &big[..]);
    }

    #[test]
    fn split_append_and_partial_iteration() {
        let mut lp = Listpack::new();
        for v in [&b"a"[..], b"bb", &[9u8; 300], b"", b"e"] {
            lp.push_back(v);
        }
        let all: Vec<Vec<u8>> = lp.iter().map(<[u8]>::to_vec).collect();
        let at = lp.seek(2).unwrap();
        let from: Vec<&[u8]> = lp.iter_from(at).collect();
        assert_eq!(from, [&all[2][..], b"", b"e"]);
        let until: Vec<&[u8]> = lp.iter_until(at).rev().collect();
        assert_eq!(until, [&b"bb"[..], b"a"]);
        let tail = lp.split_off(at);
        assert_eq!((lp.len(), tail.len()), (2, 3));
        lp.append(&tail);
        let joined: Vec<Vec<u8>> = lp.iter().map(<[u8]>::to_vec).collect();
        assert_eq!(joined, all);
        assert_eq!(
            lp.bytes(),
            all.iter().map(|v| Listpack::encoded_len(v.len())).sum()
        );
    }

    #[test]
    fn size_classes_are_jemallocs() {
        let classes: Vec<usize> = [1, 16, 17, 128, 129, 161, 257, 4097, 8193]
            .iter()
            .map(|&n| size_class(n))
            .collect();
        assert_eq!(classes, [16, 16, 32, 128, 160, 192, 320, 5120, 10240]);
    }

    #[derive(Debug, Clone)]
    enum Op {
        PushBack(Vec<u8>),
        PushFront(Vec<u8>),
        Insert(usize, Vec<u8>),
        Remove(usize),
        RemoveRange(usize, usize),
        Replace(usize, Vec<u8>),
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => prop::collection::vec(any::<u8>(), 0..8),
            1 => prop::collection::vec(any::<u8>(), 100..300),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            bytes().prop_map(Op::PushBack),
            bytes().prop_map(Op::PushFront),
            (any::<usize>(), bytes()).prop_map(|(i, v)| Op::Insert(i, v)),
            any::<usize>().prop_map(Op::Remove),
            (any::<usize>(), 0usize..4).prop_map(|(i, n)| Op::RemoveRange(i, n)),
            (any::<usize>(), bytes()).prop_map(|(i, v)| Op::Replace(i, v)),
        ]
    }

    proptest! {
        /// Every operation agrees with a `Vec<Vec<u8>>`, read forwards,
        /// backwards and by index.
        #[test]
        fn behaves_like_a_vec(ops in prop::collection::vec(op(), 0..60)) {
            let mut lp = Listpack::new();
            let mut model: Vec<Vec<u8>> = Vec::new();
            for op in ops {
                match op {
                    Op::PushBack(v) => { lp.push_back(&v); model.push(v); }
                    Op::PushFront(v) => { lp.push_front(&v); model.insert(0, v); }
                    Op::Insert(i, v) => {
                        let i = i % (model.len() + 1);
                        let at = lp.seek(i as isize).unwrap_or(lp.bytes());
                        lp.insert(at, &v);
                        model.insert(i, v);
                    }
                    Op::Remove(i) if !model.is_empty() => {
                        let i = i % model.len();
                        lp.remove(lp.seek(i as isize).unwrap());
                        model.remove(i);
                    }
                    Op::RemoveRange(i, n) if !model.is_empty() => {
                        let i = i % model.len();
                        lp.remove_range(lp.seek(i as isize).unwrap(), n);
                        let end = (i + n).min(model.len());
                        model.drain(i..end);
                    }
                    Op::Replace(i, v) if !model.is_empty() => {
                        let i = i % model.len();
                        lp.replace(lp.seek(i as isize).unwrap(), &v);
                        model[i] = v;
                    }
                    _ => {}
                }
                prop_assert_eq!(lp.len(), model.len());
                let fwd: Vec<Vec<u8>> = lp.iter().map(<[u8]>::to_vec).collect();
                prop_assert_eq!(&fwd, &model);
                let mut back: Vec<Vec<u8>> = lp.iter().rev().map(<[u8]>::to_vec).collect();
                back.reverse();
                prop_assert_eq!(&back, &model);
                for (i, m) in model.iter().enumerate() {
                    prop_assert_eq!(lp.get(lp.seek(i as isize).unwrap()), &m[..]);
                    let neg = i as isize - model.len() as isize;
                    prop_assert_eq!(lp.get(lp.seek(neg).unwrap()), &m[..]);
                }
                if let Some(m) = model.first() {
                    let found = lp.find(m, 1).map(|at| lp.get(at).to_vec());
                    prop_assert_eq!(found.as_ref(), Some(m));
                }
            }
        }
    }
}
