//! What the comparison needs from a server under test: its address, a way
//! to stop it, and the CPU time its thread used (to tell whether the server
//! or the client was the bottleneck).

use std::net::SocketAddr;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::anyhow;

/// A running echo server on its own thread.
pub(crate) struct Server {
    /// Where it listens (127.0.0.1, a free port).
    pub(crate) addr: SocketAddr,
    /// Asks the server thread to return.
    stop: Box<dyn FnOnce() + Send>,
    /// The server thread; returns its CPU time.
    thread: JoinHandle<anyhow::Result<Duration>>,
}

impl Server {
    /// Wraps a started server.
    pub(crate) fn new(
        addr: SocketAddr,
        stop: impl FnOnce() + Send + 'static,
        thread: JoinHandle<anyhow::Result<Duration>>,
    ) -> Server {
        Server {
            addr,
            stop: Box::new(stop),
            thread,
        }
    }

    /// Stops the server and returns the CPU time its thread used.
    pub(crate) fn stop(self) -> anyhow::Result<Duration> {
        (self.stop)();
        self.thread
            .join()
            .map_err(|_| anyhow!("the server thread panicked"))?
    }
}

/// CPU time (user + system) of the calling thread so far.
pub(crate) fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we pass and nothing else.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
