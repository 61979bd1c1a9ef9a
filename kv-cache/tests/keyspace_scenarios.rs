//! Scenarios compared with redis-server: what `SORT ... STORE` does to
//! a WATCHed destination, and which commands stamp a key's access clock
//! (`OBJECT IDLETIME`).

mod common;

use std::net::SocketAddr;

use common::{Conn, on_both, start_ours, start_redis};
use kv_cache::protocol::Value;

/// An empty `SORT ... STORE` deletes the destination: that is a change
/// for a WATCH only when the destination existed (Redis signals the key
/// only if `dbDelete` removed something).
fn sort_store_and_watch(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    let mut t = Vec::new();
    for setup in [None, Some("x")] {
        c.cmds(&["DEL", "dst"]);
        if let Some(v) = setup {
            c.cmds(&["SET", "dst", v]);
        }
        t.push(c.cmds(&["WATCH", "dst"]));
        t.push(c.cmds(&["SORT", "nokey", "STORE", "dst"]));
        t.push(c.cmds(&["MULTI"]));
        t.push(c.cmds(&["PING"]));
        t.push(c.cmds(&["EXEC"]));
        t.push(c.cmds(&["EXISTS", "dst"]));
    }
    // A non-empty result replaces the destination (TTL dropped) as a list.
    c.cmds(&["RPUSH", "src", "2", "1"]);
    c.cmds(&["SET", "dst", "x", "EX", "100"]);
    t.push(c.cmds(&["SORT", "src", "STORE", "dst"]));
    t.push(c.cmds(&["TTL", "dst"]));
    t.push(c.cmds(&["LRANGE", "dst", "0", "-1"]));
    t
}

#[test]
fn sort_store_signals_watchers_as_redis_does() {
    let t = on_both(sort_store_and_watch);
    // Missing destination: EXEC runs; existing one: EXEC is aborted.
    assert_eq!(t[4], Value::Array(vec![Value::Simple("PONG".into())]));
    assert_eq!(t[10], Value::Null);
}

fn int(v: Value) -> i64 {
    match v {
        Value::Int(n) => n,
        other => panic!("an integer: {other:?}"),
    }
}

/// After a two-second pause, a key only looked at by TYPE, EXISTS, TTL
/// and OBJECT is idle; those read by GET, written by APPEND, or given or
/// cleared a TTL (EXPIRE, PERSIST look up for writing) are not. Returns
/// the idle time of the first, then of the others, then what a missing
/// key gives.
fn idle_times(addr: SocketAddr) -> (i64, Vec<i64>, Value) {
    let mut c = Conn::connect(addr);
    c.cmds(&["FLUSHALL"]);
    let stamped = ["read", "written", "expired", "persisted"];
    c.cmds(&["SET", "looked", "v"]);
    for k in stamped {
        c.cmds(&["SET", k, "v"]);
    }
    // Just set: at most one tick old (a second may begin in between).
    assert!(int(c.cmds(&["OBJECT", "IDLETIME", "looked"])) <= 1);
    // The server itself sleeps, so both count the same seconds.
    c.cmds(&["DEBUG", "SLEEP", "2.1"]);
    c.cmds(&["TYPE", "looked"]);
    c.cmds(&["EXISTS", "looked"]);
    c.cmds(&["TTL", "looked"]);
    c.cmds(&["OBJECT", "ENCODING", "looked"]);
    c.cmds(&["GET", "read"]);
    c.cmds(&["APPEND", "written", "w"]);
    c.cmds(&["EXPIRE", "expired", "100"]);
    c.cmds(&["PERSIST", "persisted"]);
    let others = stamped
        .iter()
        .map(|k| int(c.cmds(&["OBJECT", "IDLETIME", k])))
        .collect();
    (
        int(c.cmds(&["OBJECT", "IDLETIME", "looked"])),
        others,
        c.cmds(&["OBJECT", "IDLETIME", "missing"]),
    )
}

#[test]
fn only_reads_and_writes_stamp_the_access_clock() {
    let srv = start_ours(|_| {});
    let real = start_redis();
    let mut servers = vec![("kv-cache", srv.addr)];
    servers.extend(real.as_ref().map(|r| ("redis-server", r.addr)));
    for (name, addr) in servers {
        let (looked, stamped, missing) = idle_times(addr);
        // 2.1 s is two or three ticks of a clock counting whole seconds;
        // a key stamped just now is at most one tick old.
        assert!((2..=3).contains(&looked), "{name}: {looked}");
        assert!(stamped.iter().all(|&t| t <= 1), "{name}: {stamped:?}");
        assert_eq!(missing, Value::Null, "{name}");
    }
}
