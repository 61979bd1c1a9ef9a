//! Pub/Sub: `SUBSCRIBE`, `UNSUBSCRIBE`, `PSUBSCRIBE`, `PUNSUBSCRIBE`,
//! `PUBLISH`, their shard forms `SSUBSCRIBE`, `SUNSUBSCRIBE`, `SPUBLISH`
//! (a channel namespace of their own, see [`crate::pubsub`]), and
//! `PUBSUB`. Redis: `src/pubsub.c`.
//!
//! ```text
//!  PUBLISH ch msg
//!    for each subscriber of ch, and of each pattern matching ch:
//!      encode the message in the subscriber's protocol
//!        (RESP2 array / RESP3 push) into its outbox buffer
//!        (or straight into our own reply, when we subscribed ourselves)
//!    reply the number of receivers
//!  after the batch: the network layer moves each outbox buffer to that
//!  connection's pending writes (closing subscribers over their
//!  `client-output-buffer-limit pubsub`); before sleeping, one flush.
//! ```
//!
//! The registry is [`crate::pubsub::PubSub`]; the subscribed-mode
//! restriction of RESP2 connections is applied before commands run
//! (`exec::gate`).

use super::Ctx;
use crate::db::glob;
use crate::protocol::{Argv, Reply};
use crate::state::S_PUBSUB;
use crate::state::outbox::Deliver;
use crate::state::propagation::TO_REPL;

/// A subscription confirmation: `[kind, name, count]` (Redis
/// `addReplyPubsubSubscribed` / `addReplyPubsubUnsubscribed`); `name` is
/// null when unsubscribing from everything while subscribed to nothing.
fn confirm(out: &mut Reply<'_>, kind: &[u8], name: Option<&[u8]>, count: usize) {
    out.push(3);
    out.bulk(kind);
    match name {
        Some(n) => out.bulk(n),
        None => out.null(),
    }
    out.int(count as i64);
}

/// Sets or clears the session's subscribed mode from the registry.
fn sync_mode(ctx: &mut Ctx<'_>) {
    if ctx.srv.pubsub.is_subscriber(ctx.client.id) {
        ctx.client.flags |= S_PUBSUB;
    } else {
        ctx.client.flags &= !S_PUBSUB;
    }
}

/// `SUBSCRIBE channel [channel ...]`
pub fn subscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    join(ctx, argv, Kind::Channels);
}

/// `UNSUBSCRIBE [channel ...]`: none named means all of them.
pub fn unsubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    leave(ctx, argv, Kind::Channels);
}

/// `SSUBSCRIBE shardchannel [shardchannel ...]`: refused inside `EXEC`
/// (Redis refuses it to a client that may not block; `SUBSCRIBE` is let
/// through there for backward compatibility).
pub fn ssubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if !ctx.can_block() {
        return ctx
            .out
            .error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    }
    join(ctx, argv, Kind::Shard);
}

/// `SUNSUBSCRIBE [shardchannel ...]`: none named means all of them.
pub fn sunsubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    leave(ctx, argv, Kind::Shard);
}

/// `PSUBSCRIBE pattern [pattern ...]`
pub fn psubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    join(ctx, argv, Kind::Patterns);
}

/// `PUNSUBSCRIBE [pattern ...]`: none named means all of them.
pub fn punsubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    leave(ctx, argv, Kind::Patterns);
}

/// What a (un)subscribe command is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Channels,
    Patterns,
    Shard,
}

impl Kind {
    /// The count a confirmation carries: the client's channels and
    /// patterns, or its shard channels, as Redis counts each kind.
    fn count(self, ps: &crate::pubsub::PubSub, id: u64) -> usize {
        match self {
            Kind::Shard => ps.shard_count(id),
            _ => ps.count(id),
        }
    }
}

/// `SUBSCRIBE`, `PSUBSCRIBE` or `SSUBSCRIBE`: one confirmation per name.
fn join(ctx: &mut Ctx<'_>, argv: &Argv<'_>, kind: Kind) {
    let (id, resp) = (ctx.client.id, ctx.client.resp);
    let reply: &[u8] = match kind {
        Kind::Channels => b"subscribe",
        Kind::Patterns => b"psubscribe",
        Kind::Shard => b"ssubscribe",
    };
    for name in argv.iter().skip(1) {
        let ps = &mut ctx.srv.pubsub;
        match kind {
            Kind::Channels => ps.subscribe(id, resp, name),
            Kind::Patterns => ps.psubscribe(id, resp, name),
            Kind::Shard => ps.ssubscribe(id, resp, name),
        };
        confirm(&mut ctx.out, reply, Some(name), kind.count(ps, id));
    }
    sync_mode(ctx);
}

/// `UNSUBSCRIBE`, `PUNSUBSCRIBE` or `SUNSUBSCRIBE`: one confirmation per
/// name left, or, when the client had none to leave and named none, a
/// single confirmation with a null name.
fn leave(ctx: &mut Ctx<'_>, argv: &Argv<'_>, kind: Kind) {
    let id = ctx.client.id;
    let reply: &[u8] = match kind {
        Kind::Channels => b"unsubscribe",
        Kind::Patterns => b"punsubscribe",
        Kind::Shard => b"sunsubscribe",
    };
    let ps = &mut ctx.srv.pubsub;
    let names: Vec<Vec<u8>> = if argv.len() > 1 {
        argv.iter().skip(1).map(<[u8]>::to_vec).collect()
    } else {
        match kind {
            Kind::Channels => ps.channels_of(id),
            Kind::Patterns => ps.patterns_of(id),
            Kind::Shard => ps.shard_channels_of(id),
        }
    };
    if names.is_empty() {
        confirm(&mut ctx.out, reply, None, kind.count(ps, id));
    }
    for name in &names {
        match kind {
            Kind::Channels => ps.unsubscribe(id, name),
            Kind::Patterns => ps.punsubscribe(id, name),
            Kind::Shard => ps.sunsubscribe(id, name),
        };
        confirm(&mut ctx.out, reply, Some(name), kind.count(ps, id));
    }
    sync_mode(ctx);
}

/// Drops every subscription of the calling client without replies
/// (`RESET`; Redis `pubsubUnsubscribeAllChannels(c, 0)`).
pub fn reset_subscriptions(ctx: &mut Ctx<'_>) {
    ctx.srv.pubsub.remove_client(ctx.client.id);
    ctx.client.flags &= !S_PUBSUB;
}

/// `PUBLISH channel message`: the number of clients that received it
/// (channel subscribers plus one per matching pattern subscription).
pub fn publish(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let n = publish_message(ctx, argv.get(1), argv.get(2));
    // Replicas' subscribers get the message too; the AOF never replays
    // it (Redis `forceCommandPropagation(c, PROPAGATE_REPL)`).
    ctx.force_propagation(TO_REPL);
    ctx.out.int(n as i64);
}

/// `SPUBLISH shardchannel message`: the number of shard subscribers that
/// received it (as `smessage`; patterns never see shard messages).
pub fn spublish(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let srv = &mut *ctx.srv;
    let mut sink = Deliver {
        outbox: &mut srv.outbox,
        me: ctx.client.id,
        own: &mut *ctx.out.buf,
    };
    let n = srv.pubsub.spublish(argv.get(1), argv.get(2), &mut sink);
    // Without a cluster, replicas' shard subscribers get it as PUBLISH's
    // do (Redis `forceCommandPropagation(c, PROPAGATE_REPL)`).
    ctx.force_propagation(TO_REPL);
    ctx.out.int(n as i64);
}

/// Delivers `msg` on `channel`; returns the number of receivers. Our own
/// subscription's message goes before our reply, in our own buffer, as
/// Redis's `addReply` on the same client does.
fn publish_message(ctx: &mut Ctx<'_>, channel: &[u8], msg: &[u8]) -> usize {
    let srv = &mut *ctx.srv;
    let mut sink = Deliver {
        outbox: &mut srv.outbox,
        me: ctx.client.id,
        own: &mut *ctx.out.buf,
    };
    srv.pubsub.publish(channel, msg, &mut sink)
}

/// `PUBSUB` without a subcommand never reaches here (arity -2).
pub fn pubsub(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.wrong_arity("pubsub");
}

/// Redis's `addReplySubcommandSyntaxError`, for subcommands whose arity
/// is checked by the handler.
fn subcommand_syntax_error(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let typed = argv.get(1);
    ctx.out.error(&format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
        String::from_utf8_lossy(&typed[..typed.len().min(128)])
    ));
}

/// `PUBSUB CHANNELS` or `SHARDCHANNELS` (`shard`) `[pattern]`: the
/// channels with subscribers, matching the pattern if given.
fn list_channels(ctx: &mut Ctx<'_>, argv: &Argv<'_>, shard: bool) {
    if argv.len() > 3 {
        return subcommand_syntax_error(ctx, argv);
    }
    let pattern = (argv.len() == 3).then(|| argv.get(2));
    let ps = &ctx.srv.pubsub;
    let all: Box<dyn Iterator<Item = &[u8]>> = if shard {
        Box::new(ps.shard_channel_names())
    } else {
        Box::new(ps.channel_names())
    };
    let names: Vec<&[u8]> = all
        .filter(|ch| pattern.is_none_or(|p| glob::matches(p, ch, false)))
        .collect();
    let out = &mut ctx.out;
    out.array(names.len());
    for ch in names {
        out.bulk(ch);
    }
}

/// `PUBSUB CHANNELS [pattern]`
pub fn pubsub_channels(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    list_channels(ctx, argv, false);
}

/// `PUBSUB NUMSUB` or `SHARDNUMSUB` (`shard`) `[channel ...]`: channel,
/// count pairs (an array in both protocols, as Redis 7.0 replies).
fn numsub(ctx: &mut Ctx<'_>, argv: &Argv<'_>, shard: bool) {
    ctx.out.array((argv.len() - 2) * 2);
    for ch in argv.iter().skip(2) {
        let ps = &ctx.srv.pubsub;
        let n = if shard {
            ps.shard_subscribers(ch).len()
        } else {
            ps.subscribers(ch).len()
        };
        ctx.out.bulk(ch);
        ctx.out.int(n as i64);
    }
}

/// `PUBSUB NUMSUB [channel ...]`
pub fn pubsub_numsub(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    numsub(ctx, argv, false);
}

/// `PUBSUB NUMPAT`: distinct patterns subscribed to.
pub fn pubsub_numpat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.int(ctx.srv.pubsub.pattern_count() as i64);
}

/// `PUBSUB SHARDCHANNELS [pattern]`
pub fn pubsub_shardchannels(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    list_channels(ctx, argv, true);
}

/// `PUBSUB SHARDNUMSUB [shardchannel ...]`
pub fn pubsub_shardnumsub(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    numsub(ctx, argv, true);
}

/// `PUBSUB HELP`
pub fn pubsub_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    super::server::help(
        ctx,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
}
