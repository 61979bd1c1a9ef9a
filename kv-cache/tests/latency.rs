//! `LATENCY` against redis-server 7.0: the same events, shapes and texts
//! for a scripted spike (`DEBUG SLEEP` over `latency-monitor-threshold`),
//! and per-command histograms with the same calls and Redis's bucket labels.
//! Times and measured milliseconds differ between runs, so they are checked
//! for range, everything else for equality.

mod common;

use std::net::SocketAddr;

use common::{Conn, bulk, start_ours, start_redis};
use kv_cache::protocol::Value;

fn ints(v: &Value) -> Vec<i64> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Int(n) => *n,
                other => panic!("not an integer: {other:?}"),
            })
            .collect(),
        other => panic!("not an array: {other:?}"),
    }
}

/// A verbatim reply's text (a bulk string in RESP2).
fn text(v: Value) -> String {
    match v {
        Value::Bulk(b) | Value::Verbatim(_, b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("not text: {other:?}"),
    }
}

/// What must be equal on both servers, with the timing-dependent parts
/// checked here and left out.
fn scenario(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    let mut t = vec![
        c.cmds(&["LATENCY", "DOCTOR"]),
        c.cmds(&["LATENCY", "LATEST"]),
        c.cmds(&["LATENCY", "HISTORY", "command"]),
        c.cmds(&["LATENCY", "GRAPH", "command"]),
        c.cmds(&["LATENCY", "HELP"]),
        c.cmds(&["LATENCY", "NOPE"]),
        c.cmds(&["CONFIG", "SET", "latency-monitor-threshold", "50"]),
        c.cmds(&["DEBUG", "SLEEP", "0.08"]),
        c.cmds(&["PING"]),
    ];
    let Value::Array(latest) = c.cmds(&["LATENCY", "LATEST"]) else {
        panic!("LATEST is an array")
    };
    assert_eq!(latest.len(), 1, "{latest:?}");
    let Value::Array(entry) = &latest[0] else {
        panic!("{latest:?}")
    };
    t.push(entry[0].clone());
    let nums = ints(&Value::Array(entry[1..].to_vec()));
    assert!(
        nums[1] >= 80 && nums[1] < 2000 && nums[2] == nums[1],
        "{nums:?}"
    );
    let Value::Array(history) = c.cmds(&["LATENCY", "HISTORY", "command"]) else {
        panic!("HISTORY is an array")
    };
    assert_eq!(history.len(), 1);
    assert_eq!(ints(&history[0])[0], nums[0], "the same sample");
    let graph = text(c.cmds(&["LATENCY", "GRAPH", "command"]));
    let lines: Vec<&str> = graph.lines().collect();
    assert!(lines[0].starts_with("command - high "), "{graph}");
    assert_eq!(lines[1], "-".repeat(80));
    // One sample: four bar rows, the blank row, its age label ("0s", "1s").
    t.push(Value::Array(
        lines[2..]
            .iter()
            .map(|l| bulk(&l.replace(|ch: char| ch.is_ascii_digit(), "9")))
            .collect(),
    ));
    let doctor = text(c.cmds(&["LATENCY", "DOCTOR"]));
    // The statistics line names the measured time; the rest is Redis's text.
    t.push(bulk(
        &doctor
            .lines()
            .filter(|l| !l.starts_with("1. command: ") && !l.contains("anonymous huge pages"))
            .collect::<Vec<_>>()
            .join("\n"),
    ));
    t.push(c.cmds(&["LATENCY", "RESET", "nosuch", "COMMAND"]));
    t.push(c.cmds(&["LATENCY", "LATEST"]));
    t.push(c.cmds(&["CONFIG", "SET", "latency-monitor-threshold", "0"]));
    t
}

#[test]
fn monitor_events_and_texts_as_redis() {
    let ours = start_ours(|_| {});
    let got = scenario(ours.addr);
    assert_eq!(got[7], common::simple("OK"), "{got:?}");
    if let Some(redis) = start_redis() {
        assert_eq!(got, scenario(redis.addr));
    }
}

/// `calls` and the set of bucket labels per command, after a fixed load.
fn histograms(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    c.cmds(&["CONFIG", "RESETSTAT"]);
    for i in 0..50 {
        c.cmds(&["SET", &format!("k{i}"), "v"]);
    }
    c.cmds(&["CONFIG", "GET", "hz"]);
    let reply = c.cmds(&["LATENCY", "HISTOGRAM", "set", "config", "nosuch", "get"]);
    let Value::Array(flat) = reply else {
        panic!("a map, flat in RESP2: {reply:?}")
    };
    let mut out = Vec::new();
    for pair in flat.chunks(2) {
        out.push(pair[0].clone());
        let Value::Array(fields) = &pair[1] else {
            panic!("{pair:?}")
        };
        assert_eq!(fields[0], bulk("calls"));
        assert_eq!(fields[2], bulk("histogram_usec"));
        out.push(fields[1].clone());
        let buckets = ints(&fields[3]);
        let labels = [
            1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454,
        ];
        for kv in buckets.chunks(2) {
            assert!(labels.contains(&kv[0]), "{buckets:?}");
        }
        assert_eq!(
            buckets.last(),
            Some(&match &fields[1] {
                Value::Int(n) => *n,
                other => panic!("{other:?}"),
            }),
            "cumulative up to every call"
        );
    }
    out
}

#[test]
fn histograms_count_every_call_in_redis_buckets() {
    let ours = start_ours(|_| {});
    let got = histograms(ours.addr);
    assert_eq!(
        got,
        [
            bulk("set"),
            Value::Int(50),
            bulk("config|get"),
            Value::Int(1),
            bulk("config|resetstat"),
            Value::Int(1),
        ]
    );
    if let Some(redis) = start_redis() {
        // Redis lists a container's subcommands in its dict's order.
        let pairs = |v: &[Value]| {
            let mut p: Vec<String> = v.chunks(2).map(|kv| format!("{kv:?}")).collect();
            p.sort();
            p
        };
        assert_eq!(pairs(&got), pairs(&histograms(redis.addr)));
    }
}

/// `INFO latencystats` after a fixed load: per command its name and the
/// percentile keys; values are timings, so only their form is checked.
fn latencystats(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    c.cmds(&["CONFIG", "RESETSTAT"]);
    let mut t = vec![c.cmds(&["CONFIG", "GET", "latency-tracking-info-percentiles"])];
    for i in 0..20 {
        c.cmds(&["SET", &format!("k{i}"), "v"]);
    }
    let lines = |c: &mut Conn| {
        let info = text(c.cmds(&["INFO", "latencystats"]));
        let mut shapes: Vec<String> = info
            .lines()
            .map(|l| {
                let Some((name, values)) = l.split_once(':') else {
                    return l.to_string();
                };
                let keys: Vec<&str> = values
                    .split(',')
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').expect("p<percentile>=<usec>");
                        let (whole, frac) = v.split_once('.').expect("three decimals");
                        assert!(whole.parse::<u64>().is_ok() && frac.len() == 3, "{l}");
                        k
                    })
                    .collect();
                format!("{name}:{}", keys.join(","))
            })
            .collect();
        shapes.sort();
        Value::Array(shapes.iter().map(|s| bulk(s)).collect())
    };
    t.push(lines(&mut c));
    let param = "latency-tracking-info-percentiles";
    for value in ["33.3333333 0.5 100", "50 x", "101", "", "50 99 99.9"] {
        t.push(c.cmds(&["CONFIG", "SET", param, value]));
        t.push(c.cmds(&["CONFIG", "GET", param]));
        t.push(lines(&mut c));
    }
    t
}

#[test]
fn info_latencystats_as_redis() {
    let got = common::on_both(latencystats);
    let Value::Array(lines) = &got[1] else {
        panic!("{got:?}")
    };
    assert!(
        lines.contains(&bulk("latency_percentiles_usec_set:p50,p99,p99.9")),
        "{lines:?}"
    );
}

/// The p50 of one `DEBUG SLEEP 0.02` call, in ns, from `INFO latencystats`.
fn p50_of_one_slow_call(addr: SocketAddr) -> u64 {
    let mut c = Conn::connect(addr);
    c.cmds(&["CONFIG", "RESETSTAT"]);
    c.cmds(&["DEBUG", "SLEEP", "0.02"]);
    let info = text(c.cmds(&["INFO", "latencystats"]));
    let v: f64 = info
        .lines()
        .find_map(|l| l.strip_prefix("latency_percentiles_usec_debug:p50="))
        .and_then(|r| r.split(',').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no p50 for DEBUG in {info}"));
    (v * 1000.0).round() as u64
}

/// HDR reports a value as the top of its counter: with 2 significant
/// digits, one more than it is a multiple of the counter's width, 1/128 of
/// the power of two below it.
#[test]
fn percentile_values_are_hdr_counter_tops() {
    let ours = start_ours(|_| {});
    let mut servers = vec![p50_of_one_slow_call(ours.addr)];
    if let Some(redis) = start_redis() {
        servers.push(p50_of_one_slow_call(redis.addr));
    }
    for ns in servers {
        assert!((20_000_000..30_000_000).contains(&ns), "{ns}");
        let width = 1u64 << (63 - ns.leading_zeros() - 7);
        assert_eq!(
            (ns + 1) % width,
            0,
            "{ns} is not the top of a {width} ns counter"
        );
    }
}
