//! The zsets commands (placeholders until implemented).

use super::Ctx;
use crate::protocol::Argv;

/// `ZADD` (not implemented yet).
pub fn zadd(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZINCRBY` (not implemented yet).
pub fn zincrby(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZREM` (not implemented yet).
pub fn zrem(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZSCORE` (not implemented yet).
pub fn zscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZMSCORE` (not implemented yet).
pub fn zmscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZCARD` (not implemented yet).
pub fn zcard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZCOUNT` (not implemented yet).
pub fn zcount(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZLEXCOUNT` (not implemented yet).
pub fn zlexcount(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZRANK` (not implemented yet).
pub fn zrank(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZREVRANK` (not implemented yet).
pub fn zrevrank(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZRANGE` (not implemented yet).
pub fn zrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZRANGEBYSCORE` (not implemented yet).
pub fn zrangebyscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZREVRANGEBYSCORE` (not implemented yet).
pub fn zrevrangebyscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZRANGEBYLEX` (not implemented yet).
pub fn zrangebylex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZREVRANGEBYLEX` (not implemented yet).
pub fn zrevrangebylex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZREVRANGE` (not implemented yet).
pub fn zrevrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZRANGESTORE` (not implemented yet).
pub fn zrangestore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZREMRANGEBYRANK` (not implemented yet).
pub fn zremrangebyrank(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZREMRANGEBYSCORE` (not implemented yet).
pub fn zremrangebyscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZREMRANGEBYLEX` (not implemented yet).
pub fn zremrangebylex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZPOPMIN` (not implemented yet).
pub fn zpopmin(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZPOPMAX` (not implemented yet).
pub fn zpopmax(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZMPOP` (not implemented yet).
pub fn zmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `BZPOPMIN` (not implemented yet).
pub fn bzpopmin(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `BZPOPMAX` (not implemented yet).
pub fn bzpopmax(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `BZMPOP` (not implemented yet).
pub fn bzmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZUNION` (not implemented yet).
pub fn zunion(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZINTER` (not implemented yet).
pub fn zinter(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZDIFF` (not implemented yet).
pub fn zdiff(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZUNIONSTORE` (not implemented yet).
pub fn zunionstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZINTERSTORE` (not implemented yet).
pub fn zinterstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZDIFFSTORE` (not implemented yet).
pub fn zdiffstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZRANDMEMBER` (not implemented yet).
pub fn zrandmember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `ZSCAN` (not implemented yet).
pub fn zscan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}
