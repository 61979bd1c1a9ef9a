//! The pubsub commands (placeholders until implemented).

use super::Ctx;
use crate::protocol::Argv;

/// `SUBSCRIBE` (not implemented yet).
pub fn subscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `UNSUBSCRIBE` (not implemented yet).
pub fn unsubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `PSUBSCRIBE` (not implemented yet).
pub fn psubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `PUNSUBSCRIBE` (not implemented yet).
pub fn punsubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `PUBLISH` (not implemented yet).
pub fn publish(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `PUBSUB` (not implemented yet).
pub fn pubsub(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `PUBSUB CHANNELS` (not implemented yet).
pub fn pubsub_channels(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `PUBSUB HELP` (not implemented yet).
pub fn pubsub_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `PUBSUB NUMPAT` (not implemented yet).
pub fn pubsub_numpat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `PUBSUB NUMSUB` (not implemented yet).
pub fn pubsub_numsub(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `PUBSUB SHARDCHANNELS` (not implemented yet).
pub fn pubsub_shardchannels(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}

/// `PUBSUB SHARDNUMSUB` (not implemented yet).
pub fn pubsub_shardnumsub(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.error("ERR not implemented yet");
}
