//! The key patterns of `SORT ... BY` and `GET`: `weight_*`, `obj_*->field`
//! and `#`. Redis: `lookupKeyByPattern` in `src/sort.c`.
//!
//! Redis reads the pattern as a C string for its searches (`strchr` for the
//! `*`, `strstr` for the `->`), so a NUL byte hides what follows it from
//! them, while the lengths it copies are the full ones; [`Pattern`] keeps
//! that, so binary patterns find the same keys as in Redis.

use crate::db::{Keyspace, Val};

/// A parsed `BY`/`GET` pattern.
#[derive(Debug, Clone, Copy)]
pub(super) enum Pattern<'a> {
    /// `#`: the element itself.
    Element,
    /// No `*`: names no key per element (GET replies nil, BY does not sort).
    Constant,
    /// `prefix*suffix`, optionally `->field` (a hash field).
    Key {
        prefix: &'a [u8],
        suffix: &'a [u8],
        field: Option<&'a [u8]>,
    },
}

/// The bytes C's string functions see: up to the first NUL.
pub(super) fn c_str(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(n) => &b[..n],
        None => b,
    }
}

impl<'a> Pattern<'a> {
    /// Reads a pattern argument.
    pub(super) fn parse(p: &'a [u8]) -> Pattern<'a> {
        let visible = c_str(p);
        if visible == b"#" {
            return Pattern::Element;
        }
        let Some(star) = visible.iter().position(|&c| c == b'*') else {
            return Pattern::Constant;
        };
        let after = &visible[star + 1..];
        // The arrow counts only with a field name after it (`k*->` is a key).
        let arrow = after
            .windows(2)
            .position(|w| w == b"->")
            .filter(|&a| a + 2 < after.len());
        match arrow {
            Some(a) => Pattern::Key {
                prefix: &p[..star],
                suffix: &p[star + 1..star + 1 + a],
                field: Some(&p[star + 1 + a + 2..]),
            },
            None => Pattern::Key {
                prefix: &p[..star],
                suffix: &p[star + 1..],
                field: None,
            },
        }
    }

    /// Whether this pattern names a key per element (it has a `*`): a
    /// `BY` pattern without one, `#` included, means "do not sort".
    pub(super) fn names_keys(&self) -> bool {
        matches!(self, Pattern::Key { .. })
    }

    /// The value the pattern gives for `elem`: the element (`#`), the
    /// string at the substituted key, or the field of the hash there;
    /// `None` when the key is missing or of another type (a lookup for
    /// reading: it expires the key and counts a hit or a miss).
    pub(super) fn lookup(&self, ks: &mut Keyspace, db: usize, elem: &[u8]) -> Option<Vec<u8>> {
        let (prefix, suffix, field) = match *self {
            Pattern::Element => return Some(elem.to_vec()),
            Pattern::Constant => return None,
            Pattern::Key {
                prefix,
                suffix,
                field,
            } => (prefix, suffix, field),
        };
        let mut key = Vec::with_capacity(prefix.len() + elem.len() + suffix.len());
        key.extend_from_slice(prefix);
        key.extend_from_slice(elem);
        key.extend_from_slice(suffix);
        match (ks.get(db, &key)?, field) {
            (Val::Hash(h), Some(f)) => h.get(f).map(<[u8]>::to_vec),
            (v, None) if v.is_string() => Some(v.with_bytes(<[u8]>::to_vec)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &[u8]) -> (Vec<u8>, Vec<u8>, Option<Vec<u8>>) {
        match Pattern::parse(p) {
            Pattern::Key {
                prefix,
                suffix,
                field,
            } => (prefix.to_vec(), suffix.to_vec(), field.map(<[u8]>::to_vec)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn patterns_split_as_redis_reads_them() {
        assert!(matches!(Pattern::parse(b"#"), Pattern::Element));
        assert!(matches!(Pattern::parse(b"#\0x"), Pattern::Element));
        assert!(!Pattern::parse(b"nosort").names_keys());
        assert!(!Pattern::parse(b"a\0*").names_keys());
        assert_eq!(parts(b"w_*"), (b"w_".to_vec(), vec![], None));
        assert_eq!(
            parts(b"h_*x->f"),
            (b"h_".to_vec(), b"x".to_vec(), Some(b"f".to_vec()))
        );
        // No field name after the arrow: the arrow is part of the key.
        assert_eq!(parts(b"h_*->"), (b"h_".to_vec(), b"->".to_vec(), None));
        // The arrow is searched after the star only.
        assert_eq!(parts(b"a->*b"), (b"a->".to_vec(), b"b".to_vec(), None));
        // The first arrow splits; the field keeps later ones.
        assert_eq!(parts(b"*->a->b"), (vec![], vec![], Some(b"a->b".to_vec())));
    }
}
