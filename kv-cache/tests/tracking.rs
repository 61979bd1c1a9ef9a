//! Client-side caching at the wire: `CLIENT TRACKING` in default mode and
//! BCAST, OPTIN/OPTOUT with `CLIENT CACHING`, NOLOOP, flushes, expiry, the
//! RESP2 redirect to a `__redis__:invalidate` subscriber, a broken
//! redirect, the table limit and the option errors. Each scenario runs on
//! kv-cache and, when installed, on redis-server 7.0, and the transcripts
//! must be equal; one more reads the pushes with the `redis` crate (RESP3,
//! its push sender), the way an application would.
//!
//! Waits are bounded: a connection reads what is already queued for it by
//! sending `PING` ([`Conn::before_pong`]); only expiry by the server's cron
//! waits for a push, under the connection's 10 s read timeout.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Conn, bulk, on_both};
use kv_cache::protocol::Value;

/// A RESP3 connection.
fn resp3(addr: SocketAddr) -> Conn {
    let mut c = Conn::connect(addr);
    c.cmds(&["HELLO", "3"]);
    c
}

/// The push `invalidate [keys]`.
fn invalidate(keys: &[&str]) -> Value {
    let keys = keys.iter().map(|k| bulk(k)).collect();
    Value::Push(vec![bulk("invalidate"), Value::Array(keys)])
}

/// The RESP2 redirect form: a message on `__redis__:invalidate`.
fn redirected(keys: &[&str]) -> Value {
    let keys = keys.iter().map(|k| bulk(k)).collect();
    Value::Array(vec![
        bulk("message"),
        bulk("__redis__:invalidate"),
        Value::Array(keys),
    ])
}

/// A value as a transcript entry.
fn entry(v: Vec<Value>) -> Value {
    Value::Array(v)
}

fn default_mode(addr: SocketAddr) -> Vec<Value> {
    let mut a = resp3(addr);
    let mut b = Conn::connect(addr);
    let mut t = vec![a.cmds(&["CLIENT", "TRACKING", "ON"])];
    t.push(a.cmds(&["GET", "k1"]));
    t.push(a.cmds(&["MGET", "k2", "k3"]));
    b.cmds(&["SET", "k1", "x"]);
    b.cmds(&["MSET", "k2", "1", "k3", "2"]);
    t.push(entry(a.before_pong()));
    // Invalidated once: the second write finds nobody.
    b.cmds(&["SET", "k1", "y"]);
    t.push(entry(a.before_pong()));
    // Its own write: the push follows the reply.
    a.cmds(&["GET", "k1"]);
    a.send(&["SET", "k1", "z"]);
    t.push(a.read().expect("reply"));
    t.push(entry(a.before_pong()));
    // Inside a transaction: after EXEC's whole reply.
    a.cmds(&["GET", "k1"]);
    for c in [
        &["MULTI"][..],
        &["SET", "k1", "w"],
        &["GET", "k1"],
        &["EXEC"],
    ] {
        t.push(a.cmds(c));
    }
    t.push(entry(a.before_pong()));
    // A flush invalidates everything, with a null.
    a.cmds(&["GET", "k1"]);
    b.cmds(&["FLUSHALL"]);
    t.push(entry(a.before_pong()));
    // Deleting a missing key changes nothing.
    a.cmds(&["GET", "gone"]);
    b.cmds(&["DEL", "gone"]);
    t.push(entry(a.before_pong()));
    t.push(a.cmds(&["CLIENT", "TRACKINGINFO"]));
    t.push(a.cmds(&["CLIENT", "GETREDIR"]));
    t
}

#[test]
fn default_mode_invalidates_each_reader_once() {
    let t = on_both(default_mode);
    assert_eq!(
        t[3],
        entry(vec![
            invalidate(&["k1"]),
            invalidate(&["k2"]),
            invalidate(&["k3"])
        ])
    );
    assert_eq!(t[4], entry(vec![]));
    assert_eq!(t[6], entry(vec![invalidate(&["k1"])]));
    assert_eq!(t[11], entry(vec![invalidate(&["k1"])]));
    assert_eq!(
        t[12],
        entry(vec![Value::Push(vec![bulk("invalidate"), Value::Null])])
    );
}

fn bcast(addr: SocketAddr) -> Vec<Value> {
    let mut a = resp3(addr);
    let mut b = Conn::connect(addr);
    let mut t = vec![a.cmds(&[
        "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:", "PREFIX", "cart",
    ])];
    t.push(a.cmds(&["CLIENT", "TRACKINGINFO"]));
    // One write each, so each change is its own loop turn on both servers.
    for k in ["user:2", "other", "cart", "user:1"] {
        b.cmds(&["SET", k, "1"]);
    }
    t.push(entry(a.before_pong()));
    t.push(a.cmds(&["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "us"]));
    t.push(a.cmds(&["CLIENT", "TRACKING", "ON"]));
    t.push(a.cmds(&["CLIENT", "TRACKING", "OFF"]));
    // NOLOOP: its own changes are left out of the broadcast.
    a.cmds(&["CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP"]);
    a.cmds(&["SET", "mine", "1"]);
    b.cmds(&["SET", "theirs", "1"]);
    t.push(entry(a.before_pong()));
    t
}

#[test]
fn bcast_notifies_every_change_under_a_prefix() {
    let t = on_both(bcast);
    assert_eq!(
        t[2],
        entry(vec![
            invalidate(&["user:2"]),
            invalidate(&["cart"]),
            invalidate(&["user:1"])
        ])
    );
    assert_eq!(t[6], entry(vec![invalidate(&["theirs"])]));
}

#[test]
fn bcast_batches_one_turn_of_changes_in_key_order() {
    let server = common::start_ours(|_| {});
    let mut a = resp3(server.addr);
    let mut b = Conn::connect(server.addr);
    a.cmds(&["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p:"]);
    // One pipelined write: the server reads it in one turn.
    let mut batch = Vec::new();
    for k in ["p:3", "p:1", "q", "p:2", "p:1"] {
        batch.extend(Conn::encode(&[b"SET", k.as_bytes(), b"v"]));
    }
    b.send_raw(&batch);
    for _ in 0..5 {
        b.read().expect("reply");
    }
    let got = a.before_pong();
    let keys: Vec<Value> = got
        .iter()
        .flat_map(|p| match p {
            Value::Push(v) => match &v[1] {
                Value::Array(keys) => keys.clone(),
                other => panic!("keys expected, got {other:?}"),
            },
            other => panic!("a push expected, got {other:?}"),
        })
        .collect();
    assert_eq!(keys, vec![bulk("p:1"), bulk("p:2"), bulk("p:3")]);
}

fn optin_optout(addr: SocketAddr) -> Vec<Value> {
    let mut a = resp3(addr);
    let mut b = Conn::connect(addr);
    let mut t = vec![a.cmds(&["CLIENT", "TRACKING", "ON", "OPTIN"])];
    a.cmds(&["GET", "k1"]);
    t.push(a.cmds(&["CLIENT", "CACHING", "YES"]));
    t.push(a.cmds(&["CLIENT", "TRACKINGINFO"]));
    a.cmds(&["GET", "k2"]);
    // CACHING covered only the command after it.
    a.cmds(&["GET", "k3"]);
    for k in ["k1", "k2", "k3"] {
        b.cmds(&["SET", k, "v"]);
    }
    t.push(entry(a.before_pong()));
    t.push(a.cmds(&["CLIENT", "CACHING", "NO"]));
    t.push(a.cmds(&["CLIENT", "TRACKING", "ON", "OPTOUT"]));
    t.push(a.cmds(&["CLIENT", "TRACKING", "OFF"]));
    a.cmds(&["CLIENT", "TRACKING", "ON", "OPTOUT"]);
    t.push(a.cmds(&["CLIENT", "CACHING", "NO"]));
    a.cmds(&["GET", "k4"]);
    a.cmds(&["GET", "k5"]);
    for k in ["k4", "k5"] {
        b.cmds(&["SET", k, "v"]);
    }
    t.push(entry(a.before_pong()));
    t.push(a.cmds(&["CLIENT", "CACHING", "YES"]));
    t
}

#[test]
fn optin_and_optout_follow_client_caching() {
    let t = on_both(optin_optout);
    assert_eq!(t[3], entry(vec![invalidate(&["k2"])]));
    assert_eq!(t[8], entry(vec![invalidate(&["k5"])]));
}

fn noloop(addr: SocketAddr) -> Vec<Value> {
    let mut a = resp3(addr);
    let mut b = Conn::connect(addr);
    let mut t = vec![a.cmds(&["CLIENT", "TRACKING", "ON", "NOLOOP"])];
    a.cmds(&["GET", "k"]);
    a.cmds(&["SET", "k", "mine"]);
    t.push(entry(a.before_pong()));
    // Its own write took the key out of the table.
    b.cmds(&["SET", "k", "theirs"]);
    t.push(entry(a.before_pong()));
    a.cmds(&["GET", "k"]);
    b.cmds(&["SET", "k", "again"]);
    t.push(entry(a.before_pong()));
    t
}

#[test]
fn noloop_leaves_out_own_writes() {
    let t = on_both(noloop);
    assert_eq!(
        t[1..],
        [
            entry(vec![]),
            entry(vec![]),
            entry(vec![invalidate(&["k"])])
        ]
    );
}

fn expiry(addr: SocketAddr) -> Vec<Value> {
    let mut a = resp3(addr);
    let mut b = Conn::connect(addr);
    b.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    a.cmds(&["CLIENT", "TRACKING", "ON"]);
    a.cmds(&["SET", "e", "1", "PX", "30"]);
    a.cmds(&["GET", "e"]);
    std::thread::sleep(Duration::from_millis(60));
    // Lazy expiry on its own read: the reply, then the push.
    a.send(&["GET", "e"]);
    let mut t = vec![a.read().expect("reply"), a.read().expect("push")];
    // Active expiry: the push comes from the cron, unasked.
    b.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    b.cmds(&["SET", "f", "1", "PX", "30"]);
    a.cmds(&["GET", "f"]);
    t.push(a.read().expect("a push from the cron"));
    t
}

#[test]
fn expired_keys_are_invalidated_lazily_and_actively() {
    let t = on_both(expiry);
    assert_eq!(t, vec![Value::Null, invalidate(&["e"]), invalidate(&["f"])]);
}

/// The id in `:N` form of `CLIENT ID`.
fn id_of(c: &mut Conn) -> String {
    match c.cmds(&["CLIENT", "ID"]) {
        Value::Int(n) => n.to_string(),
        other => panic!("an id, got {other:?}"),
    }
}

fn resp2_redirect(addr: SocketAddr) -> Vec<Value> {
    let mut r = Conn::connect(addr);
    let mut a = Conn::connect(addr);
    let mut b = Conn::connect(addr);
    let rid = id_of(&mut r);
    let mut t = vec![r.cmds(&["SUBSCRIBE", "__redis__:invalidate"])];
    t.push(a.cmds(&["CLIENT", "TRACKING", "ON", "REDIRECT", &rid]));
    a.cmds(&["GET", "k"]);
    b.cmds(&["SET", "k", "1"]);
    t.push(entry(r.before_pong()));
    // A RESP2 tracking client's flush: the null of its protocol.
    a.cmds(&["GET", "k"]);
    b.cmds(&["FLUSHALL"]);
    t.push(entry(r.before_pong()));
    a.cmds(&["CLIENT", "TRACKING", "OFF"]);
    a.cmds(&["CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", &rid]);
    b.cmds(&["SET", "z", "1"]);
    t.push(entry(r.before_pong()));
    // Without redirect a RESP2 client hears nothing: it has no pushes.
    a.cmds(&["CLIENT", "TRACKING", "OFF"]);
    a.cmds(&["CLIENT", "TRACKING", "ON"]);
    a.cmds(&["GET", "k"]);
    b.cmds(&["SET", "k", "2"]);
    t.push(a.cmds(&["PING"]));
    t
}

#[test]
fn resp2_clients_get_invalidations_through_a_subscribed_redirect() {
    let t = on_both(resp2_redirect);
    assert_eq!(t[2], entry(vec![redirected(&["k"])]));
    assert_eq!(
        t[3],
        entry(vec![Value::Array(vec![
            bulk("message"),
            bulk("__redis__:invalidate"),
            Value::Null
        ])])
    );
    assert_eq!(t[4], entry(vec![redirected(&["z"])]));
}

fn broken_redirect(addr: SocketAddr) -> Vec<Value> {
    let mut a = resp3(addr);
    let mut b = Conn::connect(addr);
    let mut r = Conn::connect(addr);
    let rid = id_of(&mut r);
    a.cmds(&["CLIENT", "TRACKING", "ON", "REDIRECT", &rid]);
    a.cmds(&["GET", "k"]);
    r.cmds(&["QUIT"]);
    assert!(r.is_closed());
    // The server notices the close before B's write (one more round trip).
    b.cmds(&["PING"]);
    b.cmds(&["SET", "k", "1"]);
    // Ids differ between servers: the push names the redirect id.
    let named = Value::Int(rid.parse().expect("an id"));
    let pushes = a.before_pong().into_iter().map(|p| match p {
        Value::Push(v) if v.get(1) == Some(&named) => Value::Push(vec![v[0].clone()]),
        other => other,
    });
    let mut t = vec![entry(pushes.collect())];
    let Value::Map(info) = a.cmds(&["CLIENT", "TRACKINGINFO"]) else {
        panic!("TRACKINGINFO is a map in RESP3")
    };
    t.push(info[0].1.clone());
    t.push(a.cmds(&["CLIENT", "TRACKING", "ON", "REDIRECT", &rid]));
    t
}

#[test]
fn a_vanished_redirect_client_is_reported() {
    let t = on_both(broken_redirect);
    let Value::Array(pushes) = &t[0] else {
        panic!("pushes")
    };
    assert!(matches!(&pushes[..], [Value::Push(p)] if p[0] == bulk("tracking-redir-broken")));
    assert_eq!(t[1], Value::Set(vec![bulk("on"), bulk("broken_redirect")]));
}

fn table_limit(addr: SocketAddr) -> Vec<Value> {
    let mut a = resp3(addr);
    let mut t = vec![a.cmds(&["CONFIG", "SET", "tracking-table-max-keys", "2"])];
    a.cmds(&["CLIENT", "TRACKING", "ON"]);
    // Redis trims before a command, kv-cache after: the pushes fall
    // between other replies, so the replies are not read one by one.
    for k in ["k1", "k2", "k3", "k4", "k5"] {
        a.send(&["GET", k]);
    }
    // Which keys go is random; how many is not.
    let frames = a.before_pong();
    let dropped = frames
        .iter()
        .filter(|f| matches!(f, Value::Push(_)))
        .count();
    t.push(Value::Int(dropped as i64));
    let info = a.cmds(&["INFO", "stats"]);
    let text = String::from_utf8_lossy(info.as_bytes().unwrap_or_default()).into_owned();
    t.extend(
        text.lines()
            .filter(|l| l.starts_with("tracking_total"))
            .map(|l| bulk(l.trim())),
    );
    t.push(a.cmds(&["CONFIG", "GET", "tracking-table-max-keys"]));
    t.push(a.cmds(&["CONFIG", "SET", "tracking-table-max-keys", "-1"]));
    t
}

#[test]
fn the_table_limit_invalidates_keys_to_fit() {
    let t = on_both(table_limit);
    assert_eq!(t[1], Value::Int(3));
    assert_eq!(t[2], bulk("tracking_total_keys:2"));
}

fn option_errors(addr: SocketAddr) -> Vec<Value> {
    let mut t = Vec::new();
    for opts in [
        &["ON", "PREFIX", "a"][..],
        &["ON", "BCAST", "OPTIN"],
        &["ON", "OPTIN", "OPTOUT"],
        &["ON", "BCAST", "PREFIX", "ab", "PREFIX", "a"],
        &["ON", "REDIRECT", "999999", "REDIRECT", "2"],
        &["ON", "REDIRECT", "x"],
        &["ON", "REDIRECT", "0"],
        &["ON", "REDIRECT"],
        &["ON", "FOO"],
        &["MAYBE"],
    ] {
        let mut c = Conn::connect(addr);
        let mut args = vec!["CLIENT", "TRACKING"];
        args.extend_from_slice(opts);
        t.push(c.cmds(&args));
    }
    let mut c = Conn::connect(addr);
    t.push(c.cmds(&["CLIENT", "CACHING", "YES"]));
    t.push(c.cmds(&["CLIENT", "GETREDIR"]));
    t.push(c.cmds(&["CLIENT", "TRACKINGINFO"]));
    t.push(c.cmds(&["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab"]));
    t.push(c.cmds(&["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a"]));
    t.push(c.cmds(&["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "b"]));
    t.push(c.cmds(&["CLIENT", "TRACKINGINFO"]));
    t.push(c.cmds(&["CLIENT", "CACHING", "MAYBE"]));
    let info = c.cmds(&["INFO"]);
    let text = String::from_utf8_lossy(info.as_bytes().unwrap_or_default()).into_owned();
    t.extend(
        text.lines()
            .filter(|l| l.starts_with("tracking_"))
            .map(|l| bulk(l.trim())),
    );
    t
}

#[test]
fn tracking_options_are_checked_as_redis_does() {
    let t = on_both(option_errors);
    assert!(matches!(&t[0], Value::Error(e) if e.starts_with("ERR PREFIX option requires BCAST")));
}

/// Reads the pushes the `redis` crate hands its push channel.
fn crate_pushes(addr: SocketAddr) -> Vec<String> {
    let url = format!("redis://{addr}/?protocol=resp3");
    let mut a = redis::Client::open(url.as_str())
        .and_then(|c| c.get_connection())
        .expect("connect");
    let mut b = redis::Client::open(format!("redis://{addr}/"))
        .and_then(|c| c.get_connection())
        .expect("connect");
    let (tx, rx) = std::sync::mpsc::channel();
    a.set_push_sender(tx);
    let _: () = redis::cmd("CLIENT")
        .arg(&["TRACKING", "ON"])
        .query(&mut a)
        .expect("tracking on");
    let v: Option<String> = redis::cmd("GET").arg("cached").query(&mut a).expect("get");
    assert_eq!(v, None);
    let _: () = redis::cmd("SET")
        .arg(&["cached", "new"])
        .query(&mut b)
        .expect("set");
    // The crate hands pushes over as it reads: one round trip reads it.
    let _: String = redis::cmd("PING").query(&mut a).expect("ping");
    let mut got = Vec::new();
    while let Ok(p) = rx.recv_timeout(Duration::from_millis(200)) {
        got.push(format!("{:?} {:?}", p.kind, p.data));
        if got.len() >= 10 {
            break;
        }
    }
    got
}

#[test]
fn the_redis_crate_receives_invalidate_pushes() {
    let ours = common::start_ours(|_| {});
    let got = crate_pushes(ours.addr);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].starts_with("Invalidate"), "{got:?}");
    assert!(got[0].contains("cached"), "{got:?}");
    if let Some(redis) = common::start_redis() {
        assert_eq!(got, crate_pushes(redis.addr), "kv-cache vs redis-server");
    }
}

fn movable_keys(addr: SocketAddr) -> Vec<Value> {
    let mut a = resp3(addr);
    let mut b = Conn::connect(addr);
    a.cmds(&["CLIENT", "TRACKING", "ON"]);
    // Keys found through numkeys, a subcommand's key, and channels (not keys).
    a.cmds(&["ZUNION", "2", "z1", "z2"]);
    a.cmds(&["SINTERCARD", "1", "s1", "LIMIT", "5"]);
    a.cmds(&["OBJECT", "ENCODING", "o"]);
    a.cmds(&["SUBSCRIBE", "chan"]);
    for k in ["z1", "z2", "s1", "o", "chan", "LIMIT", "5"] {
        b.cmds(&["SET", k, "v"]);
    }
    a.before_pong()
}

#[test]
fn keys_are_found_as_the_command_table_says() {
    let t = on_both(movable_keys);
    let want: Vec<Value> = ["z1", "z2", "s1", "o"]
        .iter()
        .map(|k| invalidate(&[k]))
        .collect();
    assert_eq!(t, want);
}
