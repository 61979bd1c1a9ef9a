//! Memory per data type: RSS and `INFO used_memory` after loading the same
//! data into a fresh server of each kind. Cases:
//!
//! - `strings 1M`: `key:<n>` → a 10-byte value, every other key with a TTL;
//! - `hashes 100k×10`: `hash:<n>` with fields `field:<j>` → 8-digit values;
//! - `zsets 100k×10`: `zset:<n>` with members `member:<j>`, scores `n + j/10`;
//! - `zset 1M`: one sorted set of `member:<i>` with score `i * 1.5`.

use std::path::PathBuf;

use super::servers::{self, Resp};
use crate::runner::util::rss_bytes;
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};

/// The `memory` comparison.
#[derive(Default)]
pub(crate) struct Memory {
    /// The kv-cache-server binary.
    ours: Option<PathBuf>,
    /// Keys to load.
    keys: u64,
}

/// Sends `count` commands, the `i`th written by `next(i, buf)`, pipelined
/// in batches of `batch`.
pub(crate) fn send_all(
    resp: &mut Resp,
    mut next: impl FnMut(u64, &mut Vec<u8>),
    count: u64,
    batch: usize,
) -> anyhow::Result<()> {
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut in_batch = 0;
    for i in 0..count {
        next(i, &mut buf);
        in_batch += 1;
        if in_batch == batch || i + 1 == count {
            resp.pipeline(&buf, in_batch)?;
            buf.clear();
            in_batch = 0;
        }
    }
    Ok(())
}

/// Loads `n` hashes of 10 fields.
fn load_hashes(resp: &mut Resp, n: u64) -> anyhow::Result<()> {
    let fields: Vec<Vec<u8>> = (0..10).map(|j| format!("field:{j}").into_bytes()).collect();
    send_all(
        resp,
        |i, buf| {
            let key = format!("hash:{i}").into_bytes();
            let values: Vec<Vec<u8>> = (0..10)
                .map(|j| format!("{:08}", (i * 10 + j) % 100_000_000).into_bytes())
                .collect();
            let mut args: Vec<&[u8]> = vec![b"HSET", &key];
            for (f, v) in fields.iter().zip(&values) {
                args.push(f);
                args.push(v);
            }
            Resp::encode(buf, &args);
        },
        n,
        1000,
    )
}

/// Loads `n` sorted sets of 10 members.
fn load_zsets(resp: &mut Resp, n: u64) -> anyhow::Result<()> {
    send_all(
        resp,
        |i, buf| {
            let key = format!("zset:{i}").into_bytes();
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..10)
                .map(|j| {
                    (
                        format!("{i}.{j}").into_bytes(),
                        format!("member:{j}").into_bytes(),
                    )
                })
                .collect();
            let mut args: Vec<&[u8]> = vec![b"ZADD", &key];
            for (score, member) in &pairs {
                args.push(score);
                args.push(member);
            }
            Resp::encode(buf, &args);
        },
        n,
        1000,
    )
}

/// Loads one sorted set `bigzset` of `n` members, 1000 per `ZADD`.
pub(crate) fn load_big_zset(resp: &mut Resp, n: u64) -> anyhow::Result<()> {
    send_all(
        resp,
        |c, buf| {
            let mut args: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"bigzset".to_vec()];
            for i in c * 1000..((c + 1) * 1000).min(n) {
                args.push(format!("{}", i as f64 * 1.5).into_bytes());
                args.push(format!("member:{i}").into_bytes());
            }
            let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            Resp::encode(buf, &refs);
        },
        n.div_ceil(1000),
        10,
    )
}

/// Loads `n` string keys, 1000 commands per batch.
pub(crate) fn load(resp: &mut Resp, n: u64) -> anyhow::Result<()> {
    send_all(
        resp,
        |i, buf| {
            let key = format!("key:{i}");
            let value = format!("v{:09}", i % 1_000_000_000);
            if i % 2 == 0 {
                Resp::encode(
                    buf,
                    &[b"SET", key.as_bytes(), value.as_bytes(), b"EX", b"100000"],
                );
            } else {
                Resp::encode(buf, &[b"SET", key.as_bytes(), value.as_bytes()]);
            }
        },
        n,
        1000,
    )
}

impl Comparison for Memory {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }

    fn bench(&self) -> &'static str {
        "memory"
    }

    fn describe(&self) -> String {
        format!(
            "Each case loads into a fresh server (kv-cache-server, release; redis-server --save '' --appendonly no) \
             over one connection in pipelined batches, then reads the server's RSS (/proc VmRSS) and INFO \
             used_memory; lower is better. strings: {} keys `key:<n>` -> 10-byte values, every other one with \
             `EX 100000`. hashes: {} hashes `hash:<n>` of 10 fields `field:<j>` -> 8-digit values (HSET). zsets: {} \
             sorted sets `zset:<n>` of 10 members `member:<j>` with score `<n>.<j>` (ZADD). zset: one sorted set of \
             {} members `member:<i>` with score i*1.5, 1000 per ZADD. Both servers keep their default encoding \
             thresholds (listpack for the small hashes and sorted sets).",
            self.keys,
            self.keys / 10,
            self.keys / 10,
            self.keys
        )
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        if quick {
            vec![
                "strings 100k".into(),
                "hashes 10k×10".into(),
                "zsets 10k×10".into(),
                "zset 100k".into(),
            ]
        } else {
            vec![
                "strings 1M".into(),
                "hashes 100k×10".into(),
                "zsets 100k×10".into(),
                "zset 1M".into(),
            ]
        }
    }

    fn rounds(&self, quick: bool) -> usize {
        if quick { 1 } else { 3 }
    }

    fn targets(&self) -> Vec<Target> {
        vec![Target::at_most("redis", "rss", 1.0)]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.keys = if quick { 100_000 } else { 1_000_000 };
        let (ours, mut impls, skips) = servers::server_impls(prov)?;
        self.ours = Some(ours);
        servers::name_allocators(&mut impls);
        Ok((impls, skips))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let ours = self.ours.clone().unwrap_or_default();
        let server = servers::start(imp, &ours, prov)?;
        let mut resp = Resp::connect(server.addr)?;
        match case.split(' ').next() {
            Some("hashes") => load_hashes(&mut resp, self.keys / 10)?,
            Some("zsets") => load_zsets(&mut resp, self.keys / 10)?,
            Some("zset") => load_big_zset(&mut resp, self.keys)?,
            _ => load(&mut resp, self.keys)?,
        }
        let info = resp.info("memory")?;
        let used = servers::info_field(&info, "used_memory").unwrap_or(f64::NAN);
        let rss = rss_bytes(server.child.pid())? as f64;
        Ok(vec![
            Sample::new("rss", rss, "bytes"),
            Sample::new("used_memory", used, "bytes"),
        ])
    }
}
