//! The ping-pong workload shared by every implementation: its parameters,
//! the chain bookkeeping each read callback does, and the file-descriptor
//! budget that decides how many socket pairs fit.
//!
//! The shape is libevent's `test/bench.c`: `pipes` socket pairs, `active` of
//! them seeded with one byte, and every read callback forwards what it read
//! to the next pair until `writes` forwards have happened. One *loop* is the
//! time from the seeds being in place until every byte written has been read.

use std::io::{self, Read, Write};
use std::time::Duration;

use anyhow::{Context, bail};
use mio::net::UnixStream;

/// Bytes a read callback asks for at once. The chains carry one byte each,
/// so a read returns one byte unless two chains met on the same pair; a
/// read that fills the whole buffer is followed by another (see
/// [`Chain::read_again`]).
pub(crate) const READ_BUF: usize = 64;

/// Loops run before the timed ones, to warm caches and the kernel's socket
/// buffers; their times are dropped.
pub(crate) const WARMUP_LOOPS: usize = 2;

/// A loop that makes no progress for this long has lost an event: an error,
/// never a hang.
pub(crate) const STALL: Duration = Duration::from_secs(10);

/// File descriptors kept free for everything that is not a socket pair
/// (stdio, the epoll fd, the runner's own files, a child's pipes).
const FD_RESERVE: u64 = 64;

/// The three numbers of `bench.c`: `-n`, `-a`, `-w`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Params {
    /// Socket pairs (`-n`, `num_pipes`).
    pub(crate) pipes: usize,
    /// Pairs seeded with a byte at the start of each loop (`-a`, `num_active`).
    pub(crate) active: usize,
    /// Forwards per loop after the seeds (`-w`, `num_writes`).
    pub(crate) writes: usize,
}

impl Params {
    /// The pairs that get a seed byte: spread evenly, as `bench.c` does
    /// (every `pipes / active`-th pair).
    pub(crate) fn seeds(&self) -> impl Iterator<Item = usize> {
        let space = (self.pipes / self.active).max(1);
        (0..self.active).map(move |i| i * space)
    }

    /// The pair a callback on pair `i` forwards to.
    pub(crate) fn next(&self, i: usize) -> usize {
        if i + 1 == self.pipes { 0 } else { i + 1 }
    }

    /// Checks the numbers make a runnable workload.
    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        if self.pipes == 0 || self.active == 0 || self.active > self.pipes {
            bail!("pingpong needs 0 < active <= pipes, got {self:?}");
        }
        Ok(())
    }

    /// Parses `<pipes> <active> <writes>` (the child-process arguments).
    pub(crate) fn parse(args: &[String]) -> anyhow::Result<Params> {
        let num = |i: usize, what: &str| -> anyhow::Result<usize> {
            args.get(i)
                .with_context(|| format!("missing <{what}>"))?
                .parse()
                .with_context(|| format!("<{what}> is not a number"))
        };
        let params = Params {
            pipes: num(0, "pipes")?,
            active: num(1, "active")?,
            writes: num(2, "writes")?,
        };
        params.validate()?;
        Ok(params)
    }
}

/// The per-loop counters of `bench.c` (`count`, `fired`, `writes`), plus the
/// number of callbacks, which the syscall count is divided by.
#[derive(Debug, Default)]
pub(crate) struct Chain {
    /// Bytes read so far in this loop (`count`).
    pub(crate) read: u64,
    /// Bytes written so far in this loop, seeds included (`fired`).
    pub(crate) written: u64,
    /// Forwards still allowed in this loop (`writes`).
    pub(crate) writes_left: u64,
    /// Read callbacks run, over every loop.
    pub(crate) callbacks: u64,
}

impl Chain {
    /// Resets the loop counters after `seeded` seed bytes were written.
    pub(crate) fn start_loop(&mut self, params: &Params, seeded: usize) {
        self.read = 0;
        self.written = seeded as u64;
        self.writes_left = params.writes as u64;
    }

    /// Accounts a read of `n` bytes and returns how many to forward.
    pub(crate) fn on_read(&mut self, n: usize) -> usize {
        self.read += n as u64;
        let forward = (n as u64).min(self.writes_left);
        self.writes_left -= forward;
        forward as usize
    }

    /// Accounts a forward that wrote `n` bytes.
    pub(crate) fn on_write(&mut self, n: usize) {
        self.written += n as u64;
    }

    /// Whether every byte written in this loop has been read.
    pub(crate) fn done(&self) -> bool {
        self.read == self.written
    }

    /// The short-read rule for edge-triggered readiness: a read that did not
    /// fill the buffer emptied the socket, so the next byte to arrive raises
    /// a fresh edge; a full buffer may have left bytes behind, so read again.
    pub(crate) fn read_again(n: usize) -> bool {
        n == READ_BUF
    }
}

/// One socket pair: bytes written to `tx` are read from `rx`. Both ends are
/// non-blocking (mio creates them so).
#[derive(Debug)]
pub(crate) struct Pair {
    /// The end the read callback watches.
    pub(crate) rx: UnixStream,
    /// The end the previous pair's callback writes to.
    pub(crate) tx: UnixStream,
}

/// Creates the `params.pipes` socket pairs.
pub(crate) fn pairs(params: &Params) -> anyhow::Result<Vec<Pair>> {
    (0..params.pipes)
        .map(|i| {
            let (rx, tx) = UnixStream::pair().with_context(|| format!("socketpair {i}"))?;
            Ok(Pair { rx, tx })
        })
        .collect()
}

/// Writes the seed bytes of one loop and starts the chain's counters.
pub(crate) fn seed(params: &Params, pairs: &[Pair], chain: &mut Chain) -> anyhow::Result<()> {
    let mut seeded = 0;
    for i in params.seeds() {
        seeded += (&pairs[i].tx).write(b"e").context("seed write")?;
    }
    chain.start_loop(params, seeded);
    Ok(())
}

/// The read callback, the same code for ours and for bare mio: read what
/// arrived on pair `i` (short-read rule, see [`Chain::read_again`]) and
/// forward it to the next pair with one write.
pub(crate) fn on_readable(
    params: &Params,
    pairs: &[Pair],
    i: usize,
    chain: &mut Chain,
) -> io::Result<()> {
    chain.callbacks += 1;
    let mut buf = [0u8; READ_BUF];
    loop {
        let n = match (&pairs[i].rx).read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e),
        };
        let forward = chain.on_read(n);
        if forward > 0 {
            let written = (&pairs[params.next(i)].tx).write(&buf[..forward])?;
            chain.on_write(written);
        }
        if !Chain::read_again(n) {
            return Ok(());
        }
    }
}

/// One measurement: the time of each timed loop and the callbacks run.
#[derive(Debug, Default)]
pub(crate) struct Run {
    /// Microseconds per timed loop, in order.
    pub(crate) loop_us: Vec<f64>,
    /// Read callbacks over all loops (warm-up included).
    pub(crate) callbacks: u64,
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (as `bench.c` raises
/// its own) and returns the soft limit now in force.
pub(crate) fn raise_fd_limit() -> io::Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass and nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct; raising the soft limit up
        // to the hard limit needs no privilege.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim = raised;
        }
    }
    Ok(lim.rlim_cur)
}

/// The largest number of socket pairs (two fds each) that fits `fd_limit`.
pub(crate) fn max_pipes(fd_limit: u64) -> usize {
    (fd_limit.saturating_sub(FD_RESERVE) / 2) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_spread_and_next_wraps() {
        let p = Params {
            pipes: 10,
            active: 3,
            writes: 5,
        };
        assert_eq!(p.seeds().collect::<Vec<_>>(), vec![0, 3, 6]);
        assert_eq!(p.next(9), 0);
        assert_eq!(p.next(4), 5);
        assert!(
            Params {
                pipes: 2,
                active: 3,
                writes: 1
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn chain_stops_forwarding_after_the_write_budget() {
        let p = Params {
            pipes: 4,
            active: 2,
            writes: 3,
        };
        let mut c = Chain::default();
        c.start_loop(&p, 2);
        assert_eq!(c.on_read(1), 1);
        c.on_write(1);
        assert_eq!(c.on_read(2), 2);
        c.on_write(2);
        assert_eq!(c.on_read(1), 0);
        assert!(!c.done());
        assert_eq!(c.on_read(1), 0);
        assert!(c.done());
    }

    #[test]
    fn fd_budget_keeps_a_reserve() {
        assert_eq!(max_pipes(20_000), 9_968);
        assert_eq!(max_pipes(10), 0);
        assert!(raise_fd_limit().unwrap() > 0);
    }
}
