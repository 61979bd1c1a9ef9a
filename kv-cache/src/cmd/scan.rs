//! What SCAN, HSCAN, SSCAN and ZSCAN share: the cursor argument, the
//! `MATCH`/`COUNT` (and for SCAN `TYPE`) options, and the reply. Redis:
//! `parseScanCursorOrReply` and `scanGenericCommand` in `src/db.c`.
//!
//! A small collection (intset, listpack) has no buckets to resume from, so
//! Redis returns all of it at once with cursor 0, whatever cursor was
//! given; a hashtable is walked with [`crate::db::Dict::scan`]'s
//! reverse-binary cursor, about `COUNT` entries per call.

use super::{Ctx, int_arg, is};
use crate::db::glob;
use crate::protocol::Argv;
use crate::protocol::Reply;

/// A cursor argument, or `-ERR invalid cursor` (Redis `parseScanCursorOrReply`).
pub(crate) fn cursor_arg(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<u64> {
    let c = parse_cursor(arg);
    if c.is_none() {
        ctx.out.error("ERR invalid cursor");
    }
    c
}

/// Parses a cursor as Redis does with `strtoul`: an optional sign, decimal
/// digits, nothing after; `-1` wraps around as in C, an empty string is 0,
/// and a leading space or an overflow is refused.
pub(crate) fn parse_cursor(arg: &[u8]) -> Option<u64> {
    // C reads the argument up to its first NUL.
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    let s = &arg[..end];
    let (neg, digits) = match s.first() {
        None => return Some(0),
        Some(b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') => return None,
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        Some(_) => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// The options after the cursor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanOpts<'a> {
    /// `COUNT`: roughly how many entries to visit (default 10).
    pub count: usize,
    /// `MATCH`: the glob entries must match (`None` for none or `*`).
    pub pattern: Option<&'a [u8]>,
    /// `TYPE` (SCAN only): the type name keys must have.
    pub type_name: Option<&'a [u8]>,
}

impl ScanOpts<'_> {
    /// Whether `s` passes the `MATCH` filter.
    #[inline]
    pub(crate) fn matches(&self, s: &[u8]) -> bool {
        self.pattern.is_none_or(|p| glob::matches(p, s, false))
    }
}

/// Which scan is parsing its options: only SCAN, over the keyspace, takes
/// `TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Over {
    /// SCAN.
    Keyspace,
    /// HSCAN, SSCAN, ZSCAN.
    OneKey,
}

/// Parses `[MATCH pattern] [COUNT count] [TYPE type]` from `argv[from..]`,
/// replying Redis's error and returning `None` when they are wrong.
pub(crate) fn parse_opts<'a>(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'a>,
    from: usize,
    over: Over,
) -> Option<ScanOpts<'a>> {
    let mut opts = ScanOpts {
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut i = from;
    while i < argv.len() {
        let has_value = i + 1 < argv.len();
        let a = argv.get(i);
        if is(a, "count") && has_value {
            let n = int_arg(ctx, argv.get(i + 1))?;
            if n < 1 {
                ctx.syntax_error();
                return None;
            }
            opts.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(a, "match") && has_value {
            let p = argv.get(i + 1);
            opts.pattern = (p != b"*").then_some(p);
        } else if is(a, "type") && has_value && over == Over::Keyspace {
            opts.type_name = Some(argv.get(i + 1));
        } else {
            ctx.syntax_error();
            return None;
        }
        i += 2;
    }
    Some(opts)
}

/// The reply for a missing key: cursor 0, nothing found (`shared.emptyscan`).
pub(crate) fn reply_empty(out: &mut Reply<'_>) {
    out.array(2);
    out.bulk(b"0");
    out.array(0);
}

/// Writes the head of `[cursor, [n items]]`; the items follow.
pub(crate) fn reply_head(out: &mut Reply<'_>, cursor: u64, n: usize) {
    out.array(2);
    // Cursors are masked by the table size: far below 2^63.
    out.bulk_int(cursor as i64);
    out.array(n);
}

/// Writes `[cursor, [items...]]`, the items already encoded in `items`
/// (a filter decided how many there are).
pub(crate) fn reply(out: &mut Reply<'_>, cursor: u64, n: usize, items: &[u8]) {
    reply_head(out, cursor, n);
    out.buf.extend_from_slice(items);
}

#[cfg(test)]
mod tests {
    use super::parse_cursor;

    #[test]
    fn cursor_follows_strtoul() {
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"17"), Some(17));
        assert_eq!(parse_cursor(b"+17"), Some(17));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        for bad in [&b" 1"[..], b"1 ", b"x", b"-", b"+", b"1x", b"0x10"] {
            assert_eq!(parse_cursor(bad), None, "{bad:?}");
        }
    }
}
