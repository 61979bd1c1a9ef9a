//! The one background child the server may have at a time: a `BGSAVE` or
//! an AOF rewrite, never both (Redis's `server.child_type`, `hasActiveChildProcess`).
//!
//! ```text
//!   ChildSlot::start(Purpose::Rdb, job) ──fork──▶ child: job(), report COW, _exit
//!        │ (Err if a child is already running)
//!   cron: ChildSlot::poll() ──▶ Some(Done { purpose, exit, cow_bytes, .. }) once it ended
//!   SHUTDOWN / FLUSHALL: ChildSlot::kill()
//! ```
//!
//! Besides its exit code, a child reports one number through a pipe: the
//! memory it had to copy because the parent wrote to shared pages while it
//! ran (`Private_Dirty` of `/proc/self/smaps_rollup`, Redis's
//! `rdb_last_cow_size` / `aof_last_cow_size`).

use std::io;
use std::time::Duration;

use super::fork::{self, Child, Exit};

/// What a child is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `BGSAVE` (Redis `CHILD_TYPE_RDB`).
    Rdb,
    /// `BGREWRITEAOF` (Redis `CHILD_TYPE_AOF`).
    Aof,
}

/// A child that ended, as [`ChildSlot::poll`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// What it was doing.
    pub purpose: Purpose,
    /// How it ended.
    pub exit: Exit,
    /// How long it ran.
    pub elapsed: Duration,
    /// Bytes copied on write while it ran (0 if it did not say).
    pub cow_bytes: u64,
}

#[derive(Debug)]
struct Running {
    purpose: Purpose,
    child: Child,
    /// Read end of the pipe the child reports its COW size on.
    report: libc::c_int,
}

/// The slot; empty when no child runs.
#[derive(Debug, Default)]
pub struct ChildSlot {
    running: Option<Running>,
    /// How long the latest `fork()` took (`INFO stats latest_fork_usec`).
    pub latest_fork: Duration,
}

impl ChildSlot {
    /// What the running child does, if one runs.
    pub fn busy(&self) -> Option<Purpose> {
        self.running.as_ref().map(|r| r.purpose)
    }

    /// How long the running child has been running.
    pub fn elapsed(&self) -> Option<Duration> {
        self.running.as_ref().map(|r| r.child.elapsed())
    }

    /// The running child's pid.
    pub fn pid(&self) -> Option<libc::pid_t> {
        self.running.as_ref().map(|r| r.child.pid())
    }

    /// Forks a child for `purpose` running `job` (its return is the exit
    /// code, 0 = success). Fails if a child already runs.
    pub fn start(&mut self, purpose: Purpose, job: impl FnOnce() -> i32) -> io::Result<()> {
        if self.running.is_some() {
            return Err(io::Error::other("a background child is already running"));
        }
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` is a valid two-int array; O_CLOEXEC keeps the pipe
        // out of anything exec'd later.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let [read, write] = fds;
        let child = fork::spawn(move || {
            let code = job();
            let cow = private_dirty().unwrap_or(0).to_le_bytes();
            // SAFETY: writing 8 bytes from a live buffer to our own pipe.
            unsafe { libc::write(write, cow.as_ptr().cast(), cow.len()) };
            code
        });
        // SAFETY: the parent keeps only the read end; the fd is ours.
        unsafe { libc::close(write) };
        match child {
            Ok(child) => {
                self.latest_fork = child.fork_time();
                self.running = Some(Running {
                    purpose,
                    child,
                    report: read,
                });
                Ok(())
            }
            Err(e) => {
                // SAFETY: closing the read end we own.
                unsafe { libc::close(read) };
                Err(e)
            }
        }
    }

    /// Reaps the child if it has ended (call from the cron); never blocks.
    pub fn poll(&mut self) -> Option<Done> {
        let r = self.running.as_mut()?;
        let exit = match r.child.try_wait() {
            Ok(Some(exit)) => exit,
            Ok(None) => return None,
            // Not our child any more (reaped elsewhere): count it as failed.
            Err(_) => Exit::Signal(0),
        };
        let r = self.running.take()?;
        let elapsed = r.child.elapsed();
        Some(finish(r.purpose, r.report, elapsed, exit))
    }

    /// Stops the running child, if any, and reports it (Redis `killRDBChild`).
    pub fn kill(&mut self) -> Option<Done> {
        let Running {
            purpose,
            child,
            report,
        } = self.running.take()?;
        let elapsed = child.elapsed();
        let exit = child.kill().unwrap_or(Exit::Signal(libc::SIGUSR1));
        Some(finish(purpose, report, elapsed, exit))
    }
}

fn finish(purpose: Purpose, report: libc::c_int, elapsed: Duration, exit: Exit) -> Done {
    let mut buf = [0u8; 8];
    // SAFETY: reading at most 8 bytes into a live buffer from our own fd,
    // which is then closed exactly once.
    let n = unsafe { libc::read(report, buf.as_mut_ptr().cast(), 8) };
    // SAFETY: see above.
    unsafe { libc::close(report) };
    Done {
        purpose,
        exit,
        elapsed,
        cow_bytes: if n == 8 { u64::from_le_bytes(buf) } else { 0 },
    }
}

/// This process's private dirty memory, in bytes (Linux; `None` elsewhere).
fn private_dirty() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let line = text.lines().find(|l| l.starts_with("Private_Dirty:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
