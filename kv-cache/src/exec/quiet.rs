//! `CLIENT REPLY OFF|SKIP`: the command runs, its reply is dropped, and
//! what Redis sends anyway still goes out — pushes: Pub/Sub subscription
//! confirmations and messages, and invalidations (Redis lifts the silence
//! for them with `CLIENT_PUSHING`, in RESP2 as in RESP3). Redis: the
//! `CLIENT_REPLY_OFF|SKIP` test in `prepareClientToWrite`, and the
//! `SKIP_NEXT` → `SKIP` step of `resetClient` (`src/networking.c`).
//!
//! Reached only when [`Session::reply`] is not `On`: the command's output
//! goes to a scratch buffer, and only its push frames are kept.

use std::time::Instant;

use super::dispatch;
use crate::cmd::{self, F_PUBSUB};
use crate::protocol::{Argv, Value};
use crate::state::{ReplyMode, S_BLOCKED, Server, Session};

/// Runs one command for a client whose replies are off or skipped.
pub(super) fn execute(
    srv: &mut Server,
    session: &mut Session,
    argv: &Argv<'_>,
    out: &mut Vec<u8>,
    clock: &mut Instant,
) {
    // The skip asked for by the previous command applies to this one.
    if session.reply == ReplyMode::SkipNext {
        session.reply = ReplyMode::Skip;
    }
    let skipping = session.reply == ReplyMode::Skip;
    let mut scratch = Vec::new();
    dispatch(srv, session, argv, &mut scratch, clock);
    // The mode as the command left it: `CLIENT REPLY ON` replies, and a
    // `SKIP` given while skipping is itself skipped.
    let silent = match session.reply {
        ReplyMode::On => false,
        ReplyMode::Off | ReplyMode::Skip => true,
        ReplyMode::SkipNext => skipping,
    };
    // A command that blocked keeps its skip until it is answered.
    if session.reply == ReplyMode::Skip && session.flags & S_BLOCKED == 0 {
        session.reply = ReplyMode::On;
    }
    if !silent {
        out.extend_from_slice(&scratch);
        return;
    }
    let subscribing = cmd::lookup(argv.get(0)).is_some_and(|(_, c)| c.flags & F_PUBSUB != 0);
    keep_pushes(&scratch, subscribing, out);
}

/// Whether the reply that ends a blocked command of `session` (served,
/// timed out, unblocked) is dropped: replies are off, or the command was
/// skipped — which the skip then ends (Redis resets the client only once
/// its blocked command is answered).
pub(super) fn drops_blocked_reply(session: &mut Session) -> bool {
    match session.reply {
        ReplyMode::Off => true,
        ReplyMode::Skip => {
            session.reply = ReplyMode::On;
            true
        }
        ReplyMode::On | ReplyMode::SkipNext => false,
    }
}

/// Copies the push frames of `scratch` to `out`: RESP3 `>` frames, and the
/// RESP2 arrays a Pub/Sub command answers with (`subscribe`, `unsubscribe`
/// ... confirmations, which are pushes in Redis's eyes too).
fn keep_pushes(scratch: &[u8], subscribing: bool, out: &mut Vec<u8>) {
    let mut at = 0;
    while let Ok(Some((frame, n))) = Value::parse(&scratch[at..]) {
        let push = match frame {
            Value::Push(_) => true,
            Value::Array(items) => subscribing && is_confirmation(&items),
            _ => false,
        };
        if push {
            out.extend_from_slice(&scratch[at..at + n]);
        }
        at += n;
    }
}

/// Whether a RESP2 array is a (un)subscription confirmation.
fn is_confirmation(items: &[Value]) -> bool {
    const KINDS: &[&[u8]] = &[
        b"subscribe",
        b"unsubscribe",
        b"psubscribe",
        b"punsubscribe",
        b"ssubscribe",
        b"sunsubscribe",
    ];
    matches!(items.first(), Some(Value::Bulk(k)) if KINDS.contains(&k.as_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pushes_survive() {
        let scratch = b"+OK\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n*1\r\n$1\r\nx\r\n";
        let mut out = Vec::new();
        keep_pushes(scratch, false, &mut out);
        assert_eq!(out, b">2\r\n$10\r\ninvalidate\r\n_\r\n".to_vec());
        out.clear();
        keep_pushes(scratch, true, &mut out);
        assert_eq!(
            out,
            b">2\r\n$10\r\ninvalidate\r\n_\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n".to_vec()
        );
    }
}
