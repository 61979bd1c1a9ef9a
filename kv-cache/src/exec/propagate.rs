//! The propagation point: every change to the dataset leaves here, in the
//! form a replica or the AOF replays it. Redis: the tail of `call()`,
//! `alsoPropagate`, `propagatePendingCommands` and `propagateNow` in
//! `src/server.c` (7.0).
//!
//! ```text
//!  call(cmd) ──► handler ──► after_call: changed data (Keyspace::dirty moved)
//!                  │                    or forced (FLUSHALL, PUBLISH)?
//!                  │                    and not prevented / not EXEC?
//!                  │             yes ──► pending += the command, as rewritten
//!                  └─ lazily expired keys ──► pending += DEL key  (first)
//!
//!  end of the execution unit (a top-level command, one served blocked
//!  client, one active-expire pass) ──► end_unit:
//!        1 op   ──► feeds
//!        n ops  ──► MULTI, ops, EXEC ──► feeds   (not for active expiry)
//!  each feed emits SELECT itself when the database changes
//! ```
//!
//! The rules, as Redis 7.0 applies them:
//!
//! - A command propagates when it changed the dataset. Ours counts changes
//!   in [`Keyspace::dirty`](crate::db::Keyspace), moved by every write
//!   that signals a modified key, where Redis counts `server.dirty`.
//! - A handler may replace its own form: `SET k v EX 10` → `SET k v PXAT
//!   <abs>`, `EXPIRE` → `PEXPIREAT`, `INCRBYFLOAT` → `SET … KEEPTTL`,
//!   `HINCRBYFLOAT` → `HSET`, `SPOP` → `SREM`, `GETDEL` → `DEL`, a blocking
//!   pop → its non-blocking form (`BLPOP` → `LPOP`, `BLMOVE` → `LMOVE`,
//!   `BZPOPMIN` → `ZPOPMIN`, `BLMPOP` → `LPOP k n`). The rewrite happens
//!   in the handler because only it knows the absolute time or the value.
//! - Keys removed by lazy expiry during a command are propagated as `DEL`
//!   before it; in 7.0 both then form one unit, so `SET` on an expired key
//!   replays as `MULTI, DEL k, SET k v, EXEC`.
//! - `EXEC` itself is never propagated: its queued commands are, and as a
//!   unit of more than one command they are wrapped in `MULTI … EXEC`; a
//!   transaction with one write replays as that write alone.
//! - The active expire cycle propagates each removed key as `DEL`, never
//!   wrapped (Redis `propagate_no_multi`).
//! - Nothing is recorded while nobody listens (Redis `shouldPropagate`).

use crate::cmd::{self, Command};
use crate::persist::aof::AofFeed;
use crate::protocol::{Argv, OwnedArgv};
use crate::state::propagation::{Feed, TO_ALL, TO_AOF, owned};
use crate::state::{Server, Session};

/// After a command ran: moves the keys expiry removed into the unit, then
/// the command itself if it must propagate. Redis: the tail of `call()`.
// ANCHOR: after_call
pub(crate) fn after_call(
    srv: &mut Server,
    session: &Session,
    cmd: &'static Command,
    argv: &Argv<'_>,
    dirty_before: u64,
) {
    drain_expired(srv);
    let p = &mut srv.prop;
    let mut target = if srv.ks.dirty != dirty_before {
        TO_ALL
    } else {
        0
    };
    target = (target | p.force) & !p.prevent;
    // EXEC's commands propagated themselves (Redis skips `execCommand`).
    if target == 0 || cmd.name == "exec" {
        p.rewrite = None;
        return;
    }
    let argv = p.rewrite.take().unwrap_or_else(|| OwnedArgv::new(argv));
    p.push(session.db, argv, target);
}
// ANCHOR_END: after_call

/// Records the keys expiry removed since the last collection as `DEL key`
/// (and sends their notifications): [`cmd::notify::collect`].
#[inline]
pub(crate) fn drain_expired(srv: &mut Server) {
    cmd::notify::collect_detached(srv);
}

/// Ends an execution unit: hands its commands to the consumers, wrapped
/// in `MULTI … EXEC` when there are several and `wrap` allows it (Redis
/// `propagatePendingCommands`). The `MULTI` goes to the first command's
/// database and the `EXEC` to the last one's, so no extra `SELECT` sits
/// between the `EXEC` and the command before it.
// ANCHOR: end_unit
pub(crate) fn end_unit(srv: &mut Server, wrap: bool) {
    drain_expired(srv);
    let p = &mut srv.prop;
    if p.pending.is_empty() {
        return;
    }
    let ops = std::mem::take(&mut p.pending);
    let wrapped = wrap && ops.len() > 1;
    if wrapped {
        p.deliver(ops[0].db, &owned(&[b"MULTI"]).argv(), TO_ALL);
    }
    for op in &ops {
        p.deliver(op.db, &op.argv.argv(), op.target);
    }
    if wrapped {
        let last = ops[ops.len() - 1].db;
        p.deliver(last, &owned(&[b"EXEC"]).argv(), TO_ALL);
    }
    // Keep the vector's capacity for the next unit.
    p.pending = ops;
    p.pending.clear();
}
// ANCHOR_END: end_unit

/// A consumer that writes the stream as RESP, the bytes a replica reads
/// after its initial sync, selecting databases as it goes (Redis
/// `replicationFeedSlaves` with `server.slaveseldb`). The test hook, and
/// later the replication backlog and the AOF, are built on it.
#[derive(Debug)]
pub struct RespFeed<W: std::io::Write + std::fmt::Debug + Send> {
    /// Where the bytes go.
    pub out: W,
    /// The `TO_*` bits taken.
    pub targets: u8,
    /// The database last selected in the stream (`None`: the next command
    /// selects, as after a full sync).
    selected: Option<usize>,
}

impl<W: std::io::Write + std::fmt::Debug + Send> RespFeed<W> {
    /// A feed writing to `out`, taking `targets`.
    pub fn new(out: W, targets: u8) -> RespFeed<W> {
        RespFeed {
            out,
            targets,
            selected: None,
        }
    }

    fn write_command(&mut self, argv: &Argv<'_>) {
        let mut buf = Vec::with_capacity(16 + argv.iter().map(|a| a.len() + 16).sum::<usize>());
        buf.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
        for a in argv.iter() {
            buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            buf.extend_from_slice(a);
            buf.extend_from_slice(b"\r\n");
        }
        // A consumer that cannot take the bytes is the consumer's problem
        // (a replica link is dropped); the command already ran.
        let _ = self.out.write_all(&buf);
    }
}

impl<W: std::io::Write + std::fmt::Debug + Send> Feed for RespFeed<W> {
    fn targets(&self) -> u8 {
        self.targets
    }

    fn feed(&mut self, db: usize, argv: &Argv<'_>) {
        if self.selected != Some(db) {
            let n = db.to_string();
            self.write_command(&owned(&[b"SELECT", n.as_bytes()]).argv());
            self.selected = Some(db);
        }
        self.write_command(argv);
    }
}

/// The AOF's consumer: commands for the append-only file, buffered until
/// the loop's before-sleep flush ([`crate::persist::aof`]).
impl Feed for AofFeed {
    fn targets(&self) -> u8 {
        TO_AOF
    }

    fn feed(&mut self, db: usize, argv: &Argv<'_>) {
        self.append(db, argv.iter());
    }

    fn name(&self) -> &'static str {
        "aof"
    }
}
