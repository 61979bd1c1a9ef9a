//! List commands. Redis: `src/t_list.c`, and for `BLPOP`, `BRPOP`,
//! `BLMOVE`, `BRPOPLPUSH` and `BLMPOP` the serving half of `src/blocked.c`
//! (the parking half is [`super::blocking`]).
//!
//! Every handler follows Redis's order of checks, because the first
//! failing check decides the reply: some parse their numbers before looking
//! at the key (`LRANGE`, `LTRIM`, `LREM`), others look at the key first
//! (`LINDEX`, `LSET`). A list that becomes empty is deleted; one that is
//! changed in place is touched (`signalModifiedKey`); a new list is stored
//! with `Keyspace::set`, which wakes clients blocked on its key.
//!
//! Replies are written straight from the list's nodes into the reply
//! buffer (`LRANGE`, `LPOP` with a count), and pops hand the element to the
//! reply before deleting it, so the hot commands copy each element once.
//!
//! # Layout
//!
//! - this file: what the handlers share (which end,
//!   pushing and popping one element, range clamping);
//! - `push_pop.rs`: LPUSH/RPUSH(X), LPOP/RPOP, LLEN, LRANGE;
//! - `edit.rs`: LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS;
//! - `moves.rs`: LMOVE, RPOPLPUSH, LMPOP and the five blocking forms.

mod edit;
mod moves;
mod push_pop;

pub use edit::{lindex, linsert, lpos, lrem, lset, ltrim};
pub use moves::{blmove, blmpop, blpop, brpop, brpoplpush, lmove, lmpop, rpoplpush};
pub use push_pop::{llen, lpop, lpush, lpushx, lrange, rpop, rpush, rpushx};

use super::args::{at_least_one, count_arg, range_arg};
use super::blocking::{OnTimeout, parse_timeout};
use super::{Ctx, int_arg, is};
use crate::cmd::lookup::{Typed, WrongType};
use crate::db::Val;
use crate::db::list::List;
use crate::notify::LIST;
use crate::protocol::{Argv, Reply, parse_i64};

const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
const RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

/// An end of a list: `LEFT` is the head, `RIGHT` the tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Head,
    Tail,
}

/// `LEFT`/`RIGHT` (any case). Redis: `getListPositionFromObjectOrReply`.
fn parse_end(arg: &[u8]) -> Option<End> {
    if is(arg, "left") {
        Some(End::Head)
    } else if is(arg, "right") {
        Some(End::Tail)
    } else {
        None
    }
}

#[inline]
fn push_one(l: &mut List, end: End, v: &[u8]) {
    match end {
        End::Head => l.push_front(v),
        End::Tail => l.push_back(v),
    }
}

/// The event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// The event of a pop from `end`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

/// Pops one element, handing it to `f` before it is deleted.
#[inline]
fn pop_one<R>(l: &mut List, end: End, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    match end {
        End::Head => l.pop_front_with(f),
        End::Tail => l.pop_back_with(f),
    }
}

/// Pops up to `count` elements from `end` and replies them as an array,
/// in pop order. Redis: `listPopRangeAndReplyWithKey`'s range part.
fn pop_range_reply(out: &mut Reply<'_>, l: &mut List, end: End, count: usize) {
    let n = count.min(l.len());
    out.array(n);
    match end {
        End::Head => {
            for v in l.iter().take(n) {
                out.bulk(v);
            }
            l.remove_front(n);
        }
        End::Tail => {
            for v in l.iter_rev().take(n) {
                out.bulk(v);
            }
            l.remove_back(n);
        }
    }
}

/// `start..=end` of `LRANGE`/`LTRIM` clamped to a list of `len` elements,
/// or `None` when the range is empty. Redis: the index arithmetic shared
/// by `lrangeGenericCommand` and `ltrimCommand`.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_clamp_as_redis() {
        assert_eq!(clamp_range(0, -1, 3), Some((0, 2)));
        assert_eq!(clamp_range(-100, 100, 3), Some((0, 2)));
        assert_eq!(clamp_range(-2, -1, 3), Some((1, 2)));
        assert_eq!(clamp_range(2, 1, 3), None);
        assert_eq!(clamp_range(3, 5, 3), None);
        assert_eq!(clamp_range(-2, -3, 3), None);
        assert_eq!(clamp_range(0, -1, 0), None);
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 3), Some((0, 2)));
    }
}
