//! Blocking commands over real connections: who is served first, what
//! wakes a client, timeouts, `CLIENT UNBLOCK`, and disconnection. Each
//! scenario runs on kv-cache and, when installed, on redis-server 7.0 too,
//! and the two transcripts must be equal.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Conn, bulk, info_field, on_both, start_ours, wait_blocked};
use kv_cache::protocol::Value;

fn arr(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| bulk(s)).collect())
}

/// Whether a reply arrives within `ms` (it is then lost, so use only when
/// expecting none).
fn replies_within(c: &mut Conn, ms: u64) -> bool {
    c.stream
        .set_read_timeout(Some(Duration::from_millis(ms)))
        .expect("timeout");
    let got = c.read().is_some();
    c.stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    got
}

/// Sends a command without reading its reply.
fn send(c: &mut Conn, args: &[&str]) {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    c.send_raw(&Conn::encode(&a));
}

fn fifo(addr: SocketAddr) -> Vec<Value> {
    let mut ctl = Conn::connect(addr);
    let mut waiters: Vec<Conn> = (0..3).map(|_| Conn::connect(addr)).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        send(w, &["BLPOP", "q", "other", "0"]);
        wait_blocked(&mut ctl, i as i64 + 1);
    }
    let mut t = vec![ctl.cmds(&["RPUSH", "q", "a", "b", "c", "d"])];
    for w in &mut waiters {
        t.push(w.read().expect("served"));
    }
    t.push(ctl.cmds(&["LRANGE", "q", "0", "-1"]));
    t.push(Value::Int(info_field(&mut ctl, "blocked_clients")));
    t
}

#[test]
fn waiters_are_served_in_arrival_order() {
    let t = on_both(fifo);
    assert_eq!(
        t,
        vec![
            Value::Int(4),
            arr(&["q", "a"]),
            arr(&["q", "b"]),
            arr(&["q", "c"]),
            arr(&["d"]),
            Value::Int(0)
        ]
    );
}

fn pipelined_input_waits(addr: SocketAddr) -> Vec<Value> {
    let mut ctl = Conn::connect(addr);
    let mut w = Conn::connect(addr);
    // Everything after the BLPOP waits until it is served, even the
    // client's own push that would serve it.
    let mut batch = Vec::new();
    for c in [&["BLPOP", "k", "0"][..], &["RPUSH", "k", "mine"], &["PING"]] {
        let a: Vec<&[u8]> = c.iter().map(|s| s.as_bytes()).collect();
        batch.extend(Conn::encode(&a));
    }
    w.send_raw(&batch);
    wait_blocked(&mut ctl, 1);
    let mut t = vec![
        ctl.cmds(&["EXISTS", "k"]),
        Value::Int(i64::from(replies_within(&mut w, 50))),
    ];
    t.push(ctl.cmds(&["LPUSH", "k", "theirs"]));
    for _ in 0..3 {
        t.push(w.read().expect("reply"));
    }
    t.push(ctl.cmds(&["LRANGE", "k", "0", "-1"]));
    t
}

#[test]
fn a_blocked_client_reads_no_further_until_served() {
    let t = on_both(pipelined_input_waits);
    assert_eq!(t[1], Value::Int(0), "nothing replied while blocked");
    assert_eq!(t[3], arr(&["k", "theirs"]));
    assert_eq!(t[4], Value::Int(1), "its own RPUSH ran after");
    assert_eq!(t[6], arr(&["mine"]));
}

fn exec_serves_after_the_transaction(addr: SocketAddr) -> Vec<Value> {
    let mut ctl = Conn::connect(addr);
    let mut w = Conn::connect(addr);
    send(&mut w, &["BLPOP", "k", "0"]);
    wait_blocked(&mut ctl, 1);
    let mut t = Vec::new();
    // Inside EXEC the waiter is not served between commands: the LPOP
    // takes the element, and the waiter stays blocked.
    for c in [
        &["MULTI"][..],
        &["RPUSH", "k", "x"],
        &["LPOP", "k"],
        &["EXEC"],
    ] {
        t.push(ctl.cmds(c));
    }
    t.push(Value::Int(i64::from(replies_within(&mut w, 50))));
    for c in [
        &["MULTI"][..],
        &["RPUSH", "k", "y"],
        &["RPUSH", "k", "z"],
        &["EXEC"],
    ] {
        t.push(ctl.cmds(c));
    }
    t.push(w.read().expect("served after EXEC"));
    t.push(ctl.cmds(&["LRANGE", "k", "0", "-1"]));
    t
}

#[test]
fn exec_pushes_wake_waiters_only_after_the_whole_transaction() {
    let t = on_both(exec_serves_after_the_transaction);
    assert_eq!(t[4], Value::Int(0));
    assert_eq!(t[9], arr(&["k", "y"]));
    assert_eq!(t[10], arr(&["z"]));
}

fn chains_and_wrong_types(addr: SocketAddr) -> Vec<Value> {
    let mut ctl = Conn::connect(addr);
    let mut mover = Conn::connect(addr);
    let mut first = Conn::connect(addr);
    let mut second = Conn::connect(addr);
    send(&mut mover, &["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"]);
    wait_blocked(&mut ctl, 1);
    send(&mut first, &["BLPOP", "dst", "0"]);
    wait_blocked(&mut ctl, 2);
    // The moved element lands in `dst`, which wakes the next waiter.
    let mut t = vec![ctl.cmds(&["RPUSH", "src", "v"])];
    t.push(mover.read().expect("moved"));
    t.push(first.read().expect("chained"));
    // A key created with the wrong type does not serve (nor fail) waiters;
    // they keep their places.
    send(&mut first, &["BLPOP", "w", "0"]);
    wait_blocked(&mut ctl, 1);
    send(&mut second, &["BLPOP", "w", "0"]);
    wait_blocked(&mut ctl, 2);
    t.push(ctl.cmds(&["SET", "w", "string"]));
    t.push(Value::Int(info_field(&mut ctl, "blocked_clients")));
    t.push(ctl.cmds(&["DEL", "w"]));
    t.push(ctl.cmds(&["RPUSH", "w", "1", "2"]));
    t.push(first.read().expect("first in line"));
    t.push(second.read().expect("second"));
    t
}

#[test]
fn a_served_push_can_wake_the_next_key_and_wrong_types_keep_waiting() {
    let t = on_both(chains_and_wrong_types);
    assert_eq!(t[1], bulk("v"));
    assert_eq!(t[2], arr(&["dst", "v"]));
    assert_eq!(t[4], Value::Int(2));
    assert_eq!(t[7], arr(&["w", "1"]));
    assert_eq!(t[8], arr(&["w", "2"]));
}

#[test]
fn fractional_timeouts_fire_on_time_in_both_protocols() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    for (args, expected) in [
        (&["BLPOP", "nothing", "0.1"][..], &b"*-1\r\n"[..]),
        (
            &["BLMOVE", "nothing", "x", "LEFT", "LEFT", "0.1"],
            b"$-1\r\n",
        ),
    ] {
        let t = Instant::now();
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        c.send_raw(&Conn::encode(&a));
        let raw = read_raw(&mut c);
        let took = t.elapsed();
        assert!(
            took >= Duration::from_millis(100) && took < Duration::from_millis(200),
            "{args:?} took {took:?}"
        );
        assert_eq!(raw, expected);
    }
    c.cmds(&["HELLO", "3"]);
    let t = Instant::now();
    c.send_raw(&Conn::encode(&[b"BLPOP", b"nothing", b"0.05"]));
    assert_eq!(read_raw(&mut c), b"_\r\n");
    assert!(t.elapsed() < Duration::from_millis(150));
    // Not-yet-due timeouts are reported; clients without one are not.
    let mut w = Conn::connect(srv.addr);
    send(&mut w, &["BLPOP", "nothing", "100"]);
    let mut w2 = Conn::connect(srv.addr);
    send(&mut w2, &["BLPOP", "nothing", "0"]);
    let mut ctl = Conn::connect(srv.addr);
    wait_blocked(&mut ctl, 2);
    assert_eq!(info_field(&mut ctl, "clients_in_timeout_table"), 1);
}

/// Reads raw reply bytes (one short reply) from `c`.
fn read_raw(c: &mut Conn) -> Vec<u8> {
    use std::io::Read;
    let mut buf = [0u8; 64];
    let n = c.stream.read(&mut buf).expect("a reply");
    buf[..n].to_vec()
}

fn timeout_argument_errors(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    // Errors, then tiny timeouts that round up to 1 ms (immediate nulls).
    [
        "-1", "abc", "inf", "1e300", " 1", "nan", "0x", "1,5", "0.0001", "1e-400", "0x1p-20",
    ]
    .iter()
    .map(|t| c.cmds(&["BLPOP", "k", t]))
    .collect()
}

#[test]
fn timeout_arguments_parse_as_in_redis() {
    on_both(timeout_argument_errors);
}

fn unblock(addr: SocketAddr) -> Vec<Value> {
    let mut ctl = Conn::connect(addr);
    let mut w = Conn::connect(addr);
    let Value::Int(id) = w.cmds(&["CLIENT", "ID"]) else {
        panic!("CLIENT ID is an integer")
    };
    let id = id.to_string();
    let mut t = vec![ctl.cmds(&["CLIENT", "UNBLOCK", &id])];
    send(&mut w, &["BLPOP", "k", "0"]);
    send(&mut w, &["PING"]);
    wait_blocked(&mut ctl, 1);
    t.push(ctl.cmds(&["CLIENT", "UNBLOCK", &id]));
    t.push(w.read().expect("timeout reply"));
    t.push(w.read().expect("then its PING"));
    send(&mut w, &["BLMOVE", "k", "j", "LEFT", "LEFT", "0"]);
    wait_blocked(&mut ctl, 1);
    t.push(ctl.cmds(&["CLIENT", "UNBLOCK", &id, "ERROR"]));
    t.push(w.read().expect("error reply"));
    send(&mut w, &["BLPOP", "k", "0"]);
    wait_blocked(&mut ctl, 1);
    t.push(ctl.cmds(&["CLIENT", "UNBLOCK", &id, "timeout"]));
    t.push(w.read().expect("timeout reply"));
    t.push(ctl.cmds(&["CLIENT", "UNBLOCK", &id, "NOPE"]));
    t.push(ctl.cmds(&["CLIENT", "UNBLOCK", "x"]));
    t.push(ctl.cmds(&["CLIENT", "UNBLOCK", "x", "y"]));
    t.push(ctl.cmds(&["CLIENT", "UNBLOCK", "1", "timeout", "z"]));
    t
}

#[test]
fn client_unblock_as_timeout_or_error() {
    let t = on_both(unblock);
    assert_eq!(t[0], Value::Int(0), "not blocked");
    assert_eq!(t[1], Value::Int(1));
    assert_eq!(t[2], Value::Null);
    assert_eq!(t[3], Value::Simple("PONG".into()));
    assert_eq!(
        t[5],
        Value::Error("UNBLOCKED client unblocked via CLIENT UNBLOCK".into())
    );
}

fn disconnect(addr: SocketAddr) -> Vec<Value> {
    let mut ctl = Conn::connect(addr);
    {
        let mut gone = Conn::connect(addr);
        send(&mut gone, &["BLPOP", "k", "0"]);
        wait_blocked(&mut ctl, 1);
    }
    wait_blocked(&mut ctl, 0);
    let mut stays = Conn::connect(addr);
    send(&mut stays, &["BLPOP", "k", "0"]);
    wait_blocked(&mut ctl, 1);
    {
        let mut gone = Conn::connect(addr);
        send(&mut gone, &["BLPOP", "k", "0"]);
        wait_blocked(&mut ctl, 2);
    }
    wait_blocked(&mut ctl, 1);
    vec![
        ctl.cmds(&["RPUSH", "k", "a", "b"]),
        stays.read().expect("the live waiter"),
        ctl.cmds(&["LRANGE", "k", "0", "-1"]),
    ]
}

#[test]
fn a_client_that_disconnects_while_blocked_leaves_no_trace() {
    let t = on_both(disconnect);
    assert_eq!(t[1], arr(&["k", "a"]));
    assert_eq!(t[2], arr(&["b"]), "nothing consumed for the dead clients");
}

fn inside_multi(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    let mut t = Vec::new();
    for cmd in [
        &["MULTI"][..],
        &["BLPOP", "none", "0"],
        &["BLMOVE", "none", "x", "LEFT", "LEFT", "0"],
        &["RPUSH", "l", "v"],
        &["BLPOP", "l", "0"],
        &["EXEC"],
    ] {
        t.push(c.cmds(cmd));
    }
    // The HELLO reply itself differs between servers (id, version).
    let _ = c.cmds(&["HELLO", "3"]);
    for cmd in [&["MULTI"][..], &["BLPOP", "none", "0"], &["EXEC"]] {
        t.push(c.cmds(cmd));
    }
    t
}

#[test]
fn blocking_commands_inside_multi_time_out_at_once() {
    let t = on_both(inside_multi);
    assert_eq!(
        t[5],
        Value::Array(vec![
            Value::Null,
            Value::Null,
            Value::Int(1),
            arr(&["l", "v"])
        ])
    );
}

fn swapdb_and_select(addr: SocketAddr) -> Vec<Value> {
    let mut ctl = Conn::connect(addr);
    let mut w = Conn::connect(addr);
    w.cmds(&["SELECT", "1"]);
    send(&mut w, &["BLPOP", "k", "0"]);
    wait_blocked(&mut ctl, 1);
    // A push in another database does not serve it; swapping that database
    // in does.
    let mut t = vec![ctl.cmds(&["RPUSH", "k", "from0"])];
    t.push(Value::Int(i64::from(replies_within(&mut w, 50))));
    t.push(ctl.cmds(&["SWAPDB", "0", "1"]));
    t.push(w.read().expect("served by the swap"));
    t
}

#[test]
fn keys_are_per_database_and_swapdb_wakes_waiters() {
    let t = on_both(swapdb_and_select);
    assert_eq!(t[1], Value::Int(0));
    assert_eq!(t[3], arr(&["k", "from0"]));
}
