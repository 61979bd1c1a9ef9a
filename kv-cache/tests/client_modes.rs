//! `CLIENT REPLY`, `CLIENT PAUSE`/`UNPAUSE`, `CLIENT NO-EVICT`, `CLIENT
//! LIST ID` and `CLIENT HELP`, compared with redis-server 7.0 where the
//! transcript is deterministic. Paused clients are observed through
//! `INFO blocked_clients` (bounded waits), never by sleeping.

mod common;

use std::net::SocketAddr;

use common::{Conn, bulk, on_both, wait_blocked};
use kv_cache::protocol::Value;

/// Every frame that arrives before the reply to a `PING` sent now.
fn drain(c: &mut Conn) -> Value {
    Value::Array(c.before_pong())
}

fn reply_modes(addr: SocketAddr) -> Vec<Value> {
    let mut t = Vec::new();
    for proto in ["2", "3"] {
        let mut a = Conn::connect(addr);
        let mut b = Conn::connect(addr);
        a.cmds(&["HELLO", proto]);
        // Off: no replies, errors included; pushes still arrive.
        a.send(&["CLIENT", "REPLY", "OFF"]);
        a.send(&["SET", "k", "v"]);
        a.send(&["NOSUCHCOMMAND"]);
        a.send(&["SUBSCRIBE", "ch"]);
        t.push(a.read().expect("the confirmation, a push"));
        b.cmds(&["PUBLISH", "ch", "hello"]);
        a.send(&["UNSUBSCRIBE", "ch"]);
        a.send(&["CLIENT", "REPLY", "ON"]);
        t.push(drain(&mut a));
        // Skip: the next command only, whatever it is.
        for script in [
            &[
                &["CLIENT", "REPLY", "SKIP"][..],
                &["SET", "k", "1"],
                &["GET", "k"],
            ][..],
            &[
                &["CLIENT", "REPLY", "SKIP"],
                &["CLIENT", "REPLY", "ON"],
                &["GET", "k"],
            ],
            &[
                &["CLIENT", "REPLY", "SKIP"],
                &["CLIENT", "REPLY", "SKIP"],
                &["GET", "k"],
                &["GET", "k"],
            ],
            &[
                &["CLIENT", "REPLY", "OFF"],
                &["CLIENT", "REPLY", "SKIP"],
                &["GET", "k"],
                &["CLIENT", "REPLY", "ON"],
            ],
            &[&["CLIENT", "REPLY", "SKIP"], &["NOSUCHCOMMAND"]],
            // EXEC's array announces one reply that is skipped: as in
            // Redis, the next reply on the wire fills it.
            &[
                &["MULTI"],
                &["CLIENT", "REPLY", "SKIP"],
                &["EXEC"],
                &["GET", "k"],
                &["GET", "k"],
            ],
            &[&["CLIENT", "REPLY", "MAYBE"]],
        ] {
            for cmd in script {
                a.send(cmd);
            }
            t.push(drain(&mut a));
        }
    }
    t
}

#[test]
fn client_reply_drops_replies_but_not_pushes() {
    let t = on_both(reply_modes);
    // RESP3: the subscription and the message came through the silence.
    assert!(matches!(&t[9], Value::Push(p) if p[0] == bulk("subscribe")));
    let Value::Array(off) = &t[10] else {
        panic!("frames")
    };
    assert!(matches!(&off[0], Value::Push(p) if p[0] == bulk("message")));
    assert_eq!(off.last(), Some(&Value::Simple("OK".into())));
    assert_eq!(t[11], Value::Array(vec![bulk("1")]));
}

fn blocked_quiet(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    let mut b = Conn::connect(addr);
    let mut t = Vec::new();
    for mode in ["OFF", "SKIP"] {
        // Served by a push: the answer stays silent.
        a.send(&["CLIENT", "REPLY", mode]);
        a.send(&["BLPOP", "l", "0"]);
        wait_blocked(&mut b, 1);
        b.cmds(&["RPUSH", "l", "x"]);
        a.send(&["CLIENT", "REPLY", "ON"]);
        t.push(drain(&mut a));
        // Timed out: silent too.
        a.send(&["CLIENT", "REPLY", mode]);
        a.send(&["BLPOP", "l", "0.01"]);
        a.send(&["CLIENT", "REPLY", "ON"]);
        t.push(drain(&mut a));
    }
    t
}

fn quiet_protocol_error(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    a.send(&["CLIENT", "REPLY", "OFF"]);
    a.send_raw(b"*1\r\n$x\r\n");
    // Redis keeps such a connection open (it closes after a reply that
    // never comes); kv-cache closes it. Either way no error is sent.
    let _ = a
        .stream
        .set_read_timeout(Some(std::time::Duration::from_millis(300)));
    vec![Value::Bool(a.read().is_none())]
}

#[test]
fn a_protocol_error_is_silenced_too() {
    assert_eq!(on_both(quiet_protocol_error), vec![Value::Bool(true)]);
    let ours = common::start_ours(|_| {});
    let mut a = Conn::connect(ours.addr);
    a.send(&["CLIENT", "REPLY", "OFF"]);
    a.send_raw(b"*1\r\n$x\r\n");
    assert!(a.is_closed(), "kv-cache closes after a protocol error");
}

#[test]
fn a_blocked_command_answered_later_stays_silent() {
    let t = on_both(blocked_quiet);
    assert_eq!(t[0], Value::Array(vec![Value::Simple("OK".into())]));
}

fn pause_write(addr: SocketAddr) -> Vec<Value> {
    let mut admin = Conn::connect(addr);
    let mut w = Conn::connect(addr);
    let mut p = Conn::connect(addr);
    let mut r = Conn::connect(addr);
    let mut t = vec![admin.cmds(&["CLIENT", "PAUSE", "100000", "WRITE"])];
    t.push(r.cmds(&["GET", "k"]));
    w.send(&["SET", "k", "1"]);
    w.send(&["GET", "k"]);
    p.send(&["PUBLISH", "ch", "x"]);
    wait_blocked(&mut admin, 2);
    // Reads pass; a transaction queues only what is not a write.
    t.push(r.cmds(&["MULTI"]));
    t.push(r.cmds(&["GET", "k"]));
    r.send(&["SET", "k", "2"]);
    wait_blocked(&mut admin, 3);
    let list = admin.cmds(&["CLIENT", "LIST"]);
    let held = String::from_utf8_lossy(list.as_bytes().expect("CLIENT LIST text"))
        .lines()
        .filter(|l| l.contains("flags=b") || l.contains("flags=xb"))
        .count();
    t.push(Value::Int(held as i64));
    t.push(admin.cmds(&["CLIENT", "UNPAUSE"]));
    t.push(w.read().expect("SET after the pause"));
    t.push(w.read().expect("GET after the pause"));
    t.push(p.read().expect("PUBLISH after the pause"));
    t.push(r.read().expect("SET queued after the pause"));
    t.push(r.cmds(&["EXEC"]));
    t
}

#[test]
fn a_write_pause_holds_writes_until_unpause() {
    let t = on_both(pause_write);
    assert_eq!(t[4], Value::Int(3));
    assert_eq!(t[6], Value::Simple("OK".into()));
    assert_eq!(t[7], bulk("1"));
}

fn pause_keeps_expired_keys(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    c.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    c.cmds(&["SET", "e", "1", "PX", "20"]);
    let mut t = vec![c.cmds(&["CLIENT", "PAUSE", "100000", "WRITE"])];
    std::thread::sleep(std::time::Duration::from_millis(40));
    // Past its deadline: read as missing, yet still there.
    for cmd in [
        &["GET", "e"][..],
        &["EXISTS", "e"],
        &["TTL", "e"],
        &["DBSIZE"],
    ] {
        t.push(c.cmds(cmd));
    }
    t.push(c.cmds(&["CLIENT", "UNPAUSE"]));
    t.push(c.cmds(&["GET", "e"]));
    t.push(c.cmds(&["DBSIZE"]));
    c.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    t
}

#[test]
fn keys_do_not_expire_while_clients_are_paused() {
    let t = on_both(pause_keeps_expired_keys);
    assert_eq!(t[4], Value::Int(1));
    assert_eq!(t[7], Value::Int(0));
}

fn pause_all(addr: SocketAddr) -> Vec<Value> {
    let mut admin = Conn::connect(addr);
    let mut c = Conn::connect(addr);
    // A short pause ends by itself at the next cron.
    let mut t = vec![admin.cmds(&["CLIENT", "PAUSE", "50"])];
    c.send(&["PING"]);
    admin.send(&["GET", "k"]);
    t.push(c.read().expect("PING after the pause"));
    t.push(admin.read().expect("the pausing client waits too"));
    for bad in [
        &["CLIENT", "PAUSE", "-1"][..],
        &["CLIENT", "PAUSE", "abc"],
        &["CLIENT", "PAUSE", "1.5"],
        &["CLIENT", "PAUSE", "10", "READ"],
        &["CLIENT", "PAUSE", "10", "WRITE", "x"],
        &["CLIENT", "UNPAUSE", "x"],
        &["CLIENT", "PAUSE", "0"],
    ] {
        t.push(admin.cmds(bad));
    }
    t.push(admin.cmds(&["SET", "k", "after"]));
    t
}

#[test]
fn an_all_pause_holds_everyone_and_ends_by_itself() {
    let t = on_both(pause_all);
    assert_eq!(t[1], Value::Simple("PONG".into()));
}

fn client_misc(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    let mut t = vec![c.cmds(&["CLIENT", "LIST", "ID", "0"])];
    t.push(c.cmds(&["CLIENT", "LIST", "ID", "x"]));
    t.push(c.cmds(&["CLIENT", "LIST", "TYPE", "normal", "ID", "1"]));
    t.push(c.cmds(&["CLIENT", "NO-EVICT", "on"]));
    t.push(c.cmds(&["CLIENT", "NO-EVICT", "maybe"]));
    let info = c.cmds(&["CLIENT", "INFO"]);
    let info = String::from_utf8_lossy(info.as_bytes().expect("CLIENT INFO text")).into_owned();
    for field in ["flags", "argv-mem", "multi", "redir", "cmd"] {
        let v = info
            .split(' ')
            .find_map(|kv| kv.strip_prefix(&format!("{field}=")))
            .unwrap_or_default();
        t.push(bulk(v.trim()));
    }
    t.push(c.cmds(&["CLIENT", "NO-EVICT", "off"]));
    t.push(c.cmds(&["CLIENT", "GETREDIR"]));
    t
}

#[test]
fn client_list_id_no_evict_and_getredir_match_redis() {
    let t = on_both(client_misc);
    assert_eq!(t[0], bulk(""));
    assert_eq!(t[5], bulk("e"));
    assert_eq!(t[6], bulk("10"));
}

fn last_command(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    let mut b = Conn::connect(addr);
    let id = match a.cmds(&["CLIENT", "ID"]) {
        Value::Int(n) => n.to_string(),
        other => panic!("an id, got {other:?}"),
    };
    let mut t = Vec::new();
    for cmd in [
        &["SET", "x", "1"][..],
        &["NOSUCHCOMMAND"],
        &["GET"],
        &["MULTI"],
        &["SET", "a", "1"],
        &["EXEC"],
        &["CLIENT", "NOSUCH"],
        &["CONFIG", "GET"],
    ] {
        a.cmds(cmd);
        let line = b.cmds(&["CLIENT", "LIST", "ID", &id]);
        let line = String::from_utf8_lossy(line.as_bytes().unwrap_or_default()).into_owned();
        let cmd = line.split(' ').find_map(|kv| kv.strip_prefix("cmd="));
        t.push(bulk(cmd.unwrap_or("?")));
    }
    t
}

#[test]
fn client_list_names_the_command_as_looked_up() {
    let t = on_both(last_command);
    let names: Vec<Value> = [
        "set",
        "NULL",
        "get",
        "multi",
        "set",
        "exec",
        "NULL",
        "config|get",
    ]
    .iter()
    .map(|s| bulk(s))
    .collect();
    assert_eq!(t, names);
}

#[test]
fn client_help_lists_every_subcommand_as_status_lines() {
    let server = common::start_ours(|_| {});
    let mut c = Conn::connect(server.addr);
    let Value::Array(lines) = c.cmds(&["CLIENT", "HELP"]) else {
        panic!("HELP is an array")
    };
    let text: Vec<String> = lines
        .iter()
        .map(|l| match l {
            Value::Simple(s) => s.clone(),
            other => panic!("status lines only: {other:?}"),
        })
        .collect();
    for sub in [
        "CACHING",
        "GETREDIR",
        "GETNAME",
        "ID",
        "INFO",
        "KILL",
        "LIST",
        "UNPAUSE",
        "PAUSE",
        "REPLY",
        "SETNAME",
        "UNBLOCK",
        "TRACKING",
        "TRACKINGINFO",
        "NO-EVICT",
        "HELP",
    ] {
        assert!(text.iter().any(|l| l.starts_with(sub)), "{sub} in {text:?}");
    }
}
