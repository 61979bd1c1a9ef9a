//! `eviction`: kv-cache and redis-server as caches under `maxmemory`,
//! with the same limit, policy and `maxmemory-samples`, alternating.
//!
//! - Hit ratio and throughput: a cache trace replayed cache-aside (GET; on
//!   a nil reply SET the value) over ten times more distinct keys than fit,
//!   at 16 MB and 64 MB, under allkeys-lru, allkeys-lfu and ours' extra
//!   policy — which Redis lacks, so that row is compared with the better of
//!   Redis's two on the same trace. Targets: ours ≥ Redis's hit ratio on
//!   every row; ≥ 1.0× its throughput at P1 and P16.
//! - RSS after a 1 GB flood of unique keys under `maxmemory 100mb`: ≤ 1.0×.
//! - The probe's latency while `DEL` or `UNLINK` frees a 1M-member sorted set.
//!
//! Every measurement starts a fresh server, configures it over `CONFIG
//! SET` (and stops with the server's error if it refuses), checks in `INFO`
//! that the limit took, and afterwards that keys were evicted.
//!
//! # Layout
//!
//! - [`case`]: the policies (a plain list) and the case names.
//! - [`trace`]: the traces — Zipf 0.99, Zipf 0.8, Zipf with scans — and
//!   their sizing.
//! - [`conn`]: a pipelining RESP connection for the timed parts.
//! - [`settings`]: what both servers are told, and the checks that they took it.
//! - [`replay`]: the cache-aside replayer, P1 and P16.
//! - [`flood`]: the write flood.
//! - [`stall`]: the DEL/UNLINK probe.

mod case;
mod conn;
mod flood;
mod replay;
mod settings;
mod stall;
mod trace;

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;

use self::case::{Case, FLOOD_POLICY, Policy, plan, policies};
use self::conn::Conn;
use self::replay::{Tally, replay};
use self::trace::{Shape, Trace};
use super::servers::{self, Resp};
use crate::runner::util::rss_bytes;
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};

/// The `eviction` comparison.
#[derive(Default)]
pub(crate) struct Eviction {
    /// The kv-cache-server binary.
    ours: Option<PathBuf>,
    /// Whether this is a `--quick` run.
    quick: bool,
    /// Redis's samples on the rows of the policies it has, by case name,
    /// one entry per round in order: a "vs best" row reuses those of its
    /// round instead of replaying the same traces again.
    redis_rows: HashMap<String, Vec<Vec<Sample>>>,
    /// Redis measurements made so far of each "vs best" row, by case name.
    best_rounds: HashMap<String, usize>,
}

/// The hit-ratio rows' pipeline depth.
const PIPELINE: usize = 16;
/// GETs counted in a P1 row, per key that fits (a P1 replay of the whole
/// counted part would take most of the run).
const P1_COUNTED: u64 = 2;

impl Comparison for Eviction {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }

    fn bench(&self) -> &'static str {
        "eviction"
    }

    fn describe(&self) -> String {
        describe()
    }

    fn cases(&self, quick: bool) -> Vec<String> {
        plan(quick).iter().map(Case::to_string).collect()
    }

    fn rounds(&self, quick: bool) -> usize {
        if quick { 1 } else { 3 }
    }

    fn targets(&self) -> Vec<Target> {
        vec![
            Target::at_least("redis", "hit_ratio", 1.0),
            Target::at_least("redis", "throughput", 1.0),
            Target::at_most("redis", "rss", 1.0),
        ]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.quick = quick;
        let (ours, mut impls, skips) = servers::server_impls(prov)?;
        for imp in &mut impls {
            imp.config += ", then CONFIG SET as in the description";
        }
        servers::name_allocators(&mut impls);
        self.ours = Some(ours);
        Ok((impls, skips))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let found = plan(self.quick)
            .into_iter()
            .find(|c| c.to_string() == case)
            .with_context(|| format!("no case {case:?}"))?;
        match found {
            Case::Trace {
                policy,
                shape,
                maxmemory,
                pipeline,
            } => {
                let mut samples = if imp != "ours" && !policy.in_redis {
                    self.best_of_redis(imp, &found, prov)?
                } else {
                    self.trace(imp, policy.name, shape, maxmemory, pipeline, prov)?
                };
                if imp != "ours" && policy.in_redis {
                    let rows = self.redis_rows.entry(case.to_string()).or_default();
                    rows.push(samples.clone());
                }
                if !policy.in_redis {
                    // Redis's side may come from rows measured minutes ago:
                    // a throughput ratio needs the two sides side by side.
                    samples.retain(|s| s.metric != "throughput");
                }
                Ok(samples)
            }
            Case::Flood {
                megabytes,
                maxmemory,
            } => self.flood(imp, megabytes, maxmemory, prov),
            Case::Stall { command, members } => self.stall(imp, command, members, prov),
        }
    }
}

impl Eviction {
    /// A fresh server of `imp`, configured with `settings`.
    fn start(
        &self,
        imp: &str,
        settings: &[(&str, &str)],
        prov: &mut Provenance,
    ) -> anyhow::Result<(servers::Running, Conn)> {
        let ours = self.ours.clone().context("kv-cache-server not built")?;
        let server = servers::start(imp, &ours, prov)?;
        let mut conn = Conn::connect(server.addr)?;
        settings::apply(&mut conn, &mut Resp::connect(server.addr)?, imp, settings)?;
        Ok((server, conn))
    }

    /// One replay of `shape` under `policy`: warm-up at P16, then the
    /// counted part at `pipeline`.
    fn trace(
        &self,
        imp: &str,
        policy: &str,
        shape: Shape,
        maxmemory: &str,
        pipeline: usize,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let trace = Trace::new(shape, settings::bytes(maxmemory)?)?;
        let (_server, mut conn) = self.start(imp, &settings::settings(maxmemory, policy), prov)?;
        let mut keys = trace.keys();
        let warm = replay(&mut conn, &mut keys, trace.warmup(), PIPELINE)?;
        let counted = match pipeline {
            1 => P1_COUNTED * trace.capacity(),
            _ => trace.counted(),
        };
        let tally: Tally = replay(&mut conn, &mut keys, counted, pipeline)?;
        let held = settings::held_after_eviction(&mut conn, imp, warm.sets + tally.sets)?;
        Ok(vec![
            Sample::new("hit_ratio", tally.hit_ratio(), "hits/gets"),
            Sample::new("throughput", tally.throughput(), "gets/s"),
            Sample::new("keys_held", held as f64, "keys"),
        ])
    }

    /// Redis's side of a policy it lacks (`case`): the same trace under
    /// each policy it has — the samples of that row in this round if it
    /// ran, else a replay now — and the one with the best hit ratio.
    fn best_of_redis(
        &mut self,
        imp: &str,
        case: &Case,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let Case::Trace {
            policy: extra,
            shape,
            maxmemory,
            pipeline,
        } = *case
        else {
            anyhow::bail!("{case} is not a trace");
        };
        let round = self.best_rounds.entry(case.to_string()).or_default();
        let this_round = *round;
        *round += 1;
        let mut best: Option<(&str, Vec<Sample>)> = None;
        for policy in policies().into_iter().filter(|p: &Policy| p.in_redis) {
            let row = Case::Trace {
                policy,
                shape,
                maxmemory,
                pipeline,
            }
            .to_string();
            let done = self.redis_rows.get(&row).and_then(|r| r.get(this_round));
            let samples = match done {
                Some(samples) => samples.clone(),
                None => self.trace(imp, policy.name, shape, maxmemory, pipeline, prov)?,
            };
            let better = |old: &[Sample]| hit_ratio(&samples) > hit_ratio(old);
            if best.as_ref().is_none_or(|(_, old)| better(old)) {
                best = Some((policy.name, samples));
            }
        }
        let (name, samples) = best.context("redis-server has none of the policies")?;
        prov.note(format!(
            "{case}: {imp}'s best policy in round {}: {name} (ours ran {})",
            this_round + 1,
            extra.name
        ));
        Ok(samples)
    }

    /// The write flood's RSS.
    fn flood(
        &self,
        imp: &str,
        megabytes: u64,
        maxmemory: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let (server, mut conn) =
            self.start(imp, &settings::settings(maxmemory, FLOOD_POLICY), prov)?;
        let set = flood::flood(&mut conn, megabytes)?;
        settings::held_after_eviction(&mut conn, imp, set)?;
        let rss = rss_bytes(server.child.pid())?;
        Ok(vec![Sample::new("rss", rss as f64, "bytes")])
    }

    /// The probe's latency while `command` frees a big sorted set.
    fn stall(
        &self,
        imp: &str,
        command: &str,
        members: u64,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let (server, _conn) = self.start(imp, &settings::settings("0", "noeviction"), prov)?;
        let seen = stall::measure(server.addr, command, members)?;
        Ok(vec![
            Sample::new("stall_ms", seen.max_us as f64 / 1000.0, "ms"),
            Sample::new("p99", seen.p99_us as f64, "us"),
            Sample::new("time", seen.command_us as f64 / 1000.0, "ms"),
        ])
    }
}

/// The `hit_ratio` of a measurement's samples.
fn hit_ratio(samples: &[Sample]) -> f64 {
    samples
        .iter()
        .find(|s| s.metric == "hit_ratio")
        .map_or(f64::NAN, |s| s.value)
}

/// The summary paragraph: the workload and both servers' settings.
fn describe() -> String {
    use trace::{COUNTED, FOOTPRINT, OVERSUBSCRIBE, SCAN_CYCLE, SEED, VALUE_SIZE, WARMUP};
    let names = |in_redis: bool| {
        let names: Vec<&str> = policies()
            .iter()
            .filter(|p| p.in_redis == in_redis)
            .map(|p| p.name)
            .collect();
        names.join(", ")
    };
    let (redis_policies, extra) = (names(true), names(false));
    format!(
        "Every measurement starts a fresh server (kv-cache-server, release; redis-server --save '' \
         --appendonly no) and sends both the same `CONFIG SET`s: `{settings}` (`<maxmemory>` and \
         `<policy>` from the case); everything else is each server's default (Redis 7.0: \
         maxmemory-eviction-tenacity 10, lfu-log-factor 10, lfu-decay-time 1, lazyfree-lazy-user-del \
         no). A server that refuses a setting, or whose `INFO memory` does not then show the \
         maxmemory and policy, stops the bench with its error. \
         Hit-ratio rows (`<policy> <trace> <maxmemory>`): a cache-aside replay over one connection — \
         GET `key:<rank>`; on a nil reply SET it to a {VALUE_SIZE}-byte value — pipelined {PIPELINE} \
         GETs at a time, the SETs for a batch's misses sent after its replies. Sizing: capacity = \
         maxmemory / {FOOTPRINT} bytes (the value plus about 100 bytes per key in Redis), distinct \
         keys = {OVERSUBSCRIBE} × capacity; a run is {WARMUP} × capacity GETs of warm-up from an empty \
         cache, not counted, then {COUNTED} × capacity GETs counted; hit_ratio = hits / counted GETs; \
         throughput = counted GETs (each with its SET on a miss) per second; keys_held = DBSIZE at \
         the end, which must be below the keys set (proof that eviction ran). Traces, one seeded \
         generator (seed {SEED}) for both servers: zipf-0.99 and zipf-0.8 draw key ranks from \
         Zipf(s); zipf-0.99+scan runs in cycles of {SCAN_CYCLE} × capacity GETs, each starting with a \
         scan of the coldest capacity keys in order (one GET each), then Zipf(0.99) draws — two scans \
         fall in the counted part. {extra} is not in redis-server: its rows (`... vs best of redis`) \
         compare ours under it with Redis under each of {redis_policies} on the same trace — the \
         Redis samples of those rows in the same round when they ran in this run, else fresh \
         replays — taking the one with the higher hit ratio; being measured apart, they report \
         hit_ratio and keys_held, no throughput. P1 rows (policies Redis has): the \
         same warm-up at P{PIPELINE}, then {P1_COUNTED} × capacity GETs one request at a time. Redis's \
         LRU clock ticks once a second, so on a replay of a few seconds its allkeys-lru tells apart only \
         keys touched in different seconds. Flood row (`{FLOOD_POLICY} flood-<size> <maxmemory>`): \
         unique keys `flood:<n>` set to {flood_value}-byte values, {flood_batch} per pipelined batch, \
         until <size> (10^6 bytes per MB) of values were sent; rss = the server's VmRSS (/proc) at the \
         end, with DBSIZE below the keys set. Stall rows (`DEL zset <n>`, `UNLINK zset <n>`; maxmemory \
         0, noeviction): one sorted set `bigzset` of n members loaded 1000 per ZADD, then freed with the \
         command while a probe connection sends one PING every {interval} ms (paced: latency from when \
         each was due); stall_ms = the probe's largest latency, p99 its 99th percentile (us), over the \
         PINGs due from the command's send for {window} ms (or until 10 ms after its reply, if later); \
         time = the command's own reply time (ms). Rounds: 3 (1 with --quick, which uses 4mb, a 200 MB \
         flood at 16mb, and a 100k-member set).",
        settings = settings::describe(&settings::settings("<maxmemory>", "<policy>")),
        flood_value = flood::VALUE,
        flood_batch = flood::BATCH,
        interval = stall::INTERVAL.as_millis(),
        window = stall::WINDOW.as_millis(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::util::which;

    /// A redis-server configured for `maxmemory` under `policy`, or `None`
    /// (with the reason printed) when it is not installed.
    fn redis(settings: &[(&str, &str)]) -> Option<(servers::Running, Conn)> {
        if which("redis-server").is_none() {
            eprintln!("skipped: redis-server not installed — {}", servers::INSTALL);
            return None;
        }
        let eviction = Eviction {
            ours: Some(PathBuf::new()),
            quick: true,
            ..Eviction::default()
        };
        Some(
            eviction
                .start("redis", settings, &mut Provenance::default())
                .unwrap(),
        )
    }

    #[test]
    fn a_small_trace_evicts_and_hits_on_redis_server() {
        let Some((_server, mut conn)) = redis(&settings::settings("4mb", "allkeys-lru")) else {
            return;
        };
        let trace = Trace::new(Shape::ZipfScan, 4 << 20).unwrap();
        let mut keys = trace.keys();
        let warm = replay(&mut conn, &mut keys, trace.warmup(), PIPELINE).unwrap();
        let counted = replay(&mut conn, &mut keys, trace.counted(), PIPELINE).unwrap();
        assert_eq!(counted.gets, trace.counted());
        // Zipf(0.99) with a tenth of the keys cached, and scans: some
        // hits, far from all.
        let ratio = counted.hit_ratio();
        assert!((0.2..0.9).contains(&ratio), "hit ratio {ratio}");
        let held =
            settings::held_after_eviction(&mut conn, "redis", warm.sets + counted.sets).unwrap();
        assert!(held < trace.distinct() && held > 1000, "held {held}");
    }

    #[test]
    fn a_refused_setting_stops_with_the_servers_text() {
        let Some((server, mut conn)) = redis(&[]) else {
            return;
        };
        let mut info = Resp::connect(server.addr).unwrap();
        let bad = settings::settings("1mb", "allkeys-nonesuch");
        let err = settings::apply(&mut conn, &mut info, "redis", &bad).unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains("redis refused CONFIG SET maxmemory-policy"),
            "{text}"
        );
        assert!(
            text.contains("argument(s) must be one of the following"),
            "{text}"
        );
    }

    #[test]
    fn a_flood_evicts_on_redis_server() {
        let Some((_server, mut conn)) = redis(&settings::settings("1mb", FLOOD_POLICY)) else {
            return;
        };
        let set = flood::flood(&mut conn, 4).unwrap();
        assert_eq!(set, 40_000);
        let held = settings::held_after_eviction(&mut conn, "redis", set).unwrap();
        assert!(held < set / 2, "held {held}");
    }

    #[test]
    fn the_probe_times_del_and_unlink_on_redis_server() {
        let Some((server, _conn)) = redis(&settings::settings("0", "noeviction")) else {
            return;
        };
        for command in ["DEL", "UNLINK"] {
            let seen = stall::measure(server.addr, command, 20_000).unwrap();
            assert!(seen.max_us >= seen.p99_us && seen.p99_us > 0, "{seen:?}");
        }
    }
}
