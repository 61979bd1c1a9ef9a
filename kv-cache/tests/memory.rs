//! `MEMORY` at the wire, against redis-server: the same errors, the same
//! `STATS` field names, and `USAGE` figures of the same order as Redis's
//! for each type and encoding (they are estimates of different layouts,
//! so within a factor of two, not equal).

mod common;

use common::{Conn, start_ours, start_redis};
use kv_cache::protocol::Value;

/// Fills the same keys on a server: every type, small and large encodings.
fn fill(c: &mut Conn) {
    c.cmds(&["FLUSHALL"]);
    c.cmds(&["SET", "s", &"x".repeat(100)]);
    c.cmds(&["SET", "big", &"y".repeat(10_000)]);
    c.cmds(&["RPUSH", "l", "a", "b", "c"]);
    c.cmds(&["HSET", "h", "a", "1", "b", "2"]);
    c.cmds(&["SADD", "st", "1", "2", "3"]);
    c.cmds(&["ZADD", "z", "1", "a"]);
    for i in 0..300 {
        let i = i.to_string();
        c.cmds(&["SADD", "bset", &format!("member-number-{i}-with-padding")]);
        c.cmds(&["ZADD", "bz", &i, &format!("m{i}")]);
        c.cmds(&["HSET", "bh", &format!("field{i}"), &format!("value{i}")]);
        c.cmds(&["RPUSH", "bl", &format!("element-{i}")]);
    }
}

fn int(v: Value) -> i64 {
    match v {
        Value::Int(n) => n,
        other => panic!("an integer: {other:?}"),
    }
}

fn field_names(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.into_iter().step_by(2).collect(),
        other => panic!("a flat map: {other:?}"),
    }
}

#[test]
fn memory_usage_and_stats_look_like_redis() {
    let Some(real) = start_redis() else { return };
    let srv = start_ours(|_| {});
    let (mut ours, mut redis) = (Conn::connect(srv.addr), Conn::connect(real.addr));
    fill(&mut ours);
    fill(&mut redis);
    for key in ["s", "big", "l", "h", "st", "z", "bset", "bz", "bh", "bl"] {
        for samples in ["5", "0"] {
            let args = ["MEMORY", "USAGE", key, "SAMPLES", samples];
            let (a, b) = (int(ours.cmds(&args)), int(redis.cmds(&args)));
            assert!(a * 2 >= b && a <= b * 2, "{key}: ours {a}, Redis {b}");
        }
    }
    for bad in [
        &["MEMORY", "USAGE", "s", "SAMPLES", "-1"][..],
        &["MEMORY", "USAGE", "s", "SAMPLES", "x"],
        &["MEMORY", "USAGE", "s", "FOO"],
        &["MEMORY", "USAGE", "nokey"],
        &["MEMORY", "STATS", "x"],
        &["MEMORY", "PURGE"],
        &["MEMORY", "NOPE"],
        &["MEMORY", "MALLOC-STATS", "x"],
    ] {
        assert_eq!(ours.cmds(bad), redis.cmds(bad), "{bad:?}");
    }
    let stats = ["MEMORY", "STATS"];
    assert_eq!(
        field_names(ours.cmds(&stats)),
        field_names(redis.cmds(&stats))
    );
}
