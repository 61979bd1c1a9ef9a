//! `BGREWRITEAOF`: a fresh base from a forked snapshot, without blocking
//! clients. Redis 7.0 `rewriteAppendOnlyFileBackground` and
//! `backgroundRewriteDoneHandler`:
//!
//! ```text
//!  parent: flush ─► open incr N+1 (manifest: base, incr ..N, N+1) ─► fork
//!  child:  base::write(snapshot) ─► temp-rewriteaof-bg-<pid>.aof ─► fsync ─► exit 0
//!  parent, cron sees exit 0: rename temp ─► base M+1; old base, incr ..N ─► history;
//!          manifest replaced atomically; history files deleted
//! ```
//!
//! Every step before the manifest's rename leaves the old manifest in
//! force, and the old manifest still lists every file needed: a failed or
//! killed rewrite (or a crash of the whole server) loses nothing.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::{Aof, State, base, dir, lock};
use crate::config::Config;
use crate::db::Keyspace;
use crate::persist::fork::{self, Child, Exit};

/// `aof-rewrite-incremental-fsync`: fsync the base every this many bytes
/// (Redis `REDIS_AUTOSYNC_BYTES`), so the kernel never holds a huge dirty
/// backlog that one final fsync would stall on.
pub const AUTOSYNC_BYTES: u64 = 4 * 1024 * 1024;

/// A rewrite in progress: the child and the temp file it writes.
#[derive(Debug)]
pub struct RewriteChild {
    /// The forked child.
    pub child: Child,
    /// Where it writes the new base.
    pub tmp: PathBuf,
}

impl RewriteChild {
    /// Time since the fork.
    pub fn elapsed(&self) -> Duration {
        self.child.elapsed()
    }
}

/// A file writer that fsyncs every [`AUTOSYNC_BYTES`] (Redis `rioSetAutoSync`).
struct AutoSync {
    file: std::fs::File,
    since_sync: u64,
    every: Option<u64>,
}

impl Write for AutoSync {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.since_sync += n as u64;
        if self.every.is_some_and(|e| self.since_sync >= e) {
            self.file.sync_data()?;
            self.since_sync = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Writes the base for `ks` to `path` and fsyncs it: the child's whole job
/// (and the synchronous base made when the AOF starts on an empty dataset).
pub fn write_base(ks: &Keyspace, c: &Config, path: &Path) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let sink = AutoSync {
        file,
        since_sync: 0,
        every: c.aof_rewrite_incremental_fsync.then_some(AUTOSYNC_BYTES),
    };
    let mut out = BufWriter::with_capacity(64 * 1024, sink);
    base::write(ks, c.aof_use_rdb_preamble, &mut out)?;
    let sink = out.into_inner().map_err(|e| e.into_error())?;
    sink.file.sync_all()
}

impl Aof {
    /// Starts a background rewrite. The caller has checked that no other
    /// child runs. `Err` carries the reason, already logged.
    pub fn start_rewrite(&mut self, ks: &Keyspace, c: &Config) -> Result<(), String> {
        let fail = |aof: &mut Aof, what: String| {
            tracing::warn!("{what}");
            aof.last_bgrewrite_ok = false;
            Err(what)
        };
        if self.state == State::Off {
            self.dir = dir::aof_dir(c);
            self.filename = c.appendfilename.clone();
        }
        if let Err(e) = dir::ensure(&self.dir) {
            return fail(
                self,
                format!(
                    "Can't open or create append-only dir {}: {e}",
                    self.dir.display()
                ),
            );
        }
        // The new increment starts with a SELECT.
        lock(&self.pending).selected = None;
        self.flush(c, true, false);
        if let Err(e) = self.open_new_incr() {
            return fail(self, format!("Can't open the append-only file: {e}"));
        }
        self.rewrites += 1;
        let tmp_for = |pid| dir::temp_rewrite_path(c, pid);
        // The child learns its own pid to name the file the parent expects.
        let spawned = fork::spawn(|| {
            // SAFETY: getpid has no preconditions.
            let pid = unsafe { libc::getpid() };
            // No logging here: the parent's logging locks may have been
            // held by another thread at the fork.
            match write_base(ks, c, &tmp_for(pid)) {
                Ok(()) => 0,
                Err(_) => 1,
            }
        });
        match spawned {
            Ok(child) => {
                let tmp = tmp_for(child.pid());
                tracing::info!(
                    "Background append only file rewriting started by pid {}",
                    child.pid()
                );
                self.child = Some(RewriteChild { child, tmp });
                self.rewrite_scheduled = false;
                Ok(())
            }
            Err(e) => fail(
                self,
                format!("Can't rewrite append only file in background: fork: {e}"),
            ),
        }
    }

    /// Opens the increment the rewrite's changes go to: a new numbered one
    /// listed in the manifest at once (AOF on), or the temporary one while
    /// the first base is being made. Redis `openNewIncrAofForAppend`.
    fn open_new_incr(&mut self) -> std::io::Result<()> {
        let (file, manifest) = match self.state {
            State::Off => return Ok(()),
            State::WaitRewrite => {
                // Everything fed so far is in the snapshot about to be taken.
                lock(&self.pending).bytes.clear();
                let f = dir::create_append(&dir::temp_incr_path(&self.dir, &self.filename))?;
                (f, None)
            }
            State::On => {
                let mut m = self.manifest.clone();
                let name = m.new_incr(&self.filename);
                let f = dir::create_append(&self.dir.join(&name))?;
                dir::persist_manifest(&self.dir, &self.filename, &m)?;
                tracing::info!("Creating AOF incr file {name} on background rewrite");
                (f, Some(m))
            }
        };
        if let Some(old) = self.file.replace(Arc::new(file)) {
            // Its data must still reach the disk; `always` already synced it.
            self.fsync_thread.fsync_and_close(old);
        }
        self.last_incr_size = 0;
        self.last_incr_fsync_offset = 0;
        if let Some(m) = manifest {
            self.manifest = m;
        }
        Ok(())
    }

    /// Called from the cron: reaps the child if it ended and finishes the
    /// rewrite. Returns whether a child ended.
    pub fn check_child(&mut self) -> bool {
        let Some(rc) = self.child.as_mut() else {
            return false;
        };
        let exit = match rc.child.try_wait() {
            Ok(None) => return false,
            Ok(Some(exit)) => exit,
            Err(e) => {
                tracing::warn!(error = %e, "waitpid() returned an error");
                Exit::Signal(0)
            }
        };
        // Present: it was borrowed just above.
        let Some(rc) = self.child.take() else {
            return false;
        };
        self.rewrite_done(exit, &rc);
        true
    }

    /// Stops a running rewrite (`appendonly no`, shutdown), discarding it.
    pub fn kill_child(&mut self) {
        if let Some(rc) = self.child.take() {
            tracing::info!("Killing running AOF rewrite child: {}", rc.child.pid());
            let _ = rc.child.kill();
            let _ = std::fs::remove_file(&rc.tmp);
        }
    }

    /// The end of a rewrite. Redis `backgroundRewriteDoneHandler`.
    fn rewrite_done(&mut self, exit: Exit, rc: &RewriteChild) {
        self.last_rewrite_secs = rc.elapsed().as_secs() as i64;
        let ok = match exit {
            Exit::Code(0) => {
                tracing::info!("Background AOF rewrite terminated with success");
                match self.install_base(&rc.tmp) {
                    Ok(()) => true,
                    Err(e) => {
                        tracing::warn!("{e}");
                        false
                    }
                }
            }
            Exit::Code(_) => {
                tracing::warn!("Background AOF rewrite terminated with error");
                false
            }
            Exit::Signal(sig) => {
                tracing::warn!("Background AOF rewrite terminated by signal {sig}");
                // SIGUSR1 is our own stop: not a failure.
                if sig == libc::SIGUSR1 {
                    let _ = std::fs::remove_file(&rc.tmp);
                    return self.after_rewrite();
                }
                false
            }
        };
        let _ = std::fs::remove_file(&rc.tmp);
        self.last_bgrewrite_ok = ok;
        if ok {
            self.consecutive_failures = 0;
            tracing::info!("Background AOF rewrite finished successfully");
        } else {
            self.consecutive_failures += 1;
            self.last_failure = Some(std::time::Instant::now());
        }
        self.after_rewrite();
    }

    /// A rewrite that did not switch the AOF on leaves it waiting: the
    /// temporary increment goes, and another rewrite is scheduled.
    fn after_rewrite(&mut self) {
        if self.state == State::WaitRewrite {
            lock(&self.pending).bytes.clear();
            self.file = None;
            let _ = std::fs::remove_file(dir::temp_incr_path(&self.dir, &self.filename));
            self.rewrite_scheduled = true;
        }
    }

    /// Renames the child's file into the new base and swaps the manifest;
    /// on any error the old manifest stays in force.
    fn install_base(&mut self, tmp: &Path) -> Result<(), String> {
        let mut m = self.manifest.clone();
        let rdb = base::is_rdb(false);
        let base_name = m.new_base(&self.filename, rdb);
        let base_path = self.dir.join(&base_name);
        std::fs::rename(tmp, &base_path).map_err(|e| {
            format!(
                "Error trying to rename the temporary AOF base file {} into {}: {e}",
                tmp.display(),
                base_path.display()
            )
        })?;
        let mut new_incr = None;
        if self.state == State::WaitRewrite {
            let name = m.new_incr(&self.filename);
            let to = self.dir.join(&name);
            if let Err(e) = std::fs::rename(dir::temp_incr_path(&self.dir, &self.filename), &to) {
                let _ = std::fs::remove_file(&base_path);
                return Err(format!(
                    "Error trying to rename the temporary AOF incr file into {name}: {e}"
                ));
            }
            new_incr = Some(to);
        }
        m.retire_rewritten_incrs(self.file.is_some());
        if let Err(e) = dir::persist_manifest(&self.dir, &self.filename, &m) {
            let _ = std::fs::remove_file(&base_path);
            if let Some(p) = new_incr {
                let _ = std::fs::remove_file(p);
            }
            return Err(format!("Can't persist the AOF manifest: {e}"));
        }
        self.manifest = m;
        self.current_size = dir::size(&base_path) + self.last_incr_size;
        self.rewrite_base_size = self.current_size;
        self.delete_history();
        if self.state == State::WaitRewrite {
            self.state = State::On;
        }
        Ok(())
    }

    /// Removes the history files and drops them from the manifest (Redis
    /// `aofDelHistoryFiles`; Redis unlinks in a background thread).
    pub fn delete_history(&mut self) {
        if self.manifest.history.is_empty() {
            return;
        }
        for e in std::mem::take(&mut self.manifest.history) {
            tracing::info!("Removing the history file {} in the background", e.name);
            let _ = std::fs::remove_file(self.dir.join(&e.name));
        }
        if let Err(e) = dir::persist_manifest(&self.dir, &self.filename, &self.manifest) {
            tracing::warn!(error = %e, "Can't persist the AOF manifest");
        }
    }

    /// After 3 failed rewrites in a row the automatic one waits 1 minute,
    /// then 2, 4 ... up to 60 between attempts, so a full disk does not
    /// get a new increment file ten times a second (Redis
    /// `aofRewriteLimited`). `BGREWRITEAOF` is never held back.
    fn backing_off(&self) -> bool {
        let (Some(at), n @ 3..) = (self.last_failure, self.consecutive_failures) else {
            return false;
        };
        let minutes = (1u64 << (n - 3).min(6)).min(60);
        at.elapsed() < Duration::from_secs(minutes * 60)
    }

    /// Whether the cron should start a rewrite by `auto-aof-rewrite-*`
    /// (Redis `serverCron`): grown by the percentage over the size after
    /// the last rewrite, and at least the minimum size.
    pub fn wants_auto_rewrite(&self, c: &Config) -> bool {
        if self.state != State::On || self.child.is_some() || c.auto_aof_rewrite_percentage == 0 {
            return false;
        }
        if self.current_size <= c.auto_aof_rewrite_min_size || self.backing_off() {
            return false;
        }
        let base = self.rewrite_base_size.max(1);
        let growth = (self.current_size * 100 / base).saturating_sub(100);
        growth >= c.auto_aof_rewrite_percentage
    }
}
