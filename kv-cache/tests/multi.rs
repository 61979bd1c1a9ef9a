//! Transactions over several connections: WATCH sees other clients'
//! writes, flushes, swaps and expiry; the queue and its errors. Every
//! scenario runs on kv-cache and, when installed, on redis-server 7.0, and
//! the transcripts must be equal.

mod common;

use std::net::SocketAddr;

use common::{Conn, bulk, err, on_both, simple};
use kv_cache::protocol::Value;

/// Runs each command on `c`, collecting the replies.
fn run(c: &mut Conn, cmds: &[&[&str]]) -> Vec<Value> {
    cmds.iter().map(|a| c.cmds(a)).collect()
}

fn another_client_touches(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    let mut b = Conn::connect(addr);
    let mut t = run(&mut a, &[&["SET", "k", "1"], &["WATCH", "k"], &["MULTI"]]);
    t.extend(run(&mut a, &[&["INCR", "k"]]));
    // The write happens between WATCH and EXEC, from another connection;
    // even rewriting the same value counts.
    t.extend(run(&mut b, &[&["SET", "k", "1"]]));
    t.extend(run(&mut a, &[&["EXEC"], &["GET", "k"]]));
    // Untouched: EXEC runs; watches end with it.
    t.extend(run(
        &mut a,
        &[&["WATCH", "k", "other"], &["MULTI"], &["INCR", "k"]],
    ));
    t.extend(run(&mut b, &[&["SET", "unrelated", "x"], &["GET", "k"]]));
    t.extend(run(&mut a, &[&["EXEC"]]));
    t.extend(run(&mut b, &[&["SET", "k", "9"]]));
    t.extend(run(&mut a, &[&["MULTI"], &["GET", "k"], &["EXEC"]]));
    t
}

#[test]
fn a_write_by_another_client_fails_exec() {
    let t = on_both(another_client_touches);
    assert_eq!(t[5], Value::Null, "EXEC after the other client's SET");
    assert_eq!(t[6], bulk("1"), "INCR did not run");
    assert_eq!(t[12], Value::Array(vec![Value::Int(2)]));
    assert_eq!(t[16], Value::Array(vec![bulk("9")]), "no watch left");
}

fn self_touch_and_unwatch(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    run(
        &mut a,
        &[
            // The client's own write before MULTI counts too.
            &["WATCH", "k"],
            &["SET", "k", "v"],
            &["MULTI"],
            &["GET", "k"],
            &["EXEC"],
            // UNWATCH forgets it.
            &["WATCH", "k"],
            &["SET", "k", "w"],
            &["UNWATCH"],
            &["MULTI"],
            &["GET", "k"],
            &["EXEC"],
            // DISCARD unwatches as well.
            &["WATCH", "k"],
            &["MULTI"],
            &["DISCARD"],
            &["SET", "k", "x"],
            &["MULTI"],
            &["GET", "k"],
            &["EXEC"],
            // Deleting a missing key is no change; creating it is.
            &["WATCH", "missing"],
            &["DEL", "missing"],
            &["MULTI"],
            &["PING"],
            &["EXEC"],
            &["WATCH", "missing"],
            &["SET", "missing", "now"],
            &["MULTI"],
            &["PING"],
            &["EXEC"],
            // Read-only access is no change.
            &["WATCH", "k"],
            &["GET", "k"],
            &["EXISTS", "k"],
            &["MULTI"],
            &["PING"],
            &["EXEC"],
        ],
    )
}

#[test]
fn own_writes_unwatch_and_discard() {
    let t = on_both(self_touch_and_unwatch);
    assert_eq!(t[4], Value::Null);
    assert_eq!(t[10], Value::Array(vec![bulk("w")]));
    assert_eq!(t[17], Value::Array(vec![bulk("x")]));
    assert_eq!(t[22], Value::Array(vec![simple("PONG")]));
    assert_eq!(t[27], Value::Null);
    assert_eq!(t[33], Value::Array(vec![simple("PONG")]));
}

fn flush_and_swap(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    let mut b = Conn::connect(addr);
    let mut t = Vec::new();
    for (setup, other) in [
        // FLUSHDB of a db holding the key fails the EXEC.
        (&["SET", "k", "1"][..], &["FLUSHDB"][..]),
        // FLUSHALL with the key absent everywhere does not.
        (&["DEL", "k"], &["FLUSHALL"]),
        // FLUSHALL with the key present does.
        (&["SET", "k", "1"], &["FLUSHALL"]),
        // SWAPDB bringing the key in fails it.
        (&["DEL", "k"], &["SWAPDB", "0", "1"]),
    ] {
        t.extend(run(&mut a, &[setup, &["WATCH", "k"]]));
        if other == ["SWAPDB", "0", "1"] {
            t.extend(run(&mut b, &[&["SELECT", "1"], &["SET", "k", "in1"]]));
        }
        t.extend(run(&mut b, &[other]));
        t.extend(run(&mut a, &[&["MULTI"], &["PING"], &["EXEC"]]));
    }
    t
}

#[test]
fn flushes_and_swaps_touch_watched_keys() {
    let t = on_both(flush_and_swap);
    let execs: Vec<&Value> = t
        .iter()
        .filter(|v| matches!(v, Value::Null | Value::Array(_)))
        .collect();
    assert_eq!(
        execs,
        vec![
            &Value::Null,
            &Value::Array(vec![simple("PONG")]),
            &Value::Null,
            &Value::Null
        ]
    );
}

fn expiry(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    let mut t = run(&mut a, &[&["SET", "k", "v", "PX", "30"], &["WATCH", "k"]]);
    std::thread::sleep(std::time::Duration::from_millis(60));
    // Expired since WATCH (deleted or not yet): EXEC fails (Redis 7.0).
    t.extend(run(&mut a, &[&["MULTI"], &["PING"], &["EXEC"]]));
    // Already expired when watched: its deletion is no change.
    t.extend(run(&mut a, &[&["SET", "j", "v", "PX", "1"]]));
    std::thread::sleep(std::time::Duration::from_millis(10));
    t.extend(run(
        &mut a,
        &[
            &["WATCH", "j"],
            &["GET", "j"],
            &["MULTI"],
            &["PING"],
            &["EXEC"],
        ],
    ));
    t
}

#[test]
fn a_watched_key_that_expires_fails_exec() {
    let t = on_both(expiry);
    assert_eq!(t[4], Value::Null);
    assert_eq!(t[10], Value::Array(vec![simple("PONG")]));
}

fn queue_errors(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    run(
        &mut a,
        &[
            &["EXEC"],
            &["DISCARD"],
            &["MULTI"],
            &["MULTI"],
            &["WATCH", "k"],
            &["SET", "k", "1"],
            &["INCR", "k"],
            &["INCRBY", "k", "x"],
            &["GET", "k"],
            &["EXEC"],
            // A queue-time error aborts the whole transaction.
            &["MULTI"],
            &["SET", "k", "2"],
            &["GET"],
            &["SET", "k", "3"],
            &["EXEC"],
            &["GET", "k"],
            &["MULTI"],
            &["NOSUCHCOMMAND", "x"],
            &["EXEC"],
            &["MULTI"],
            &["CONFIG", "NOPE"],
            &["EXEC"],
            &["MULTI"],
            &["SHUTDOWN"],
            &["EXEC"],
            // Runtime errors are just replies in the array.
            &["MULTI"],
            &["SET", "s", "abc"],
            &["INCR", "s"],
            &["SELECT", "1"],
            &["SET", "s", "in1"],
            &["SELECT", "0"],
            &["GET", "s"],
            &["EXEC"],
            &["MULTI"],
            &["EXEC"],
            // RESET leaves the transaction.
            &["MULTI"],
            &["SET", "r", "1"],
            &["RESET"],
            &["EXEC"],
            &["EXISTS", "r"],
        ],
    )
}

#[test]
fn queueing_errors_and_runtime_errors() {
    let t = on_both(queue_errors);
    assert_eq!(t[0], err("ERR EXEC without MULTI"));
    assert_eq!(t[1], err("ERR DISCARD without MULTI"));
    assert_eq!(t[3], err("ERR MULTI calls can not be nested"));
    assert_eq!(t[4], err("ERR WATCH inside MULTI is not allowed"));
    assert_eq!(t[5], simple("QUEUED"));
    assert_eq!(
        t[14],
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    assert_eq!(
        t[9],
        Value::Array(vec![
            simple("OK"),
            Value::Int(2),
            err("ERR value is not an integer or out of range"),
            bulk("2"),
        ])
    );
    assert_eq!(t[15], bulk("2"), "nothing of the aborted transaction ran");
    assert_eq!(t[23], err("ERR Command not allowed inside a transaction"));
    assert_eq!(t[34], Value::Array(vec![]));
    assert_eq!(t[38], err("ERR EXEC without MULTI"));
}

fn resp3(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    let mut b = Conn::connect(addr);
    let _ = a.cmds(&["HELLO", "3"]);
    let mut t = run(&mut a, &[&["WATCH", "k"], &["MULTI"], &["GET", "k"]]);
    t.extend(run(&mut b, &[&["SET", "k", "x"]]));
    t.extend(run(
        &mut a,
        &[
            &["EXEC"],
            &["MULTI"],
            &["CONFIG", "GET", "maxclients"],
            &["HELLO", "2"],
            &["CONFIG", "GET", "maxclients"],
            &["EXEC"],
        ],
    ));
    // The HELLO reply carries the client id, which differs between servers.
    if let Some(Value::Array(replies)) = t.last_mut()
        && let Some(hello) = replies.get_mut(1)
    {
        *hello = Value::Null;
    }
    t
}

#[test]
fn resp3_null_and_protocol_switch_inside_exec() {
    let t = on_both(resp3);
    assert_eq!(t[4], Value::Null);
    let pair = vec![bulk("maxclients"), bulk("10000")];
    assert_eq!(
        t[9],
        Value::Array(vec![
            Value::Map(vec![(bulk("maxclients"), bulk("10000"))]),
            Value::Null,
            Value::Array(pair),
        ]),
        "a map before HELLO 2, a flat array after"
    );
}

fn client_list_flags(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    let mut b = Conn::connect(addr);
    let _ = run(&mut a, &[&["WATCH", "k"], &["MULTI"], &["PING"], &["PING"]]);
    let _ = b.cmds(&["SET", "k", "1"]);
    let Value::Bulk(list) = b.cmds(&["CLIENT", "LIST"]) else {
        panic!("CLIENT LIST is a bulk string")
    };
    let text = String::from_utf8_lossy(&list).into_owned();
    let line = text.lines().next().unwrap_or_default().to_string();
    let fields = |name: &str| {
        line.split(' ')
            .find_map(|f| f.strip_prefix(&format!("{name}=")))
            .unwrap_or_default()
            .to_string()
    };
    vec![bulk(&fields("flags")), bulk(&fields("multi"))]
}

#[test]
fn client_list_shows_the_transaction() {
    let t = on_both(client_list_flags);
    assert_eq!(t, vec![bulk("xd"), bulk("2")]);
}
