//! The flush: once per event-loop turn, before replies are written, the
//! pending commands go to the increment, and `appendfsync` decides when
//! they reach the disk. Redis `flushAppendOnlyFile`.
//!
//! | policy     | a reply means                              | on a write error |
//! |------------|--------------------------------------------|------------------|
//! | `always`   | the change is on disk (written + fdatasync) | exit, as Redis: the reply is already promised |
//! | `everysec` | written; on disk within about 2 s          | keep the bytes, retry next turn |
//! | `no`       | written to the kernel                      | same |
//!
//! `always` is a group commit: every command of the turn is in one write
//! and one fdatasync, and no reply of the turn leaves before them — the
//! loop writes replies in its pending pass, after this before-sleep flush.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Aof, State, lock};
use crate::config::{Appendfsync, Config};

/// How long `everysec` lets a write wait for a running fsync before
/// writing anyway (Redis: 2 seconds).
pub const MAX_POSTPONE: Duration = Duration::from_secs(2);

impl Aof {
    /// Writes the pending commands and fsyncs as the policy says. `force`
    /// writes even while an fsync runs (a rewrite starting, shutdown);
    /// `child_running` is any background child (for
    /// `no-appendfsync-on-rewrite`).
    pub fn flush(&mut self, c: &Config, force: bool, child_running: bool) {
        let Some(file) = self.file.clone() else {
            return;
        };
        let policy = c.appendfsync;
        let mut sync_in_progress = false;
        let mut bytes = std::mem::take(&mut lock(&self.pending).bytes);
        if !bytes.is_empty() {
            if policy == Appendfsync::Everysec {
                sync_in_progress = self.fsync_thread.pending() > 0;
            }
            if policy == Appendfsync::Everysec && !force && sync_in_progress {
                let since = *self.flush_postponed_since.get_or_insert_with(Instant::now);
                if since.elapsed() < MAX_POSTPONE {
                    return self.put_back(bytes);
                }
                self.delayed_fsync += 1;
                tracing::info!(
                    "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis."
                );
            }
            self.flush_postponed_since = None;
            if let Err(e) = (&*file).write_all(&bytes) {
                self.write_failed(&file, &e, policy);
                return self.put_back(std::mem::take(&mut bytes));
            }
            if !self.last_write_ok {
                tracing::warn!("AOF write error looks solved, Redis can write again.");
                self.last_write_ok = true;
            }
            self.last_incr_size += bytes.len() as u64;
            self.current_size += bytes.len() as u64;
            // Keep a small buffer's allocation for the next turn.
            bytes.clear();
            if bytes.capacity() <= 64 * 1024 {
                let mut p = lock(&self.pending);
                if p.bytes.is_empty() {
                    p.bytes = bytes;
                }
            }
        }
        if self.last_incr_fsync_offset == self.last_incr_size {
            return;
        }
        if c.no_appendfsync_on_rewrite && child_running {
            return;
        }
        // ANCHOR: policy
        match policy {
            Appendfsync::Always => {
                if let Err(e) = file.sync_data() {
                    tracing::error!(
                        "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...",
                        crate::config::bounds::os_error_text(&e)
                    );
                    std::process::exit(1);
                }
                self.last_incr_fsync_offset = self.last_incr_size;
                self.last_fsync = Instant::now();
            }
            Appendfsync::Everysec if self.last_fsync.elapsed() >= Duration::from_secs(1) => {
                if self.fsync_thread.pending() == 0 {
                    self.fsync_thread.fsync(Arc::clone(&file));
                    self.last_incr_fsync_offset = self.last_incr_size;
                }
                self.last_fsync = Instant::now();
            }
            Appendfsync::Everysec | Appendfsync::No => {}
        }
        // ANCHOR_END: policy
    }

    /// Puts unwritten bytes back in front of whatever was fed meanwhile.
    fn put_back(&mut self, mut bytes: Vec<u8>) {
        let mut p = lock(&self.pending);
        bytes.extend_from_slice(&p.bytes);
        p.bytes = bytes;
    }

    /// A write failed: under `always` the promise cannot be kept, so the
    /// server exits (Redis does the same); otherwise a partial write is cut
    /// off again and the bytes wait for the next turn.
    fn write_failed(&mut self, file: &std::fs::File, e: &std::io::Error, policy: Appendfsync) {
        let text = crate::config::bounds::os_error_text(e);
        if self.last_write_ok {
            tracing::warn!("Error writing to the AOF file: {text}");
        }
        // A short write may have left part of a command: remove it.
        let _ = file.set_len(self.last_incr_size);
        if policy == Appendfsync::Always {
            tracing::error!(
                "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..."
            );
            std::process::exit(1);
        }
        self.last_write_ok = false;
    }

    /// Writes and fsyncs everything now (shutdown, `appendonly no`).
    pub fn flush_and_sync(&mut self, c: &Config) {
        if self.state == State::Off {
            return;
        }
        self.flush(c, true, false);
        if let Some(f) = &self.file
            && f.sync_data().is_ok()
        {
            self.last_incr_fsync_offset = self.last_incr_size;
        }
        self.fsync_thread.drain(Duration::from_secs(5));
    }
}
