//! How `SORT` orders elements: by number (the element, or the value its
//! `BY` pattern finds, read with C's `strtod`), or with `ALPHA` as strings.
//! Redis: the scoring loop of `sortCommandGeneric` and `sortCompare` in
//! `src/sort.c`.
//!
//! The facts kept from Redis, because they decide orders a client sees:
//!
//! - equal numbers are ordered by the elements' bytes, so numeric sorts are
//!   total and deterministic; `DESC` reverses that tie-break too;
//! - a `BY` value that is missing scores 0 (numeric) or sorts first (`ALPHA`);
//! - `ALPHA` compares with `strcoll`, in the C.UTF-8 locale redis-server runs
//!   in: byte order up to the first NUL (`a` and `a\0b` are equal); with
//!   `STORE` it compares whole binary strings, so a stored result is the
//!   same on every replica whatever its locale;
//! - ties that remain keep the elements' order, as glibc's `qsort` (a merge
//!   sort) keeps them: we sort with Rust's stable sort.

use std::cmp::Ordering;

use super::pattern::c_str;
use crate::db::zset::score::strtod;
use crate::protocol::parse_i64;

/// One element to sort, with what it is compared by.
#[derive(Debug)]
pub(super) struct Item {
    /// The element.
    pub(super) elem: Vec<u8>,
    /// Its numeric weight (numeric sorts).
    pub(super) score: f64,
    /// The `BY` value it is compared by (`ALPHA` with `BY`); `None` when
    /// the pattern found nothing.
    pub(super) by: Option<Vec<u8>>,
}

impl Item {
    pub(super) fn new(elem: Vec<u8>) -> Item {
        Item {
            elem,
            score: 0.0,
            by: None,
        }
    }
}

/// Reads a weight as SORT does: `strtod` on the C string, which must end
/// where the number does; `None` for NaN, for text after the number, and
/// for a value out of range (glibc's `ERANGE`: overflow, and underflow
/// to zero or to a subnormal). The empty string is 0, as `strtod` reads it.
///
/// Redis tests `errno` without clearing it first, so an `ERANGE` left
/// by an earlier command fails a sort of valid numbers (not those
/// stored as integers, which it does not parse); we do not copy that.
pub(super) fn weight(b: &[u8]) -> Option<f64> {
    // A canonical integer (what a list or set of numbers mostly holds)
    // converts exactly as `strtod` reads its digits: both round to the
    // nearest double, ties to even. Skipping the general parser is most of
    // a numeric sort's cost per element.
    if let Some(n) = parse_i64(b) {
        return Some(n as f64);
    }
    let r = strtod(b);
    let ends = b.get(r.end).is_none_or(|&c| c == 0);
    let subnormal = r.value != 0.0 && r.value.abs() < f64::MIN_POSITIVE;
    if !ends || r.value.is_nan() || r.range_error || subnormal {
        return None;
    }
    Some(r.value)
}

/// How a sort compares two items.
#[derive(Debug, Clone, Copy)]
pub(super) struct Order {
    /// `ALPHA`: compare strings, not numbers.
    pub(super) alpha: bool,
    /// A `BY` pattern gave the values compared.
    pub(super) by_pattern: bool,
    /// `STORE`: compare binary strings instead of collating.
    pub(super) binary: bool,
    /// `DESC`.
    pub(super) desc: bool,
}

/// `strcoll` in the C.UTF-8 locale: `strcmp`, which stops at a NUL.
fn collate(a: &[u8], b: &[u8]) -> Ordering {
    c_str(a).cmp(c_str(b))
}

impl Order {
    fn strings(&self, a: &[u8], b: &[u8]) -> Ordering {
        if self.binary { a.cmp(b) } else { collate(a, b) }
    }

    // ANCHOR: compare
    /// `sortCompare`, ascending; [`Order::sort`] applies `DESC`.
    fn compare(&self, a: &Item, b: &Item) -> Ordering {
        if !self.alpha {
            // Scores are never NaN here (such a sort is an error), so
            // `partial_cmp` is total.
            return match a.score.partial_cmp(&b.score) {
                Some(Ordering::Equal) | None => a.elem.cmp(&b.elem),
                Some(o) => o,
            };
        }
        if !self.by_pattern {
            return self.strings(&a.elem, &b.elem);
        }
        match (&a.by, &b.by) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => self.strings(x, y),
        }
    }
    // ANCHOR_END: compare

    /// Sorts `items` (stable, as glibc's `qsort`).
    pub(super) fn sort(&self, items: &mut [Item]) {
        if self.desc {
            items.sort_by(|a, b| self.compare(a, b).reverse());
        } else {
            items.sort_by(|a, b| self.compare(a, b));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_weigh_what_strtod_reads() {
        for n in [
            0i64,
            1,
            -1,
            9_007_199_254_740_993,
            123_456_789_012_345_678,
            i64::MAX,
            i64::MIN,
        ] {
            let text = n.to_string();
            assert_eq!(
                weight(text.as_bytes()),
                Some(strtod(text.as_bytes()).value),
                "{n}"
            );
        }
    }

    #[test]
    fn weights_read_as_sort_reads_them() {
        assert_eq!(weight(b""), Some(0.0));
        assert_eq!(weight(b" 2"), Some(2.0));
        assert_eq!(weight(b"0x10"), Some(16.0));
        assert_eq!(weight(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(weight(b"1\0a"), Some(1.0));
        assert_eq!(weight(b"\0"), Some(0.0));
        for bad in [
            &b" "[..],
            b"1 ",
            b"nan",
            b"1e400",
            b"1e-400",
            b"5e-324",
            b"x",
        ] {
            assert_eq!(weight(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(weight(b"2.2250738585072014e-308"), Some(f64::MIN_POSITIVE));
    }

    fn items(elems: &[&[u8]]) -> Vec<Item> {
        elems.iter().map(|e| Item::new(e.to_vec())).collect()
    }

    fn elems(items: &[Item]) -> Vec<&[u8]> {
        items.iter().map(|i| i.elem.as_slice()).collect()
    }

    #[test]
    fn alpha_collates_to_the_first_nul_unless_storing() {
        let order = Order {
            alpha: true,
            by_pattern: false,
            binary: false,
            desc: false,
        };
        let mut v = items(&[b"b", b"a", b"B", b"a\0z", b"a\0b"]);
        order.sort(&mut v);
        assert_eq!(elems(&v), [&b"B"[..], b"a", b"a\0z", b"a\0b", b"b"]);
        let mut v = items(&[b"b", b"a", b"B", b"a\0z", b"a\0b"]);
        Order {
            binary: true,
            ..order
        }
        .sort(&mut v);
        assert_eq!(elems(&v), [&b"B"[..], b"a", b"a\0b", b"a\0z", b"b"]);
    }

    #[test]
    fn equal_numbers_tie_break_on_the_element_desc_too() {
        let order = Order {
            alpha: false,
            by_pattern: true,
            binary: false,
            desc: true,
        };
        let mut v = items(&[b"a", b"c", b"b"]);
        order.sort(&mut v);
        assert_eq!(elems(&v), [&b"c"[..], b"b", b"a"]);
    }
}
