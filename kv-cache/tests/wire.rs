//! Black-box tests at the wire: the `redis` crate (a real client), raw RESP
//! bytes, and `redis-cli` where installed.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{Conn, bulk, err, simple, start_ours};
use kv_cache::protocol::Value;
use redis::Commands;

fn client(addr: std::net::SocketAddr) -> redis::Connection {
    redis::Client::open(format!("redis://{addr}/"))
        .expect("url")
        .get_connection()
        .expect("connect")
}

#[test]
fn redis_crate_strings_and_keys() {
    let srv = start_ours(|_| {});
    let mut c = client(srv.addr);
    let _: () = c.set("greeting", "hello").unwrap();
    let v: String = c.get("greeting").unwrap();
    assert_eq!(v, "hello");
    let n: i64 = c.incr("counter", 5).unwrap();
    assert_eq!(n, 5);
    let n: i64 = c.decr("counter", 2).unwrap();
    assert_eq!(n, 3);
    let _: () = c.mset(&[("a", "1"), ("b", "2")]).unwrap();
    let got: Vec<Option<String>> = c.mget(&["a", "missing", "b"]).unwrap();
    assert_eq!(got, vec![Some("1".into()), None, Some("2".into())]);
    let ok: bool = c.expire("a", 100).unwrap();
    assert!(ok);
    let ttl: i64 = c.ttl("a").unwrap();
    assert!((99..=100).contains(&ttl), "ttl {ttl}");
    let n: usize = c.del(&["a", "b", "nope"]).unwrap();
    assert_eq!(n, 2);
    let n: usize = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(n, 2);
    let e = redis::cmd("INCR")
        .arg("greeting")
        .query::<i64>(&mut c)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("value is not an integer or out of range"),
        "{e}"
    );
}

#[test]
fn redis_crate_pipeline_and_scan() {
    let srv = start_ours(|_| {});
    let mut c = client(srv.addr);
    let mut pipe = redis::pipe();
    for i in 0..500 {
        pipe.set(format!("key:{i}"), i).ignore();
    }
    pipe.get("key:42");
    let (v,): (i64,) = pipe.query(&mut c).unwrap();
    assert_eq!(v, 42);
    let mut keys: Vec<String> = c
        .scan_match::<_, String>("key:4*")
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    keys.sort();
    assert_eq!(keys.len(), 111, "key:4, key:40..49, key:400..499");
    let all: Vec<String> = c.keys("key:1??").unwrap();
    assert_eq!(all.len(), 100);
}

#[test]
fn raw_pipelined_batch_is_answered_in_order() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    let mut batch = Vec::new();
    for i in 0..1000 {
        batch.extend(Conn::encode(&[
            b"SET",
            format!("k{i}").as_bytes(),
            format!("{i}").as_bytes(),
        ]));
        batch.extend(Conn::encode(&[b"INCR", format!("k{i}").as_bytes()]));
    }
    c.send_raw(&batch);
    for i in 0..1000 {
        assert_eq!(c.read(), Some(simple("OK")));
        assert_eq!(c.read(), Some(Value::Int(i + 1)));
    }
}

#[test]
fn raw_partial_writes_and_inline_commands() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    let req = Conn::encode(&[b"SET", b"split", b"value with spaces"]);
    for chunk in req.chunks(3) {
        c.send_raw(chunk);
        c.stream.flush().unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(c.read(), Some(simple("OK")));
    c.send_raw(b"GET split\r\nPING\r\nECHO \"a b\"\n");
    assert_eq!(c.read(), Some(bulk("value with spaces")));
    assert_eq!(c.read(), Some(simple("PONG")));
    assert_eq!(c.read(), Some(bulk("a b")));
}

#[test]
fn protocol_error_replies_then_closes() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    c.send_raw(b"PING\r\n*1\r\n:oops\r\nPING\r\n");
    assert_eq!(c.read(), Some(simple("PONG")));
    assert_eq!(
        c.read(),
        Some(err("ERR Protocol error: expected '$', got ':'"))
    );
    assert!(c.is_closed());
    let mut c = Conn::connect(srv.addr);
    c.send_raw(b"SET \"unbalanced\r\n");
    assert_eq!(
        c.read(),
        Some(err("ERR Protocol error: unbalanced quotes in request"))
    );
    assert!(c.is_closed());
    // The server keeps serving everyone else.
    assert_eq!(Conn::connect(srv.addr).cmds(&["PING"]), simple("PONG"));
}

#[test]
fn unknown_commands_and_arity_errors_use_redis_texts() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    assert_eq!(
        c.cmds(&["NOPE", "a", "b"]),
        err("ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ")
    );
    assert_eq!(
        c.cmds(&["GET"]),
        err("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(
        c.cmds(&["CONFIG", "GET"]),
        err("ERR wrong number of arguments for 'config|get' command")
    );
    assert_eq!(
        c.cmds(&["CLIENT", "NOPE"]),
        err("ERR unknown subcommand 'NOPE'. Try CLIENT HELP.")
    );
}

#[test]
fn auth_hello_and_resp3() {
    let srv = start_ours(|c| c.requirepass = Some(b"secret".to_vec()));
    let mut c = Conn::connect(srv.addr);
    assert_eq!(
        c.cmds(&["GET", "x"]),
        err("NOAUTH Authentication required.")
    );
    assert_eq!(
        c.cmds(&["AUTH", "wrong"]),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
    let Value::Map(fields) = c.cmds(&["HELLO", "3", "AUTH", "default", "secret", "SETNAME", "me"])
    else {
        panic!("HELLO 3 replies a map")
    };
    assert!(fields.contains(&(bulk("proto"), Value::Int(3))));
    assert_eq!(c.cmds(&["GET", "x"]), Value::Null);
    assert_eq!(c.cmds(&["CLIENT", "GETNAME"]), bulk("me"));
    assert!(matches!(c.cmds(&["INFO", "server"]), Value::Verbatim(..)));
    assert_eq!(c.cmds(&["RESET"]), simple("RESET"));
    assert_eq!(
        c.cmds(&["GET", "x"]),
        err("NOAUTH Authentication required.")
    );
    // The redis crate authenticates from the URL.
    let mut rc = redis::Client::open(format!("redis://:secret@{}/", srv.addr))
        .unwrap()
        .get_connection()
        .unwrap();
    let _: () = rc.set("k", "v").unwrap();
}

#[test]
fn quit_and_client_kill_close_connections() {
    let srv = start_ours(|_| {});
    let mut a = Conn::connect(srv.addr);
    assert_eq!(a.cmds(&["QUIT"]), simple("OK"));
    assert!(a.is_closed());
    let mut victim = Conn::connect(srv.addr);
    let Value::Int(id) = victim.cmds(&["CLIENT", "ID"]) else {
        panic!("CLIENT ID is an integer")
    };
    let mut killer = Conn::connect(srv.addr);
    assert_eq!(
        killer.cmds(&["CLIENT", "KILL", "ID", &id.to_string()]),
        Value::Int(1)
    );
    assert!(victim.is_closed());
    let Value::Bulk(list) = killer.cmds(&["CLIENT", "LIST"]) else {
        panic!("CLIENT LIST is a bulk")
    };
    assert_eq!(
        String::from_utf8_lossy(&list).lines().count(),
        1,
        "only the killer is left"
    );
}

#[test]
fn maxclients_refuses_with_redis_error() {
    let srv = start_ours(|c| c.maxclients = 1);
    let mut first = Conn::connect(srv.addr);
    assert_eq!(first.cmds(&["PING"]), simple("PONG"));
    let mut second = Conn::connect(srv.addr);
    assert_eq!(
        second.read(),
        Some(err("ERR max number of clients reached"))
    );
}

#[test]
fn query_buffer_limit_closes_the_client() {
    let srv = start_ours(|c| c.client_query_buffer_limit = 64 * 1024);
    let mut c = Conn::connect(srv.addr);
    // A bulk announced as 1 MB, of which 200 KB arrive: past the limit.
    c.send_raw(b"*2\r\n$3\r\nGET\r\n$1000000\r\n");
    let _ = c.stream.write_all(&vec![b'x'; 200 * 1024]);
    assert!(c.is_closed());
}

#[test]
fn output_buffer_limit_closes_the_client() {
    let srv = start_ours(|c| c.output_limit_normal.hard = 256 * 1024);
    let mut c = Conn::connect(srv.addr);
    assert_eq!(
        c.cmds(&["SET", "big", &"x".repeat(100 * 1024)]),
        simple("OK")
    );
    // Ask for 40 copies (4 MB) without reading: the output passes the hard limit.
    let mut batch = Vec::new();
    for _ in 0..40 {
        batch.extend(Conn::encode(&[b"GET", b"big"]));
    }
    c.send_raw(&batch);
    let mut got = 0;
    while c.read().is_some() {
        got += 1;
    }
    assert!(got < 40, "the client was cut off after {got} replies");
}

#[test]
fn expiry_follows_the_injected_clock() {
    let srv = start_ours(|c| c.hz = 100);
    let mut c = Conn::connect(srv.addr);
    let t0 = srv.with_state(|rt| {
        rt.srv.frozen_clock = true;
        rt.srv.ks.now_ms
    });
    let t0 = t0.unwrap();
    assert_eq!(c.cmds(&["SET", "lazy", "v", "PX", "1000"]), simple("OK"));
    for i in 0..50 {
        c.cmds(&["SET", &format!("active:{i}"), "v", "PX", "1000"]);
    }
    assert_eq!(c.cmds(&["PTTL", "lazy"]), Value::Int(1000));
    srv.with_state(move |rt| rt.srv.ks.now_ms = t0 + 999);
    assert_eq!(c.cmds(&["GET", "lazy"]), bulk("v"));
    srv.with_state(move |rt| rt.srv.ks.now_ms = t0 + 1000);
    assert_eq!(
        c.cmds(&["GET", "lazy"]),
        Value::Null,
        "lazy expiry on access"
    );
    // Nobody touches the active:* keys: the cron's cycle must remove them.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if c.cmds(&["DBSIZE"]) == Value::Int(0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "active expiry did not collect the keys"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let Value::Bulk(info) = c.cmds(&["INFO", "stats"]) else {
        panic!("INFO is a bulk")
    };
    assert!(String::from_utf8_lossy(&info).contains("expired_keys:51"));
}

#[test]
fn shutdown_stops_the_server() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    c.send_raw(&Conn::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    assert!(c.is_closed());
    let deadline = Instant::now() + Duration::from_secs(5);
    while !srv.is_finished() {
        assert!(Instant::now() < deadline, "server thread still running");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn slowlog_and_commandstats() {
    let srv = start_ours(|c| c.slowlog_log_slower_than = 0);
    let mut c = Conn::connect(srv.addr);
    c.cmds(&["SET", "a", "1"]);
    let Value::Int(n) = c.cmds(&["SLOWLOG", "LEN"]) else {
        panic!("int")
    };
    assert!(n >= 1);
    let Value::Array(entries) = c.cmds(&["SLOWLOG", "GET", "1"]) else {
        panic!("array")
    };
    assert_eq!(entries.len(), 1);
    let Value::Bulk(info) = c.cmds(&["INFO", "commandstats"]) else {
        panic!("bulk")
    };
    let info = String::from_utf8_lossy(&info);
    assert!(info.contains("cmdstat_set:calls=1,"), "{info}");
    assert!(info.contains("cmdstat_slowlog|len:calls=1,"), "{info}");
}

#[test]
fn redis_cli_works_when_installed() {
    let has_cli = std::process::Command::new("redis-cli")
        .arg("--version")
        .output()
        .is_ok();
    if !has_cli {
        println!("redis-cli not installed: skipping (apt-get install redis-tools)");
        return;
    }
    let srv = start_ours(|_| {});
    let port = srv.addr.port().to_string();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("redis-cli")
            .args(["-p", &port])
            .args(args)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(run(&["PING"]), "PONG");
    assert_eq!(run(&["SET", "cli", "works"]), "OK");
    assert_eq!(run(&["GET", "cli"]), "works");
    assert_eq!(run(&["--scan"]), "cli");
    assert!(run(&["INFO"]).contains("redis_version:"));
    assert_eq!(run(&["DBSIZE"]), "1");
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let srv = start_ours(|c| {
        c.timeout = 2;
        c.hz = 100;
    });
    let mut idle = Conn::connect(srv.addr);
    assert_eq!(idle.cmds(&["PING"]), simple("PONG"));
    let t0 = srv.with_state(|rt| {
        rt.srv.frozen_clock = true;
        rt.srv.ks.now_ms
    });
    let t0 = t0.unwrap();
    // Two seconds pass on the server's clock, not on the test's.
    srv.with_state(move |rt| rt.srv.ks.now_ms = t0 + 2_001);
    assert!(
        idle.is_closed(),
        "the cron closes a client idle past `timeout`"
    );
}

#[test]
fn command_table_is_reported_from_the_same_data() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    let Value::Int(count) = c.cmds(&["COMMAND", "COUNT"]) else {
        panic!("COMMAND COUNT is an integer")
    };
    let Value::Array(all) = c.cmds(&["COMMAND"]) else {
        panic!("COMMAND is an array")
    };
    assert_eq!(all.len() as i64, count);
    let Value::Array(info) = c.cmds(&["COMMAND", "INFO", "set", "config|get", "nope"]) else {
        panic!("array")
    };
    let Value::Array(set) = &info[0] else {
        panic!("set's entry is an array")
    };
    assert_eq!(set[0], bulk("set"));
    assert_eq!(set[1], Value::Int(-3));
    assert_eq!(
        set[2],
        Value::Array(vec![simple("write"), simple("denyoom")])
    );
    assert_eq!(&set[3..6], &[Value::Int(1), Value::Int(1), Value::Int(1)]);
    let Value::Array(get) = &info[1] else {
        panic!("config|get's entry is an array")
    };
    assert_eq!(get[0], bulk("config|get"));
    assert_eq!(info[2], Value::Null);
    let Value::Array(docs) = c.cmds(&["COMMAND", "DOCS", "get"]) else {
        panic!("RESP2 map is a flat array")
    };
    assert_eq!(docs[0], bulk("get"));
}

#[test]
fn config_set_changes_behaviour_and_refuses_what_kv_cache_does_not_do() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    assert_eq!(c.cmds(&["CONFIG", "SET", "maxclients", "1"]), simple("OK"));
    let mut refused = Conn::connect(srv.addr);
    assert_eq!(
        refused.read(),
        Some(err("ERR max number of clients reached"))
    );
    assert_eq!(
        c.cmds(&["CONFIG", "SET", "save", "", "appendonly", "no"]),
        simple("OK")
    );
    assert_eq!(
        c.cmds(&["CONFIG", "SET", "appendonly", "maybe"]),
        err(
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"
        )
    );
    assert_eq!(
        c.cmds(&["CONFIG", "GET", "maxclients"]),
        Value::Array(vec![bulk("maxclients"), bulk("1")])
    );
}

/// The `arguments` field of a RESP2 `COMMAND DOCS <name>` reply.
fn doc_arguments(reply: Value) -> Option<Value> {
    let Value::Array(top) = reply else {
        return None;
    };
    let Value::Array(fields) = top.get(1)?.clone() else {
        return None;
    };
    let at = fields.iter().position(|f| *f == bulk("arguments"))?;
    fields.get(at + 1).cloned()
}

/// Whether `needle` occurs anywhere inside `v`.
fn contains(v: &Value, needle: &Value) -> bool {
    v == needle || matches!(v, Value::Array(items) if items.iter().any(|i| contains(i, needle)))
}

#[test]
fn command_docs_carry_the_argument_trees_redis_cli_hints_come_from() {
    // redis-cli 7 builds its typing hints from COMMAND DOCS; an argument tree
    // that differs from Redis's would show users wrong hints.
    let srv = start_ours(|_| {});
    let mut ours = Conn::connect(srv.addr);
    let set_args =
        doc_arguments(ours.cmds(&["COMMAND", "DOCS", "set"])).expect("SET has arguments");
    assert!(contains(&set_args, &bulk("KEEPTTL")), "{set_args:?}");
    let Some(redis) = common::start_redis() else {
        eprintln!("redis-server not installed: compared with our own data only");
        return;
    };
    let mut theirs = Conn::connect(redis.addr);
    for name in [
        "set",
        "get",
        "getex",
        "expire",
        "scan",
        "client|kill",
        "config|set",
        "hello",
        "copy",
    ] {
        let a = doc_arguments(ours.cmds(&["COMMAND", "DOCS", name]));
        let b = doc_arguments(theirs.cmds(&["COMMAND", "DOCS", name]));
        assert_eq!(a, b, "COMMAND DOCS {name}: arguments differ");
    }
}
