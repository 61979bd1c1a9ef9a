//! The collection types, blocking pops, transactions and Pub/Sub driven by
//! a client library nobody here wrote: the `redis` crate, over several
//! connections at once, the way an application would use them.

mod common;

use std::collections::{HashMap, HashSet};
use std::thread;
use std::time::{Duration, Instant};

use common::start_ours;
use redis::Commands;

fn client(addr: std::net::SocketAddr) -> redis::Connection {
    redis::Client::open(format!("redis://{addr}/"))
        .and_then(|c| c.get_connection())
        .expect("connect to kv-cache")
}

#[test]
fn collections_map_to_rust_types() {
    let srv = start_ours(|_| {});
    let mut c = client(srv.addr);
    let _: () = c.rpush("queue", &["a", "b", "c"]).unwrap();
    let items: Vec<String> = c.lrange("queue", 0, -1).unwrap();
    assert_eq!(items, ["a", "b", "c"]);

    let _: () = c
        .hset_multiple("user:1", &[("name", "ada"), ("lang", "rust")])
        .unwrap();
    let user: HashMap<String, String> = c.hgetall("user:1").unwrap();
    assert_eq!(user["name"], "ada");
    assert_eq!(user.len(), 2);

    let _: () = c.sadd("tags", &["x", "y", "x"]).unwrap();
    let tags: HashSet<String> = c.smembers("tags").unwrap();
    assert_eq!(tags, HashSet::from(["x".to_string(), "y".to_string()]));

    let _: () = c
        .zadd_multiple("board", &[(3.5, "c"), (1.0, "a"), (2.0, "b")])
        .unwrap();
    let top: Vec<(String, f64)> = c.zrevrange_withscores("board", 0, 1).unwrap();
    assert_eq!(top, [("c".to_string(), 3.5), ("b".to_string(), 2.0)]);
    let rank: Option<usize> = c.zrank("board", "b").unwrap();
    assert_eq!(rank, Some(1));

    let err = c.lpush::<_, _, i64>("user:1", "z").unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"));
}

#[test]
fn blpop_is_woken_by_a_push_from_another_connection() {
    let srv = start_ours(|_| {});
    let addr = srv.addr;
    let waiter = thread::spawn(move || {
        let mut c = client(addr);
        let started = Instant::now();
        let got: Option<(String, String)> = c.blpop("jobs", 5.0).unwrap();
        (got, started.elapsed())
    });
    let mut c = client(addr);
    // Wait (bounded) until the waiter is parked, then push.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let info: String = redis::cmd("INFO").arg("clients").query(&mut c).unwrap();
        if info.contains("blocked_clients:1") {
            break;
        }
        assert!(Instant::now() < deadline, "BLPOP never blocked");
        thread::sleep(Duration::from_millis(2));
    }
    let receivers: i64 = c.rpush("jobs", "job-1").unwrap();
    assert_eq!(receivers, 1);
    let (got, waited) = waiter.join().unwrap();
    assert_eq!(got, Some(("jobs".to_string(), "job-1".to_string())));
    assert!(
        waited < Duration::from_secs(5),
        "woken by the push, not the timeout"
    );
    // The element went to the blocked client, not into the list.
    let len: i64 = c.llen("jobs").unwrap();
    assert_eq!(len, 0);
}

#[test]
fn bzpopmin_times_out_with_nil() {
    let srv = start_ours(|_| {});
    let mut c = client(srv.addr);
    let started = Instant::now();
    let got: Option<(String, String, f64)> = c.bzpopmin("nothing", 0.1).unwrap();
    assert_eq!(got, None);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(100),
        "returned after {waited:?}"
    );
    assert!(waited < Duration::from_secs(2), "returned after {waited:?}");
}

#[test]
fn transaction_helper_retries_when_a_watched_key_changes() {
    let srv = start_ours(|_| {});
    let mut c = client(srv.addr);
    let mut other = client(srv.addr);
    let _: () = c.set("balance", 10).unwrap();
    let mut attempts = 0;
    let (new,): (i64,) = redis::transaction(&mut c, &["balance"], |con, pipe| {
        attempts += 1;
        let cur: i64 = con.get("balance")?;
        if attempts == 1 {
            // Another client changes the key between WATCH and EXEC: the
            // first EXEC must fail and the helper must run us again.
            let _: () = other.set("balance", 100)?;
        }
        pipe.set("balance", cur + 5)
            .ignore()
            .get("balance")
            .query(con)
    })
    .unwrap();
    assert_eq!(attempts, 2);
    assert_eq!(new, 105);

    // An atomic pipeline is MULTI ... EXEC.
    let (a, b): (i64, i64) = redis::pipe()
        .atomic()
        .incr("n", 1)
        .incr("n", 1)
        .query(&mut c)
        .unwrap();
    assert_eq!((a, b), (1, 2));
}

#[test]
fn pubsub_delivers_to_channel_and_pattern_subscribers() {
    let srv = start_ours(|_| {});
    let mut sub_conn = client(srv.addr);
    let mut publisher = client(srv.addr);
    let mut sub = sub_conn.as_pubsub();
    sub.subscribe("news").unwrap();
    sub.psubscribe("n*").unwrap();
    sub.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let receivers: i64 = publisher.publish("news", "hello").unwrap();
    assert_eq!(receivers, 2, "one channel and one pattern subscription");
    let mut got = Vec::new();
    for _ in 0..2 {
        let msg = sub.get_message().unwrap();
        let pattern: Option<String> = msg.get_pattern().ok();
        got.push((
            msg.get_channel_name().to_string(),
            pattern,
            msg.get_payload::<String>().unwrap(),
        ));
    }
    got.sort();
    assert_eq!(
        got,
        [
            ("news".to_string(), None, "hello".to_string()),
            (
                "news".to_string(),
                Some("n*".to_string()),
                "hello".to_string()
            ),
        ]
    );
    let numsub: Vec<(String, i64)> = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg("news")
        .query(&mut publisher)
        .unwrap();
    assert_eq!(numsub, [("news".to_string(), 1)]);
}
