//! The sets commands (placeholders until implemented).

use super::Ctx;
use crate::protocol::Argv;

/// `SADD` (not implemented yet).
pub fn sadd(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SREM` (not implemented yet).
pub fn srem(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SISMEMBER` (not implemented yet).
pub fn sismember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SMISMEMBER` (not implemented yet).
pub fn smismember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SCARD` (not implemented yet).
pub fn scard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SMEMBERS` (not implemented yet).
pub fn smembers(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SPOP` (not implemented yet).
pub fn spop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SRANDMEMBER` (not implemented yet).
pub fn srandmember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SMOVE` (not implemented yet).
pub fn smove(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SINTER` (not implemented yet).
pub fn sinter(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SINTERCARD` (not implemented yet).
pub fn sintercard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SUNION` (not implemented yet).
pub fn sunion(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SDIFF` (not implemented yet).
pub fn sdiff(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SINTERSTORE` (not implemented yet).
pub fn sinterstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SUNIONSTORE` (not implemented yet).
pub fn sunionstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SDIFFSTORE` (not implemented yet).
pub fn sdiffstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `SSCAN` (not implemented yet).
pub fn sscan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}
