//! The append-only file, Redis 7.0's multi-part design (`aof.c`): every
//! change leaves the propagation point as a command, is appended to an
//! in-memory buffer, and the buffer is written (and, by `appendfsync`,
//! fsynced) once per event-loop turn, before that turn's replies go out.
//!
//! ```text
//!  dir/appenddirname/
//!    appendonly.aof.1.base.aof     the dataset when the last rewrite forked
//!    appendonly.aof.1.incr.aof     every change since, as commands
//!    appendonly.aof.manifest       which files, in which order
//!
//!  command ─► propagation point ─► AofFeed: pending (SELECT when the db changes)
//!  before sleep: flush ─► write(incr) ─► always: fdatasync, then replies
//!                                        everysec: fdatasync on the fsync thread
//!                                        no: the kernel decides
//!  BGREWRITEAOF: new incr opened ─► fork ─► child writes the base from its snapshot
//!                cron: child done ─► base renamed, manifest swapped, old files deleted
//! ```
//!
//! Unlike Redis 3.0's single file ("Redis设计与实现"), a rewrite needs no
//! rewrite buffer: the parent starts a new increment at the fork, so
//! everything after the snapshot is already in a file of its own.
//!
//! # Layout
//!
//! - this file: [`Aof`] (everything about the AOF in one record), the
//!   shared [`Pending`] buffer and its [`AofFeed`], the `INFO` lines;
//! - [`manifest`]: the manifest's format;
//! - [`command`]: a command's RESP form, and the reader that loads it back;
//! - [`base`]: the dataset as commands (the rewrite's output);
//! - [`dir`]: the directory on disk — paths, opening files, the manifest's
//!   atomic replacement;
//! - [`fsync`]: the background fsync thread;
//! - [`writer`]: the per-turn flush and the `appendfsync` policies;
//! - [`rewrite`]: `BGREWRITEAOF` — the fork, the child, the end;
//! - [`load`]: loading the files at startup, a torn tail cut off.

pub mod base;
pub mod command;
pub mod dir;
pub mod fsync;
pub mod load;
pub mod manifest;
pub mod rewrite;
pub mod writer;

use std::fmt::Write as _;
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use fsync::FsyncThread;
use manifest::Manifest;
use rewrite::RewriteChild;

/// Whether the AOF is on. Redis `aof_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    /// `appendonly no`.
    #[default]
    Off,
    /// Appending to the last increment.
    On,
    /// Turned on at runtime: the first rewrite is running (or waits to),
    /// changes go to a temporary increment until its base exists.
    WaitRewrite,
}

/// Bytes the propagation point appended and the loop has not written yet
/// (Redis `server.aof_buf`), and the database the stream last selected.
#[derive(Debug, Default)]
pub struct Pending {
    /// Commands in RESP form.
    pub bytes: Vec<u8>,
    /// The database selected in the stream; `None` forces a `SELECT`.
    pub selected: Option<usize>,
    /// `aof-timestamp-enabled`: the second last annotated (0: none yet).
    pub annotate_from: Option<i64>,
}

/// The propagation point's consumer for the AOF (its `Feed` impl is at the
/// propagation point, [`crate::exec::propagate`]). It shares [`Pending`]
/// with [`Aof`]: the feed appends during commands, the loop drains before
/// it sleeps. A mutex, though both run on the loop's thread, because feeds
/// must be `Send`; it is never contended, so it costs two atomic operations.
#[derive(Debug, Clone)]
pub struct AofFeed(pub Arc<Mutex<Pending>>);

impl AofFeed {
    /// Appends one command for database `db`, with a `SELECT` first when
    /// the stream is on another database (Redis `feedAppendOnlyFile`).
    pub fn append<'a>(&self, db: usize, args: impl ExactSizeIterator<Item = &'a [u8]>) {
        let mut p = lock(&self.0);
        if let Some(last) = p.annotate_from {
            let now = unix_secs();
            if now > last {
                p.annotate_from = Some(now);
                let _ = write_ts(&mut p.bytes, now);
            }
        }
        if p.selected != Some(db) {
            let mut tmp = [0u8; 20];
            let n = crate::protocol::reply::fmt_i64(db as i64, &mut tmp);
            command::append(&mut p.bytes, [&b"SELECT"[..], n].into_iter());
            p.selected = Some(db);
        }
        command::append(&mut p.bytes, args);
    }
}

/// The wall clock in whole seconds.
fn unix_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A `#TS:<unix seconds>` annotation (Redis `genAofTimestampAnnotationIfNeeded`).
fn write_ts(buf: &mut Vec<u8>, secs: i64) -> std::io::Result<()> {
    std::io::Write::write_all(buf, format!("#TS:{secs}\r\n").as_bytes())
}

/// Locks the shared buffer; a panic elsewhere cannot leave it half-written
/// in a way that matters more than losing the server, so poison is ignored.
pub fn lock(m: &Mutex<Pending>) -> MutexGuard<'_, Pending> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Everything about the AOF. Redis: the `aof_*` fields of `redisServer`.
#[derive(Debug)]
pub struct Aof {
    /// On, off, or waiting for its first base.
    pub state: State,
    /// The buffer the feed fills.
    pub pending: Arc<Mutex<Pending>>,
    /// `dir/appenddirname`, fixed when the AOF is opened.
    pub dir: PathBuf,
    /// `appendfilename`, fixed with it.
    pub filename: String,
    /// The files that make up the AOF.
    pub manifest: Manifest,
    /// The increment being appended to (shared with the fsync thread).
    pub file: Option<Arc<File>>,
    /// Bytes in that increment (Redis `aof_last_incr_size`).
    pub last_incr_size: u64,
    /// Of which fsynced (Redis `aof_last_incr_fsync_offset`).
    pub last_incr_fsync_offset: u64,
    /// Bytes of base and increments (`aof_current_size`).
    pub current_size: u64,
    /// Size after the last rewrite, the auto-rewrite's reference (`aof_base_size`).
    pub rewrite_base_size: u64,
    /// When the last fsync was done or queued.
    pub last_fsync: Instant,
    /// Since when a write waits for a running fsync (`aof_flush_postponed_start`).
    pub flush_postponed_since: Option<Instant>,
    /// Writes done while an fsync still ran, after 2 s of waiting (`aof_delayed_fsync`).
    pub delayed_fsync: u64,
    /// The last write succeeded (`aof_last_write_status`).
    pub last_write_ok: bool,
    /// The `everysec` fsyncs' thread.
    pub fsync_thread: FsyncThread,
    /// The running rewrite: the one background child the AOF owns. Only
    /// one child runs at a time (Redis `server.child_type`); an RDB save
    /// checks this field, and a rewrite checks the RDB's child, before
    /// forking.
    pub child: Option<RewriteChild>,
    /// A rewrite waits for another child to end (`aof_rewrite_scheduled`).
    pub rewrite_scheduled: bool,
    /// Rewrites started (`aof_rewrites`).
    pub rewrites: u64,
    /// Seconds the last rewrite took, -1 before the first.
    pub last_rewrite_secs: i64,
    /// The last rewrite succeeded (`aof_last_bgrewrite_status`).
    pub last_bgrewrite_ok: bool,
    /// Failed rewrites in a row (`stat_aofrw_consecutive_failures`).
    pub consecutive_failures: u32,
    /// When the last rewrite failed (the automatic rewrite backs off).
    pub last_failure: Option<Instant>,
}

impl Default for Aof {
    fn default() -> Self {
        Aof {
            state: State::Off,
            pending: Arc::default(),
            dir: PathBuf::new(),
            filename: String::new(),
            manifest: Manifest::default(),
            file: None,
            last_incr_size: 0,
            last_incr_fsync_offset: 0,
            current_size: 0,
            rewrite_base_size: 0,
            last_fsync: Instant::now(),
            flush_postponed_since: None,
            delayed_fsync: 0,
            last_write_ok: true,
            fsync_thread: FsyncThread::default(),
            child: None,
            rewrite_scheduled: false,
            rewrites: 0,
            last_rewrite_secs: -1,
            last_bgrewrite_ok: true,
            consecutive_failures: 0,
            last_failure: None,
        }
    }
}

impl Aof {
    /// The feed to register with the propagation point.
    pub fn feed(&self) -> AofFeed {
        AofFeed(self.pending.clone())
    }

    /// Bytes waiting to be written (`aof_buffer_length`).
    pub fn buffered(&self) -> usize {
        lock(&self.pending).bytes.len()
    }

    /// The AOF lines of `INFO persistence`, in Redis's order.
    pub fn info(&self, out: &mut String) {
        let ok = |b: bool| if b { "ok" } else { "err" };
        let current = self
            .child
            .as_ref()
            .map_or(-1, |c| c.elapsed().as_secs() as i64);
        let _ = write!(
            out,
            "aof_enabled:{}\r\naof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\naof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{current}\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\naof_rewrites_consecutive_failures:{}\r\naof_last_write_status:{}\r\n",
            u8::from(self.state != State::Off),
            u8::from(self.child.is_some()),
            u8::from(self.rewrite_scheduled),
            self.last_rewrite_secs,
            ok(self.last_bgrewrite_ok),
            self.rewrites,
            self.consecutive_failures,
            ok(self.last_write_ok),
        );
        if self.state != State::Off {
            let _ = write!(
                out,
                "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:{}\r\naof_buffer_length:{}\r\naof_pending_bio_fsync:{}\r\naof_delayed_fsync:{}\r\n",
                self.current_size,
                self.rewrite_base_size,
                u8::from(self.rewrite_scheduled),
                self.buffered(),
                self.fsync_thread.pending(),
                self.delayed_fsync,
            );
        }
    }
}
