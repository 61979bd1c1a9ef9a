//! The open-loop driver: requests leave on a fixed schedule, whatever the
//! server does, and each latency counts from when its request was *due*.
//!
//! Why: a closed-loop client (the [`engine`](super::engine) driver, wrk,
//! redis-benchmark) waits for a response before sending the next request.
//! When the server stalls for 200 ms, such a client sends nothing during
//! the stall, so exactly one request per connection records the 200 ms and
//! the percentiles barely move — although a real user arriving at a steady
//! rate would have waited through it, up to 200 ms each. The client has
//! coordinated with the server and omitted the bad samples: *coordinated
//! omission* (Gil Tene's name for it; wrk2 and hdrhistogram correct it the
//! same way). An open-loop client keeps the schedule: the requests due
//! during the stall go out late (or queue in the socket) and each one's
//! latency runs from its due time.
//!
//! ```text
//!  writer task                                   reader task
//!  ┌───────────────────────────────────────┐    ┌─────────────────────────────────┐
//!  │ due = first + k * interval              │    │ read ─► each complete response: │
//!  │ sleep until due; send every request     │──► │   latency = now - due(of it)    │
//!  │ whose due time has passed (catch up),   │due │ (times arrive in request order) │
//!  │ its due time to the reader              │    └─────────────────────────────────┘
//!  └───────────────────────────────────────┘
//! ```
//!
//! Each connection runs two tasks so that a write that blocks on a full
//! socket never delays reading responses (which would charge our own delay
//! to the server). They use two protocol instances, one to make requests
//! and one to parse responses, as [`Protocol`] keeps no state linking them.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::engine::{Protocol, Tally, run_connections};
use super::{LoadConfig, LoadReport};

/// Drives `cfg.connections` connections at `rate` requests per second in
/// all (spread evenly over the connections and phased so they do not all
/// fire at once), measuring each latency from its request's due time.
/// `cfg.pipeline` is ignored: in an open loop, how many requests are in
/// flight is the server's doing.
pub fn drive_open<P: Protocol>(
    cfg: &LoadConfig,
    rate: f64,
    make: impl Fn(usize) -> P,
) -> anyhow::Result<LoadReport> {
    anyhow::ensure!(
        rate.is_finite() && rate > 0.0,
        "--rate must be a positive number of requests per second"
    );
    anyhow::ensure!(
        cfg.connections > 0,
        "an open loop needs at least one connection"
    );
    let connections = cfg.connections;
    let interval = Duration::from_secs_f64(connections as f64 / rate);
    let begin = Instant::now();
    let start = begin + cfg.warmup;
    let end = start + cfg.duration;
    let addr = cfg.addr;
    run_connections(cfg, |i| {
        let schedule = Schedule {
            first: begin + interval.mul_f64(i as f64 / connections as f64),
            interval,
            start,
            end,
        };
        connection(addr, make(i), make(i), schedule)
    })
}

/// When one connection's requests are due, and which count.
#[derive(Clone, Copy, Debug)]
struct Schedule {
    /// The first request's due time.
    first: Instant,
    /// Between two requests' due times.
    interval: Duration,
    /// Requests due from here on are measured...
    start: Instant,
    /// ...up to here, where sending stops.
    end: Instant,
}

async fn connection<P: Protocol>(
    addr: std::net::SocketAddr,
    mut writer: P,
    mut reader: P,
    when: Schedule,
) -> anyhow::Result<Tally> {
    // Upgraded protocols (WebSocket) are driven closed loop only.
    anyhow::ensure!(
        reader.upgrade_request().is_none(),
        "the open loop does not drive connections that upgrade first"
    );
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    let (mut rd, mut wr) = stream.into_split();
    // Unbounded on purpose: it holds one `Instant` per request written and
    // not yet answered, which the schedule itself bounds (rate × duration).
    let (due_tx, mut due_rx) = mpsc::unbounded_channel::<Instant>();

    let write = tokio::spawn(async move {
        let mut out = Vec::with_capacity(4096);
        let mut k: u32 = 0;
        loop {
            let due = when.first + when.interval * k;
            if due >= when.end {
                return anyhow::Ok(());
            }
            tokio::time::sleep_until(due.into()).await;
            // Everything due by now goes out together: a late wake-up (or a
            // write that blocked) is caught up, not dropped.
            out.clear();
            let now = Instant::now();
            loop {
                let due = when.first + when.interval * k;
                if due > now || due >= when.end {
                    break;
                }
                writer.next_request(&mut out);
                // The reader outlives the writer, so this send cannot fail.
                let _ = due_tx.send(due);
                k += 1;
            }
            wr.write_all(&out).await?;
        }
    });

    let mut tally = Tally::new()?;
    let mut inbuf = vec![0u8; 64 * 1024];
    let (mut filled, mut consumed) = (0usize, 0usize);
    // Due times of the requests written and not answered, oldest first.
    let mut pending: VecDeque<Instant> = VecDeque::new();
    let mut writer_done = false;
    loop {
        if writer_done && pending.is_empty() {
            break;
        }
        let n = tokio::select! {
            r = rd.read(&mut inbuf[filled..]) => r?,
            due = due_rx.recv(), if !writer_done => {
                match due {
                    Some(due) => pending.push_back(due),
                    None => writer_done = true,
                }
                continue;
            }
            _ = tokio::time::sleep(Duration::from_secs(10)), if !pending.is_empty() => {
                anyhow::bail!("no response within 10 s");
            }
        };
        if n == 0 {
            // The server closed with requests in flight.
            tally.errors += pending.len() as u64;
            break;
        }
        filled += n;
        while let Some((len, is_error)) = reader.parse_response(&inbuf[consumed..filled])? {
            consumed += len;
            let now = Instant::now();
            // The writer hands over a due time before it writes the request,
            // so it is in the channel if not yet in `pending`.
            let due = match pending.pop_front() {
                Some(due) => due,
                None => due_rx.recv().await.context("a response nobody asked for")?,
            };
            tally.answered += 1;
            // Measured: the requests due in the window, however late answered.
            if due >= when.start {
                tally.requests += 1;
                tally.errors += u64::from(is_error);
                let us = now.saturating_duration_since(due).as_micros().max(1) as u64;
                tally.histogram.saturating_record(us);
            }
        }
        inbuf.copy_within(consumed..filled, 0);
        filled -= consumed;
        consumed = 0;
        if filled == inbuf.len() {
            inbuf.resize(inbuf.len() * 2, 0);
        }
    }
    write.await.context("writer task panicked")??;
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stress::engine::drive;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Answers `+OK` to every line, except that the first request after
    /// `stall_at` waits `stall` before its answer: a server that freezes once.
    fn stalling_server(stall_at: Duration, stall: Duration) -> std::net::SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stalled = Arc::new(AtomicBool::new(false));
        let born = Instant::now();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let stalled = Arc::clone(&stalled);
                std::thread::spawn(move || {
                    use std::io::{BufRead, BufReader, Write};
                    let mut w = conn.try_clone().unwrap();
                    let _ = w.set_nodelay(true);
                    for line in BufReader::new(conn).lines() {
                        if line.is_err() {
                            return;
                        }
                        if born.elapsed() >= stall_at && !stalled.swap(true, Ordering::SeqCst) {
                            std::thread::sleep(stall);
                        }
                        if w.write_all(b"+OK\r\n").is_err() {
                            return;
                        }
                    }
                });
            }
        });
        addr
    }

    /// `PING\n`, answered by one `+OK\r\n`.
    struct Ping;

    impl Protocol for Ping {
        fn next_request(&mut self, out: &mut Vec<u8>) {
            out.extend_from_slice(b"PING\n");
        }
        fn parse_response(&mut self, buf: &[u8]) -> anyhow::Result<Option<(usize, bool)>> {
            Ok((buf.len() >= 5).then_some((5, false)))
        }
    }

    fn cfg(addr: std::net::SocketAddr) -> LoadConfig {
        LoadConfig {
            addr,
            connections: 1,
            pipeline: 1,
            duration: Duration::from_millis(1200),
            warmup: Duration::from_millis(100),
            threads: 1,
        }
    }

    /// The stall of 300 ms, one second into the run: the closed loop sees
    /// it in one request, so its p99 stays small; the open loop at 500
    /// requests per second charges it to the ~150 requests due during it,
    /// more than 1% of the ~600 measured, so its p99 is most of the stall.
    #[test]
    fn an_open_loop_sees_the_stall_that_a_closed_loop_omits() {
        let stall = Duration::from_millis(300);
        let closed = drive(
            &cfg(stalling_server(Duration::from_millis(600), stall)),
            |_| Ping,
        )
        .unwrap();
        let open = drive_open(
            &cfg(stalling_server(Duration::from_millis(600), stall)),
            500.0,
            |_| Ping,
        )
        .unwrap();
        assert_eq!(closed.errors + open.errors, 0);
        assert!(
            closed.max_us >= 250_000.0,
            "the closed loop saw the stall once: {closed:?}"
        );
        assert!(
            closed.p99_us < 100_000.0,
            "closed-loop p99 hides it: {closed:?}"
        );
        assert!(open.p99_us >= 150_000.0, "open-loop p99 shows it: {open:?}");
        // The schedule was kept: about rate × duration requests measured.
        assert!((450..=660).contains(&open.requests), "{open:?}");
    }

    #[test]
    fn a_rate_must_be_positive() {
        let addr = "127.0.0.1:9".parse().unwrap();
        assert!(drive_open(&cfg(addr), 0.0, |_| Ping).is_err());
        assert!(drive_open(&cfg(addr), f64::NAN, |_| Ping).is_err());
    }
}
