//! The lists commands (placeholders until implemented).

use super::Ctx;
use crate::protocol::Argv;

/// `LPUSH` (not implemented yet).
pub fn lpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `RPUSH` (not implemented yet).
pub fn rpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LPUSHX` (not implemented yet).
pub fn lpushx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `RPUSHX` (not implemented yet).
pub fn rpushx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LPOP` (not implemented yet).
pub fn lpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `RPOP` (not implemented yet).
pub fn rpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LLEN` (not implemented yet).
pub fn llen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LRANGE` (not implemented yet).
pub fn lrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LINDEX` (not implemented yet).
pub fn lindex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LSET` (not implemented yet).
pub fn lset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LINSERT` (not implemented yet).
pub fn linsert(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LREM` (not implemented yet).
pub fn lrem(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LTRIM` (not implemented yet).
pub fn ltrim(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LPOS` (not implemented yet).
pub fn lpos(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LMOVE` (not implemented yet).
pub fn lmove(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `RPOPLPUSH` (not implemented yet).
pub fn rpoplpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `LMPOP` (not implemented yet).
pub fn lmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `BLPOP` (not implemented yet).
pub fn blpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `BRPOP` (not implemented yet).
pub fn brpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `BLMOVE` (not implemented yet).
pub fn blmove(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `BRPOPLPUSH` (not implemented yet).
pub fn brpoplpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `BLMPOP` (not implemented yet).
pub fn blmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}
