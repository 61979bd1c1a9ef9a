//! Pub/Sub over several connections: delivery, patterns, counts, RESP3
//! pushes, the subscribed-mode restriction, and a slow subscriber cut off
//! by `client-output-buffer-limit pubsub` without stalling the publisher.
//! Deterministic scenarios run on kv-cache and, when installed, on
//! redis-server 7.0, and the transcripts must be equal.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Conn, bulk, err, on_both, start_ours};
use kv_cache::protocol::Value;

fn msg(kind: &str, parts: &[&str]) -> Value {
    let mut v = vec![bulk(kind)];
    v.extend(parts.iter().map(|p| bulk(p)));
    Value::Array(v)
}

fn confirm(kind: &str, name: &str, n: i64) -> Value {
    Value::Array(vec![bulk(kind), bulk(name), Value::Int(n)])
}

/// Sends a command without reading a reply.
fn send(c: &mut Conn, args: &[&str]) {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    c.send_raw(&Conn::encode(&a));
}

/// Reads `n` replies and sorts them (messages whose order is a dict's).
fn read_sorted(c: &mut Conn, n: usize) -> Vec<Value> {
    let mut v: Vec<Value> = (0..n).map(|_| c.read().expect("a message")).collect();
    v.sort_by_key(|m| format!("{m:?}"));
    v
}

fn delivery(addr: SocketAddr) -> Vec<Value> {
    let mut sub = Conn::connect(addr);
    let mut psub = Conn::connect(addr);
    let mut publisher = Conn::connect(addr);
    let mut t = Vec::new();
    send(&mut sub, &["SUBSCRIBE", "news", "sport"]);
    t.push(sub.read().expect("confirm"));
    t.push(sub.read().expect("confirm"));
    send(&mut psub, &["PSUBSCRIBE", "n*", "*s"]);
    t.push(psub.read().expect("confirm"));
    t.push(psub.read().expect("confirm"));
    // news matches the channel and both patterns: 3 receivers.
    t.push(publisher.cmds(&["PUBLISH", "news", "hello"]));
    t.push(sub.read().expect("message"));
    // Pattern messages come pattern by pattern; which pattern first is
    // the order Redis keeps them in, so compare them as a set.
    let mut pm = vec![
        psub.read().expect("pmessage"),
        psub.read().expect("pmessage"),
    ];
    pm.sort_by_key(|v| format!("{v:?}"));
    t.extend(pm);
    t.push(publisher.cmds(&["PUBLISH", "zzz", "x"]));
    t.push(publisher.cmds(&["PUBLISH", "sport", ""]));
    t.push(sub.read().expect("message"));
    t.push(publisher.cmds(&["PUBSUB", "NUMSUB", "news", "sport", "none"]));
    t.push(publisher.cmds(&["PUBSUB", "NUMPAT"]));
    let Value::Array(mut chans) = publisher.cmds(&["PUBSUB", "CHANNELS"]) else {
        panic!("an array")
    };
    chans.sort_by_key(|v| format!("{v:?}"));
    t.push(Value::Array(chans));
    t.push(publisher.cmds(&["PUBSUB", "CHANNELS", "s*"]));
    // Unsubscribing one channel, then a channel never subscribed to.
    send(&mut sub, &["UNSUBSCRIBE", "news", "never"]);
    t.push(sub.read().expect("confirm"));
    t.push(sub.read().expect("confirm"));
    t.push(publisher.cmds(&["PUBLISH", "news", "again"]));
    t.extend(read_sorted(&mut psub, 2));
    send(&mut psub, &["PUNSUBSCRIBE", "n*"]);
    t.push(psub.read().expect("confirm"));
    t.push(publisher.cmds(&["PUBSUB", "NUMPAT"]));
    t.push(publisher.cmds(&["PUBSUB", "SHARDCHANNELS"]));
    t.push(publisher.cmds(&["PUBSUB", "SHARDNUMSUB", "a"]));
    t
}

#[test]
fn messages_reach_channel_and_pattern_subscribers() {
    let t = on_both(delivery);
    assert_eq!(t[0], confirm("subscribe", "news", 1));
    assert_eq!(t[1], confirm("subscribe", "sport", 2));
    assert_eq!(t[3], confirm("psubscribe", "*s", 2));
    assert_eq!(t[4], Value::Int(3));
    assert_eq!(t[5], msg("message", &["news", "hello"]));
    assert_eq!(t[6], msg("pmessage", &["n*", "news", "hello"]));
    assert_eq!(t[7], msg("pmessage", &["*s", "news", "hello"]));
    assert_eq!(t[8], Value::Int(0));
    assert_eq!(t[9], Value::Int(1));
    assert_eq!(t[10], msg("message", &["sport", ""]));
    assert_eq!(
        t[11],
        Value::Array(vec![
            bulk("news"),
            Value::Int(1),
            bulk("sport"),
            Value::Int(1),
            bulk("none"),
            Value::Int(0)
        ])
    );
    assert_eq!(t[12], Value::Int(2));
    assert_eq!(t[13], Value::Array(vec![bulk("news"), bulk("sport")]));
    assert_eq!(t[14], Value::Array(vec![bulk("sport")]));
    assert_eq!(t[15], confirm("unsubscribe", "news", 1));
    assert_eq!(t[16], confirm("unsubscribe", "never", 1));
    assert_eq!(t[17], Value::Int(2), "only the patterns now");
}

fn subscribed_mode(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    let mut t = vec![c.cmds(&["UNSUBSCRIBE"]), c.cmds(&["PUNSUBSCRIBE"])];
    send(&mut c, &["SUBSCRIBE", "a"]);
    t.push(c.read().expect("confirm"));
    for cmd in [
        &["GET", "k"][..],
        &["CLIENT", "ID"],
        &["MULTI"],
        &["PUBLISH", "a", "x"],
        &["PING"],
        &["PING", "hi"],
        &["PING", "a", "b"],
        &["NOSUCH"],
        &["GET"],
    ] {
        t.push(c.cmds(cmd));
    }
    send(&mut c, &["PSUBSCRIBE", "p"]);
    t.push(c.read().expect("confirm"));
    // Unsubscribing everything leaves subscribed mode only when the
    // patterns are gone too.
    send(&mut c, &["UNSUBSCRIBE"]);
    t.push(c.read().expect("confirm"));
    t.push(c.cmds(&["GET", "k"]));
    send(&mut c, &["PUNSUBSCRIBE"]);
    t.push(c.read().expect("confirm"));
    t.push(c.cmds(&["PING"]));
    // RESET leaves it at once, with no unsubscribe messages.
    send(&mut c, &["SUBSCRIBE", "a", "b"]);
    t.push(c.read().expect("confirm"));
    t.push(c.read().expect("confirm"));
    t.push(c.cmds(&["RESET"]));
    t.push(c.cmds(&["PING"]));
    t.push(c.cmds(&["PUBSUB", "NUMSUB", "a"]));
    t
}

#[test]
fn a_subscribed_resp2_connection_is_restricted() {
    let t = on_both(subscribed_mode);
    let nil = |kind: &str| Value::Array(vec![bulk(kind), Value::Null, Value::Int(0)]);
    assert_eq!(t[0], nil("unsubscribe"));
    assert_eq!(t[1], nil("punsubscribe"));
    let refused = |name: &str| {
        err(&format!(
            "ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        ))
    };
    assert_eq!(t[3], refused("get"));
    assert_eq!(t[4], refused("client|id"));
    assert_eq!(t[5], refused("multi"));
    assert_eq!(t[6], refused("publish"));
    assert_eq!(t[7], Value::Array(vec![bulk("pong"), bulk("")]));
    assert_eq!(t[8], Value::Array(vec![bulk("pong"), bulk("hi")]));
    assert_eq!(t[14], refused("get"), "a pattern is left");
    assert_eq!(t[16], Value::Simple("PONG".into()));
    assert_eq!(t[19], Value::Simple("RESET".into()));
    assert_eq!(t[21], Value::Array(vec![bulk("a"), Value::Int(0)]));
}

fn resp3(addr: SocketAddr) -> Vec<Value> {
    let mut a = Conn::connect(addr);
    let mut b = Conn::connect(addr);
    let _ = a.cmds(&["HELLO", "3"]);
    send(&mut a, &["SUBSCRIBE", "ch"]);
    let mut t = vec![a.read().expect("push")];
    // RESP3 connections may run anything while subscribed.
    t.push(a.cmds(&["SET", "k", "v"]));
    t.push(a.cmds(&["PING"]));
    t.push(b.cmds(&["PUBLISH", "ch", "from b"]));
    t.push(a.read().expect("push"));
    // Publishing to ourselves: the message comes before the reply.
    send(&mut a, &["PUBLISH", "ch", "self"]);
    t.push(a.read().expect("push"));
    t.push(a.read().expect("reply"));
    // After HELLO 2 messages are arrays again.
    let _ = a.cmds(&["HELLO", "2"]);
    t.push(b.cmds(&["PUBLISH", "ch", "as array"]));
    t.push(a.read().expect("array"));
    send(&mut a, &["UNSUBSCRIBE"]);
    t.push(a.read().expect("array"));
    t
}

#[test]
fn resp3_subscribers_get_pushes() {
    let t = on_both(resp3);
    assert_eq!(
        t[0],
        Value::Push(vec![bulk("subscribe"), bulk("ch"), Value::Int(1)])
    );
    assert_eq!(t[1], Value::Simple("OK".into()));
    assert_eq!(
        t[4],
        Value::Push(vec![bulk("message"), bulk("ch"), bulk("from b")])
    );
    assert_eq!(
        t[5],
        Value::Push(vec![bulk("message"), bulk("ch"), bulk("self")])
    );
    assert_eq!(t[6], Value::Int(1));
    assert_eq!(t[8], msg("message", &["ch", "as array"]));
}

/// Number of clients in `CLIENT LIST`.
fn client_count(c: &mut Conn) -> usize {
    let Value::Bulk(list) = c.cmds(&["CLIENT", "LIST"]) else {
        panic!("CLIENT LIST is a bulk string")
    };
    String::from_utf8_lossy(&list).lines().count()
}

#[test]
fn a_subscriber_that_does_not_read_is_cut_off_and_the_publisher_never_waits() {
    let srv = start_ours(|_| {});
    let mut publisher = Conn::connect(srv.addr);
    assert_eq!(
        publisher.cmds(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 1048576 0 0"
        ]),
        Value::Simple("OK".into())
    );
    let mut slow = Conn::connect(srv.addr);
    send(&mut slow, &["SUBSCRIBE", "firehose"]);
    let mut reader = Conn::connect(srv.addr);
    send(&mut reader, &["SUBSCRIBE", "other"]);
    assert!(reader.read().is_some());
    // Wait until the slow subscriber is registered (it never reads).
    let deadline = Instant::now() + Duration::from_secs(5);
    while publisher.cmds(&["PUBSUB", "NUMSUB", "firehose"])
        != Value::Array(vec![bulk("firehose"), Value::Int(1)])
    {
        assert!(Instant::now() < deadline, "subscriber never registered");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(client_count(&mut publisher), 3);
    let payload = "x".repeat(16 * 1024);
    let mut slowest = Duration::ZERO;
    let mut receivers = Vec::new();
    let start = Instant::now();
    // 64 MB in all: far past what the socket buffers can hold.
    for _ in 0..4096 {
        let t = Instant::now();
        let Value::Int(n) = publisher.cmds(&["PUBLISH", "firehose", &payload]) else {
            panic!("PUBLISH replies an integer")
        };
        slowest = slowest.max(t.elapsed());
        receivers.push(n);
        if n == 0 {
            break;
        }
    }
    println!(
        "cut off after {} publishes of 16 KB; slowest PUBLISH {slowest:?}",
        receivers.len()
    );
    assert!(
        slowest < Duration::from_millis(250),
        "a PUBLISH took {slowest:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(receivers.first(), Some(&1));
    assert_eq!(receivers.last(), Some(&0), "the subscriber was dropped");
    assert_eq!(
        publisher.cmds(&["PUBSUB", "NUMSUB", "firehose"]),
        Value::Array(vec![bulk("firehose"), Value::Int(0)])
    );
    assert_eq!(client_count(&mut publisher), 2, "its connection is closed");
    // The well-behaved subscriber is untouched.
    assert_eq!(
        publisher.cmds(&["PUBLISH", "other", "still here"]),
        Value::Int(1)
    );
    assert_eq!(
        reader.read(),
        Some(msg("message", &["other", "still here"]))
    );
    // The slow one finds its connection closed once it drains what was sent.
    slow.stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut drained = 0usize;
    while slow.read().is_some() {
        drained += 1;
        assert!(drained < 10_000, "the connection should end");
    }
}

/// Shard channels: their own namespace (PUBLISH and patterns never reach
/// them, SPUBLISH reaches only them), their counts, RESP3 pushes, the
/// subscribed-mode restriction, MULTI, and CLIENT LIST's `ssub`.
fn shard(addr: SocketAddr) -> Vec<Value> {
    let mut s = Conn::connect(addr);
    let mut plain = Conn::connect(addr);
    let mut p = Conn::connect(addr);
    let mut t = Vec::new();
    send(&mut s, &["SSUBSCRIBE", "a", "b", "a"]);
    for _ in 0..3 {
        t.push(s.read().expect("confirm"));
    }
    // The shard count is apart from channels and patterns.
    send(&mut s, &["SUBSCRIBE", "a"]);
    t.push(s.read().expect("confirm"));
    send(&mut plain, &["PSUBSCRIBE", "*"]);
    t.push(plain.read().expect("confirm"));
    t.push(p.cmds(&["SPUBLISH", "a", "shard"]));
    t.push(s.read().expect("smessage"));
    // PUBLISH reaches the plain subscription and the pattern only.
    t.push(p.cmds(&["PUBLISH", "a", "plain"]));
    t.push(s.read().expect("message"));
    t.push(plain.read().expect("pmessage"));
    t.push(p.cmds(&["SPUBLISH", "nobody", "x"]));
    t.push(p.cmds(&["PUBSUB", "SHARDNUMSUB", "a", "b", "c"]));
    let Value::Array(mut chans) = p.cmds(&["PUBSUB", "SHARDCHANNELS"]) else {
        panic!("an array")
    };
    chans.sort_by_key(|v| format!("{v:?}"));
    t.push(Value::Array(chans));
    t.push(p.cmds(&["PUBSUB", "SHARDCHANNELS", "b*"]));
    t.push(p.cmds(&["PUBSUB", "CHANNELS", "b*"]));
    // Subscribed mode allows the shard commands, not SPUBLISH.
    t.push(s.cmds(&["SPUBLISH", "a", "x"]));
    let list = String::from_utf8(
        p.cmds(&["CLIENT", "LIST"])
            .as_bytes()
            .expect("text")
            .to_vec(),
    )
    .expect("UTF-8");
    t.push(bulk(
        &list
            .lines()
            .map(|l| {
                l.split(' ')
                    .filter(|f| {
                        f.starts_with("sub=") || f.starts_with("psub=") || f.starts_with("ssub=")
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n"),
    ));
    send(&mut s, &["SUNSUBSCRIBE", "b", "never"]);
    t.push(s.read().expect("confirm"));
    t.push(s.read().expect("confirm"));
    send(&mut s, &["SUNSUBSCRIBE"]);
    t.push(s.read().expect("confirm"));
    send(&mut s, &["SUNSUBSCRIBE"]);
    t.push(s.read().expect("confirm"));
    // Still subscribed to `a`: still restricted.
    t.push(s.cmds(&["GET", "x"]));
    send(&mut s, &["UNSUBSCRIBE"]);
    t.push(s.read().expect("confirm"));
    t.push(s.cmds(&["GET", "x"]));
    // Not inside a transaction.
    t.push(p.cmds(&["MULTI"]));
    t.push(p.cmds(&["SSUBSCRIBE", "m"]));
    t.push(p.cmds(&["EXEC"]));
    // RESP3: pushes.
    let _ = s.cmds(&["HELLO", "3"]);
    send(&mut s, &["SSUBSCRIBE", "r"]);
    t.push(s.read().expect("push"));
    t.push(p.cmds(&["SPUBLISH", "r", "pushed"]));
    t.push(s.read().expect("push"));
    t.push(s.cmds(&["PING"]));
    t
}

#[test]
fn shard_channels_are_apart_from_channels_and_patterns() {
    let t = on_both(shard);
    assert_eq!(t[0], confirm("ssubscribe", "a", 1));
    assert_eq!(t[2], confirm("ssubscribe", "a", 2));
}
