//! Fairness: what one greedy client costs everybody else. One "hog"
//! connection writes a million pipelined `GET k` as fast as it can and
//! never reads a reply; meanwhile eight other clients each send a `PING`
//! every millisecond and time the answer. A server that serves the hog's
//! whole pipeline before looking at anyone else makes them wait; Redis
//! bounds the work it does for one client per event-loop turn.
//!
//! The other clients are *paced* (wrk2-style, open loop): request `k` of a
//! client is due at `start + k ms`, and its latency runs from when it was
//! due, not from when it could finally be sent. A closed-loop client would
//! record a 300 ms stall as one slow request and then carry on, so the
//! stall would vanish from the p99 (coordinated omission); paced, the
//! stall counts once for every request that should have been sent in it.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use hdrhistogram::Histogram;

use super::servers::{self, Launch, Resp};
use crate::runner::util::{median, rss_bytes};
use crate::runner::{Comparison, ExtraRow, Impl, Provenance, Sample, Skip, Target};
use crate::stress::engine::new_histogram;

/// The other clients.
const CLIENTS: usize = 8;
/// Each other client's schedule: one `PING` per interval.
const INTERVAL: Duration = Duration::from_millis(1);
/// The hog's `GET`s, full run and `--quick`.
const HOG: u64 = 1_000_000;
/// The hog's `GET`s in a `--quick` run.
const HOG_QUICK: u64 = 200_000;
/// How long the other clients measure, from the hog's first write; the
/// hog stops writing at the end of it (if it has not finished) and closes.
const WINDOW: Duration = Duration::from_secs(4);
/// The window of a `--quick` run.
const WINDOW_QUICK: Duration = Duration::from_secs(2);
/// How often the server's RSS is sampled for its peak.
const RSS_EVERY: Duration = Duration::from_millis(10);
/// Given to both servers, although it is both defaults: no output buffer
/// limit for normal clients, so neither server drops the hog.
const SETTINGS: &[(&str, &str)] = &[("client-output-buffer-limit", "normal 0 0 0")];
/// The hog's command.
const GET: &[u8] = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
/// The other clients' command and its reply.
const PING: (&[u8], &[u8]) = (b"*1\r\n$4\r\nPING\r\n", b"+PONG\r\n");

/// The `fairness` comparison.
#[derive(Default)]
pub(crate) struct Fairness {
    /// The kv-cache-server binary.
    ours: Option<PathBuf>,
    /// The hog's requests.
    hog: u64,
    /// The measuring window.
    window: Duration,
    /// Per measurement: impl, the hog's requests written, seconds it took to write them.
    hogs: Vec<(&'static str, u64, f64)>,
}

/// What one run observed.
struct Observed {
    /// Latency of the other clients' requests, microseconds from when each was due.
    latency: Histogram<u64>,
    /// The server's largest RSS during the window.
    rss_peak: u64,
    /// Requests the hog wrote.
    hog_sent: u64,
    /// How long the hog took to write them.
    hog_secs: f64,
}

impl Comparison for Fairness {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }

    fn bench(&self) -> &'static str {
        "fairness"
    }

    fn describe(&self) -> String {
        format!(
            "A fresh server of each kind (persistence off; both started with client-output-buffer-limit \
             'normal 0 0 0', redis-server's default, as `--client-output-buffer-limit` and ours as `--set`), \
             key k set to a 10-byte value. One hog connection writes {HOG} pipelined `GET k` ({HOG_QUICK} with \
             --quick) as fast as the socket takes them and never reads; it stops writing at the end of the \
             window if it has not finished, stays connected until then, and closes. Meanwhile {CLIENTS} other \
             connections each send one PING every {} ms (paced, one in flight: latency runs from when a \
             request was due, so a stall counts for every request it delayed — no coordinated omission) for \
             {} s ({} s with --quick) from the hog's first write. p50/p99/max: those clients' latencies, \
             microseconds, over the whole window — so a stall of S ms counts for S of each client's due \
             requests, and the percentiles depend on the window's length, the same for both servers; rss_peak: the server's VmRSS sampled every {} ms during the window. Client \
             threads, hog and server share the machine.",
            INTERVAL.as_millis(),
            WINDOW.as_secs(),
            WINDOW_QUICK.as_secs(),
            RSS_EVERY.as_millis(),
        )
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        let hog = if quick { HOG_QUICK } else { HOG };
        vec![format!("{hog} GETs unread, {CLIENTS} PING clients")]
    }

    fn targets(&self) -> Vec<Target> {
        vec![Target::at_most("redis", "p99", 1.0)]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        (self.hog, self.window) = if quick {
            (HOG_QUICK, WINDOW_QUICK)
        } else {
            (HOG, WINDOW)
        };
        self.hogs.clear();
        let (ours, mut impls, skips) = servers::server_impls(prov)?;
        for imp in &mut impls {
            imp.config
                .push_str(", client-output-buffer-limit normal 0 0 0");
        }
        self.ours = Some(ours);
        Ok((impls, skips))
    }

    fn measure(
        &mut self,
        _case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let ours = self.ours.clone().context("kv-cache-server not built")?;
        let launch = Launch {
            settings: SETTINGS,
            ..Launch::default()
        };
        let server = servers::start_with(imp, &ours, launch, prov)?;
        let mut buf = Vec::new();
        Resp::encode(&mut buf, &[b"SET", b"k", b"0123456789"]);
        Resp::connect(server.addr)?.pipeline(&buf, 1)?;
        let seen = observe(server.addr, server.child.pid(), self.hog, self.window)?;
        let name = if imp == "ours" { "ours" } else { "redis" };
        self.hogs.push((name, seen.hog_sent, seen.hog_secs));
        let at = |q: f64| seen.latency.value_at_quantile(q) as f64;
        Ok(vec![
            Sample::new("p50", at(0.50), "us"),
            Sample::new("p99", at(0.99), "us"),
            Sample::new("max", seen.latency.max() as f64, "us"),
            Sample::new("rss_peak", seen.rss_peak as f64, "bytes"),
        ])
    }

    fn extra(&mut self, _quick: bool, prov: &mut Provenance) -> anyhow::Result<Vec<ExtraRow>> {
        for imp in ["ours", "redis"] {
            let runs: Vec<&(&str, u64, f64)> = self.hogs.iter().filter(|h| h.0 == imp).collect();
            if runs.is_empty() {
                continue;
            }
            let sent: Vec<f64> = runs.iter().map(|h| h.1 as f64).collect();
            let secs: Vec<f64> = runs.iter().map(|h| h.2).collect();
            prov.note(format!(
                "fairness, {imp}: the hog's socket took {:.0} of {} GETs (median over rounds) in {:.1} ms \
                 (loopback socket buffers hold megabytes, so this is how fast the kernel took them, not \
                 the server)",
                median(&sent),
                self.hog,
                1000.0 * median(&secs)
            ));
        }
        Ok(Vec::new())
    }
}

/// Runs the hog and the paced clients against `addr` (process `pid`) and
/// returns what the clients saw.
fn observe(addr: SocketAddr, pid: u32, hog: u64, window: Duration) -> anyhow::Result<Observed> {
    let connect = || -> anyhow::Result<TcpStream> {
        let s = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
        s.set_nodelay(true)?;
        Ok(s)
    };
    let clients = (0..CLIENTS)
        .map(|_| connect())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let hog_stream = connect()?;
    // Everyone starts together, once every thread is up.
    let start = Instant::now() + Duration::from_millis(50);
    let end = start + window;
    thread::scope(|scope| {
        let paced: Vec<_> = clients
            .into_iter()
            .map(|c| scope.spawn(move || paced_client(c, start, end)))
            .collect();
        let hog = scope.spawn(move || write_unread(hog_stream, hog, start, end));
        let rss = scope.spawn(move || rss_peak(pid, start, end));
        let mut latency = new_histogram()?;
        for p in paced {
            let h = p
                .join()
                .map_err(|_| anyhow!("a client thread panicked"))??;
            latency.add(&h).context("merging histograms")?;
        }
        let (hog_sent, hog_secs) = hog.join().map_err(|_| anyhow!("the hog panicked"))??;
        let rss_peak = rss
            .join()
            .map_err(|_| anyhow!("the RSS sampler panicked"))??;
        Ok(Observed {
            latency,
            rss_peak,
            hog_sent,
            hog_secs,
        })
    })
}

/// One paced client: a PING due every [`INTERVAL`] from `start` until
/// `end`, each timed from when it was due.
fn paced_client(mut s: TcpStream, start: Instant, end: Instant) -> anyhow::Result<Histogram<u64>> {
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut latency = new_histogram()?;
    let mut reply = vec![0u8; PING.1.len()];
    for k in 0u32.. {
        let due = start + INTERVAL * k;
        if due >= end {
            break;
        }
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        s.write_all(PING.0).context("PING")?;
        s.read_exact(&mut reply).context("reading PONG")?;
        if reply != PING.1 {
            bail!("expected +PONG, got {:?}", String::from_utf8_lossy(&reply));
        }
        latency.saturating_record(due.elapsed().as_micros().max(1) as u64);
    }
    Ok(latency)
}

/// The hog: writes `n` pipelined `GET k` from `start`, never reading,
/// stopping at `end` if the server has not taken them all; stays
/// connected until `end`, then closes. Returns the requests written and
/// the seconds the writing took.
fn write_unread(
    mut s: TcpStream,
    n: u64,
    start: Instant,
    end: Instant,
) -> anyhow::Result<(u64, f64)> {
    // A write blocks when the server stops reading; the timeout lets the
    // hog notice the end of the window.
    s.set_write_timeout(Some(Duration::from_millis(50)))?;
    let batch: Vec<u8> = GET.repeat(1000);
    let total = n * GET.len() as u64;
    let mut written = 0u64;
    if let Some(wait) = start.checked_duration_since(Instant::now()) {
        thread::sleep(wait);
    }
    while written < total && Instant::now() < end {
        let offset = (written % batch.len() as u64) as usize;
        let len = (batch.len() - offset).min((total - written) as usize);
        match s.write(&batch[offset..offset + len]) {
            Ok(0) => bail!("the server closed the hog's connection"),
            Ok(k) => written += k as u64,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(e).context("hog write"),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    if let Some(wait) = end.checked_duration_since(Instant::now()) {
        thread::sleep(wait);
    }
    drop(s);
    Ok((written / GET.len() as u64, secs))
}

/// The largest RSS of `pid` sampled every [`RSS_EVERY`] from `start` to `end`.
fn rss_peak(pid: u32, start: Instant, end: Instant) -> anyhow::Result<u64> {
    if let Some(wait) = start.checked_duration_since(Instant::now()) {
        thread::sleep(wait);
    }
    let mut peak = rss_bytes(pid)?;
    while Instant::now() < end {
        thread::sleep(RSS_EVERY);
        peak = peak.max(rss_bytes(pid)?);
    }
    Ok(peak)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A stand-in server: answers PONG to every PING, reads and drops
    /// whatever the hog sends — enough to check the clients' bookkeeping.
    #[test]
    fn the_clients_and_the_hog_against_a_stand_in() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                thread::spawn(move || {
                    let mut s = stream;
                    let mut buf = [0u8; 65536];
                    while let Ok(n) = s.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        let pings = buf[..n].windows(4).filter(|w| w == b"PING").count();
                        for _ in 0..pings {
                            let _ = s.write_all(PING.1);
                        }
                    }
                });
            }
        });
        let seen = observe(addr, std::process::id(), 1000, Duration::from_millis(200)).unwrap();
        // About 200 PINGs per client in 200 ms.
        assert!(
            seen.latency.len() >= (CLIENTS * 100) as u64,
            "{}",
            seen.latency.len()
        );
        assert_eq!(seen.hog_sent, 1000);
        assert!(seen.rss_peak > 0);
    }
}
