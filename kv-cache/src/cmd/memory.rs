//! `MEMORY USAGE|STATS|DOCTOR|MALLOC-STATS|PURGE|HELP`. Redis:
//! `memoryCommand` and `getMemoryOverheadData` in `src/object.c`.
//!
//! `USAGE` is [`crate::db::usage`]'s estimate of what the key costs in
//! kv-cache's own structures. `STATS` uses Redis's field names where
//! kv-cache has the same figure: the allocator's count (`used_memory`),
//! its peak, the resident size, the keyspace's hash tables; replication
//! backlog, AOF, cluster links and script caches do not exist here and
//! are 0, as in a Redis that has none; client buffers are not measured
//! yet and read 0. kv-cache uses the system allocator, so `MALLOC-STATS`
//! answers as a Redis built with libc, and `PURGE` returns free heap
//! pages to the system with glibc's `malloc_trim`.

use super::{Ctx, is};
use crate::alloc;
use crate::db::usage;
use crate::protocol::{Argv, parse_i64};

/// Redis `OBJ_COMPUTE_SIZE_DEF_SAMPLES`.
const DEFAULT_SAMPLES: usize = 5;

/// `MEMORY` without a subcommand never reaches here (arity -2).
pub fn memory(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.wrong_arity("memory");
}

/// `MEMORY USAGE key [SAMPLES count]`: bytes, or nil for a missing key.
/// Like Redis it looks the key up without expiring it.
pub fn memory_usage(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut samples = DEFAULT_SAMPLES;
    let mut j = 3;
    while j < argv.len() {
        if !(is(argv.get(j), "samples") && j + 1 < argv.len()) {
            return ctx.syntax_error();
        }
        match parse_i64(argv.get(j + 1)) {
            None => return ctx.not_integer(),
            Some(n) if n < 0 => return ctx.syntax_error(),
            Some(0) => samples = usize::MAX,
            Some(n) => samples = usize::try_from(n).unwrap_or(usize::MAX),
        }
        j += 2;
    }
    let db = ctx.db();
    match ctx.srv.ks.dbs[db].dict.get(argv.get(2)) {
        Some(e) => {
            let n = usage::key_usage(e.key(), &e.value, samples);
            ctx.out.int(n as i64);
        }
        None => ctx.out.null(),
    }
}

/// The figures `STATS` and `DOCTOR` read.
struct Figures {
    used: usize,
    peak: usize,
    startup: usize,
    rss: usize,
    /// Per database with keys: (index, main table, expires table) bytes.
    dbs: Vec<(usize, usize, usize)>,
    keys: usize,
}

fn figures(ctx: &mut Ctx<'_>) -> Figures {
    let rss = alloc::rss_bytes();
    let used = alloc::used_memory().unwrap_or(rss);
    ctx.srv.peak_memory = ctx.srv.peak_memory.max(used);
    let dbs = ctx
        .srv
        .ks
        .dbs
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.dict.is_empty())
        .map(|(i, d)| (i, d.dict.overhead_bytes(), d.expires.overhead_bytes()))
        .collect();
    Figures {
        used,
        peak: ctx.srv.peak_memory,
        startup: ctx.srv.startup_memory.min(used),
        rss,
        dbs,
        keys: (0..ctx.srv.ks.dbs.len()).map(|i| ctx.srv.ks.len(i)).sum(),
    }
}

/// `MEMORY STATS`: Redis 7.0's map, field for field.
pub fn memory_stats(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let f = figures(ctx);
    let tables: usize = f.dbs.iter().map(|(_, m, e)| m + e).sum();
    let overhead = f.startup + tables;
    let dataset = f.used.saturating_sub(overhead);
    let net = f.used.saturating_sub(f.startup);
    let ratio = |a: usize, b: usize| a as f64 / b.max(1) as f64;
    let out = &mut ctx.out;
    out.map(27 + f.dbs.len());
    let int = |out: &mut crate::protocol::Reply<'_>, name: &str, v: usize| {
        out.bulk(name.as_bytes());
        out.int(v as i64);
    };
    let dbl = |out: &mut crate::protocol::Reply<'_>, name: &str, v: f64| {
        out.bulk(name.as_bytes());
        out.double(v);
    };
    int(out, "peak.allocated", f.peak);
    int(out, "total.allocated", f.used);
    int(out, "startup.allocated", f.startup);
    for name in [
        "replication.backlog",
        "clients.slaves",
        "clients.normal",
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
    ] {
        int(out, name, 0);
    }
    for (i, main, expires) in &f.dbs {
        out.bulk(format!("db.{i}").as_bytes());
        out.map(3);
        int(out, "overhead.hashtable.main", *main);
        int(out, "overhead.hashtable.expires", *expires);
        int(out, "overhead.hashtable.slot-to-keys", 0);
    }
    int(out, "overhead.total", overhead);
    int(out, "keys.count", f.keys);
    int(
        out,
        "keys.bytes-per-key",
        net.checked_div(f.keys).unwrap_or(0),
    );
    int(out, "dataset.bytes", dataset);
    dbl(out, "dataset.percentage", ratio(dataset * 100, net));
    dbl(out, "peak.percentage", ratio(f.used * 100, f.peak));
    // The system allocator reports no active/resident split: what it was
    // asked for is "allocated", the process's resident size "resident".
    int(out, "allocator.allocated", f.used);
    int(out, "allocator.active", f.used);
    int(out, "allocator.resident", f.rss);
    dbl(out, "allocator-fragmentation.ratio", 1.0);
    int(out, "allocator-fragmentation.bytes", 0);
    dbl(out, "allocator-rss.ratio", ratio(f.rss, f.used));
    int(out, "allocator-rss.bytes", f.rss.saturating_sub(f.used));
    dbl(out, "rss-overhead.ratio", 1.0);
    int(out, "rss-overhead.bytes", 0);
    dbl(out, "fragmentation", ratio(f.rss, f.used));
    int(out, "fragmentation.bytes", f.rss.saturating_sub(f.used));
}

/// `MEMORY DOCTOR`: Redis's checks (an instance too small to judge, a
/// peak far above the current use, a resident size far above it), in our
/// words.
pub fn memory_doctor(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let f = figures(ctx);
    let mut report = String::new();
    if f.used < 5 << 20 {
        report.push_str(
            "This instance holds less than 5 MB: too little for the checks to mean anything. \
             Come back once it holds some data.\n",
        );
    } else {
        if f.peak as f64 > f.used as f64 * 1.5 {
            report.push_str(&format!(
                " * Peak memory: the peak ({} bytes) is over 150% of the memory used now ({} bytes). \
                 The allocator may not have returned the difference to the system; MEMORY PURGE may help.\n",
                f.peak, f.used
            ));
        }
        if f.rss as f64 > f.used as f64 * 1.4 {
            report.push_str(&format!(
                " * High fragmentation: the resident size ({} bytes) is over 140% of the memory used ({} bytes).\n",
                f.rss, f.used
            ));
        }
        if report.is_empty() {
            report.push_str("No memory issue found in this instance.\n");
        } else {
            report.insert_str(0, "Memory issues found in this instance:\n\n");
        }
    }
    ctx.out.verbatim(report.as_bytes());
}

/// `MEMORY MALLOC-STATS`: what a Redis built on libc answers.
pub fn memory_malloc_stats(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out
        .bulk(b"Stats not supported for the current allocator");
}

/// `MEMORY PURGE`: hands free heap pages back to the system.
pub fn memory_purge(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory the allocator holds;
    // it takes no pointer and is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
    ctx.out.ok();
}

/// `MEMORY HELP`
pub fn memory_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    super::server::help(
        ctx,
        "MEMORY",
        &[
            "DOCTOR",
            "    Report memory problems found in this instance.",
            "MALLOC-STATS",
            "    Report the memory allocator's own statistics.",
            "PURGE",
            "    Ask the allocator to give free pages back to the system.",
            "STATS",
            "    Report how the server's memory is used.",
            "USAGE <key> [SAMPLES <count>]",
            "    Report the bytes <key> and its value take; nested values are sampled",
            "    <count> times (default 5, 0 samples all).",
        ],
    );
}
