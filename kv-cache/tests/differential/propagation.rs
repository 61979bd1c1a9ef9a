//! The propagation test: the differential sequences again, and this time
//! the stream each server sends to a replica is compared too.
//!
//! Redis's stream is read the way a replica of 7.0 reads it: `REPLCONF capa
//! eof`, `SYNC`, skip the diskless RDB between its `$EOF:` marks, then
//! commands. Ours comes from a test feed on the propagation point, which
//! writes the same RESP a replica link will carry. After each sequence a
//! `PUBLISH` on a fresh connection (propagated to replicas by both) marks
//! the end; everything before it is compared.
//!
//! Active expiry is switched off on both (`DEBUG SET-ACTIVE-EXPIRE 0`): it
//! removes keys at times of its own choosing, so the `DEL`s it propagates
//! would land at different places. Lazy expiry happens at the same command
//! on both and stays in. Two kinds of step are left out because their
//! effect is random by definition (`SPOP`, `SRANDMEMBER`... and
//! `RANDOMKEY`, which may expire whichever key it draws); `SCAN` expires
//! keys in hash-table order, so runs of `DEL`s are compared as sets.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kv_cache::exec::propagate::RespFeed;
use kv_cache::protocol::Value;
use kv_cache::state::propagation::TO_ALL;
use proptest::test_runner::{Config as PtConfig, TestCaseError, TestRunner};

use super::common::{Conn, start_ours, start_redis};
use super::{Step, run_sequence, session};

/// The channel of the end-of-sequence marker.
const MARK: &str = "__propagation_mark__";

/// A writer the server thread appends to and the test reads.
#[derive(Debug, Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Commands as lists of byte strings.
type Stream = Vec<Vec<Vec<u8>>>;

/// Parses every complete command at the front of `buf`, removing it.
fn take_commands(buf: &mut Vec<u8>) -> Stream {
    let mut out = Vec::new();
    let mut used = 0;
    while let Ok(Some((v, n))) = Value::parse(&buf[used..]) {
        used += n;
        if let Value::Array(items) = v {
            out.push(
                items
                    .iter()
                    .map(|i| i.as_bytes().unwrap_or_default().to_vec())
                    .collect(),
            );
        }
    }
    buf.drain(..used);
    out
}

/// Whether `cmd` is the marker `PUBLISH` number `n`.
fn is_mark(cmd: &[Vec<u8>], n: usize) -> bool {
    cmd.len() == 3
        && cmd[0].eq_ignore_ascii_case(b"publish")
        && cmd[1] == MARK.as_bytes()
        && cmd[2] == n.to_string().as_bytes()
}

/// Redis's replication stream, read as a replica.
struct ReplicaLink {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl ReplicaLink {
    fn connect(addr: SocketAddr) -> ReplicaLink {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let mut link = ReplicaLink {
            stream: stream.try_clone().expect("clone"),
            buf: Vec::new(),
        };
        // One at a time: Redis refuses SYNC while a reply is unread.
        stream.write_all(b"REPLCONF capa eof\r\n").expect("write");
        link.read_until(|b| b.starts_with(b"+OK\r\n"));
        link.buf.drain(..5);
        stream.write_all(b"SYNC\r\n").expect("write");
        // Newlines keep the link alive while the RDB is produced.
        link.read_until(|b| b.iter().any(|&c| c != b'\n'));
        let start = link.buf.iter().position(|&c| c != b'\n').unwrap_or(0);
        link.buf.drain(..start);
        link.read_until(|b| b.len() >= 47);
        assert!(link.buf.starts_with(b"$EOF:"), "diskless sync expected");
        let mark = link.buf[5..45].to_vec();
        link.buf.drain(..47);
        link.read_until(|b| b.windows(40).any(|w| w == mark));
        let end = link.buf.windows(40).position(|w| w == mark).unwrap_or(0) + 40;
        link.buf.drain(..end);
        link.ack();
        link
    }

    /// `REPLCONF ACK 0`, as a replica sends every second. After a diskless
    /// sync the master streams to a replica only once it has acknowledged
    /// after the master saw the transfer end (Redis
    /// `repl_put_online_on_ack`), so the reader repeats it while it waits.
    fn ack(&mut self) {
        self.stream
            .write_all(b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n")
            .expect("write");
    }

    fn read_until(&mut self, done: impl Fn(&[u8]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut tmp = [0u8; 64 * 1024];
        while !done(&self.buf) {
            match self.stream.read(&mut tmp) {
                Ok(0) => panic!("master closed the replication link"),
                Ok(n) => self.buf.extend_from_slice(&tmp[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "no full sync from redis-server");
                }
                Err(e) => panic!("replication link: {e}"),
            }
        }
    }

    /// The commands up to marker `n` (excluded), without the master's
    /// keepalive `PING`s.
    fn until_mark(&mut self, n: usize) -> Stream {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = Vec::new();
        let mut tmp = [0u8; 64 * 1024];
        loop {
            for c in take_commands(&mut self.buf) {
                if is_mark(&c, n) {
                    return got;
                }
                if !(c.len() == 1 && c[0].eq_ignore_ascii_case(b"ping")) {
                    got.push(c);
                }
            }
            let k = match self.stream.read(&mut tmp) {
                Ok(k) => k,
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline =>
                {
                    self.ack();
                    continue;
                }
                Err(e) => panic!(
                    "replication stream: {e}; so far {:?}, unparsed {:?}",
                    show(&got),
                    String::from_utf8_lossy(&self.buf[..self.buf.len().min(300)])
                ),
            };
            assert!(k > 0, "master closed the replication link");
            self.buf.extend_from_slice(&tmp[..k]);
        }
    }
}

/// Our stream up to marker `n` (excluded).
fn ours_until_mark(feed: &Shared, pending: &mut Vec<u8>, n: usize) -> Stream {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    loop {
        if let Ok(mut b) = feed.0.lock() {
            pending.append(&mut b);
        }
        for c in take_commands(pending) {
            if is_mark(&c, n) {
                return got;
            }
            got.push(c);
        }
        assert!(
            Instant::now() < deadline,
            "our marker never came; so far: {:?}",
            show(&got)
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Sorts each run of single-key `DEL`s (expiry order is hash order).
fn normalized(mut s: Stream) -> Stream {
    let is_del = |c: &Vec<Vec<u8>>| c.len() == 2 && c[0] == b"DEL";
    let mut i = 0;
    while i < s.len() {
        let mut j = i;
        while j < s.len() && is_del(&s[j]) {
            j += 1;
        }
        s[i..j].sort();
        i = j.max(i + 1);
    }
    s
}

/// Whether two propagated commands are the same, an absolute deadline
/// that a relative TTL produced allowed to differ by the clocks' skew.
fn same_command(a: &[Vec<u8>], b: &[Vec<u8>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || near_deadlines(x, y))
}

/// Both are Unix-ms times within 3,000 days of now (relative TTLs reach
/// 1,000 days; the absolute times the generator writes are decades away)
/// and at most 2 s apart.
fn near_deadlines(x: &[u8], y: &[u8]) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let near = |t: &[u8]| {
        std::str::from_utf8(t)
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
            .filter(|t| (t - now).abs() < 3_000 * 86_400_000)
    };
    matches!((near(x), near(y)), (Some(a), Some(b)) if (a - b).abs() <= 2_000)
}

/// Commands as text, each cut at 160 characters.
fn show(s: &[Vec<Vec<u8>>]) -> Vec<String> {
    s.iter()
        .map(|c| {
            let line = c
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ");
            line.chars().take(160).collect()
        })
        .collect()
}

/// Both servers, each with its replication stream tapped: ours through a
/// feed on the propagation point, Redis's through a replica link.
struct Pair {
    real: super::common::RedisServer,
    srv: kv_cache::server::Background,
    feed: Shared,
    link: ReplicaLink,
}

impl Pair {
    /// `None` (the reason printed) when redis-server is not installed.
    fn start() -> Option<Pair> {
        let real = start_redis()?;
        let srv = start_ours(|_| {});
        let feed = Shared::default();
        let f = feed.clone();
        srv.with_state(move |rt| rt.srv.add_feed(Box::new(RespFeed::new(f, TO_ALL))))
            .expect("server thread");
        let mut admin = Conn::connect(real.addr);
        // The RDB streams straight from memory, at once.
        admin.cmds(&["CONFIG", "SET", "repl-diskless-sync", "yes"]);
        admin.cmds(&["CONFIG", "SET", "repl-diskless-sync-delay", "0"]);
        let link = ReplicaLink::connect(real.addr);
        Some(Pair {
            real,
            srv,
            feed,
            link,
        })
    }
}

/// Steps whose effect is random by definition.
fn deterministic(steps: Vec<Step>) -> Vec<Step> {
    steps
        .into_iter()
        .filter(|s| !matches!(s, Step::Shape(_) | Step::Random))
        .collect()
}

#[test]
fn propagated_stream_matches_a_redis_replica_stream() {
    let Some(Pair {
        real,
        srv,
        feed,
        mut link,
    }) = Pair::start()
    else {
        return;
    };
    let mut ours = Conn::connect(srv.addr);
    let mut redis = Conn::connect(real.addr);
    for c in [&mut ours, &mut redis] {
        c.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    }
    let mut our_pending = Vec::new();
    let (ours, redis) = (
        std::cell::RefCell::new(ours),
        std::cell::RefCell::new(redis),
    );
    let (link, our_pending) = (
        std::cell::RefCell::new(&mut link),
        std::cell::RefCell::new(&mut our_pending),
    );
    let (sent, writes, marks) = (
        std::cell::Cell::new(0usize),
        std::cell::Cell::new(0usize),
        std::cell::Cell::new(0usize),
    );
    let mut runner = TestRunner::new(PtConfig {
        cases: 70,
        // The streams go on from case to case: after a difference they
        // are out of step, so shrinking could only mislead.
        max_shrink_iters: 0,
        failure_persistence: None,
        ..PtConfig::default()
    });
    let result = runner.run(&session(), |(resp3, steps)| {
        let steps = deterministic(steps);
        let n = run_sequence(
            &mut ours.borrow_mut(),
            &mut redis.borrow_mut(),
            resp3,
            &steps,
        )?;
        sent.set(sent.get() + n);
        let m = marks.get() + 1;
        marks.set(m);
        for addr in [srv.addr, real.addr] {
            Conn::connect(addr).cmds(&["PUBLISH", MARK, &m.to_string()]);
        }
        let want = normalized(link.borrow_mut().until_mark(m));
        let got = normalized(ours_until_mark(&feed, &mut our_pending.borrow_mut(), m));
        writes.set(writes.get() + want.len());
        if got.len() != want.len() || got.iter().zip(&want).any(|(a, b)| !same_command(a, b)) {
            let at = got
                .iter()
                .zip(&want)
                .take_while(|(a, b)| same_command(a, b))
                .count();
            let from = at.saturating_sub(3);
            return Err(TestCaseError::fail(format!(
                "streams differ at command {at}:\n ours:  {:?}\n redis: {:?}",
                show(&got[from..(at + 3).min(got.len())]),
                show(&want[from..(at + 3).min(want.len())]),
            )));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("propagated streams disagree: {e}");
    }
    println!(
        "compared the propagated streams of {} commands ({} propagated) with redis-server",
        sent.get(),
        writes.get()
    );
    assert!(sent.get() >= 20_000, "only {} commands sent", sent.get());
}

/// Runs `scenario` (its connections given as ours-or-redis by address) on
/// both servers and returns both propagated streams up to its end.
fn streams_of(scenario: fn(SocketAddr)) -> Option<(Stream, Stream)> {
    let Pair {
        real,
        srv,
        feed,
        mut link,
    } = Pair::start()?;
    for addr in [srv.addr, real.addr] {
        scenario(addr);
        Conn::connect(addr).cmds(&["PUBLISH", MARK, "1"]);
    }
    let want = link.until_mark(1);
    let got = ours_until_mark(&feed, &mut Vec::new(), 1);
    Some((got, want))
}

/// Asserts Redis's stream is `expected` (commands as space-separated
/// words, `*` for any word) and ours is Redis's (deadlines compared with
/// [`same_command`]).
fn assert_streams(scenario: fn(SocketAddr), expected: &[&str]) {
    let Some((got, want)) = streams_of(scenario) else {
        return;
    };
    let expected: Stream = expected
        .iter()
        .map(|c| c.split(' ').map(|w| w.as_bytes().to_vec()).collect())
        .collect();
    let matches = |a: &Stream, pattern: &Stream| {
        a.len() == pattern.len()
            && a.iter().zip(pattern).all(|(x, p)| {
                x.len() == p.len() && x.iter().zip(p).all(|(w, q)| q == b"*" || w == q)
            })
    };
    let same = |a: &Stream, b: &Stream| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_command(x, y))
    };
    assert!(
        matches(&want, &expected),
        "redis-server sent {:?}",
        show(&want)
    );
    assert!(
        same(&got, &want),
        "ours {:?}\nredis {:?}",
        show(&got),
        show(&want)
    );
}

/// Waits until a client is blocked on `addr` (CLIENT LIST `flags=b`).
fn wait_blocked(addr: SocketAddr) {
    let mut c = Conn::connect(addr);
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Value::Bulk(list) = c.cmds(&["CLIENT", "LIST"])
            && list.windows(7).any(|w| w == b"flags=b")
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!(
        "the client never blocked: {:?}",
        c.cmds(&["CLIENT", "LIST"])
    );
}

/// Parks `cmd` on its own connection, then runs `then` on another, and
/// returns the parked client's reply.
fn parked(addr: SocketAddr, cmd: &[&str], then: &[&[&str]]) -> Value {
    let mut waiter = Conn::connect(addr);
    let a: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
    waiter.send_raw(&Conn::encode(&a));
    wait_blocked(addr);
    let mut other = Conn::connect(addr);
    for c in then {
        other.cmds(c);
    }
    waiter.read().expect("the parked client's reply")
}

#[test]
fn served_blocked_clients_propagate_their_non_blocking_form() {
    assert_streams(
        |addr| {
            parked(addr, &["BLPOP", "q", "0"], &[&["RPUSH", "q", "a"]]);
            parked(addr, &["BRPOP", "q", "0"], &[&["LPUSH", "q", "c"]]);
            parked(
                addr,
                &["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"],
                &[&["RPUSH", "src", "x"]],
            );
            parked(
                addr,
                &["BRPOPLPUSH", "s2", "d2", "0"],
                &[&["RPUSH", "s2", "y"]],
            );
            parked(
                addr,
                &["BLMPOP", "0", "2", "n", "m", "RIGHT", "COUNT", "5"],
                &[&["RPUSH", "m", "1", "2"]],
            );
            parked(
                addr,
                &["BZPOPMIN", "z", "0"],
                &[&["ZADD", "z", "1", "a", "2", "b"]],
            );
            parked(
                addr,
                &["BZMPOP", "0", "1", "z2", "MAX", "COUNT", "9"],
                &[&["ZADD", "z2", "1", "a", "2", "b"]],
            );
        },
        &[
            "SELECT 0",
            "RPUSH q a",
            "LPOP q",
            "LPUSH q c",
            "RPOP q",
            "RPUSH src x",
            "LMOVE src dst left right",
            "RPUSH s2 y",
            "RPOPLPUSH s2 d2",
            "RPUSH m 1 2",
            "RPOP m 2",
            "ZADD z 1 a 2 b",
            "ZPOPMIN z",
            "ZADD z2 1 a 2 b",
            "ZPOPMAX z2 2",
        ],
    );
}

#[test]
fn a_woken_brpoplpush_whose_destination_changed_type_gets_wrongtype() {
    // The element stays in the source, nothing more is propagated, and
    // the parked client is answered (it used to wait forever).
    assert_streams(
        |addr| {
            Conn::connect(addr).cmds(&["SET", "dst", "x"]);
            let reply = parked(
                addr,
                &["BRPOPLPUSH", "src", "dst", "0"],
                &[&["RPUSH", "src", "a"]],
            );
            assert!(matches!(reply, Value::Error(e) if e.starts_with("WRONGTYPE")));
            assert_eq!(
                Conn::connect(addr).cmds(&["LRANGE", "src", "0", "-1"]),
                Value::Array(vec![Value::Bulk(b"a".to_vec())])
            );
        },
        &["SELECT 0", "SET dst x", "RPUSH src a"],
    );
}

#[test]
fn transactions_propagate_as_one_unit_only_with_several_writes() {
    assert_streams(
        |addr| {
            let mut c = Conn::connect(addr);
            for cmd in [
                &["MULTI"][..],
                &["SET", "a", "1"],
                &["GET", "a"],
                &["EXEC"],
                &["MULTI"],
                &["SET", "b", "1"],
                &["SELECT", "3"],
                &["INCR", "b"],
                &["EXEC"],
                &["MULTI"],
                &["GET", "b"],
                &["EXEC"],
            ] {
                c.cmds(cmd);
            }
        },
        &[
            "SELECT 0", "SET a 1", "MULTI", "SET b 1", "SELECT 3", "INCR b", "EXEC",
            // The marker is published from database 0.
            "SELECT 0",
        ],
    );
}

#[test]
fn expired_keys_propagate_as_del_lazily_and_from_the_cycle() {
    assert_streams(
        |addr| {
            let mut c = Conn::connect(addr);
            c.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
            c.cmds(&["SET", "lazy", "v", "PX", "1"]);
            c.cmds(&["SET", "write", "v", "PX", "1"]);
            std::thread::sleep(Duration::from_millis(20));
            // A read that finds the key dead deletes it: one DEL.
            c.cmds(&["GET", "lazy"]);
            // A write on a dead key: the DEL and the write, one unit.
            c.cmds(&["SET", "write", "w"]);
            c.cmds(&["SET", "cycle", "v", "PX", "1"]);
            c.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
            let deadline = Instant::now() + Duration::from_secs(5);
            while c.cmds(&["DBSIZE"]) != Value::Int(1) {
                assert!(Instant::now() < deadline, "the cycle never expired the key");
                std::thread::sleep(Duration::from_millis(10));
            }
        },
        &[
            "SELECT 0",
            "SET lazy v PXAT *",
            "SET write v PXAT *",
            "DEL lazy",
            "MULTI",
            "DEL write",
            "SET write w",
            "EXEC",
            "SET cycle v PXAT *",
            "DEL cycle",
        ],
    );
}

#[test]
fn spop_propagates_the_members_it_took() {
    assert_streams(
        |addr| {
            let mut c = Conn::connect(addr);
            c.cmds(&["SADD", "one", "m"]);
            c.cmds(&["SPOP", "one"]);
            c.cmds(&["SADD", "all", "a", "b"]);
            c.cmds(&["SPOP", "all", "5"]);
            c.cmds(&["SADD", "two", "a", "b", "c", "d", "e", "f"]);
            c.cmds(&["SPOP", "two", "0"]);
        },
        &[
            "SELECT 0",
            "SADD one m",
            "SREM one m",
            "SADD all a b",
            "DEL all",
            "SADD two a b c d e f",
        ],
    );
}
