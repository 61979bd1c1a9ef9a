//! The keyspace notification test: the differential sequences again, with
//! `notify-keyspace-events` on, and a subscriber on each server
//! (`PSUBSCRIBE __key*__:*`) whose event streams are compared exactly.
//!
//! Each case picks its classes (`KEA`, `KEAnm` — `A` leaves out `n` and
//! `m` — and narrower ones); the streams must be equal message for
//! message, in order. After each sequence a `PUBLISH` on [`MARK`] from a
//! fresh connection ends the stretch to compare.
//!
//! Active expiry is off during the sequences (`DEBUG SET-ACTIVE-EXPIRE 0`):
//! it removes keys at moments of its own, so its `expired` events would
//! land at different places. Lazy expiry happens at the same command on
//! both and stays in (tiny TTLs followed by a pause are part of the
//! sequences). `RANDOMKEY` is left out (it may expire whichever key it
//! draws); `SCAN` expires keys in hash-table order, so runs of `expired`
//! events are compared as sets, and so are runs of `keymiss` events:
//! `SORT ... BY`/`GET` on a set looks its patterns up in the set's own
//! iteration order, which is not Redis's. Active expiry has a test of its own, and
//! so do blocked clients served later and `MULTI`/`EXEC`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kv_cache::protocol::Value;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::common::{Conn, start_ours, start_redis, wait_blocked};
use super::{Step, run_sequence, session, stream_runner};

/// The channel of the end-of-sequence marker.
const MARK: &str = "__notify_mark__";

/// One message a subscriber received: channel and payload.
type Event = (Vec<u8>, Vec<u8>);

/// The classes a case runs with.
const CLASSES: &[&str] = &["KEA", "KEAnm", "KEA", "KEAnm", "Kg$lx", "Eshzn", "KEm"];

/// A subscriber to every keyspace channel and to the marker.
fn subscriber(addr: SocketAddr) -> Conn {
    let mut c = Conn::connect(addr);
    c.cmds(&["PSUBSCRIBE", "__key*__:*"]);
    c.cmds(&["SUBSCRIBE", MARK]);
    c
}

/// Ends a stretch on both servers: a `PUBLISH` of `n` on the marker.
fn mark(addrs: [SocketAddr; 2], n: usize) {
    for addr in addrs {
        Conn::connect(addr).cmds(&["PUBLISH", MARK, &n.to_string()]);
    }
}

/// The events `sub` received before marker `n` (bounded in count and time).
fn until_mark(sub: &mut Conn, n: usize) -> Vec<Event> {
    let want = n.to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    while Instant::now() < deadline && got.len() < 1_000_000 {
        let Some(Value::Array(parts)) = sub.read() else {
            panic!(
                "the subscriber lost its connection after {} events",
                got.len()
            );
        };
        let bytes = |i: usize| {
            parts
                .get(i)
                .and_then(Value::as_bytes)
                .unwrap_or_default()
                .to_vec()
        };
        match (bytes(0).as_slice(), parts.len()) {
            (b"message", 3) if bytes(1) == MARK.as_bytes() && bytes(2) == want.as_bytes() => {
                return got;
            }
            (b"message", 3) => got.push((bytes(1), bytes(2))),
            (b"pmessage", 4) => got.push((bytes(2), bytes(3))),
            _ => {}
        }
    }
    panic!("no marker {n} within the time limit");
}

/// Whether an event tells of an expiry (either channel kind).
fn is_expired(e: &Event) -> bool {
    e.0.ends_with(b"__:expired") || e.1 == b"expired"
}

/// Whether an event comes in an order of the hash table's (an expiry by
/// `SCAN`, a miss by `SORT`'s patterns), either channel kind.
fn is_unordered(e: &Event) -> bool {
    let (channel, message) = (e.0.as_slice(), e.1.as_slice());
    [&b"expired"[..], b"keymiss"]
        .iter()
        .any(|kind| channel.ends_with(&[b"__:", *kind].concat()) || message == *kind)
}

/// `events` with every run of `expired` or `keymiss` events sorted.
fn normalized(mut events: Vec<Event>) -> Vec<Event> {
    let mut i = 0;
    while i < events.len() {
        let start = i;
        while i < events.len() && is_unordered(&events[i]) {
            i += 1;
        }
        events[start..i].sort();
        i = i.max(start + 1);
    }
    events
}

fn show(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|(c, m)| {
            format!(
                "{} {}",
                String::from_utf8_lossy(c),
                String::from_utf8_lossy(m)
            )
        })
        .collect()
}

/// Fails with the first difference between two event streams.
fn compare(got: &[Event], want: &[Event]) -> Result<(), TestCaseError> {
    if got == want {
        return Ok(());
    }
    let at = got.iter().zip(want).take_while(|(a, b)| a == b).count();
    let from = at.saturating_sub(4);
    Err(TestCaseError::fail(format!(
        "event streams differ at event {at} (ours {}, redis {}):\n ours:  {:?}\n redis: {:?}",
        got.len(),
        want.len(),
        show(&got[from..(at + 4).min(got.len())]),
        show(&want[from..(at + 4).min(want.len())]),
    )))
}

/// Both servers' connections and subscribers, and the counts so far.
struct Run {
    ours: Conn,
    redis: Conn,
    subs: [Conn; 2],
    commands: usize,
    events: usize,
    marks: usize,
}

impl Run {
    /// One case: `steps` under `classes`, then both event streams compared.
    fn case(
        &mut self,
        addrs: [SocketAddr; 2],
        classes: &str,
        resp3: bool,
        steps: &[Step],
    ) -> Result<(), TestCaseError> {
        for c in [&mut self.ours, &mut self.redis] {
            c.cmds(&["CONFIG", "SET", "notify-keyspace-events", classes]);
        }
        self.commands += run_sequence(&mut self.ours, &mut self.redis, resp3, steps)?;
        self.marks += 1;
        mark(addrs, self.marks);
        let want = normalized(until_mark(&mut self.subs[1], self.marks));
        let got = normalized(until_mark(&mut self.subs[0], self.marks));
        self.events += want.len();
        compare(&got, &want)
    }
}

#[test]
fn keyspace_events_match_redis() {
    let Some(real) = start_redis() else { return };
    let srv = start_ours(|_| {});
    let addrs = [srv.addr, real.addr];
    let mut run = Run {
        ours: Conn::connect(srv.addr),
        redis: Conn::connect(real.addr),
        subs: [subscriber(srv.addr), subscriber(real.addr)],
        commands: 0,
        events: 0,
        marks: 0,
    };
    for c in [&mut run.ours, &mut run.redis] {
        c.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    }
    let run = std::cell::RefCell::new(run);
    let case = (prop::sample::select(CLASSES), session());
    let result = stream_runner(40).run(&case, |(classes, (resp3, steps))| {
        let steps: Vec<Step> = steps
            .into_iter()
            .filter(|s| !matches!(s, Step::Random))
            .collect();
        run.borrow_mut().case(addrs, classes, resp3, &steps)
    });
    if let Err(e) = result {
        panic!("keyspace events disagree: {e}");
    }
    let run = run.into_inner();
    println!(
        "compared the keyspace events of {} commands ({} events) with redis-server",
        run.commands, run.events
    );
    assert!(run.commands >= 6_000, "only {} commands sent", run.commands);
    assert!(run.events >= 3_000, "only {} events compared", run.events);
}

/// Runs `scenario` on both servers with `classes`, each watched by a
/// subscriber; returns both event streams (ours, Redis's).
fn streams_of(classes: &str, scenario: fn(SocketAddr)) -> Option<(Vec<Event>, Vec<Event>)> {
    let real = start_redis()?;
    let srv = start_ours(|_| {});
    let mut streams = Vec::new();
    for addr in [srv.addr, real.addr] {
        Conn::connect(addr).cmds(&["CONFIG", "SET", "notify-keyspace-events", classes]);
        let mut sub = subscriber(addr);
        scenario(addr);
        Conn::connect(addr).cmds(&["PUBLISH", MARK, "1"]);
        streams.push(until_mark(&mut sub, 1));
    }
    let want = streams.pop()?;
    Some((streams.pop()?, want))
}

/// Keys with tiny TTLs nobody touches: the active expire cycle removes
/// them, and each removal is an `expired` event (in the cycle's order,
/// so compared as sets). Bounded: the keys are few and the wait is.
#[test]
fn active_expiry_sends_expired_events() {
    let Some((got, want)) = streams_of("KEA", |addr| {
        let mut c = Conn::connect(addr);
        for i in 0..40 {
            c.cmds(&["SET", &format!("t{i}"), "v", "PX", &(1 + i % 5).to_string()]);
        }
        c.cmds(&["SET", "stays", "v"]);
        let deadline = Instant::now() + Duration::from_secs(5);
        while c.cmds(&["DBSIZE"]) != Value::Int(1) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            c.cmds(&["DBSIZE"]),
            Value::Int(1),
            "active expiry left keys"
        );
    }) else {
        return;
    };
    let expired = |s: &[Event]| {
        let mut e: Vec<Event> = s.iter().filter(|e| is_expired(e)).cloned().collect();
        e.sort();
        e
    };
    assert_eq!(expired(&got).len(), 80, "40 keys, two channel kinds each");
    assert_eq!(expired(&got), expired(&want));
    let rest = |s: &[Event]| {
        s.iter()
            .filter(|e| !is_expired(e))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(rest(&got), rest(&want));
}

/// Blocked clients served later send the events of the command that
/// serves them (pop, push, `del` of the emptied source), after the events
/// of the command that woke them; so do the commands `EXEC` runs.
#[test]
fn served_blocked_clients_and_exec_send_their_events() {
    let Some((got, want)) = streams_of("KEAnm", |addr| {
        // The TTL below must end lazily, at the GET, on both.
        Conn::connect(addr).cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
        let blocking: [&[&str]; 5] = [
            &["BLPOP", "q", "0"],
            &["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"],
            &["BZPOPMIN", "z", "0"],
            &["BLMPOP", "0", "1", "lm", "LEFT", "COUNT", "2"],
            &["BZMPOP", "0", "1", "zm", "MAX"],
        ];
        let mut parked: Vec<Conn> = blocking
            .iter()
            .map(|cmd| {
                let mut p = Conn::connect(addr);
                let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
                p.send_raw(&Conn::encode(&args));
                p
            })
            .collect();
        let mut c = Conn::connect(addr);
        wait_blocked(&mut c, 5);
        c.cmds(&["RPUSH", "q", "a", "b"]);
        c.cmds(&["LPUSH", "src", "x"]);
        c.cmds(&["ZADD", "z", "1", "a"]);
        c.cmds(&["RPUSH", "lm", "1", "2", "3"]);
        c.cmds(&["ZADD", "zm", "1", "a", "2", "b"]);
        for p in &mut parked {
            assert!(matches!(p.read(), Some(Value::Array(_) | Value::Bulk(_))));
        }
        c.cmds(&["MULTI"]);
        c.cmds(&["SET", "k", "1", "PX", "1"]);
        c.cmds(&["INCR", "n"]);
        c.cmds(&["SELECT", "3"]);
        c.cmds(&["SADD", "s", "m"]);
        c.cmds(&["EXEC"]);
        std::thread::sleep(Duration::from_millis(5));
        c.cmds(&["SELECT", "0"]);
        c.cmds(&["GET", "k"]);
        c.cmds(&["MOVE", "n", "3"]);
        c.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    }) else {
        return;
    };
    assert!(got.len() > 20, "too few events: {:?}", show(&got));
    if let Err(e) = compare(&got, &want) {
        panic!("{e}");
    }
}

/// `SWAPDB` brings a dead key to a blocked client: it is expired (and
/// notified) when the waiters are looked at, and the client waits on
/// until a push serves it.
#[test]
fn swapdb_onto_a_waiter_expires_the_dead_key_then_serves() {
    let Some((got, want)) = streams_of("KEA", |addr| {
        let mut c = Conn::connect(addr);
        c.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
        c.cmds(&["SELECT", "1"]);
        c.cmds(&["RPUSH", "q", "a"]);
        c.cmds(&["PEXPIRE", "q", "1"]);
        c.cmds(&["SELECT", "0"]);
        let mut parked = Conn::connect(addr);
        parked.send_raw(&Conn::encode(&[b"BLPOP", b"q", b"0"]));
        wait_blocked(&mut c, 1);
        std::thread::sleep(Duration::from_millis(5));
        c.cmds(&["SWAPDB", "0", "1"]);
        c.cmds(&["RPUSH", "q", "b"]);
        assert_eq!(
            parked.read(),
            Some(Value::Array(vec![
                Value::Bulk(b"q".to_vec()),
                Value::Bulk(b"b".to_vec()),
            ]))
        );
        c.cmds(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    }) else {
        return;
    };
    assert!(got.iter().any(is_expired), "{:?}", show(&got));
    if let Err(e) = compare(&got, &want) {
        panic!("{e}");
    }
}

/// A client subscribed to notification channels by name (no pattern)
/// hears them: the case where no pattern exists and only named channels
/// make a notification worth formatting.
#[test]
fn channel_subscribers_hear_their_events() {
    let Some(real) = start_redis() else { return };
    let srv = start_ours(|_| {});
    let mut streams = Vec::new();
    for addr in [srv.addr, real.addr] {
        let mut c = Conn::connect(addr);
        c.cmds(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
        let mut sub = Conn::connect(addr);
        for ch in ["__keyspace@0__:x", "__keyevent@0__:del", MARK] {
            sub.cmds(&["SUBSCRIBE", ch]);
        }
        for cmd in [
            &["SET", "x", "1"][..],
            &["SET", "y", "1"],
            &["DEL", "x", "y"],
            &["LPUSH", "x", "a"],
        ] {
            c.cmds(cmd);
        }
        c.cmds(&["PUBLISH", MARK, "1"]);
        streams.push(until_mark(&mut sub, 1));
    }
    assert_eq!(streams[0].len(), 5, "{:?}", show(&streams[0]));
    assert_eq!(streams[0], streams[1]);
}

/// The parameter reads back as Redis prints it, and a bad letter gets
/// Redis's error.
#[test]
fn the_parameter_prints_and_refuses_as_redis() {
    let Some(real) = start_redis() else { return };
    let srv = start_ours(|_| {});
    let (mut ours, mut redis) = (Conn::connect(srv.addr), Conn::connect(real.addr));
    for value in [
        "KEA",
        "KEAnm",
        "",
        "xE",
        "nmlK$",
        "g$lshzxetd",
        "KEAX",
        "Ag",
        " ",
    ] {
        for c in [&mut ours, &mut redis] {
            c.cmds(&["CONFIG", "SET", "notify-keyspace-events", value]);
        }
        let get = ["CONFIG", "GET", "notify-keyspace-events"];
        let set = ["CONFIG", "SET", "notify-keyspace-events", value];
        assert_eq!(ours.cmds(&set), redis.cmds(&set), "CONFIG SET {value:?}");
        assert_eq!(ours.cmds(&get), redis.cmds(&get), "after {value:?}");
    }
}
