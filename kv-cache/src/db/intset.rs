//! `IntSet`: a sorted array of distinct integers, all stored at one width
//! (16, 32 or 64 bits). Redis: `src/intset.c`, the encoding of small sets
//! whose members are all integers.
//!
//! ```text
//!   16-bit:  [ -3 | 5 | 700 ]                 2 bytes each
//!   SADD 100000 (does not fit in 16 bits): upgrade, then append
//!   32-bit:  [ -3 | 5 | 700 | 100000 ]        4 bytes each
//! ```
//!
//! A value that needs a wider type than the current one is, by that very
//! fact, smaller or larger than every member, so an upgrade never searches:
//! it widens every member and puts the new value first or last (Redis's
//! `intsetUpgradeAndAdd`). The width never shrinks back, as in Redis.
//!
//! Members are found by binary search; inserts and removals move the tail,
//! which is cheap while the set is small (`set-max-intset-entries`, 512).
//! We keep the three widths as three `Vec`s rather than one byte buffer
//! with a width tag: the same memory, and the compiler checks the casts.

/// A sorted set of integers at the narrowest width that holds them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntSet {
    /// Every member fits in an `i16`.
    W16(Vec<i16>),
    /// Some member needs 32 bits.
    W32(Vec<i32>),
    /// Some member needs 64 bits.
    W64(Vec<i64>),
}

impl Default for IntSet {
    fn default() -> Self {
        IntSet::new()
    }
}

/// The width (in bytes) `v` needs. Redis: `_intsetValueEncoding`.
#[inline]
fn width_of(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// Inserts `v` (as `T`) keeping `vec` sorted; false if already there.
/// The buffer grows by exactly one slot, as Redis reallocs an intset.
#[inline]
fn insert_sorted<T: Ord + Copy>(vec: &mut Vec<T>, v: T) -> bool {
    match vec.binary_search(&v) {
        Ok(_) => false,
        Err(pos) => {
            vec.reserve_exact(1);
            vec.insert(pos, v);
            true
        }
    }
}

/// Removes `v` from sorted `vec`; false if absent.
#[inline]
fn remove_sorted<T: Ord + Copy>(vec: &mut Vec<T>, v: T) -> bool {
    match vec.binary_search(&v) {
        Ok(pos) => {
            vec.remove(pos);
            shrink(vec);
            true
        }
        Err(_) => false,
    }
}

/// Gives memory back once a quarter of the buffer is unused.
#[inline]
fn shrink<T>(vec: &mut Vec<T>) {
    if vec.capacity() > vec.len() + vec.len() / 4 + 4 {
        vec.shrink_to_fit();
    }
}

/// `vec` widened to `U`, with `v` first or last.
fn widen<T: Copy, U: Copy + From<T>>(vec: &[T], v: U, first: bool) -> Vec<U> {
    let mut out = Vec::with_capacity(vec.len() + 1);
    if first {
        out.push(v);
    }
    out.extend(vec.iter().map(|&x| U::from(x)));
    if !first {
        out.push(v);
    }
    out
}

impl IntSet {
    /// An empty set at 16-bit width (no allocation).
    pub const fn new() -> IntSet {
        IntSet::W16(Vec::new())
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            IntSet::W16(v) => v.len(),
            IntSet::W32(v) => v.len(),
            IntSet::W64(v) => v.len(),
        }
    }

    /// Whether the set is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes per member: 2, 4 or 8 (Redis's `encoding` field).
    pub fn width(&self) -> usize {
        match self {
            IntSet::W16(_) => 2,
            IntSet::W32(_) => 4,
            IntSet::W64(_) => 8,
        }
    }

    /// Heap bytes held, for memory accounting.
    pub fn allocated(&self) -> usize {
        match self {
            IntSet::W16(v) => v.capacity() * 2,
            IntSet::W32(v) => v.capacity() * 4,
            IntSet::W64(v) => v.capacity() * 8,
        }
    }

    /// Whether `v` is a member. Redis: `intsetFind` (a value wider than
    /// the set's width cannot be in it, so it is not searched for).
    #[inline]
    pub fn contains(&self, v: i64) -> bool {
        match self {
            IntSet::W16(vec) => i16::try_from(v).is_ok_and(|x| vec.binary_search(&x).is_ok()),
            IntSet::W32(vec) => i32::try_from(v).is_ok_and(|x| vec.binary_search(&x).is_ok()),
            IntSet::W64(vec) => vec.binary_search(&v).is_ok(),
        }
    }

    // ANCHOR: insert
    /// Adds `v`; returns whether it was new. Redis: `intsetAdd`.
    pub fn insert(&mut self, v: i64) -> bool {
        if width_of(v) > self.width() {
            self.upgrade_and_add(v);
            return true;
        }
        // The width check above makes these conversions lossless.
        match self {
            IntSet::W16(vec) => insert_sorted(vec, v as i16),
            IntSet::W32(vec) => insert_sorted(vec, v as i32),
            IntSet::W64(vec) => insert_sorted(vec, v),
        }
    }

    /// Widens every member to the width `v` needs and adds `v` at the end
    /// it belongs to (it is beyond every member). Redis: `intsetUpgradeAndAdd`.
    fn upgrade_and_add(&mut self, v: i64) {
        let first = v < 0;
        *self = match (&*self, width_of(v)) {
            (IntSet::W16(vec), 4) => IntSet::W32(widen(vec, v as i32, first)),
            (IntSet::W16(vec), _) => IntSet::W64(widen(vec, v, first)),
            (IntSet::W32(vec), _) => IntSet::W64(widen(vec, v, first)),
            // A 64-bit set never needs an upgrade.
            (IntSet::W64(_), _) => return,
        };
    }
    // ANCHOR_END: insert

    /// Removes `v`; returns whether it was there. Redis: `intsetRemove`.
    pub fn remove(&mut self, v: i64) -> bool {
        match self {
            IntSet::W16(vec) => i16::try_from(v).is_ok_and(|x| remove_sorted(vec, x)),
            IntSet::W32(vec) => i32::try_from(v).is_ok_and(|x| remove_sorted(vec, x)),
            IntSet::W64(vec) => remove_sorted(vec, v),
        }
    }

    /// The member at sorted position `i`. Redis: `intsetGet`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<i64> {
        match self {
            IntSet::W16(vec) => vec.get(i).map(|&x| x as i64),
            IntSet::W32(vec) => vec.get(i).map(|&x| x as i64),
            IntSet::W64(vec) => vec.get(i).copied(),
        }
    }

    /// Removes and returns the member at sorted position `i`.
    pub fn remove_at(&mut self, i: usize) -> Option<i64> {
        let v = self.get(i)?;
        self.remove(v);
        Some(v)
    }

    /// Members in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            set: self,
            front: 0,
            back: self.len(),
        }
    }
}

/// Ascending iterator over an [`IntSet`]; see [`IntSet::iter`].
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    set: &'a IntSet,
    front: usize,
    back: usize,
}

impl Iterator for Iter<'_> {
    type Item = i64;

    #[inline]
    fn next(&mut self) -> Option<i64> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.set.get(self.front - 1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<i64> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.set.get(self.back)
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrades_put_the_new_value_at_the_right_end() {
        let mut s = IntSet::new();
        assert!(s.insert(5) && s.insert(-3) && !s.insert(5));
        assert_eq!(s.width(), 2);
        assert!(s.insert(100_000));
        assert_eq!(s.width(), 4);
        assert!(s.insert(i64::MIN));
        assert_eq!(s.width(), 8);
        assert_eq!(s.iter().collect::<Vec<_>>(), [i64::MIN, -3, 5, 100_000]);
        assert!(s.contains(100_000) && !s.contains(6));
        // Removing the wide members keeps the width, as Redis does.
        assert!(s.remove(i64::MIN) && s.remove(100_000));
        assert_eq!(s.width(), 8);
        assert_eq!(s.iter().rev().collect::<Vec<_>>(), [5, -3]);
    }

    #[test]
    fn values_wider_than_the_set_are_absent() {
        let s = {
            let mut s = IntSet::new();
            s.insert(1);
            s
        };
        assert!(!s.contains(1 << 40));
        let mut s2 = s.clone();
        assert!(!s2.remove(1 << 40));
        assert_eq!(s2, s);
    }
}
