//! Every blocking command against everything another client can do to its
//! keys while it waits: the source and the destination made every wrong
//! type, deleted, renamed, expired, then the source pushed. The parked
//! client must get exactly redis-server 7.0's reply, and get one at all:
//! every read has a deadline, and a client still waiting when the scenario
//! ends is a failure that names the scenario. Each scenario runs on
//! kv-cache and, when installed, on redis-server, and the transcripts
//! (every reply, the parked client's, and the keys afterwards) must match.
//! Also: inside `MULTI` each command is its non-blocking form.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Conn, start_ours, start_redis, wait_blocked};
use kv_cache::protocol::Value;

/// What a scenario waits for the parked client's reply, at most.
const REPLY_DEADLINE: Duration = Duration::from_secs(2);

/// A blocking command, the type its source must have, and whether it has
/// a destination (`d`). Sources are `s`.
struct Blocking {
    argv: &'static [&'static str],
    zset: bool,
    dst: bool,
}

/// A command popping from a list source.
const fn list(argv: &'static [&'static str]) -> Blocking {
    Blocking {
        argv,
        zset: false,
        dst: false,
    }
}

/// A command moving from list `s` to list `d`.
const fn moving(argv: &'static [&'static str]) -> Blocking {
    Blocking {
        argv,
        zset: false,
        dst: true,
    }
}

/// A command popping from a sorted-set source.
const fn zset(argv: &'static [&'static str]) -> Blocking {
    Blocking {
        argv,
        zset: true,
        dst: false,
    }
}

const COMMANDS: &[Blocking] = &[
    list(&["BLPOP", "s", "0"]),
    list(&["BRPOP", "s", "0"]),
    list(&["BLMPOP", "0", "1", "s", "LEFT"]),
    moving(&["BLMOVE", "s", "d", "LEFT", "RIGHT", "0"]),
    moving(&["BRPOPLPUSH", "s", "d", "0"]),
    zset(&["BZPOPMIN", "s", "0"]),
    zset(&["BZPOPMAX", "s", "0"]),
    zset(&["BZMPOP", "0", "1", "s", "MAX"]),
];

/// Makes `key` hold a value of type `kind`.
fn make(kind: &str, key: &str) -> Vec<&'static str> {
    let words: &[&str] = match kind {
        "string" => &["SET", "_", "x"],
        "list" => &["RPUSH", "_", "l1", "l2"],
        "hash" => &["HSET", "_", "f", "v"],
        "set" => &["SADD", "_", "m"],
        _ => &["ZADD", "_", "1", "z1", "2", "z2"],
    };
    words
        .iter()
        .map(|w| if *w == "_" { leak(key) } else { *w })
        .collect()
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

const KINDS: &[&str] = &["string", "list", "hash", "set", "zset"];

/// What the other client does while one is parked, as command lists; the
/// last step always feeds the source, so a correct server serves the
/// parked client before the scenario ends (or answers it an error).
fn scenarios(b: &Blocking) -> Vec<(String, Vec<Vec<&'static str>>)> {
    let own = if b.zset { "zset" } else { "list" };
    let feed = make(own, "s");
    let mut out = Vec::new();
    for kind in KINDS.iter().filter(|k| **k != own) {
        // The source becomes a wrong type, then the right one.
        out.push((
            format!("source becomes a {kind}"),
            vec![make(kind, "s"), vec!["DEL", "s"], feed.clone()],
        ));
        // A wrong-type source that expires.
        out.push((
            format!("source a {kind} that expires"),
            vec![
                make(kind, "s"),
                vec!["PEXPIRE", "s", "20"],
                vec!["SLEEP"],
                feed.clone(),
            ],
        ));
        // A wrong-type key renamed onto the source.
        out.push((
            format!("a {kind} renamed onto the source"),
            vec![
                make(kind, "t"),
                vec!["RENAME", "t", "s"],
                vec!["DEL", "s"],
                feed.clone(),
            ],
        ));
    }
    out.push((
        "right type renamed onto the source".into(),
        vec![make(own, "t"), vec!["RENAME", "t", "s"]],
    ));
    out.push((
        "source created and deleted in MULTI, then fed".into(),
        vec![
            vec!["MULTI"],
            feed.clone(),
            vec!["DEL", "s"],
            vec!["EXEC"],
            feed.clone(),
        ],
    ));
    if b.dst {
        for kind in KINDS.iter().filter(|k| **k != "list") {
            out.push((
                format!("destination is a {kind}"),
                vec![make(kind, "d"), feed.clone()],
            ));
            out.push((
                format!("destination a {kind} that expires"),
                vec![
                    make(kind, "d"),
                    vec!["PEXPIRE", "d", "20"],
                    vec!["SLEEP"],
                    feed.clone(),
                ],
            ));
            out.push((
                format!("destination a {kind}, renamed away"),
                vec![make(kind, "d"), vec!["RENAME", "d", "u"], feed.clone()],
            ));
            out.push((
                format!("destination already a {kind} when the client parks"),
                vec![make(kind, "d"), vec!["PARK"], feed.clone()],
            ));
        }
        out.push((
            "destination a list, deleted".into(),
            vec![make("list", "d"), vec!["DEL", "d"], feed.clone()],
        ));
        out.push((
            "destination is the source".into(),
            vec![make("list", "d"), vec!["RENAME", "d", "s"]],
        ));
    }
    out
}

/// Reads the parked client's reply within the deadline.
fn parked_reply(c: &mut Conn, what: &str) -> Value {
    c.stream
        .set_read_timeout(Some(REPLY_DEADLINE))
        .expect("timeout");
    c.read().unwrap_or_else(|| {
        panic!("{what}: the parked client got no reply within {REPLY_DEADLINE:?}")
    })
}

/// One scenario's transcript on the server at `addr`.
fn run(addr: SocketAddr, b: &Blocking, steps: &[Vec<&str>], what: &str) -> Vec<Value> {
    let mut other = Conn::connect(addr);
    let mut parked = Conn::connect(addr);
    other.cmds(&["FLUSHALL"]);
    // Steps before a `PARK` prepare the keys; without one the client parks first.
    let park_at = steps.iter().position(|s| s[..] == ["PARK"]).unwrap_or(0);
    let mut t = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        if i == park_at {
            parked.send(b.argv);
            wait_blocked(&mut other, 1);
        }
        if step[..] == ["PARK"] {
            continue;
        }
        if step[..] == ["SLEEP"] {
            // Past the 20 ms TTL, by a margin for a loaded machine.
            std::thread::sleep(Duration::from_millis(60));
            continue;
        }
        t.push(other.cmds(step));
    }
    t.push(parked_reply(&mut parked, what));
    for key in ["s", "d", "u"] {
        t.push(other.cmds(&["TYPE", key]));
    }
    t.push(other.cmds(&["LRANGE", "s", "0", "-1"]));
    t.push(other.cmds(&["LRANGE", "d", "0", "-1"]));
    t.push(other.cmds(&["ZRANGE", "s", "0", "-1", "WITHSCORES"]));
    t
}

#[test]
fn parked_clients_get_redis_replies_whatever_happens_to_their_keys() {
    let ours = start_ours(|_| {});
    let redis = start_redis();
    let started = Instant::now();
    let mut count = 0;
    for b in COMMANDS {
        for (name, steps) in scenarios(b) {
            let what = format!("{}: {name}", b.argv.join(" "));
            let got = run(ours.addr, b, &steps, &what);
            if let Some(r) = &redis {
                let want = run(r.addr, b, &steps, &what);
                assert_eq!(got, want, "{what}: kv-cache vs redis-server");
            }
            count += 1;
        }
    }
    assert!(count > 60, "{count} scenarios");
    println!("{count} scenarios in {:?}", started.elapsed());
}

/// In `MULTI` a blocking command does not block: on an empty source it
/// answers nil at `EXEC`, at once, whatever its timeout.
fn in_multi(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    c.cmds(&["FLUSHALL"]);
    let mut t = vec![c.cmds(&["MULTI"])];
    for b in COMMANDS {
        // Timeout 0 (forever) and a long finite one.
        let mut argv = b.argv.to_vec();
        t.push(c.cmds(&argv));
        let at = argv.iter().position(|a| *a == "0").expect("a timeout of 0");
        argv[at] = "5";
        t.push(c.cmds(&argv));
    }
    let begun = Instant::now();
    t.push(c.cmds(&["EXEC"]));
    assert!(
        begun.elapsed() < Duration::from_secs(1),
        "EXEC waited on a blocking command"
    );
    t
}

#[test]
fn blocking_commands_in_multi_do_not_block() {
    let t = common::on_both(in_multi);
    let Some(Value::Array(replies)) = t.last() else {
        panic!("EXEC replies an array: {t:?}")
    };
    assert_eq!(replies.len(), COMMANDS.len() * 2);
    assert!(
        replies
            .iter()
            .all(|r| matches!(r, Value::Null | Value::Array(_))),
        "{replies:?}"
    );
}
