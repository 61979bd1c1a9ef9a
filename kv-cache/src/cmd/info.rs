//! `INFO [section ...]`, with Redis 7's section and field names
//! (`genRedisInfoString` in `src/server.c`). Fields for machinery kv-cache
//! does not have (replication, persistence, cluster) report its idle state.

use std::fmt::Write;

use super::{COMMANDS, Ctx};
use crate::alloc;
use crate::protocol::Argv;
use crate::state::Server;

/// Sections printed by `INFO` / `INFO default`.
const DEFAULT: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// `INFO [section ...]`
pub fn info(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut wanted: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    if wanted.is_empty() || wanted.iter().any(|w| w == "default") {
        wanted.extend(DEFAULT.iter().map(|s| s.to_string()));
    }
    if wanted.iter().any(|w| w == "all" || w == "everything") {
        wanted.extend(DEFAULT.iter().map(|s| s.to_string()));
        wanted.push("commandstats".into());
        wanted.push("latencystats".into());
    }
    let text = render(ctx.srv, &wanted);
    ctx.out.verbatim(text.as_bytes());
}

fn human(bytes: usize) -> String {
    let b = bytes as f64;
    match bytes {
        0..1024 => format!("{bytes}B"),
        1024..1_048_576 => format!("{:.2}K", b / 1024.0),
        1_048_576..1_073_741_824 => format!("{:.2}M", b / 1_048_576.0),
        _ => format!("{:.2}G", b / 1_073_741_824.0),
    }
}

fn cpu_times() -> (f64, f64) {
    // SAFETY: getrusage writes into the zeroed struct we own; RUSAGE_SELF is valid.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return (0.0, 0.0);
    }
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(ru.ru_stime), t(ru.ru_utime))
}

/// Builds the INFO text for the wanted sections, in Redis's order.
pub fn render(srv: &mut Server, wanted: &[String]) -> String {
    let has = |s: &str| wanted.iter().any(|w| w == s);
    let mut o = String::new();
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    let uptime = srv.started.elapsed().as_secs();
    let rss = alloc::rss_bytes();
    let used = alloc::used_memory().unwrap_or(rss);
    srv.peak_memory = srv.peak_memory.max(used);
    // `write!` into a String cannot fail.
    if has("server") {
        let _ = write!(
            o,
            "# Server\r\nredis_version:{}\r\nkv_cache_version:{}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\nmultiplexing_api:epoll\r\nprocess_id:{}\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nexecutable:{}\r\nconfig_file:\r\n\r\n",
            super::connection::REDIS_VERSION,
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH,
            std::process::id(),
            srv.run_id,
            srv.config.port,
            now_us,
            uptime,
            uptime / 86400,
            srv.config.hz,
            srv.config.hz,
            std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        );
    }
    if has("clients") {
        let _ = write!(
            o,
            "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:{}\r\ntracking_clients:{}\r\nclients_in_timeout_table:{}\r\n\r\n",
            srv.client_count(),
            srv.config.maxclients,
            // Clients a pause holds count as blocked, as in Redis.
            srv.blocked.len() + srv.pause.postponed.len(),
            srv.tracking.clients(),
            srv.blocked.with_timeout()
        );
    }
    if has("memory") {
        let _ = write!(
            o,
            "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{}\r\nused_memory_peak_human:{}\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\nmem_fragmentation_ratio:{:.2}\r\nmem_allocator:libc\r\n\r\n",
            human(used),
            human(rss),
            srv.peak_memory,
            human(srv.peak_memory),
            rss as f64 / used.max(1) as f64,
        );
    }
    if has("persistence") {
        let _ = write!(
            o,
            "# Persistence\r\nloading:0\r\nasync_loading:0\r\nrdb_changes_since_last_save:0\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:{}\r\n",
            (now_us / 1_000_000) as u64 - uptime
        );
        srv.aof.info(&mut o);
        o.push_str("\r\n");
    }
    if has("stats") {
        let s = srv.stats;
        let k = srv.ks.stats;
        let _ = write!(
            o,
            "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\nevicted_keys:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\ntracking_total_keys:{}\r\ntracking_total_items:{}\r\ntracking_total_prefixes:{}\r\ntotal_error_replies:{}\r\n\r\n",
            s.total_connections_received,
            s.total_commands_processed,
            s.net_input_bytes,
            s.net_output_bytes,
            s.rejected_connections,
            k.expired_keys,
            k.keyspace_hits,
            k.keyspace_misses,
            srv.pubsub.channel_count(),
            srv.pubsub.pattern_count(),
            srv.pubsub.shard_channel_count(),
            srv.tracking.total_keys(),
            srv.tracking.total_items(),
            srv.tracking.total_prefixes(),
            s.total_error_replies
        );
    }
    if has("replication") {
        let _ = write!(
            o,
            "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:0\r\n\r\n"
        );
    }
    if has("cpu") {
        let (sys, user) = cpu_times();
        let _ = write!(
            o,
            "# CPU\r\nused_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\n\r\n"
        );
    }
    if has("modules") {
        o.push_str("# Modules\r\n\r\n");
    }
    if has("errorstats") {
        o.push_str("# Errorstats\r\n\r\n");
    }
    if has("latencystats") {
        o.push_str("# Latencystats\r\n");
        if srv.config.latency_tracking {
            super::latency::info_latencystats(srv, &mut o);
        }
        o.push_str("\r\n");
    }
    if has("cluster") {
        o.push_str("# Cluster\r\ncluster_enabled:0\r\n\r\n");
    }
    if has("keyspace") {
        o.push_str("# Keyspace\r\n");
        for (i, db) in srv.ks.dbs.iter().enumerate() {
            if !db.dict.is_empty() {
                let _ = write!(
                    o,
                    "db{i}:keys={},expires={},avg_ttl=0\r\n",
                    db.dict.len(),
                    db.expires.len()
                );
            }
        }
        o.push_str("\r\n");
    }
    if has("commandstats") {
        o.push_str("# Commandstats\r\n");
        let line = |o: &mut String, name: &str, s: &crate::state::CmdStat| {
            let _ = write!(
                o,
                "cmdstat_{name}:calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}\r\n",
                s.calls,
                s.usec,
                s.usec as f64 / s.calls.max(1) as f64,
                s.rejected_calls,
                s.failed_calls
            );
        };
        for (i, s) in srv.cmdstats.iter().enumerate() {
            if s.calls + s.rejected_calls > 0 {
                line(&mut o, COMMANDS[i].name, s);
            }
        }
        let mut subs: Vec<_> = srv.substats.iter().collect();
        subs.sort_by_key(|(k, _)| **k);
        for ((ti, si), s) in subs {
            let top = COMMANDS[*ti];
            line(
                &mut o,
                &format!("{}|{}", top.name, top.subcommands[*si].name),
                s,
            );
        }
        o.push_str("\r\n");
    }
    while o.ends_with("\r\n\r\n") {
        o.truncate(o.len() - 2);
    }
    o
}
