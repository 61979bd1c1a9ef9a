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

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kv_cache::protocol::Value;
use proptest::test_runner::TestCaseError;

use super::common::{Conn, wait_blocked};
use super::replica::{MARK, Pair, Stream, normalized, ours_until_mark, same_command, show};
use super::{Step, run_sequence, session, stream_runner};

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
    let mut runner = stream_runner(70);
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

/// Parks `cmd` on its own connection, then runs `then` on another, and
/// returns the parked client's reply.
fn parked(addr: SocketAddr, cmd: &[&str], then: &[&[&str]]) -> Value {
    let mut waiter = Conn::connect(addr);
    let a: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
    waiter.send_raw(&Conn::encode(&a));
    wait_blocked(&mut Conn::connect(addr), 1);
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

#[test]
fn restore_propagates_its_deadline_as_absttl_and_an_expired_replace_as_del() {
    assert_streams(
        |addr| {
            let mut c = Conn::connect(addr);
            c.cmds(&["SET", "src", "hello"]);
            let Value::Bulk(p) = c.cmds(&["DUMP", "src"]) else {
                panic!("DUMP gave no payload");
            };
            c.cmd(&[b"RESTORE", b"dst", b"5000", &p]);
            c.cmd(&[b"RESTORE", b"dst2", b"0", &p]);
            // A deadline long past: the old key goes, as a DEL.
            c.cmd(&[b"RESTORE", b"src", b"1", &p, b"REPLACE", b"ABSTTL"]);
        },
        &[
            "SELECT 0",
            "SET src hello",
            "RESTORE dst * * ABSTTL",
            "RESTORE dst2 0 *",
            "DEL src",
        ],
    );
}
