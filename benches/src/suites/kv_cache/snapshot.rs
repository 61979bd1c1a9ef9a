//! RDB snapshots: `BGSAVE` of a million mixed keys and loading the file at
//! the next start, ours against redis-server with the same settings
//! (`save ''`, a fresh `dir`, `rdbcompression yes`). Cases, named as in
//! `raw.csv` under the bench `persistence`:
//!
//! - `bgsave 1M`: time from `BGSAVE` until `INFO persistence` says it is
//!   done (`time`); the p99 of `GET`s one client sends meanwhile (`p99`);
//!   the peak RSS of the server plus its child while it runs (`rss`); the
//!   file's size (`bytes`); the child's copy-on-write (`cow`);
//! - `load 1M`: a server started on that file, from spawn until it answers
//!   `PING` with `PONG` (`time`).
//!
//! The dataset, a quarter each: strings `s:<n>` (every other one with a
//! TTL), hashes `h:<n>` of 4 fields, sorted sets `z:<n>` of 4 members and
//! lists `l:<n>` of 4 elements, all in their small encodings.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::memory::send_all;
use super::servers::{self, Launch, Resp};
use crate::runner::util::rss_bytes;
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};
use crate::stress::engine::new_histogram;

/// The `persistence` comparison's RDB cases.
#[derive(Default)]
pub(crate) struct Snapshot {
    /// The kv-cache-server binary.
    ours: Option<PathBuf>,
    /// Keys in the dataset.
    keys: u64,
}

/// Writes the mixed dataset.
fn load_mixed(resp: &mut Resp, n: u64) -> anyhow::Result<()> {
    send_all(
        resp,
        |i, buf| {
            let v = format!("v{:09}", i % 1_000_000_000);
            match i % 4 {
                0 => {
                    let k = format!("s:{i}");
                    if i % 8 == 0 {
                        Resp::encode(buf, &[b"SET", k.as_bytes(), v.as_bytes(), b"EX", b"100000"]);
                    } else {
                        Resp::encode(buf, &[b"SET", k.as_bytes(), v.as_bytes()]);
                    }
                }
                1 => {
                    let k = format!("h:{i}");
                    let a: [&[u8]; 10] = [
                        b"HSET",
                        k.as_bytes(),
                        b"a",
                        v.as_bytes(),
                        b"b",
                        b"1",
                        b"c",
                        b"xyz",
                        b"d",
                        b"22",
                    ];
                    Resp::encode(buf, &a);
                }
                2 => {
                    let k = format!("z:{i}");
                    let a: [&[u8]; 10] = [
                        b"ZADD",
                        k.as_bytes(),
                        b"1",
                        b"a",
                        b"2.5",
                        v.as_bytes(),
                        b"3",
                        b"c",
                        b"4",
                        b"d",
                    ];
                    Resp::encode(buf, &a);
                }
                _ => {
                    let k = format!("l:{i}");
                    Resp::encode(
                        buf,
                        &[b"RPUSH", k.as_bytes(), b"a", v.as_bytes(), b"1", b"zz"],
                    );
                }
            }
        },
        n,
        1000,
    )
}

/// The process ids of `pid`'s children (a `BGSAVE` child), from /proc.
fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Sends `GET`s on one connection until `stop`, recording each latency.
fn get_load(
    addr: SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> anyhow::Result<hdrhistogram::Histogram<u64>> {
    let mut h = new_histogram()?;
    let mut resp = Resp::connect(addr)?;
    let mut buf = Vec::new();
    let mut i = 0u64;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        buf.clear();
        Resp::encode(
            &mut buf,
            &[b"GET", format!("s:{}", (i * 4) % 1_000_000).as_bytes()],
        );
        let t = Instant::now();
        resp.pipeline(&buf, 1)?;
        h.record(t.elapsed().as_micros().max(1) as u64)?;
        i += 1;
    }
    Ok(h)
}

impl Snapshot {
    fn settings(dir: &str) -> [(&str, &str); 2] {
        [("dir", dir), ("rdbcompression", "yes")]
    }

    fn bgsave(&self, imp: &str, dir: &str, prov: &mut Provenance) -> anyhow::Result<Vec<Sample>> {
        let ours = self.ours.clone().unwrap_or_default();
        let settings = Snapshot::settings(dir);
        let launch = Launch {
            settings: &settings,
            ..Launch::default()
        };
        let server = servers::start_with(imp, &ours, launch, prov)?;
        let mut resp = Resp::connect(server.addr)?;
        load_mixed(&mut resp, self.keys)?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (addr, flag) = (server.addr, stop.clone());
        let load = std::thread::spawn(move || get_load(addr, flag));
        std::thread::sleep(Duration::from_millis(200));
        let mut buf = Vec::new();
        Resp::encode(&mut buf, &[b"BGSAVE"]);
        let began = Instant::now();
        resp.pipeline(&buf, 1)?;
        let pid = server.child.pid();
        let mut peak = 0u64;
        loop {
            let rss: u64 = std::iter::once(pid)
                .chain(children(pid))
                .filter_map(|p| rss_bytes(p).ok())
                .sum();
            peak = peak.max(rss);
            let info = resp.info("persistence")?;
            if servers::info_field(&info, "rdb_bgsave_in_progress") == Some(0.0) {
                break;
            }
            if began.elapsed() > Duration::from_secs(600) {
                bail!("BGSAVE did not finish in 10 minutes");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let time = began.elapsed();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let h = load
            .join()
            .map_err(|_| anyhow::anyhow!("GET load thread panicked"))??;
        let info = resp.info("persistence")?;
        if !info.contains("rdb_last_bgsave_status:ok") {
            bail!("{imp}: BGSAVE failed");
        }
        let cow = servers::info_field(&info, "rdb_last_cow_size").unwrap_or(f64::NAN);
        let bytes = std::fs::metadata(PathBuf::from(dir).join("dump.rdb"))
            .context("no dump.rdb")?
            .len();
        Ok(vec![
            Sample::new("time", time.as_secs_f64() * 1000.0, "ms"),
            Sample::new("p99", h.value_at_quantile(0.99) as f64, "us"),
            Sample::new("rss", peak as f64, "bytes"),
            Sample::new("bytes", bytes as f64, "bytes"),
            Sample::new("cow", cow, "bytes"),
        ])
    }

    fn load(&self, imp: &str, dir: &str, prov: &mut Provenance) -> anyhow::Result<Vec<Sample>> {
        let ours = self.ours.clone().unwrap_or_default();
        if !PathBuf::from(dir).join("dump.rdb").exists() {
            // The file of this impl's `bgsave` case; make one if that case did not run.
            self.bgsave(imp, dir, prov)?;
        }
        let settings = Snapshot::settings(dir);
        let launch = Launch {
            settings: &settings,
            ready_within: Some(Duration::from_secs(600)),
            ..Launch::default()
        };
        let began = Instant::now();
        let server = servers::start_with(imp, &ours, launch, prov)?;
        let mut resp = Resp::connect(server.addr)?;
        let mut ping = Vec::new();
        Resp::encode(&mut ping, &[b"PING"]);
        // Redis answers -LOADING while it loads; ours listens only after.
        while resp.pipeline(&ping, 1).is_err() {
            if began.elapsed() > Duration::from_secs(600) {
                bail!("{imp} did not load in 10 minutes");
            }
            std::thread::sleep(Duration::from_millis(5));
            resp = Resp::connect(server.addr)?;
        }
        Ok(vec![Sample::new(
            "time",
            began.elapsed().as_secs_f64() * 1000.0,
            "ms",
        )])
    }
}

impl Comparison for Snapshot {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }

    fn bench(&self) -> &'static str {
        "persistence"
    }

    fn describe(&self) -> String {
        format!(
            "RDB snapshots. bgsave: {} mixed keys (a quarter each: strings, half of them with a TTL; hashes of 4 \
             fields; sorted sets of 4; lists of 4) loaded into a fresh server (kv-cache-server, release; \
             redis-server --save '' --appendonly no, both with a fresh dir and rdbcompression yes), then BGSAVE: \
             time until INFO persistence shows it done, p99 of GETs one client sends meanwhile, peak RSS of the \
             server and its child, dump.rdb size, rdb_last_cow_size. load: a server started on that file, time \
             from spawn until PING answers PONG. Lower is better.",
            self.keys
        )
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        let n = if quick { "100k" } else { "1M" };
        vec![format!("bgsave {n}"), format!("load {n}")]
    }

    fn rounds(&self, quick: bool) -> usize {
        if quick { 1 } else { 3 }
    }

    fn targets(&self) -> Vec<Target> {
        vec![
            Target::at_most("redis", "time", 1.0),
            Target::at_most("redis", "p99", 1.0),
            Target::at_most("redis", "rss", 1.0),
            Target::at_most("redis", "bytes", 1.05),
        ]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.keys = if quick { 100_000 } else { 1_000_000 };
        let (ours, mut impls, skips) = servers::server_impls(prov)?;
        self.ours = Some(ours);
        for imp in &mut impls {
            imp.config += ", --dir <fresh dir> --rdbcompression yes";
        }
        Ok((impls, skips))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        // One directory per impl, kept from `bgsave` to `load` in a round.
        let dir = std::env::temp_dir().join(format!("kv-persistence-{imp}-{}", std::process::id()));
        let d = dir.display().to_string();
        if case.starts_with("bgsave") {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir)?;
            return self.bgsave(imp, &d, prov);
        }
        std::fs::create_dir_all(&dir)?;
        let out = self.load(imp, &d, prov);
        let _ = std::fs::remove_dir_all(&dir);
        out
    }
}
