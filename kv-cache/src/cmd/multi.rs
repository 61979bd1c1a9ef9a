//! The multi commands (placeholders until implemented).

use super::Ctx;
use crate::protocol::Argv;

/// `MULTI` (not implemented yet).
pub fn multi(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `EXEC` (not implemented yet).
pub fn exec(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `DISCARD` (not implemented yet).
pub fn discard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `WATCH` (not implemented yet).
pub fn watch(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `UNWATCH` (not implemented yet).
pub fn unwatch(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}
