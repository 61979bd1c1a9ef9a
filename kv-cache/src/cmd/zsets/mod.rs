//! The sorted set commands. Redis: `src/t_zset.c`.
//!
//! One file per group of commands: [`add`] (ZADD, ZINCRBY, ZREM),
//! [`read`] (ZSCORE, ZCARD, ZCOUNT, ZRANK...), [`range`] (the ZRANGE
//! family and ZRANGESTORE), [`remrange`] (ZREMRANGEBY*), [`pop`] (ZPOPMIN,
//! ZMPOP and the blocking forms), [`setops`] (ZUNION, ZINTER, ZDIFF,
//! their STORE forms, ZINTERCARD), [`random`] (ZRANDMEMBER), [`scan`] (ZSCAN). This
//! file holds what they share: the listpack limits, and
//! replying scores.

pub mod add;
pub mod pop;
pub mod random;
pub mod range;
pub mod read;
pub mod remrange;
pub mod scan;
pub mod setops;

pub use add::{zadd, zincrby, zrem};
pub use pop::{bzmpop, bzpopmax, bzpopmin, zmpop, zpopmax, zpopmin};
pub use random::zrandmember;
pub use range::{
    zrange, zrangebylex, zrangebyscore, zrangestore, zrevrange, zrevrangebylex, zrevrangebyscore,
};
pub use read::{zcard, zcount, zlexcount, zmscore, zrank, zrevrank, zscore};
pub use remrange::{zremrangebylex, zremrangebyrank, zremrangebyscore};
pub use scan::zscan;
pub use setops::{zdiff, zdiffstore, zinter, zintercard, zinterstore, zunion, zunionstore};

use super::Ctx;
use crate::db::zset::Limits;
use crate::db::zset::score::format_score;
use crate::protocol::Reply;

/// The listpack limits from the config.
pub(crate) fn limits(ctx: &Ctx<'_>) -> Limits {
    Limits {
        max_entries: ctx.srv.config.zset_max_listpack_entries,
        max_value: ctx.srv.config.zset_max_listpack_value,
    }
}

/// Replies a score as Redis 7.0's `addReplyDouble`: `%.17g` text, as a
/// bulk string in RESP2 and a double (`,`) in RESP3.
#[inline]
pub(crate) fn reply_score(out: &mut Reply<'_>, d: f64) {
    let text = format_score(d);
    if out.resp >= 3 {
        out.buf.push(b',');
        out.buf.extend_from_slice(text.as_bytes());
        out.buf.extend_from_slice(b"\r\n");
    } else {
        out.bulk(text.as_bytes());
    }
}

/// The array header of `n` members, with or without scores: a flat
/// array in RESP2, an array of `[member, score]` pairs in RESP3.
#[inline]
pub(crate) fn reply_members_header(out: &mut Reply<'_>, n: usize, withscores: bool) {
    if withscores && out.resp == 2 {
        out.array(2 * n);
    } else {
        out.array(n);
    }
}

/// Writes the header [`reply_members_header`] would have written at
/// `mark`, in front of the `n` members replied since (Redis's deferred
/// length, `setDeferredArrayLen`).
pub(crate) fn insert_members_header(out: &mut Reply<'_>, mark: usize, n: usize, withscores: bool) {
    let count = if withscores && out.resp == 2 {
        2 * n
    } else {
        n
    };
    let mut digits = [0u8; 20];
    let digits = crate::protocol::reply::fmt_i64(count as i64, &mut digits);
    let mut head = [0u8; 23];
    head[0] = b'*';
    head[1..=digits.len()].copy_from_slice(digits);
    head[digits.len() + 1..digits.len() + 3].copy_from_slice(b"\r\n");
    out.buf
        .splice(mark..mark, head[..digits.len() + 3].iter().copied());
}

/// One member (and its score) of such an array.
#[inline]
pub(crate) fn reply_member(out: &mut Reply<'_>, member: &[u8], score: f64, withscores: bool) {
    if withscores && out.resp > 2 {
        out.array(2);
    }
    out.bulk(member);
    if withscores {
        reply_score(out, score);
    }
}
