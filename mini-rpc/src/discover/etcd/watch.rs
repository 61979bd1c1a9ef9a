//! List, then watch: the live set of one service prefix.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use super::{Etcd, int, prefix_end, text};
use crate::discover::Publisher;

/// Pause between attempts while etcd is unreachable (doubling up to the max).
const RETRY_MIN: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(2);

/// How a watch stream ended.
enum Ended {
    /// The revision we asked for was compacted away: re-list.
    Compacted(i64),
    /// A fresh read disagrees with the watched set: re-list.
    Stale,
    /// The stream broke or etcd cancelled it: resume from the last revision.
    Lost(String),
}

/// The set under `prefix`: the parsed address of each key.
#[derive(Default)]
struct Set {
    entries: BTreeMap<String, SocketAddr>,
}

impl Set {
    /// The set a range read returned; garbage is skipped, logged if `log`.
    fn from_pairs(pairs: Vec<(String, String)>, log: bool) -> Set {
        let mut set = Set::default();
        for (key, value) in pairs {
            set.put(key, &value, log);
        }
        set
    }

    /// Records `key = value`; a value that is not `ip:port` is skipped with
    /// a log line (and drops whatever the key held before).
    fn put(&mut self, key: String, value: &str, log: bool) {
        match value.parse() {
            Ok(addr) => {
                self.entries.insert(key, addr);
            }
            Err(_) => {
                if log {
                    tracing::warn!(%key, %value, "etcd entry is not an ip:port; skipped");
                }
                self.entries.remove(&key);
            }
        }
    }

    fn addrs(&self) -> Vec<SocketAddr> {
        self.entries.values().copied().collect()
    }
}

/// Publishes the set under `prefix` and every change to it, forever.
pub(super) async fn follow(etcd: Etcd, prefix: String, publisher: Publisher) {
    let mut set = Set::default();
    // The revision the published set is at; `None`: list first.
    let mut at: Option<i64> = None;
    let mut retry = RETRY_MIN;
    loop {
        let Some(rev) = at else {
            match etcd.range_prefix(&prefix).await {
                Ok((rev, pairs)) => {
                    set = Set::from_pairs(pairs, true);
                    publisher.listed();
                    publisher.set(set.addrs());
                    at = Some(rev);
                    retry = RETRY_MIN;
                }
                Err(e) => {
                    tracing::warn!(%prefix, error = %e, "etcd list failed; keeping the last set");
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(RETRY_MAX);
                }
            }
            continue;
        };
        let mut rev = rev;
        match watch_from(&etcd, &prefix, &mut rev, &mut set, &publisher).await {
            Ended::Compacted(compacted) => {
                tracing::info!(%prefix, compacted, "watch revision compacted away; listing again");
                at = None;
            }
            Ended::Stale => {
                tracing::warn!(%prefix, "watch disagrees with a fresh read; listing again");
                at = None;
            }
            Ended::Lost(why) => {
                // Resume after the last change applied: nothing is missed or
                // applied twice. Changes made meanwhile arrive on resuming.
                tracing::warn!(%prefix, %why, "etcd watch lost; keeping the last set");
                // A stream that got as far as events was healthy: retry fast.
                if at != Some(rev) {
                    retry = RETRY_MIN;
                }
                at = Some(rev);
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(RETRY_MAX);
            }
        }
    }
}

/// Watches `prefix` from `*rev + 1`, applying events to `set` and
/// publishing after each batch; `*rev` follows the last event applied.
async fn watch_from(
    etcd: &Etcd,
    prefix: &str,
    rev: &mut i64,
    set: &mut Set,
    publisher: &Publisher,
) -> Ended {
    let create = json!({ "create_request": {
        "key": B64.encode(prefix),
        "range_end": B64.encode(prefix_end(prefix)),
        "start_revision": (*rev + 1).to_string(),
    }});
    let mut stream = match etcd.stream("/v3/watch", create).await {
        Ok(stream) => stream,
        Err(e) => return Ended::Lost(e.to_string()),
    };
    // A watch stream can go silent without breaking (a NAT or load
    // balancer that forgot the connection drops its packets instead of
    // resetting it): it then looks open forever. So, like a Kubernetes
    // informer's resync, a fresh read every `resync` that disagrees with
    // the watched set ends the watch and lists again.
    let every = etcd.inner.resync;
    let mut resync = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        // `next_line` keeps what it read in `stream`: safe to interrupt.
        let next = tokio::select! {
            next = stream.next_line() => next,
            _ = resync.tick() => {
                if !agrees(etcd, prefix, *rev, set).await {
                    return Ended::Stale;
                }
                continue;
            }
        };
        let line = match next {
            Ok(Some(line)) => line,
            Ok(None) => return Ended::Lost("watch stream ended".into()),
            Err(e) => return Ended::Lost(e.to_string()),
        };
        let result = &line["result"];
        if result.is_null() {
            return Ended::Lost(format!("watch error: {line}"));
        }
        if let Some(compacted) = int(&result["compact_revision"]).filter(|&r| r > 0) {
            return Ended::Compacted(compacted);
        }
        if result["canceled"].as_bool() == Some(true) {
            return Ended::Lost(format!("watch cancelled: {}", result["cancel_reason"]));
        }
        let events = result["events"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if events.is_empty() {
            continue; // the "created" answer, or a progress notification
        }
        for event in events {
            apply(event, set, rev);
        }
        publisher.set(set.addrs());
    }
}

/// Whether a fresh read of `prefix` (at or after `rev`) holds the same set.
/// An unreachable etcd proves nothing: the watch is given the benefit.
async fn agrees(etcd: &Etcd, prefix: &str, rev: i64, set: &Set) -> bool {
    match etcd.range_prefix(prefix).await {
        Ok((at, pairs)) if at >= rev => Set::from_pairs(pairs, false).entries == set.entries,
        _ => true,
    }
}

// ANCHOR: apply
/// Applies one PUT or DELETE event. Only the events' own revisions move
/// `rev`, not the header's: a watch catching up sends history in batches,
/// and the header's (current) revision may be ahead of what was sent.
fn apply(event: &Value, set: &mut Set, rev: &mut i64) {
    let kv = &event["kv"];
    let key = text(&kv["key"]);
    // The gateway omits fields at their default: PUT is type 0.
    match event["type"].as_str() {
        Some("DELETE") => {
            set.entries.remove(&key);
        }
        _ => set.put(key, &text(&kv["value"]), true),
    }
    if let Some(at) = int(&kv["mod_revision"]) {
        *rev = (*rev).max(at);
    }
}
// ANCHOR_END: apply
