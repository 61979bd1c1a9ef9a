//! `CONFIG GET/SET` against redis-server 7.0: every parameter's value set
//! back as `CONFIG GET` prints it, the bounds of every numeric parameter
//! (Redis's own, read from its error), several parameters at once and
//! their rollback; and the unknown-command error's raw bytes.

mod common;

use std::io::Read;
use std::net::SocketAddr;

use common::{Conn, free_port, start_ours, start_redis};
use kv_cache::protocol::Value;

/// Reads one raw reply line (an error or status), bytes as they came.
fn raw_line(c: &mut Conn) -> Vec<u8> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        match c.stream.read(&mut byte) {
            Ok(1) => line.push(byte[0]),
            _ => panic!(
                "connection closed after {:?}",
                String::from_utf8_lossy(&line)
            ),
        }
    }
    line
}

fn unknown_command_bytes(addr: SocketAddr) -> Vec<Vec<u8>> {
    let mut c = Conn::connect(addr);
    let long = vec![b'a'; 100];
    let cases: Vec<Vec<&[u8]>> = vec![
        vec![b"fo\xffo", b"a\r\nb\xfe", b"x\x00y", b"z"],
        vec![b"f\x00oo", b"a"],
        vec![b"foo", &long, &long, b"xyz"],
        vec![&[b'n'; 200], &[b'b'; 150]],
        vec![b"config", b"f\xffo\x00o"],
    ];
    cases
        .iter()
        .map(|args| {
            c.send_raw(&Conn::encode(args));
            raw_line(&mut c)
        })
        .collect()
}

#[test]
fn unknown_command_errors_echo_raw_bytes_as_redis() {
    let ours = start_ours(|_| {});
    let got = unknown_command_bytes(ours.addr);
    assert_eq!(
        got[0],
        b"-ERR unknown command 'fo\xffo', with args beginning with: 'a  b\xfe' 'x' 'z' \r\n"
    );
    if let Some(redis) = start_redis() {
        assert_eq!(got, unknown_command_bytes(redis.addr));
    }
}

/// Every parameter and its value, as `CONFIG GET *` lists them.
fn all_params(c: &mut Conn) -> Vec<(String, String)> {
    let Value::Array(items) = c.cmds(&["CONFIG", "GET", "*"]) else {
        panic!("CONFIG GET replies an array in RESP2")
    };
    let text = |v: &Value| match v {
        Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not a bulk: {other:?}"),
    };
    items
        .chunks(2)
        .map(|kv| (text(&kv[0]), text(&kv[1])))
        .collect()
}

/// Parameters Redis 7.0 marks immutable (`CONFIG SET` refuses them whatever
/// the value).
const IMMUTABLE: &[&str] = &[
    "databases",
    "enable-debug-command",
    "rdbchecksum",
    "appendfilename",
    "appenddirname",
];

/// Parameters `CONFIG SET` refuses while `enable-protected-configs` is at
/// Redis 7.0's default, `no`.
const PROTECTED: &[&str] = &["dir", "dbfilename"];

#[test]
fn every_value_config_get_prints_can_be_set_back() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    let params = all_params(&mut c);
    assert!(params.len() > 20, "{params:?}");
    for (name, value) in &params {
        let reply = c.cmds(&["CONFIG", "SET", name, value]);
        if IMMUTABLE.contains(&name.as_str()) {
            assert_eq!(
                reply,
                Value::Error(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config"
                ))
            );
            continue;
        }
        if PROTECTED.contains(&name.as_str()) {
            assert_eq!(
                reply,
                Value::Error(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{name}') - can't set protected config"
                ))
            );
            continue;
        }
        assert_eq!(reply, common::simple("OK"), "CONFIG SET {name} {value:?}");
        assert_eq!(
            c.cmds(&["CONFIG", "GET", name]),
            Value::Array(vec![common::bulk(name), common::bulk(value)]),
            "{name} reads back the same"
        );
    }
}

/// Redis's bounds of a numeric parameter, from its error for an extreme
/// value: `(min, max)`, or `None` when the parameter is not numeric.
fn redis_bounds(c: &mut Conn, name: &str) -> Option<(i128, i128)> {
    for probe in ["-9223372036854775808", "18446744073709551615"] {
        if let Value::Error(e) = c.cmds(&["CONFIG", "SET", name, probe])
            && let Some(rest) = e.split("argument must be between ").nth(1)
        {
            let mut words = rest.split(' ');
            let lo = words.next()?.parse().ok()?;
            let hi = words.nth(1)?.parse().ok()?;
            return Some((lo, hi));
        }
    }
    None
}

/// Parameters left out of the bounds run: their extremes move the listener
/// (`port`) or ask the OS for as many descriptors (`maxclients`).
const NOT_PROBED: &[&str] = &["port", "maxclients", "bind"];

#[test]
fn numeric_bounds_match_redis() {
    let Some(redis) = start_redis() else {
        return;
    };
    let srv = start_ours(|_| {});
    let (mut theirs, mut ours) = (Conn::connect(redis.addr), Conn::connect(srv.addr));
    let names: Vec<String> = all_params(&mut ours).into_iter().map(|(n, _)| n).collect();
    let mut probed = 0;
    for name in &names {
        if NOT_PROBED.contains(&name.as_str()) {
            continue;
        }
        let Some((lo, hi)) = redis_bounds(&mut theirs, name) else {
            continue;
        };
        probed += 1;
        let before = ours.cmds(&["CONFIG", "GET", name]);
        let Value::Array(kv) = &before else {
            panic!("CONFIG GET {name}: {before:?}")
        };
        let Value::Bulk(old) = &kv[1] else {
            panic!("{kv:?}")
        };
        let old = String::from_utf8_lossy(old).into_owned();
        let mut cases = vec![lo - 1, lo, hi];
        if hi < i64::MAX as i128 {
            cases.push(hi + 1);
        }
        for v in cases {
            let v = v.to_string();
            let want = theirs.cmds(&["CONFIG", "SET", name, &v]);
            let got = ours.cmds(&["CONFIG", "SET", name, &v]);
            assert_eq!(got, want, "CONFIG SET {name} {v}");
            theirs.cmds(&["CONFIG", "SET", name, &old]);
            ours.cmds(&["CONFIG", "SET", name, &old]);
        }
    }
    assert!(probed >= 10, "only {probed} numeric parameters probed");
}

/// A `CONFIG GET` reply with its pairs sorted: Redis lists them in its
/// dict's order, which no client relies on.
fn sorted(v: Value) -> Value {
    let Value::Array(items) = v else { return v };
    let mut pairs: Vec<Vec<Value>> = items.chunks(2).map(<[Value]>::to_vec).collect();
    pairs.sort_by_key(|kv| format!("{:?}", kv[0]));
    Value::Array(pairs.concat())
}

fn several_at_once(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    vec![
        c.cmds(&["CONFIG", "SET", "maxclients", "3", "timeout", "x"]),
        sorted(c.cmds(&["CONFIG", "GET", "maxclients", "timeout"])),
        c.cmds(&["CONFIG", "SET", "maxclients", "1", "MAXCLIENTS", "2"]),
        c.cmds(&["CONFIG", "SET", "maxclients", "1", "hz"]),
        c.cmds(&["CONFIG", "SET", "DATABASES", "3", "nosuch", "1"]),
        c.cmds(&["CONFIG", "SET", "nosuch", "1", "DATABASES", "3"]),
        c.cmds(&["CONFIG", "SET", "proto-max-bulk-len", "1"]),
        c.cmds(&["CONFIG", "SET", "hz", "20", "slowlog-max-len", "7"]),
        sorted(c.cmds(&["CONFIG", "GET", "slowlog-max-len", "hz", "h?"])),
        c.cmds(&["CONFIG", "SET", "hz", "10", "slowlog-max-len", "128"]),
    ]
}

#[test]
fn several_parameters_all_or_none_as_redis() {
    let got = common::on_both(several_at_once);
    assert_eq!(
        got[1],
        Value::Array(vec![
            common::bulk("maxclients"),
            common::bulk("10000"),
            common::bulk("timeout"),
            common::bulk("0"),
        ]),
        "the failed SET changed nothing"
    );
}

fn bind_failure(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    vec![
        c.cmds(&["CONFIG", "SET", "bind", "192.0.2.1"]),
        c.cmds(&["CONFIG", "GET", "bind"]),
        c.cmds(&["CONFIG", "SET", "bind", "nonsense"]),
        c.cmds(&["CONFIG", "SET", "bind", &"127.0.0.1 ".repeat(17)]),
    ]
}

#[test]
fn bind_and_port_move_the_listener_at_runtime() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    let port = free_port();
    assert_eq!(
        c.cmds(&["CONFIG", "SET", "port", &port.to_string()]),
        common::simple("OK")
    );
    let moved: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    assert_eq!(Conn::connect(moved).cmds(&["PING"]), common::simple("PONG"));
    // The old port no longer listens — unless another test's server has
    // just been given it by the OS, which then is not this one.
    if std::net::TcpStream::connect(srv.addr).is_ok() {
        let mut other = Conn::connect(srv.addr);
        assert_ne!(
            other.cmds(&["CONFIG", "GET", "port"]),
            Value::Array(vec![common::bulk("port"), common::bulk(&port.to_string())]),
            "the old port still reaches this server"
        );
    }
    // The connection made before the move still works.
    assert_eq!(c.cmds(&["PING"]), common::simple("PONG"));
    // An address that cannot be bound leaves everything as it was.
    let ours = bind_failure(moved);
    assert_eq!(
        ours[0],
        Value::Error(
            "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.".into()
        )
    );
    assert_eq!(Conn::connect(moved).cmds(&["PING"]), common::simple("PONG"));
    if let Some(redis) = start_redis() {
        assert_eq!(ours, bind_failure(redis.addr));
    }
}

fn rewrite_without_file(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    vec![c.cmds(&["CONFIG", "REWRITE"])]
}

#[test]
fn config_rewrite_without_a_file_is_refused_as_redis() {
    let got = common::on_both(rewrite_without_file);
    assert_eq!(
        got,
        [Value::Error(
            "ERR The server is running without a config file".into()
        )]
    );
}
