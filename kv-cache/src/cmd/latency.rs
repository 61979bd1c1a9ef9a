//! `LATENCY LATEST|HISTORY|RESET|DOCTOR|GRAPH|HISTOGRAM|HELP`. Redis:
//! `latencyCommand` in `src/latency.c`. The data is in [`crate::latency`]:
//! the monitor's events in `Server::latency`, each command's histogram
//! beside its other counters.

use super::{COMMANDS, Command, Ctx, lookup, lookup_sub};
use crate::config::bounds;
use crate::latency::{Histogram, doctor, graph};
use crate::protocol::Argv;
use crate::state::Server;

/// `LATENCY` without a subcommand never reaches here (arity -2).
pub fn latency(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.wrong_arity("latency");
}

/// `LATENCY LATEST`: `[event, time, latest ms, all-time max ms]` per event.
pub fn latency_latest(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.array(ctx.srv.latency.iter().len());
    for (event, series) in ctx.srv.latency.iter() {
        let last = series.latest();
        ctx.out.array(4);
        ctx.out.bulk(event.as_bytes());
        ctx.out.int(last.time);
        ctx.out.int(last.latency as i64);
        ctx.out.int(series.max as i64);
    }
}

/// `LATENCY HISTORY event`: `[time, ms]` per sample, oldest first.
pub fn latency_history(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some((_, series)) = ctx.srv.latency.get(argv.get(2)) else {
        return ctx.out.array(0);
    };
    let samples: Vec<_> = series.samples().collect();
    ctx.out.array(samples.len());
    for s in samples {
        ctx.out.array(2);
        ctx.out.int(s.time);
        ctx.out.int(s.latency as i64);
    }
}

/// `LATENCY RESET [event ...]`: how many events were dropped.
pub fn latency_reset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let n = if argv.len() == 2 {
        ctx.srv.latency.reset(None)
    } else {
        argv.iter()
            .skip(2)
            .map(|e| ctx.srv.latency.reset(Some(e)))
            .sum()
    };
    ctx.out.int(n as i64);
}

/// `LATENCY DOCTOR`: the report, as verbatim text.
pub fn latency_doctor(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let c = &ctx.srv.config;
    let cx = doctor::Context {
        threshold: c.latency_monitor_threshold,
        slowlog_slower_than: c.slowlog_log_slower_than,
        hz: c.hz,
        now: ctx.srv.ks.now_ms / 1000,
        anon_huge_pages: doctor::anon_huge_pages(),
    };
    let report = doctor::report(&ctx.srv.latency, cx);
    ctx.out.verbatim(report.as_bytes());
}

/// `LATENCY GRAPH event`: the ASCII chart, as verbatim text.
pub fn latency_graph(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let now = ctx.srv.ks.now_ms / 1000;
    match ctx.srv.latency.get(argv.get(2)) {
        Some((event, series)) => {
            let chart = graph::render(event, series, now);
            ctx.out.verbatim(chart.as_bytes());
        }
        None => {
            let mut msg = b"ERR No samples available for event '".to_vec();
            msg.extend_from_slice(argv.get(2));
            msg.push(b'\'');
            ctx.out.error_bytes(&msg);
        }
    }
}

/// A command (or subcommand) with a histogram to report: its full name
/// (`config|get`) and the counts.
fn with_data<'s>(
    srv: &'s Server,
    ti: usize,
    top: &Command,
    sub: Option<usize>,
) -> Option<(String, &'s Histogram)> {
    let (name, h) = match sub {
        None => (top.name.to_string(), &srv.cmdstats.get(ti)?.latency),
        Some(si) => (
            format!("{}|{}", top.name, top.subcommands[si].name),
            &srv.substats.get(&(ti, si))?.latency,
        ),
    };
    (h.calls() > 0).then_some((name, h))
}

/// A command and, for a container, each of its subcommands, as Redis
/// lists them.
fn command_and_subs<'s>(srv: &'s Server, ti: usize, top: &Command) -> Vec<(String, &'s Histogram)> {
    std::iter::once(with_data(srv, ti, top, None))
        .chain((0..top.subcommands.len()).map(|si| with_data(srv, ti, top, Some(si))))
        .flatten()
        .collect()
}

/// Every command and subcommand with calls in its histogram, in table
/// order (`LATENCY HISTOGRAM`, `INFO latencystats`).
pub(crate) fn all_histograms(srv: &Server) -> Vec<(String, &Histogram)> {
    COMMANDS
        .iter()
        .enumerate()
        .flat_map(|(ti, top)| command_and_subs(srv, ti, top))
        .collect()
}

/// `LATENCY HISTOGRAM [command ...]`: per command with calls, `calls` and
/// the cumulative `histogram_usec` (see [`crate::latency::histogram`]).
/// Unknown names are skipped; `container|sub` names one subcommand.
pub fn latency_histogram(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let srv = &*ctx.srv;
    let mut found = Vec::new();
    if argv.len() == 2 {
        found = all_histograms(srv);
    }
    for name in argv.iter().skip(2) {
        let mut parts = name.splitn(2, |&b| b == b'|');
        let Some((ti, top)) = parts.next().and_then(lookup) else {
            continue;
        };
        match parts.next() {
            None => found.extend(command_and_subs(srv, ti, top)),
            Some(sub) => {
                let si = lookup_sub(top, sub)
                    .and_then(|s| top.subcommands.iter().position(|x| std::ptr::eq(x, s)));
                found.extend(si.and_then(|si| with_data(srv, ti, top, Some(si))));
            }
        }
    }
    ctx.out.map(found.len());
    for (name, h) in found {
        ctx.out.bulk(name.as_bytes());
        ctx.out.map(2);
        ctx.out.bulk(b"calls");
        ctx.out.int(h.calls() as i64);
        ctx.out.bulk(b"histogram_usec");
        let buckets = h.cumulative();
        ctx.out.map(buckets.len());
        for (usec, count) in buckets {
            ctx.out.int(usec as i64);
            ctx.out.int(count as i64);
        }
    }
}

/// The lines of `INFO latencystats`: per command with calls, its value at
/// each `latency-tracking-info-percentiles`, in µs with three decimals
/// (Redis `fillPercentileDistributionLatencies`).
pub(crate) fn info_latencystats(srv: &Server, o: &mut String) {
    let percentiles = &srv.config.latency_tracking_info_percentiles;
    for (name, h) in all_histograms(srv) {
        let values: Vec<String> = percentiles
            .iter()
            .map(|&p| {
                let us = h.value_at_percentile(p) as f64 / 1000.0;
                format!("p{}={us:.3}", bounds::double_text(p))
            })
            .collect();
        o.push_str(&format!(
            "latency_percentiles_usec_{name}:{}\r\n",
            values.join(",")
        ));
    }
}

/// `LATENCY HELP`
pub fn latency_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    super::server::help(
        ctx,
        "LATENCY",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
}
