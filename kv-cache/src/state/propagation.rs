//! What the running command will send to the AOF and the replicas, and who
//! listens. Redis: `server.also_propagate` (a `redisOpArray`), the client
//! flags `CLIENT_FORCE_REPL`/`CLIENT_PREVENT_PROP`, and the rewritten
//! `c->argv` of `rewriteClientCommandVector`.
//!
//! These are the types only; the rules that fill and empty them — when a
//! command counts as a change, how one execution unit is wrapped in
//! `MULTI … EXEC` — are at the propagation point, [`crate::exec::propagate`].
//!
//! A command handler says how its change must be replayed through
//! [`crate::cmd::Ctx`] (`propagate_as`, `also_propagate`,
//! `force_propagation`, `prevent_propagation`); nothing else here is meant
//! for handlers.

use crate::protocol::{Argv, OwnedArgv};

/// [`Op::target`] bit: the append-only file. Redis `PROPAGATE_AOF`.
pub const TO_AOF: u8 = 1;
/// [`Op::target`] bit: the replication stream. Redis `PROPAGATE_REPL`.
pub const TO_REPL: u8 = 1 << 1;
/// Both consumers.
pub const TO_ALL: u8 = TO_AOF | TO_REPL;

/// One command in its propagated form. Redis: `redisOp`.
#[derive(Debug, Clone)]
pub struct Op {
    /// The database it applies to (a consumer emits `SELECT` on change).
    pub db: usize,
    /// The arguments as they are replayed.
    pub argv: OwnedArgv,
    /// `TO_*` bits: who receives it.
    pub target: u8,
}

/// A consumer of the propagated stream: the AOF writer, later the
/// replicas' feed, and the test hook. Redis: `feedAppendOnlyFile` and
/// `replicationFeedSlaves`, which each track the database they last
/// selected.
pub trait Feed: std::fmt::Debug + Send {
    /// The `TO_*` bits this consumer takes.
    fn targets(&self) -> u8;
    /// Receives one command for database `db`, in stream order.
    fn feed(&mut self, db: usize, argv: &Argv<'_>);
    /// A name to remove the consumer by (`appendonly no` removes `aof`).
    fn name(&self) -> &'static str {
        "feed"
    }
}

/// The propagation state of the server: consumers, the running execution
/// unit's pending commands, and the running command's instructions.
#[derive(Debug, Default)]
pub struct Propagation {
    /// Commands the running execution unit (one top-level command, a
    /// served blocked client, an active-expire pass) propagates when it
    /// ends, in order. Redis `server.also_propagate`.
    pub pending: Vec<Op>,
    /// The running command's replacement form (`SETEX` → `SET … PXAT`);
    /// `None` replays it as received. Redis: the rewritten `c->argv`.
    pub rewrite: Option<OwnedArgv>,
    /// `TO_*` bits the running command forces, changed data or not
    /// (`FLUSHALL` on an empty server, `PUBLISH`). Redis `CLIENT_FORCE_*`.
    pub force: u8,
    /// `TO_*` bits the running command must not reach: it propagated its
    /// effects itself through `also_propagate`. Redis `CLIENT_PREVENT_*`.
    pub prevent: u8,
    /// The consumers.
    feeds: Vec<Box<dyn Feed>>,
    /// The union of the consumers' targets: 0 when nobody listens, and
    /// then nothing is recorded at all (Redis `shouldPropagate`).
    listening: u8,
}

impl Propagation {
    /// The `TO_*` bits someone listens to (0: propagation is off).
    #[inline]
    pub fn listening(&self) -> u8 {
        self.listening
    }

    /// Adds a consumer; it receives everything propagated from now on.
    pub fn add_feed(&mut self, feed: Box<dyn Feed>) {
        self.listening |= feed.targets();
        self.feeds.push(feed);
    }

    /// Removes the consumers called `name`; the targets listened to shrink
    /// to those of the rest.
    pub fn remove_feed(&mut self, name: &str) {
        self.feeds.retain(|f| f.name() != name);
        self.listening = self.feeds.iter().fold(0, |t, f| t | f.targets());
    }

    /// Clears the per-command instructions before a command runs.
    #[inline]
    pub fn begin_command(&mut self) {
        self.rewrite = None;
        self.force = 0;
        self.prevent = 0;
    }

    /// Appends `argv` to the running unit for the consumers of `target`.
    pub fn push(&mut self, db: usize, argv: OwnedArgv, target: u8) {
        let target = target & self.listening;
        if target != 0 {
            self.pending.push(Op { db, argv, target });
        }
    }

    /// Hands `op` to every consumer of its targets.
    pub fn deliver(&mut self, db: usize, argv: &Argv<'_>, target: u8) {
        for f in &mut self.feeds {
            if f.targets() & target != 0 {
                f.feed(db, argv);
            }
        }
    }
}

/// Builds an [`OwnedArgv`] from byte strings.
pub fn owned(args: &[&[u8]]) -> OwnedArgv {
    let mut o = OwnedArgv::default();
    for a in args {
        o.push(a);
    }
    o
}
