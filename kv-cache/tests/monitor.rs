//! `MONITOR` compared line by line with redis-server 7.0's for a scripted
//! sequence: the line format and quoting, the database, the order around
//! `MULTI`/`EXEC`, what is hidden (administrative commands, refused
//! commands, passwords), and what a monitor connection may still run.
//! Timestamps and client ports differ between runs and are masked.

mod common;

use std::net::SocketAddr;

use common::{Conn, on_both, simple};
use kv_cache::protocol::Value;

/// The commands a client sends while the monitor watches.
const SCRIPT: &[&[&str]] = &[
    &["SET", "k", "v"],
    &["AUTH", "secret"],
    &["HELLO", "3", "AUTH", "default", "pw", "SETNAME", "n"],
    &["HELLO", "2"],
    &["MULTI"],
    &["SET", "a", "1"],
    &["GET", "a"],
    &["EXEC"],
    &["NOSUCHCOMMAND", "a"],
    &["GET"],
    &["SET", "a\n\u{1}b", "q\"\\z\t"],
    &["CONFIG", "GET", "maxmemory"],
    &["DEBUG", "SLEEP", "0"],
    &["PUBLISH", "ch", "m"],
    &["SELECT", "3"],
    &["INCR", "n"],
    &["CLIENT", "ID"],
    &["CLIENT", "LIST"],
    &["BLPOP", "nolist", "0.01"],
    &["RESET"],
    &["MULTI"],
    &["NOSUCHCOMMAND"],
    &["EXEC"],
];

/// `<secs>.<usecs> [<db> 127.0.0.1:<port>] ...` (a status line) with the
/// time and port masked.
fn mask(line: &str) -> String {
    let (stamp, rest) = line.split_once(' ').unwrap_or((line, ""));
    assert!(
        stamp
            .split_once('.')
            .is_some_and(|(s, us)| s.parse::<u64>().is_ok() && us.len() == 6),
        "a timestamp: {line}"
    );
    let Some((db_addr, args)) = rest.strip_prefix('[').and_then(|r| r.split_once("] ")) else {
        panic!("a [db addr] part: {line}")
    };
    let (db, addr) = db_addr.split_once(' ').unwrap_or((db_addr, ""));
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    format!("[{db} {host}] {args}")
}

fn monitored(addr: SocketAddr) -> Vec<Value> {
    let mut m = Conn::connect(addr);
    let mut t = vec![m.cmds(&["MONITOR"])];
    let mut c = Conn::connect(addr);
    for cmd in SCRIPT {
        c.cmds(cmd);
    }
    // What the monitor itself may run: not GET, but PING (shown too).
    m.send(&["GET", "k"]);
    m.send(&["PING"]);
    for _ in 0..100 {
        match m.read().expect("a monitor line") {
            Value::Simple(s) if s == "PONG" => break,
            Value::Simple(s) => t.push(Value::Simple(mask(&s))),
            other => t.push(other),
        }
    }
    // The monitor sees its own PING after the reply.
    match m.read().expect("its own PING") {
        Value::Simple(s) => t.push(Value::Simple(mask(&s))),
        other => panic!("a line, got {other:?}"),
    }
    t.push(m.cmds(&["RESET"]));
    t.push(m.cmds(&["GET", "k"]));
    t
}

#[test]
fn monitor_lines_match_redis() {
    let t = on_both(monitored);
    let line = |s: &str| simple(&format!("[{s}"));
    assert_eq!(t[0], simple("OK"));
    assert_eq!(
        t[1..6],
        [
            line(r#"0 127.0.0.1] "SET" "k" "v""#),
            line(r#"0 127.0.0.1] "AUTH" "(redacted)""#),
            line(r#"0 127.0.0.1] "HELLO" "3" "AUTH" "(redacted)" "(redacted)" "SETNAME" "n""#),
            line(r#"0 127.0.0.1] "HELLO" "2""#),
            line(r#"0 127.0.0.1] "MULTI""#),
        ]
    );
    assert!(t.contains(&line(r#"0 127.0.0.1] "SET" "a\n\x01b" "q\"\\z\t""#)));
    assert!(t.contains(&line(r#"3 127.0.0.1] "INCR" "n""#)));
}
