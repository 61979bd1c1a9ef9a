//! RESP load: commands built from templates (redis-benchmark's
//! `__rand_int__` placeholder), mixed by weight, with keys drawn uniformly
//! or from a Zipf distribution — the shape of a real cache, where a few keys
//! are hot.

use std::sync::Arc;

use anyhow::{Context, bail};

use super::engine::{self, Protocol, Rng};
use super::zipf::Zipf;
use super::{LoadConfig, LoadReport};

/// Which keys a workload touches.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyDist {
    /// Every key of the key space equally likely.
    Uniform,
    /// Key of rank k with probability proportional to 1/k^s (YCSB uses s = 0.99).
    Zipf(f64),
}

/// A RESP workload: weighted command templates over a key space.
#[derive(Clone, Debug)]
pub struct RespWorkload {
    /// `(weight, template)`: a template is the command's words, e.g.
    /// `SET key:__rand_int__ __data__`; `__rand_int__` becomes a key number,
    /// `__data__` a value of `value_size` bytes.
    pub mix: Vec<(u32, String)>,
    /// Number of distinct keys `__rand_int__` ranges over.
    pub keyspace: u64,
    /// Size of `__data__` in bytes.
    pub value_size: usize,
    /// Key distribution.
    pub dist: KeyDist,
    /// Seed, so runs against two servers send the same sequence.
    pub seed: u64,
}

/// Runs `workload` under `cfg`, closed loop.
pub fn run(cfg: &LoadConfig, workload: &RespWorkload) -> anyhow::Result<LoadReport> {
    engine::drive(cfg, connections(workload)?)
}

/// Runs `workload` open loop at `rate` requests per second in all
/// (`--rate`; see [`open_loop`](super::open_loop)).
pub fn run_open(
    cfg: &LoadConfig,
    rate: f64,
    workload: &RespWorkload,
) -> anyhow::Result<LoadReport> {
    super::open_loop::drive_open(cfg, rate, connections(workload)?)
}

/// Makes connection `i`'s protocol: the same command sequence for the same
/// seed and connection, whichever server it drives.
fn connections(workload: &RespWorkload) -> anyhow::Result<impl Fn(usize) -> Resp + use<>> {
    if workload.mix.is_empty() || workload.mix.iter().all(|(w, _)| *w == 0) {
        bail!("a RESP workload needs at least one command with a non-zero weight");
    }
    let shared = Arc::new(Shared::new(workload)?);
    Ok(move |i: usize| Resp {
        shared: Arc::clone(&shared),
        rng: Rng::new(shared.seed.wrapping_add(i as u64 * 7919)),
    })
}

/// Parses `"90:GET key:__rand_int__"` into `(90, "GET key:__rand_int__")`.
pub fn parse_mix_entry(s: &str) -> anyhow::Result<(u32, String)> {
    let (w, cmd) = s
        .split_once(':')
        .context("expected WEIGHT:COMMAND, e.g. 90:GET key:__rand_int__")?;
    Ok((
        w.trim().parse().context("weight is not a whole number")?,
        cmd.trim().to_string(),
    ))
}

/// What every connection shares: templates, weights, and the Zipf table.
struct Shared {
    templates: Vec<Vec<String>>,
    /// Cumulative weights, for picking a template.
    cumulative: Vec<u32>,
    keyspace: u64,
    value: Vec<u8>,
    /// The Zipf distribution over key ranks (`None` for uniform).
    zipf: Option<Zipf>,
    seed: u64,
}

impl Shared {
    fn new(w: &RespWorkload) -> anyhow::Result<Shared> {
        let mut cumulative = Vec::new();
        let mut total = 0;
        for (weight, _) in &w.mix {
            total += weight;
            cumulative.push(total);
        }
        let keyspace = w.keyspace.max(1);
        let zipf = match w.dist {
            KeyDist::Uniform => None,
            KeyDist::Zipf(s) => Some(Zipf::new(keyspace, s)?),
        };
        Ok(Shared {
            templates: w
                .mix
                .iter()
                .map(|(_, t)| t.split_whitespace().map(String::from).collect())
                .collect(),
            cumulative,
            keyspace,
            value: vec![b'x'; w.value_size],
            zipf,
            seed: w.seed,
        })
    }
}

struct Resp {
    shared: Arc<Shared>,
    rng: Rng,
}

impl Resp {
    fn key(&mut self) -> u64 {
        let s = &self.shared;
        match &s.zipf {
            None => self.rng.below(s.keyspace),
            Some(zipf) => zipf.sample(&mut self.rng),
        }
    }
}

impl Protocol for Resp {
    fn next_request(&mut self, out: &mut Vec<u8>) {
        let total = *self.shared.cumulative.last().unwrap_or(&1);
        let pick = self.rng.below(u64::from(total)) as u32;
        let index = self.shared.cumulative.partition_point(|&c| c <= pick);
        let shared = Arc::clone(&self.shared);
        let words = &shared.templates[index.min(shared.templates.len() - 1)];
        out.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
        for word in words {
            if word == "__data__" {
                bulk(out, &shared.value);
            } else if word.contains("__rand_int__") {
                let key = self.key();
                bulk(
                    out,
                    word.replace("__rand_int__", &key.to_string()).as_bytes(),
                );
            } else {
                bulk(out, word.as_bytes());
            }
        }
    }

    fn parse_response(&mut self, buf: &[u8]) -> anyhow::Result<Option<(usize, bool)>> {
        Ok(reply_len(buf, 0)?.map(|len| (len, buf.first() == Some(&b'-'))))
    }
}

fn bulk(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// The length of the complete RESP2/RESP3 reply at the start of `buf`, or
/// `None` when more bytes are needed.
pub fn reply_len(buf: &[u8], depth: usize) -> anyhow::Result<Option<usize>> {
    if depth > 64 {
        bail!("reply nested deeper than 64");
    }
    let Some(&kind) = buf.first() else {
        return Ok(None);
    };
    let Some(eol) = buf.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let header = std::str::from_utf8(&buf[1..eol]).context("reply header is not UTF-8")?;
    let after = eol + 2;
    match kind {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Ok(Some(after)),
        b'$' | b'!' | b'=' => {
            let n: i64 = header.parse().context("bad bulk length")?;
            if n < 0 {
                return Ok(Some(after));
            }
            let end = after + n as usize + 2;
            Ok((buf.len() >= end).then_some(end))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n: i64 = header.parse().context("bad aggregate length")?;
            let items = if matches!(kind, b'%' | b'|') {
                n.max(0) * 2
            } else {
                n.max(0)
            };
            let mut pos = after;
            for _ in 0..items {
                match reply_len(&buf[pos..], depth + 1)? {
                    Some(len) => pos += len,
                    None => return Ok(None),
                }
            }
            Ok(Some(pos))
        }
        other => bail!("not a RESP reply: first byte {other:#04x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_of_every_shape() {
        assert_eq!(reply_len(b"+OK\r\n", 0).unwrap(), Some(5));
        assert_eq!(reply_len(b"$5\r\nhello\r\n+", 0).unwrap(), Some(11));
        assert_eq!(reply_len(b"$5\r\nhel", 0).unwrap(), None);
        assert_eq!(reply_len(b"$-1\r\n", 0).unwrap(), Some(5));
        assert_eq!(reply_len(b"*2\r\n:1\r\n$1\r\na\r\n", 0).unwrap(), Some(15));
        assert_eq!(reply_len(b"%1\r\n+a\r\n:1\r\n", 0).unwrap(), Some(12));
        assert_eq!(reply_len(b"*2\r\n:1\r\n", 0).unwrap(), None);
        assert!(reply_len(b"?\r\n", 0).is_err());
    }

    #[test]
    fn templates_expand_to_resp_arrays() {
        let w = RespWorkload {
            mix: vec![(1, "SET k:__rand_int__ __data__".into())],
            keyspace: 1,
            value_size: 3,
            dist: KeyDist::Uniform,
            seed: 1,
        };
        let mut r = Resp {
            shared: Arc::new(Shared::new(&w).unwrap()),
            rng: Rng::new(1),
        };
        let mut out = Vec::new();
        r.next_request(&mut out);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$3\r\nk:0\r\n$3\r\nxxx\r\n");
    }

    #[test]
    fn zipf_keys_favour_low_ranks() {
        let w = RespWorkload {
            mix: vec![(1, "GET __rand_int__".into())],
            keyspace: 1000,
            value_size: 0,
            dist: KeyDist::Zipf(0.99),
            seed: 7,
        };
        let mut r = Resp {
            shared: Arc::new(Shared::new(&w).unwrap()),
            rng: Rng::new(7),
        };
        let hot = (0..10_000).filter(|_| r.key() < 10).count();
        // Under Zipf(0.99) over 1000 keys the top 10 ranks carry about 39% of the mass.
        assert!((3_000..5_000).contains(&hot), "hot = {hot}");
    }
}
