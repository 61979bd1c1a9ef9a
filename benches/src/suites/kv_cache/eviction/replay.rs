//! The cache-aside replayer: what an application in front of a database
//! does with its cache, driven by a trace.
//!
//! ```text
//!  P1:   GET k ─► reply ─► nil? SET k v ─► +OK ─► next GET
//!  P16:  GET k1 … GET k16 ─► 16 replies ─► SET for every nil ─► their +OKs ─► next 16
//! ```
//!
//! At P16 the misses of a batch are set only after all 16 replies are in,
//! as a client that pipelines its lookups would; a key asked for twice in
//! one batch misses twice and is set twice, on both servers alike.

use std::time::{Duration, Instant};

use anyhow::bail;

use super::conn::{Conn, text};
use super::trace::VALUE_SIZE;

/// What a stretch of a replay saw.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Tally {
    /// GETs sent.
    pub(crate) gets: u64,
    /// GETs answered with the value.
    pub(crate) hits: u64,
    /// SETs sent (one per miss).
    pub(crate) sets: u64,
    /// Wall time of the stretch.
    pub(crate) elapsed: Duration,
}

impl Tally {
    /// `hits / gets`.
    pub(crate) fn hit_ratio(&self) -> f64 {
        self.hits as f64 / self.gets.max(1) as f64
    }

    /// Trace entries (a GET, and its SET on a miss) per second.
    pub(crate) fn throughput(&self) -> f64 {
        self.gets as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The key name of rank `k`.
pub(crate) fn key_name(k: u64) -> Vec<u8> {
    format!("key:{k}").into_bytes()
}

/// Replays the next `gets` keys of `keys` against `conn`, `pipeline` GETs
/// at a time, setting a [`VALUE_SIZE`]-byte value on every miss. Fails on
/// any error reply (an `-OOM` included) with the server's text.
pub(crate) fn replay(
    conn: &mut Conn,
    keys: &mut impl Iterator<Item = u64>,
    gets: u64,
    pipeline: usize,
) -> anyhow::Result<Tally> {
    let value = vec![b'v'; VALUE_SIZE];
    let mut tally = Tally::default();
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(pipeline);
    let mut misses: Vec<usize> = Vec::with_capacity(pipeline);
    let started = Instant::now();
    while tally.gets < gets {
        batch.clear();
        misses.clear();
        let want = (gets - tally.gets).min(pipeline.max(1) as u64);
        batch.extend(keys.take(want as usize).map(key_name));
        if batch.is_empty() {
            bail!("the trace ended after {} of {gets} GETs", tally.gets);
        }
        for key in &batch {
            conn.push(&[b"GET", key]);
        }
        conn.send()?;
        for i in 0..batch.len() {
            match lookup(conn.reply()?)? {
                true => tally.hits += 1,
                false => misses.push(i),
            }
        }
        tally.gets += batch.len() as u64;
        for &i in &misses {
            conn.push(&[b"SET", &batch[i], &value]);
        }
        if !misses.is_empty() {
            conn.send()?;
            for _ in &misses {
                conn.expect_ok("SET on a miss")?;
            }
            tally.sets += misses.len() as u64;
        }
    }
    tally.elapsed = started.elapsed();
    Ok(tally)
}

/// Whether a GET reply is a hit (the value) or a miss (nil).
fn lookup(reply: &[u8]) -> anyhow::Result<bool> {
    let head = format!("${VALUE_SIZE}\r\n");
    if reply == b"$-1\r\n" || reply == b"_\r\n" {
        Ok(false)
    } else if reply.starts_with(head.as_bytes()) && reply.len() == head.len() + VALUE_SIZE + 2 {
        Ok(true)
    } else {
        bail!("GET answered {:?}, not the value or nil", text(reply))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    /// A stand-in cache that never evicts: GET is a hit for a key set
    /// before. Reads the replayer's fixed-shape commands line by line.
    fn stand_in() -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (s, _) = listener.accept().unwrap();
            let mut w = s.try_clone().unwrap();
            let mut r = BufReader::new(s);
            let mut held = HashSet::new();
            let mut line = String::new();
            let arg = |r: &mut BufReader<_>, line: &mut String| -> Option<Vec<u8>> {
                line.clear();
                r.read_line(line).ok()?;
                let n: usize = line.trim_start_matches('$').trim().parse().ok()?;
                let mut body = vec![0; n + 2];
                r.read_exact(&mut body).ok()?;
                body.truncate(n);
                Some(body)
            };
            loop {
                line.clear();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let Some(cmd) = arg(&mut r, &mut line) else {
                    return;
                };
                let Some(key) = arg(&mut r, &mut line) else {
                    return;
                };
                if cmd == b"GET" {
                    let reply = if held.contains(&key) {
                        format!("${VALUE_SIZE}\r\n{}\r\n", "v".repeat(VALUE_SIZE))
                    } else {
                        "$-1\r\n".into()
                    };
                    w.write_all(reply.as_bytes()).unwrap();
                } else {
                    let _ = arg(&mut r, &mut line);
                    held.insert(key);
                    w.write_all(b"+OK\r\n").unwrap();
                }
            }
        });
        addr
    }

    #[test]
    fn cache_aside_counts_first_sights_as_misses_at_p1_and_p16() {
        // Keys 0..10 each asked for five times, in a shuffled order.
        let keys: Vec<u64> = (0..50).map(|i| (i * 7) % 10).collect();
        for pipeline in [1, 16] {
            let mut conn = Conn::connect(stand_in()).unwrap();
            let mut it = keys.iter().copied();
            let t = replay(&mut conn, &mut it, 50, pipeline).unwrap();
            // At P1 only the first sight of each key misses; at P16 the
            // whole first batch (keys 0..10 and six of them again) misses.
            let expected_misses = if pipeline == 1 { 10 } else { 16 };
            assert_eq!((t.gets, t.sets), (50, expected_misses), "P{pipeline}");
            assert_eq!(t.hits, 50 - expected_misses);
            assert!(t.throughput() > 0.0);
        }
    }

    #[test]
    fn a_reply_that_is_neither_value_nor_nil_is_an_error() {
        assert!(!lookup(b"$-1\r\n").unwrap());
        let hit = format!("${VALUE_SIZE}\r\n{}\r\n", "v".repeat(VALUE_SIZE));
        assert!(lookup(hit.as_bytes()).unwrap());
        let err = lookup(b"-OOM command not allowed\r\n").unwrap_err();
        assert!(err.to_string().contains("OOM"), "{err}");
        assert!(lookup(b"$3\r\nabc\r\n").is_err());
    }
}
