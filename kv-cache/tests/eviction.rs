//! `maxmemory` at the wire. The flood tests run the real server binary
//! (its counting allocator is the memory figure eviction reads, which an
//! in-process server shares with the test harness); the deterministic
//! parts — errors, `CONFIG` round trips, `OBJECT FREQ` — are compared with
//! redis-server.

mod common;

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Conn, bulk, err, free_port, info_in, on_both, simple, start_ours};
use kv_cache::protocol::Value;

const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
const LIMIT: i64 = 20 * 1024 * 1024;
/// Bytes per flooded value.
const VALUE: usize = 2000;

/// The kv-cache-server binary on a free port, killed on drop.
struct Binary {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary(args: &[&str]) -> Binary {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_kv-cache-server"))
        .args(["--port", &port.to_string()])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kv-cache-server starts");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "kv-cache-server never listened");
        std::thread::sleep(Duration::from_millis(10));
    }
    Binary { child, addr }
}

/// Writes `keys` keys named `<prefix><n>` in pipelined batches of 100
/// (with a TTL if `ttl`); after each batch, `used_memory` must be within
/// one command's worth of the limit. Returns how many writes got `-OOM`.
fn flood(c: &mut Conn, prefix: &str, keys: usize, ttl: bool) -> usize {
    let value = "v".repeat(VALUE);
    // One SET's value, its key and dict entry, and the INFO reply itself.
    let slack = 16 * 1024;
    let mut ooms = 0;
    for batch in 0..keys / 100 {
        let mut bytes = Vec::new();
        for i in 0..100 {
            let k = format!("{prefix}{}", batch * 100 + i);
            let mut args: Vec<&[u8]> = vec![b"SET", k.as_bytes(), value.as_bytes()];
            if ttl {
                args.extend([&b"EX"[..], b"100000"]);
            }
            bytes.extend(Conn::encode(&args));
        }
        c.send_raw(&bytes);
        for _ in 0..100 {
            match c.read().expect("a reply") {
                Value::Simple(s) if s == "OK" => {}
                Value::Error(e) if e == OOM => ooms += 1,
                other => panic!("SET: {other:?}"),
            }
        }
        let used = info_in(c, "memory", "used_memory");
        assert!(
            used <= LIMIT + slack,
            "batch {batch}: used_memory {used} over {LIMIT} + {slack}"
        );
    }
    ooms
}

#[test]
fn a_write_flood_stays_under_maxmemory_under_every_policy() {
    for policy in [
        "allkeys-lru",
        "allkeys-lfu",
        "allkeys-random",
        "allkeys-tinylfu",
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
        "noeviction",
    ] {
        let srv = binary(&["--maxmemory", "20mb", "--maxmemory-policy", policy]);
        let mut c = Conn::connect(srv.addr);
        // Twice what fits: 20,000 values of 2,000 bytes.
        let ooms = flood(&mut c, "k", 20_000, policy.starts_with("volatile"));
        let evicted = info_in(&mut c, "stats", "evicted_keys");
        if policy == "noeviction" {
            assert!(ooms > 5_000, "{policy}: {ooms} refusals");
            assert_eq!(evicted, 0);
            // Reads and deletes still work.
            assert_eq!(
                c.cmds(&["GET", "k0"]).as_bytes().map(<[u8]>::len),
                Some(VALUE)
            );
            assert_eq!(c.cmds(&["DEL", "k0"]), Value::Int(1));
        } else {
            assert_eq!(ooms, 0, "{policy}: nothing refused while keys can go");
            assert!(evicted > 5_000, "{policy}: {evicted} evicted");
            let left = match c.cmds(&["DBSIZE"]) {
                Value::Int(n) => n,
                other => panic!("{other:?}"),
            };
            assert_eq!(
                left + evicted,
                20_000,
                "{policy}: every key kept or evicted"
            );
        }
    }
}

#[test]
fn volatile_policies_evict_only_keys_with_a_ttl_and_then_refuse() {
    let srv = binary(&["--maxmemory", "20mb", "--maxmemory-policy", "volatile-lru"]);
    let mut c = Conn::connect(srv.addr);
    // 5,000 volatile keys (about 10 MB), then a flood without TTLs.
    assert_eq!(flood(&mut c, "ttl", 5_000, true), 0);
    let ooms = flood(&mut c, "plain", 15_000, false);
    assert!(
        ooms > 0,
        "the flood is refused once the volatile keys are gone"
    );
    assert_eq!(info_in(&mut c, "stats", "evicted_keys"), 5_000);
    assert_eq!(c.cmds(&["DBSIZE"]), Value::Int(15_000 - ooms as i64));
    assert_eq!(c.cmds(&["EXISTS", "plain0"]), Value::Int(1));
    assert_eq!(c.cmds(&["SET", "x", "y"]), err(OOM));
}

#[test]
fn lowering_maxmemory_evicts_without_waiting_for_a_write() {
    let srv = binary(&["--maxmemory-policy", "allkeys-random"]);
    let mut c = Conn::connect(srv.addr);
    let mut watcher = Conn::connect(srv.addr);
    let mut sub = Conn::connect(srv.addr);
    assert_eq!(flood(&mut c, "k", 5_000, false), 0);
    c.cmds(&["CONFIG", "SET", "notify-keyspace-events", "Ee"]);
    sub.cmds(&["SUBSCRIBE", "__keyevent@0__:evicted"]);
    watcher.cmds(&["WATCH", "k1", "k2", "k3"]);
    watcher.cmds(&["MULTI"]);
    watcher.cmds(&["SET", "k1", "new"]);
    assert_eq!(c.cmds(&["CONFIG", "SET", "maxmemory", "5mb"]), simple("OK"));
    // The cron evicts (at hz 10) without any further command here.
    std::thread::sleep(Duration::from_millis(500));
    let Value::Array(msg) = sub.read().expect("an evicted event") else {
        panic!("a message")
    };
    assert_eq!(msg[1], bulk("__keyevent@0__:evicted"));
    let evicted = info_in(&mut c, "stats", "evicted_keys");
    assert!(evicted > 1_000, "{evicted} evicted");
    assert!(info_in(&mut c, "memory", "used_memory") <= 5 * 1024 * 1024 + 16 * 1024);
    // Most likely one of the three watched keys went; if so, EXEC fails.
    let gone = ["k1", "k2", "k3"]
        .iter()
        .any(|k| c.cmds(&["EXISTS", k]) == Value::Int(0));
    let exec = watcher.cmds(&["EXEC"]);
    if gone {
        assert_eq!(exec, Value::Null);
    }
}

/// A feed on the propagation point, read by the test.
#[derive(Debug, Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn evicted_keys_propagate_as_del_or_unlink() {
    use kv_cache::exec::propagate::RespFeed;
    use kv_cache::state::propagation::TO_ALL;
    for (lazy, verb) in [("no", "DEL"), ("yes", "UNLINK")] {
        let srv = start_ours(|_| {});
        let feed = Shared::default();
        let f = feed.clone();
        srv.with_state(move |rt| rt.srv.add_feed(Box::new(RespFeed::new(f, TO_ALL))));
        let mut c = Conn::connect(srv.addr);
        c.cmds(&["SET", "k", "v"]);
        c.cmds(&["CONFIG", "SET", "lazyfree-lazy-eviction", lazy]);
        c.cmds(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
        // One byte: (in-process, the memory figure is the RSS) everything goes.
        c.cmds(&["CONFIG", "SET", "maxmemory", "1"]);
        assert_eq!(c.cmds(&["GET", "k"]), Value::Null);
        c.cmds(&["CONFIG", "SET", "maxmemory", "0"]);
        let stream = String::from_utf8_lossy(&feed.0.lock().unwrap()).into_owned();
        let want = format!("*2\r\n${}\r\n{verb}\r\n$1\r\nk\r\n", verb.len());
        assert!(stream.contains(&want), "{verb} k in {stream:?}");
    }
}

/// Memory is out (one byte allowed, nothing evictable): what is refused,
/// what still runs, and transactions.
fn out_of_memory(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    let mut t = Conn::connect(addr);
    c.cmds(&["FLUSHALL"]);
    c.cmds(&["SET", "a", "1"]);
    c.cmds(&["RPUSH", "l", "x"]);
    t.cmds(&["MULTI"]);
    t.cmds(&["SET", "q", "1"]);
    let mut got = vec![c.cmds(&["CONFIG", "SET", "maxmemory", "1"])];
    for cmd in [
        &["SET", "b", "1"][..],
        &["INCR", "a"],
        &["APPEND", "a", "x"],
        &["LPUSH", "l", "y"],
        &["GET", "a"],
        &["EXPIRE", "a", "100"],
        &["RPOP", "l"],
        &["DEL", "nosuch"],
        &["PING"],
        &["MULTI"],
        &["SET", "x", "1"],
        &["GET", "a"],
        &["EXEC"],
        &["MULTI"],
        &["DISCARD"],
    ] {
        got.push(c.cmds(cmd));
    }
    got.push(t.cmds(&["EXEC"]));
    got.push(c.cmds(&["CONFIG", "SET", "maxmemory", "0"]));
    got
}

#[test]
fn out_of_memory_replies_as_redis() {
    let got = on_both(out_of_memory);
    assert_eq!(got[1], err(OOM));
    assert!(got.contains(&err(
        "EXECABORT Transaction discarded because of previous errors."
    )));
    assert!(got.contains(&err(&format!(
        "EXECABORT Transaction discarded because of: {OOM}"
    ))));
}

/// `OBJECT FREQ` and `OBJECT IDLETIME` by policy.
fn frequency(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    c.cmds(&["FLUSHALL"]);
    c.cmds(&["SET", "a", "1"]);
    let mut got = vec![c.cmds(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"])];
    got.push(c.cmds(&["OBJECT", "FREQ", "a"]));
    got.push(c.cmds(&["OBJECT", "FREQ", "missing"]));
    got.push(c.cmds(&["CONFIG", "SET", "maxmemory-policy", "volatile-lfu"]));
    got.push(c.cmds(&["OBJECT", "IDLETIME", "a"]));
    got.push(c.cmds(&["OBJECT", "IDLETIME", "missing"]));
    // A key created under LFU starts at LFU_INIT_VAL; OBJECT and TYPE do
    // not count as accesses, and the first hit always counts. (Not an
    // integer value: Redis would share one object among such keys.)
    c.cmds(&["SET", "b", "xyz"]);
    got.push(c.cmds(&["OBJECT", "FREQ", "b"]));
    c.cmds(&["TYPE", "b"]);
    c.cmds(&["EXISTS", "b"]);
    got.push(c.cmds(&["OBJECT", "FREQ", "b"]));
    c.cmds(&["GET", "b"]);
    got.push(c.cmds(&["OBJECT", "FREQ", "b"]));
    got.push(c.cmds(&["CONFIG", "SET", "maxmemory-policy", "noeviction"]));
    got
}

#[test]
fn object_freq_and_idletime_by_policy_as_redis() {
    let got = on_both(frequency);
    assert_eq!(&got[6..9], &[Value::Int(5), Value::Int(5), Value::Int(6)]);
}

/// Bad values and round trips of the eviction parameters.
fn parameters(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    let mut got = Vec::new();
    for (name, value) in [
        ("maxmemory", "-1"),
        ("maxmemory", "1x"),
        ("maxmemory", "5mb"),
        ("maxmemory", "1k"),
        ("maxmemory", "3GB"),
        ("maxmemory-policy", "nonsense"),
        ("maxmemory-policy", "ALLKEYS-LFU"),
        ("maxmemory-samples", "0"),
        ("maxmemory-samples", "2147483648"),
        ("maxmemory-samples", "2147483647"),
        ("maxmemory-samples", "5"),
        ("maxmemory-eviction-tenacity", "101"),
        ("maxmemory-eviction-tenacity", "100"),
        ("lfu-log-factor", "-1"),
        ("lfu-log-factor", "3"),
        ("lfu-decay-time", "0"),
        ("lazyfree-lazy-eviction", "maybe"),
        ("lazyfree-lazy-eviction", "yes"),
        ("lazyfree-lazy-user-del", "yes"),
        ("lazyfree-lazy-user-flush", "yes"),
        ("lazyfree-lazy-expire", "yes"),
        ("lazyfree-lazy-server-del", "yes"),
    ] {
        got.push(c.cmds(&["CONFIG", "SET", name, value]));
        got.push(c.cmds(&["CONFIG", "GET", name]));
    }
    for (name, value) in [
        ("maxmemory", "0"),
        ("maxmemory-policy", "noeviction"),
        ("maxmemory-eviction-tenacity", "10"),
        ("lfu-log-factor", "10"),
        ("lfu-decay-time", "1"),
    ] {
        got.push(c.cmds(&["CONFIG", "SET", name, value]));
    }
    for name in [
        "lazyfree-lazy-eviction",
        "lazyfree-lazy-user-del",
        "lazyfree-lazy-user-flush",
        "lazyfree-lazy-expire",
        "lazyfree-lazy-server-del",
    ] {
        got.push(c.cmds(&["CONFIG", "SET", name, "no"]));
    }
    got
}

#[test]
fn eviction_parameters_as_redis() {
    let got = on_both(parameters);
    assert_eq!(
        got[10],
        err(
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
        )
    );
}

#[test]
fn unlink_of_a_big_sorted_set_returns_before_the_memory_is_freed() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    // 200,000 members in batches (a million would make this test slow in
    // a debug build; the runner measures the stall at full size).
    for z in ["zdel", "zunlink"] {
        for batch in 0..200 {
            let mut args: Vec<String> = vec!["ZADD".into(), z.into()];
            for i in 0..1000 {
                let n = batch * 1000 + i;
                args.push(n.to_string());
                // Longer than an inline string: one allocation each.
                args.push(format!("member:{n:08}:on-the-heap"));
            }
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            c.send(&a);
        }
        for _ in 0..200 {
            assert!(matches!(c.read(), Some(Value::Int(1000))));
        }
    }
    let time = |c: &mut Conn, cmd: &str, key: &str| {
        let t = Instant::now();
        assert_eq!(c.cmds(&[cmd, key]), Value::Int(1));
        t.elapsed()
    };
    let del = time(&mut c, "DEL", "zdel");
    let unlink = time(&mut c, "UNLINK", "zunlink");
    assert_eq!(c.cmds(&["EXISTS", "zdel", "zunlink"]), Value::Int(0));
    println!("DEL {del:?}, UNLINK {unlink:?} of 200,000 members");
    // The thread frees it soon; bounded wait.
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_in(&mut c, "memory", "lazyfree_pending_objects") != 0 {
        assert!(
            Instant::now() < deadline,
            "the lazyfree thread never finished"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(info_in(&mut c, "memory", "lazyfreed_objects") >= 1);
    // FLUSHALL ASYNC hands the databases over the same way.
    c.cmds(&["SET", "k", "v"]);
    assert_eq!(c.cmds(&["FLUSHALL", "ASYNC"]), simple("OK"));
    assert_eq!(c.cmds(&["DBSIZE"]), Value::Int(0));
}
