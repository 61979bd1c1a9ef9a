//! The DEL vs UNLINK stall: freeing a sorted set of a million members is
//! a million frees. Redis's `DEL` does them before it answers (with its
//! default `lazyfree-lazy-user-del no`), and everybody waits; `UNLINK`
//! unlinks the key and hands a value this big to a background thread.
//!
//! ```text
//!  probe  PING PING PING ····(stalled)···· PING PING   one due every 1 ms
//!                 ▲ DEL sent          ▲ reply
//!                 └──── window: 500 ms, or to 10 ms after the reply ────┘
//! ```
//!
//! The probe is paced (open loop, as the `fairness` bench's clients): its
//! `k`th PING is due at `start + k ms` and its latency runs from when it was
//! due, so a stall of S ms counts once for every PING it held up. The
//! figures are over the PINGs due in the window.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use super::conn::Conn;
use crate::stress::engine::new_histogram;
use crate::suites::kv_cache::memory::load_big_zset;
use crate::suites::kv_cache::servers::Resp;

/// The probe's pace.
pub(crate) const INTERVAL: Duration = Duration::from_millis(1);
/// How long the probe runs before the delete is sent.
const LEAD: Duration = Duration::from_millis(100);
/// The window, from the delete's send, unless its reply comes later.
pub(crate) const WINDOW: Duration = Duration::from_millis(500);
/// How long the window runs past a late reply.
const TAIL: Duration = Duration::from_millis(10);
/// The probe gives up after this long, whatever the server does.
const PROBE_LIMIT: Duration = Duration::from_secs(60);

/// What the probe saw while the value was freed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Stall {
    /// The probe's largest latency in the window, microseconds.
    pub(crate) max_us: u64,
    /// Its 99th percentile, microseconds.
    pub(crate) p99_us: u64,
    /// How long the delete command took to answer, microseconds.
    pub(crate) command_us: u64,
}

/// Loads `bigzset` with `members` members, then frees it with `command`
/// while the probe runs.
pub(crate) fn measure(addr: SocketAddr, command: &str, members: u64) -> anyhow::Result<Stall> {
    load_big_zset(&mut Resp::connect(addr)?, members)?;
    let mut conn = Conn::connect(addr)?;
    let probe = TcpStream::connect(addr).context("connecting the probe")?;
    probe.set_nodelay(true)?;
    let stop = AtomicBool::new(false);
    let start = Instant::now();
    thread::scope(|scope| {
        let probing = scope.spawn(|| paced_pings(probe, start, &stop));
        let ran = delete(&mut conn, command);
        stop.store(true, Ordering::Relaxed);
        let pings = probing
            .join()
            .map_err(|_| anyhow!("the probe panicked"))??;
        let (sent, answered) = ran?;
        let end = (sent + WINDOW).max(answered + TAIL);
        let mut latency = new_histogram()?;
        for (due, us) in pings {
            if due >= sent && due < end {
                latency.saturating_record(us);
            }
        }
        if latency.is_empty() {
            bail!("the probe sent nothing in the window");
        }
        Ok(Stall {
            max_us: latency.max(),
            p99_us: latency.value_at_quantile(0.99),
            command_us: answered.duration_since(sent).as_micros() as u64,
        })
    })
}

/// Sends `command bigzset` after the probe's [`LEAD`] and waits out the
/// window; returns when the command was sent and when it was answered.
fn delete(conn: &mut Conn, command: &str) -> anyhow::Result<(Instant, Instant)> {
    thread::sleep(LEAD);
    let sent = Instant::now();
    let freed = conn.call_integer(&[command.as_bytes(), b"bigzset"])?;
    let answered = Instant::now();
    if freed != 1 {
        bail!("{command} bigzset answered {freed}, not 1");
    }
    let end = (sent + WINDOW).max(answered + TAIL);
    thread::sleep(end.saturating_duration_since(Instant::now()));
    Ok((sent, answered))
}

/// One `PING` due every [`INTERVAL`] from `start` until `stop`; returns
/// when each was due and its latency from then, microseconds.
fn paced_pings(
    mut s: TcpStream,
    start: Instant,
    stop: &AtomicBool,
) -> anyhow::Result<Vec<(Instant, u64)>> {
    s.set_read_timeout(Some(PROBE_LIMIT))?;
    let mut pings = Vec::new();
    let mut reply = [0u8; 7];
    for k in 0u32.. {
        let due = start + INTERVAL * k;
        if stop.load(Ordering::Relaxed) || due.duration_since(start) > PROBE_LIMIT {
            break;
        }
        thread::sleep(due.saturating_duration_since(Instant::now()));
        s.write_all(b"*1\r\n$4\r\nPING\r\n").context("probe PING")?;
        s.read_exact(&mut reply).context("probe reading PONG")?;
        if &reply != b"+PONG\r\n" {
            bail!("the probe got {:?}", String::from_utf8_lossy(&reply));
        }
        pings.push((due, due.elapsed().as_micros().max(1) as u64));
    }
    Ok(pings)
}
