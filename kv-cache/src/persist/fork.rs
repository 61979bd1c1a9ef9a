//! A child process that runs one job on a frozen copy of the server.
//!
//! Why fork and not a thread: the keyspace is owned by the event-loop thread
//! and changes under every command. A forked child sees the dataset exactly as
//! it was at the `fork()` call and can walk it at leisure while the parent keeps
//! serving; the kernel copies only the pages the parent writes to afterwards.
//! This is the design of Redis's `BGSAVE` and `BGREWRITEAOF` (`redisFork` in
//! `server.c`), and it needs no locking because the child never shares a
//! mutable byte with the parent.
//!
//! Rules for the job, which runs in the child:
//! - kv-cache's server is single-threaded, so the child is a complete copy of
//!   the state it needs; it must not touch sockets it inherited (replies
//!   written there would reach the parent's clients).
//! - it ends with `_exit`, never `exit`: atexit handlers and buffered stdio
//!   belong to the parent.
//! - its exit code is the only result the parent reads (0 = success); bigger
//!   results go through a file or a pipe the job writes.
//!
//! The parent polls [`Child::try_wait`] from its cron, as Redis's
//! `checkChildrenDone` does with `waitpid(WNOHANG)`; nothing blocks.

use std::io;
use std::time::{Duration, Instant};

/// How a finished child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `_exit(code)`.
    Code(i32),
    /// Killed by this signal (e.g. `SIGUSR1` from [`Child::kill`], or the OOM killer's `SIGKILL`).
    Signal(i32),
}

impl Exit {
    /// True when the job reported success.
    pub fn ok(self) -> bool {
        self == Exit::Code(0)
    }
}

/// A running background child.
#[derive(Debug)]
pub struct Child {
    pid: libc::pid_t,
    started: Instant,
    /// How long the `fork()` call itself took — Redis's `latest_fork_usec`:
    /// copying the page tables of a big parent is not free.
    fork_time: Duration,
}

/// Forks, runs `job` in the child and `_exit`s with its return code. In the
/// parent, returns the child's handle at once.
pub fn spawn(job: impl FnOnce() -> i32) -> io::Result<Child> {
    let before = Instant::now();
    // SAFETY: fork has no memory-safety preconditions of its own; what makes it
    // sound here is the single-threaded server (see the module doc): the child
    // does not inherit a lock held by a thread that no longer exists in it.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        0 => {
            // A panic must not unwind into the parent's copy of the event loop.
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).unwrap_or(1);
            // SAFETY: _exit ends the process without running the parent's
            // atexit handlers or flushing its buffers.
            unsafe { libc::_exit(code) }
        }
        pid => Ok(Child {
            pid,
            started: before,
            fork_time: before.elapsed(),
        }),
    }
}

impl Child {
    /// The child's process id.
    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// How long `fork()` took.
    pub fn fork_time(&self) -> Duration {
        self.fork_time
    }

    /// Time since the fork.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// `Some(exit)` once the child has ended (and is reaped), `None` while it runs.
    pub fn try_wait(&mut self) -> io::Result<Option<Exit>> {
        let mut status = 0;
        // SAFETY: plain syscall on our own child's pid with a valid out-pointer.
        let r = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
        match r {
            -1 => Err(io::Error::last_os_error()),
            0 => Ok(None),
            _ if libc::WIFEXITED(status) => Ok(Some(Exit::Code(libc::WEXITSTATUS(status)))),
            _ => Ok(Some(Exit::Signal(libc::WTERMSIG(status)))),
        }
    }

    /// Stops the child (Redis uses `SIGUSR1` so the child can tell an
    /// ordered stop from a crash) and reaps it.
    pub fn kill(mut self) -> io::Result<Exit> {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.pid, libc::SIGUSR1) };
        loop {
            if let Some(exit) = self.try_wait()? {
                return Ok(exit);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(mut child: Child) -> Exit {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(exit) = child.try_wait().unwrap() {
                return exit;
            }
            assert!(Instant::now() < deadline, "child did not finish");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn the_child_sees_the_state_at_fork_time_and_its_code_comes_back() {
        let mut value = vec![1u8; 4096];
        let path = std::env::temp_dir().join(format!("kv-fork-{}", std::process::id()));
        let p = path.clone();
        let snapshot = value.clone();
        let child = spawn(move || {
            // Wait until the parent has changed its copy, then write ours.
            std::thread::sleep(Duration::from_millis(50));
            std::fs::write(&p, &snapshot).map(|_| 0).unwrap_or(2)
        })
        .unwrap();
        value.fill(9);
        assert_eq!(wait(child), Exit::Code(0));
        assert_eq!(std::fs::read(&path).unwrap(), vec![1u8; 4096]);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn failure_and_kill_are_reported() {
        assert_eq!(wait(spawn(|| 3).unwrap()), Exit::Code(3));
        let child = spawn(|| {
            std::thread::sleep(Duration::from_secs(30));
            0
        })
        .unwrap();
        assert_eq!(child.kill().unwrap(), Exit::Signal(libc::SIGUSR1));
    }
}
