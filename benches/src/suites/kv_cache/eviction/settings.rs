//! What both servers are told before a measurement, and the checks that
//! they took it: a server that refuses a setting stops the bench with its
//! own error text, and one that says `OK` but does not report the limit in
//! `INFO memory` stops it too — a run without the limit would measure a
//! cache that never evicts.
//!
//! The settings go over `CONFIG SET` on a freshly started server, the same
//! commands to both, so the only difference is the server. Everything not
//! listed here is each server's default.

use anyhow::{Context, bail};

use super::conn::Conn;
use crate::suites::kv_cache::servers::{Resp, info_field};

/// Redis's default `maxmemory-samples`, given to both explicitly: how many
/// keys the approximated LRU/LFU looks at per eviction.
pub(crate) const SAMPLES: &str = "5";

/// The `CONFIG SET`s for a cache of `maxmemory` (Redis's spelling, `16mb`)
/// under `policy`, in the order they are sent. Persistence is off for both
/// (ours started as redis-server too, see `KV_CACHE_SERVER_BIN`).
pub(crate) fn settings<'a>(maxmemory: &'a str, policy: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("save", ""),
        ("appendonly", "no"),
        ("maxmemory-policy", policy),
        ("maxmemory-samples", SAMPLES),
        ("maxmemory", maxmemory),
    ]
}

/// The settings as a line for the summary.
pub(crate) fn describe(settings: &[(&str, &str)]) -> String {
    settings
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                format!("{k} \"\"")
            } else {
                format!("{k} {v}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `16mb` → 16 MiB, as Redis reads a memory size (`kb`, `mb`, `gb` are
/// powers of 1024; `k`, `m`, `g` powers of 1000).
pub(crate) fn bytes(size: &str) -> anyhow::Result<u64> {
    let lower = size.to_ascii_lowercase();
    let (digits, unit) = match lower.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => lower.split_at(i),
        None => (lower.as_str(), ""),
    };
    let n: u64 = digits
        .parse()
        .with_context(|| format!("not a memory size: {size}"))?;
    let scale = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "m" => 1_000_000,
        "g" => 1_000_000_000,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        _ => bail!("not a memory size: {size}"),
    };
    Ok(n * scale)
}

/// Sends `settings` to the server at `conn` (`imp` names it in errors) and
/// checks in `INFO memory` that `maxmemory` and `maxmemory_policy` took.
pub(crate) fn apply(
    conn: &mut Conn,
    info: &mut Resp,
    imp: &str,
    settings: &[(&str, &str)],
) -> anyhow::Result<()> {
    for (name, value) in settings {
        conn.push(&[b"CONFIG", b"SET", name.as_bytes(), value.as_bytes()]);
        conn.send()?;
        conn.expect_ok(&format!("{imp} refused CONFIG SET {name} {value:?}"))?;
    }
    let memory = info.info("memory")?;
    for (name, value) in settings {
        match *name {
            "maxmemory" => {
                let want = bytes(value)? as f64;
                let got = info_field(&memory, "maxmemory");
                if got != Some(want) {
                    bail!(
                        "{imp} accepted maxmemory {value} but INFO memory says maxmemory:{}; \
                         refusing to measure a cache without its limit",
                        got.map_or("(missing)".into(), |g| g.to_string())
                    );
                }
            }
            "maxmemory-policy" => {
                let got = memory
                    .lines()
                    .find_map(|l| l.strip_prefix("maxmemory_policy:"))
                    .map(str::trim);
                if got != Some(value) {
                    bail!(
                        "{imp} accepted maxmemory-policy {value} but INFO memory says \
                         maxmemory_policy:{}",
                        got.unwrap_or("(missing)")
                    );
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `DBSIZE`, checked against the keys set: with no TTLs and no deletes,
/// holding fewer keys than were ever set means the server evicted — the
/// proof that a measurement ran with eviction active.
pub(crate) fn held_after_eviction(conn: &mut Conn, imp: &str, set: u64) -> anyhow::Result<u64> {
    let held = conn.call_integer(&[b"DBSIZE"])?;
    let held = u64::try_from(held).with_context(|| format!("{imp} answered DBSIZE {held}"))?;
    if held >= set {
        bail!(
            "{imp} holds all {held} keys of {set} set: nothing was evicted, so the limit was \
             not in force"
        );
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_read_as_redis_reads_them() {
        assert_eq!(bytes("16mb").unwrap(), 16 << 20);
        assert_eq!(bytes("100MB").unwrap(), 100 << 20);
        assert_eq!(bytes("1gb").unwrap(), 1 << 30);
        assert_eq!(bytes("512").unwrap(), 512);
        assert_eq!(bytes("2m").unwrap(), 2_000_000);
        assert!(bytes("12xb").is_err());
        assert!(bytes("mb").is_err());
        assert_eq!(
            describe(&settings("16mb", "allkeys-lru")),
            "save \"\", appendonly no, maxmemory-policy allkeys-lru, maxmemory-samples 5, maxmemory 16mb"
        );
    }
}
