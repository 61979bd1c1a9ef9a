//! Memory for one million small strings: RSS and `INFO used_memory` after
//! loading `key:<n>` → a 10-byte value, every other key with a TTL.

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

/// Loads `n` keys over one pipelined connection, 1000 commands per batch.
pub(crate) fn load(resp: &mut Resp, n: u64) -> anyhow::Result<()> {
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut in_batch = 0;
    for i in 0..n {
        let key = format!("key:{i}");
        let value = format!("v{:09}", i % 1_000_000_000);
        if i % 2 == 0 {
            Resp::encode(
                &mut buf,
                &[b"SET", key.as_bytes(), value.as_bytes(), b"EX", b"100000"],
            );
        } else {
            Resp::encode(&mut buf, &[b"SET", key.as_bytes(), value.as_bytes()]);
        }
        in_batch += 1;
        if in_batch == 1000 || i + 1 == n {
            resp.pipeline(&buf, in_batch)?;
            buf.clear();
            in_batch = 0;
        }
    }
    Ok(())
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
            "{} keys `key:<n>` -> 10-byte values, every other one with `EX 100000`, loaded over one connection in \
             pipelined batches of 1000 into a fresh server (kv-cache-server, release; redis-server --save '' \
             --appendonly no); then the server's RSS (/proc VmRSS) and INFO used_memory. Lower is better.",
            self.keys
        )
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        vec![if quick {
            "strings 100k".into()
        } else {
            "strings 1M".into()
        }]
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
        // The allocators differ and matter for RSS: say so beside the numbers.
        for imp in &mut impls {
            imp.config += if imp.name == "ours" {
                ", system allocator"
            } else {
                ", jemalloc"
            };
        }
        Ok((impls, skips))
    }

    fn measure(
        &mut self,
        _case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let ours = self.ours.clone().unwrap_or_default();
        let server = servers::start(imp, &ours, prov)?;
        let mut resp = Resp::connect(server.addr)?;
        load(&mut resp, self.keys)?;
        let info = resp.info("memory")?;
        let used = servers::info_field(&info, "used_memory").unwrap_or(f64::NAN);
        let rss = rss_bytes(server.child.pid())? as f64;
        Ok(vec![
            Sample::new("rss", rss, "bytes"),
            Sample::new("used_memory", used, "bytes"),
        ])
    }
}
