//! Bench `fairness`: another client's latency while many connections
//! pipeline without pause, ours vs axum.
//!
//! Fifty connections each write requests in batches of 1,000 as fast as the
//! socket takes them and drain the responses on a second thread, so the
//! server always has a full read buffer on every one of them. Meanwhile one
//! probe connection sends a request, waits for its response, and sends the
//! next; its latencies are the figure. A server that serves a pipelining
//! connection for as long as it has input makes the probe wait for whole
//! runs of other connections' requests.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

use super::servers::{Which, impls, start};
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};
use crate::stress::{engine, http};

const PIPELINERS: usize = 50;
const BATCH: usize = 1000;

/// The fairness comparison.
pub(crate) struct Fairness {
    duration: Duration,
    warmup: Duration,
}

impl Default for Fairness {
    fn default() -> Fairness {
        Fairness {
            duration: Duration::from_secs(3),
            warmup: Duration::from_secs(1),
        }
    }
}

/// One pipelining connection: a writer and a reader thread, both stopped by `stop`.
fn pipeliner(
    addr: SocketAddr,
    request: &[u8],
    stop: &Arc<AtomicBool>,
) -> anyhow::Result<[std::thread::JoinHandle<()>; 2]> {
    let stream = TcpStream::connect(addr).context("pipeliner connect")?;
    // Timeouts so a stalled server cannot hang the run: the loops re-check `stop`.
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    stream.set_write_timeout(Some(Duration::from_millis(200)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = stream;
    let batch = request.repeat(BATCH);
    let (stop_w, stop_r) = (stop.clone(), stop.clone());
    let w = std::thread::spawn(move || {
        while !stop_w.load(Ordering::Relaxed) {
            match writer.write_all(&batch) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return,
            }
        }
    });
    let r = std::thread::spawn(move || {
        let mut sink = vec![0u8; 64 * 1024];
        while !stop_r.load(Ordering::Relaxed) {
            match reader.read(&mut sink) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return,
            }
        }
    });
    Ok([w, r])
}

/// Sends `request` over `s` and waits for one whole response.
fn probe_once(s: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> anyhow::Result<()> {
    s.write_all(request)?;
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some((len, _)) = http::response_len(buf)? {
            anyhow::ensure!(len == buf.len(), "probe got more than one response");
            return Ok(());
        }
        let n = s.read(&mut chunk).context("probe read")?;
        anyhow::ensure!(n > 0, "server closed the probe connection");
        buf.extend_from_slice(&chunk[..n]);
    }
}

impl Comparison for Fairness {
    fn crate_name(&self) -> &'static str {
        "mini-web"
    }

    fn bench(&self) -> &'static str {
        "fairness"
    }

    fn describe(&self) -> String {
        format!(
            "Another client's latency while {PIPELINERS} connections pipeline GET /plaintext without pause \
             (each writes batches of {BATCH} requests as fast as the socket takes them and drains responses on a \
             second thread). One probe connection sends GET /plaintext, waits for the response, repeats, for {}s \
             after {}s of warm-up; p50 and p99 are the probe's. Servers as in bench `wrk` (same routes, runtime \
             with t worker threads, release build).",
            self.duration.as_secs_f64(),
            self.warmup.as_secs_f64()
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        ["t=1", "t=2"].map(String::from).to_vec()
    }

    fn rounds(&self, quick: bool) -> usize {
        if quick { 1 } else { 3 }
    }

    fn targets(&self) -> Vec<Target> {
        vec![Target::at_most("axum", "p99", 1.0)]
    }

    fn prepare(
        &mut self,
        quick: bool,
        _prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        if quick {
            self.duration = Duration::from_millis(1000);
            self.warmup = Duration::from_millis(300);
        }
        Ok((impls(), Vec::new()))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let threads: usize = case.trim_start_matches("t=").parse()?;
        let server = start(Which::from_name(imp)?, threads)?;
        let request = http::request("GET", &server.addr.to_string(), "/plaintext", b"");
        prov.command(format!(
            "# in-process: {PIPELINERS} pipelining connections (batches of {BATCH}) + 1 sequential probe on GET /plaintext, {imp} server, {threads} worker thread(s), {}s",
            self.duration.as_secs_f64()
        ));
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads_out = Vec::new();
        let result = (|| {
            for _ in 0..PIPELINERS {
                threads_out.extend(pipeliner(server.addr, &request, &stop)?);
            }
            let mut probe = TcpStream::connect(server.addr)?;
            probe.set_nodelay(true)?;
            probe.set_read_timeout(Some(Duration::from_secs(10)))?;
            let mut hist = engine::new_histogram()?;
            let mut buf = Vec::new();
            let start = Instant::now();
            let measure_from = start + self.warmup;
            let end = measure_from + self.duration;
            loop {
                let t = Instant::now();
                if t >= end {
                    break;
                }
                probe_once(&mut probe, &request, &mut buf)?;
                if t >= measure_from {
                    hist.record((t.elapsed().as_micros() as u64).max(1))?;
                }
            }
            anyhow::ensure!(!hist.is_empty(), "the probe completed no request");
            Ok(hist)
        })();
        stop.store(true, Ordering::Relaxed);
        for t in threads_out {
            let _ = t.join();
        }
        drop(server);
        let hist = result?;
        Ok(vec![
            Sample::new("p50", hist.value_at_quantile(0.5) as f64, "us"),
            Sample::new("p99", hist.value_at_quantile(0.99) as f64, "us"),
            Sample::new("max", hist.max() as f64, "us"),
        ])
    }
}
