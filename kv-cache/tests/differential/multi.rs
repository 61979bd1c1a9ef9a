//! Generated transaction steps: `MULTI`/`EXEC`/`DISCARD` around queued
//! commands (valid ones, runtime errors, queue-time errors that abort the
//! transaction, nested `MULTI`, `WATCH` inside `MULTI`), `WATCH`/`UNWATCH`
//! with writes of the same connection in between, flushes and swaps of
//! watched keys, a watched key that expires, and blocking list commands
//! queued in a transaction (they never block there). One connection, so every
//! outcome is deterministic; every sequence closes its transaction, so the
//! other families' steps never get queued by accident.

use proptest::prelude::*;

use super::{Step, key, num, v, val};

/// A command to queue: mostly valid string and key commands, some that
/// fail only when run (`INCR` on text, `WRONGTYPE`), some rejected while
/// queueing (arity, unknown command, unknown subcommand), and the
/// commands that run at once inside `MULTI` and reply an error.
fn queued() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        6 => (key(), val()).prop_map(|(k, x)| v(&["SET", &k, &x])),
        4 => key().prop_map(|k| v(&["GET", &k])),
        3 => (prop::sample::select(&["INCR", "DECR"][..]), key()).prop_map(|(c, k)| v(&[c, &k])),
        2 => (key(), num()).prop_map(|(k, n)| v(&["INCRBY", &k, &n])),
        2 => (key(), val()).prop_map(|(k, x)| v(&["APPEND", &k, &x])),
        2 => prop::collection::vec(key(), 1..3).prop_map(|ks| [v(&["DEL"]), ks].concat()),
        1 => key().prop_map(|k| v(&["EXISTS", &k])),
        1 => key().prop_map(|k| v(&["TYPE", &k])),
        1 => prop::sample::select(&["0", "1", "x"][..]).prop_map(|d| v(&["SELECT", d])),
        1 => Just(v(&["PING"])),
        1 => Just(v(&["UNWATCH"])),
        1 => Just(v(&["GET"])),
        1 => Just(v(&["NOSUCHCOMMAND", "a"])),
        1 => Just(v(&["CONFIG", "NOPE"])),
        1 => Just(v(&["MULTI"])),
        1 => key().prop_map(|k| v(&["WATCH", &k])),
        1 => Just(v(&["SHUTDOWN"])),
        2 => blocking_in_multi(),
    ]
}

/// Blocking list commands, which inside `EXEC` never block: they serve
/// what is there or reply their timeout null at once.
fn blocking_in_multi() -> impl Strategy<Value = Vec<String>> {
    let timeout = || prop::sample::select(&["0", "1", "0.5", "-1", "x"][..]);
    prop_oneof![
        (
            prop::sample::select(&["BLPOP", "BRPOP"][..]),
            key(),
            timeout()
        )
            .prop_map(|(c, k, t)| v(&[c, &k, t])),
        (key(), key(), timeout()).prop_map(|(a, b, t)| v(&["BLMOVE", &a, &b, "LEFT", "RIGHT", t])),
        (key(), key(), timeout()).prop_map(|(a, b, t)| v(&["BRPOPLPUSH", &a, &b, t])),
        (key(), timeout()).prop_map(|(k, t)| v(&["BLMPOP", t, "1", &k, "LEFT"])),
        (key(), val()).prop_map(|(k, x)| v(&["RPUSH", &k, &x])),
    ]
}

/// `MULTI`, some queued commands, then `EXEC` (mostly) or `DISCARD`.
fn transaction() -> impl Strategy<Value = Vec<Step>> {
    (
        prop::collection::vec(queued(), 0..6),
        prop::bool::weighted(0.85),
    )
        .prop_map(|(cmds, exec)| {
            let mut steps = vec![Step::Cmd(v(&["MULTI"]))];
            steps.extend(cmds.into_iter().map(Step::Cmd));
            steps.push(Step::Cmd(v(&[if exec { "EXEC" } else { "DISCARD" }])));
            steps
        })
}

/// A write to `k` by this connection (between WATCH and EXEC it fails the
/// transaction), or one that changes nothing watched.
fn write_between() -> impl Strategy<Value = Option<Vec<String>>> {
    prop_oneof![
        2 => Just(None),
        2 => (key(), val()).prop_map(|(k, x)| Some(v(&["SET", &k, &x]))),
        1 => key().prop_map(|k| Some(v(&["DEL", &k]))),
        1 => key().prop_map(|k| Some(v(&["INCR", &k]))),
        1 => key().prop_map(|k| Some(v(&["GET", &k]))),
        1 => key().prop_map(|k| Some(v(&["EXPIRE", &k, "100"]))),
        1 => Just(Some(v(&["FLUSHDB"]))),
        1 => Just(Some(v(&["SWAPDB", "0", "1"]))),
        1 => Just(Some(v(&["UNWATCH"]))),
    ]
}

/// `WATCH` some keys, maybe write, then a transaction.
fn watched() -> impl Strategy<Value = Vec<Step>> {
    (
        prop::collection::vec(key(), 1..3),
        write_between(),
        prop::collection::vec(queued(), 0..4),
    )
        .prop_map(|(keys, write, cmds)| {
            let mut steps = vec![Step::Cmd([v(&["WATCH"]), keys].concat())];
            steps.extend(write.map(Step::Cmd));
            steps.push(Step::Cmd(v(&["MULTI"])));
            steps.extend(cmds.into_iter().map(Step::Cmd));
            steps.push(Step::Cmd(v(&["EXEC"])));
            steps
        })
}

/// A watched key with a tiny TTL that was already expired when watched:
/// its (lazy) deletion is no change, and EXEC runs. (A key expiring
/// between WATCH and EXEC would race the two servers' clocks here; the
/// wire tests cover it with wide margins.)
fn expiring() -> impl Strategy<Value = Vec<Step>> {
    (key(), prop::bool::ANY).prop_map(|(k, read)| {
        let mut steps = vec![
            Step::Cmd(v(&["SET", &k, "short", "PX", "2"])),
            Step::Pause,
            Step::Cmd(v(&["WATCH", &k])),
        ];
        if read {
            steps.push(Step::Cmd(v(&["GET", &k])));
        }
        steps.extend([
            Step::Cmd(v(&["MULTI"])),
            Step::Cmd(v(&["PING"])),
            Step::Cmd(v(&["EXEC"])),
            // Delete it on both now: left alone, it would go whenever
            // each server's active expiry gets to it (DBSIZE would race).
            Step::Cmd(v(&["EXISTS", &k])),
        ]);
        steps
    })
}

/// Transaction commands out of place.
fn stray() -> impl Strategy<Value = Vec<Step>> {
    prop_oneof![
        Just(vec![Step::Cmd(v(&["EXEC"]))]),
        Just(vec![Step::Cmd(v(&["DISCARD"]))]),
        Just(vec![Step::Cmd(v(&["UNWATCH"]))]),
        Just(vec![Step::Cmd(v(&["EXEC", "x"]))]),
        Just(vec![Step::Cmd(v(&["MULTI", "x"]))]),
        Just(vec![Step::Cmd(v(&["WATCH"]))]),
    ]
}

/// A few transaction commands.
pub(crate) fn steps() -> BoxedStrategy<Vec<Step>> {
    prop_oneof![
        5 => transaction(),
        4 => watched(),
        1 => expiring(),
        1 => stray(),
    ]
    .boxed()
}
