//! Generated list commands: every list command with its options, on the
//! shared keys (so WRONGTYPE paths come up against strings and the other
//! types), with negative and out-of-range indexes, zero and negative
//! counts, and malformed numbers.
//!
//! Blocking commands are generated only in forms that cannot block on
//! redis-server: each is preceded by an `RPUSH` onto one of its keys, so
//! it finds data, or a `WRONGTYPE` (when the key holds another type) —
//! the scan stops there and replies. A blocking call with no data would
//! hang the real server's connection.

use proptest::prelude::*;

use super::{KEYS, NUMS, Step, key, v, val};

/// Elements from a small alphabet, so that `LREM`, `LPOS` and `LINSERT`
/// find matches, mixed with the shared values.
fn elem() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&["a", "b", "c", ""][..]).prop_map(str::to_string),
        1 => val(),
    ]
}

fn elems(max: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(elem(), 1..max)
}

/// Indexes: mostly small, both signs, some past the ends; sometimes a
/// malformed or extreme number.
fn index() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (-8i64..8).prop_map(|n| n.to_string()),
        1 => prop::sample::select(NUMS).prop_map(str::to_string),
    ]
}

/// Counts for `LPOP`/`RPOP`/`LREM`/`LPOS`/`LMPOP`.
fn count() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-2i64..6).prop_map(|n| n.to_string()),
        1 => prop::sample::select(NUMS).prop_map(str::to_string),
    ]
}

fn side() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(&["LEFT", "RIGHT", "left", "Right"][..]).prop_map(str::to_string),
        1 => Just("up".to_string()),
    ]
}

/// Timeouts: valid ones (they never matter, the call finds data or a
/// wrong type) and malformed ones.
fn timeout() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(&["0", "1", "0.5", "10"][..]).prop_map(str::to_string),
        1 => prop::sample::select(&["x", "-1", ""][..]).prop_map(str::to_string),
    ]
}

/// A filler: a short list on a key, so reads and pops have data.
fn fill() -> impl Strategy<Value = Step> {
    (
        prop::sample::select(&["RPUSH", "LPUSH"][..]),
        key(),
        elems(8),
    )
        .prop_map(|(c, k, xs)| Step::Cmd([v(&[c, &k]), xs].concat()))
}

fn push_pop() -> BoxedStrategy<Step> {
    prop_oneof![
        3 => fill(),
        1 => (prop::sample::select(&["LPUSHX", "RPUSHX"][..]), key(), elems(4))
            .prop_map(|(c, k, xs)| Step::Cmd([v(&[c, &k]), xs].concat())),
        2 => (prop::sample::select(&["LPOP", "RPOP"][..]), key())
            .prop_map(|(c, k)| Step::Cmd(v(&[c, &k]))),
        2 => (prop::sample::select(&["LPOP", "RPOP"][..]), key(), count())
            .prop_map(|(c, k, n)| Step::Cmd(v(&[c, &k, &n]))),
        1 => (prop::sample::select(&["LPOP", "RPOP"][..]), key())
            .prop_map(|(c, k)| Step::Cmd(v(&[c, &k, "1", "2"]))),
        2 => key().prop_map(|k| Step::Cmd(v(&["LLEN", &k]))),
    ]
    .boxed()
}

fn read_edit() -> BoxedStrategy<Step> {
    prop_oneof![
        3 => (key(), index(), index()).prop_map(|(k, a, b)| Step::Cmd(v(&["LRANGE", &k, &a, &b]))),
        1 => key().prop_map(|k| Step::Cmd(v(&["LRANGE", &k, "0", "-1"]))),
        2 => (key(), index()).prop_map(|(k, i)| Step::Cmd(v(&["LINDEX", &k, &i]))),
        2 => (key(), index(), elem()).prop_map(|(k, i, x)| Step::Cmd(v(&["LSET", &k, &i, &x]))),
        2 => (key(), prop::sample::select(&["BEFORE", "after", "AFTER", "middle"][..]), elem(), elem())
            .prop_map(|(k, w, p, x)| Step::Cmd(v(&["LINSERT", &k, w, &p, &x]))),
        2 => (key(), count(), elem()).prop_map(|(k, n, x)| Step::Cmd(v(&["LREM", &k, &n, &x]))),
        1 => (key(), index(), index()).prop_map(|(k, a, b)| Step::Cmd(v(&["LTRIM", &k, &a, &b]))),
    ]
    .boxed()
}

/// `LPOS` options, valid and not: zero, negative and malformed numbers,
/// repeated options, a missing argument, an unknown word.
fn lpos_opts() -> impl Strategy<Value = Vec<String>> {
    let rank = prop_oneof![
        4 => prop::sample::select(&["1", "2", "-1", "-2", "3", "-3"][..]).prop_map(str::to_string),
        1 => prop::sample::select(&["0", "x", "-9223372036854775808", "9223372036854775807"][..]).prop_map(str::to_string),
    ];
    let opt = prop_oneof![
        3 => rank.prop_map(|r| v(&["RANK", &r])),
        3 => count().prop_map(|n| v(&["COUNT", &n])),
        2 => count().prop_map(|n| v(&["MAXLEN", &n])),
        1 => Just(v(&["FOO"])),
    ];
    (prop::collection::vec(opt, 0..4), prop::bool::weighted(0.05)).prop_map(|(o, cut)| {
        let mut o = o.concat();
        if cut && !o.is_empty() {
            // A trailing option without its argument.
            o.truncate(o.len() - 1);
        }
        o
    })
}

fn lpos() -> BoxedStrategy<Step> {
    (key(), elem(), lpos_opts())
        .prop_map(|(k, x, o)| Step::Cmd([v(&["LPOS", &k, &x]), o].concat()))
        .boxed()
}

fn moves() -> BoxedStrategy<Step> {
    prop_oneof![
        3 => (key(), key(), side(), side())
            .prop_map(|(a, b, f, t)| Step::Cmd(v(&["LMOVE", &a, &b, &f, &t]))),
        1 => key().prop_map(|a| Step::Cmd(v(&["LMOVE", &a, &a, "LEFT", "RIGHT"]))),
        2 => (key(), key()).prop_map(|(a, b)| Step::Cmd(v(&["RPOPLPUSH", &a, &b]))),
        1 => key().prop_map(|a| Step::Cmd(v(&["RPOPLPUSH", &a, &a]))),
    ]
    .boxed()
}

/// `numkeys key... LEFT|RIGHT [COUNT n] [junk]` for `LMPOP`/`BLMPOP`,
/// `keys` being the keys to list. `numkeys` is right most of the time;
/// otherwise 0, negative, malformed, or more than there are arguments.
fn mpop_args(keys: Vec<String>) -> impl Strategy<Value = Vec<String>> {
    let n = keys.len();
    let numkeys = prop_oneof![
        8 => Just(n.to_string()),
        1 => prop::sample::select(&["0", "-1", "x", "9223372036854775807", "99"][..]).prop_map(str::to_string),
    ];
    let tail = prop_oneof![
        4 => Just(vec![]),
        4 => count().prop_map(|c| v(&["COUNT", &c])),
        1 => Just(v(&["COUNT"])),
        1 => Just(v(&["COUNT", "1", "COUNT", "2"])),
        1 => Just(v(&["FOO"])),
    ];
    (numkeys, side(), tail)
        .prop_map(move |(nk, s, t)| [vec![nk], keys.clone(), vec![s], t].concat())
}

fn lmpop() -> BoxedStrategy<Step> {
    prop::collection::vec(key(), 1..4)
        .prop_flat_map(mpop_args)
        .prop_map(|a| Step::Cmd([v(&["LMPOP"]), a].concat()))
        .boxed()
}

/// `keys` with `k` among them, in a random position.
fn keys_with(k: String) -> impl Strategy<Value = Vec<String>> {
    (
        prop::collection::vec(key(), 0..3),
        any::<prop::sample::Index>(),
    )
        .prop_map(move |(mut ks, at)| {
            let i = at.index(ks.len() + 1);
            ks.insert(i, k.clone());
            ks
        })
}

/// Blocking commands that cannot block: one of their keys was just
/// pushed to (or holds another type, which stops the scan with an error).
fn blocking() -> BoxedStrategy<Vec<Step>> {
    let push = |k: &str, x: &str| Step::Cmd(v(&["RPUSH", k, x]));
    prop_oneof![
        3 => (prop::sample::select(&["BLPOP", "BRPOP"][..]), key().prop_flat_map(|k| (Just(k.clone()), keys_with(k))), elem(), timeout())
            .prop_map(move |(c, (k, ks), x, t)| vec![push(&k, &x), Step::Cmd([v(&[c]), ks, v(&[&t])].concat())]),
        2 => (key(), key(), side(), side(), elem(), timeout())
            .prop_map(move |(a, b, f, to, x, t)| vec![push(&a, &x), Step::Cmd(v(&["BLMOVE", &a, &b, &f, &to, &t]))]),
        1 => (key(), key(), elem(), timeout())
            .prop_map(move |(a, b, x, t)| vec![push(&a, &x), Step::Cmd(v(&["BRPOPLPUSH", &a, &b, &t]))]),
        2 => (key().prop_flat_map(|k| (Just(k.clone()), keys_with(k).prop_flat_map(mpop_args))), elem(), timeout())
            .prop_map(move |((k, args), x, t)| vec![push(&k, &x), Step::Cmd([v(&["BLMPOP", &t]), args].concat())]),
    ]
    .boxed()
}

/// Blocking commands inside `MULTI`: they never block there, so any keys
/// will do — missing ones give the timeout reply at once.
fn blocking_in_multi() -> BoxedStrategy<Vec<Step>> {
    let cmd = prop_oneof![
        (
            prop::sample::select(&["BLPOP", "BRPOP"][..]),
            prop::collection::vec(key(), 1..3),
            timeout()
        )
            .prop_map(|(c, ks, t)| [v(&[c]), ks, v(&[&t])].concat()),
        (key(), key(), side(), side(), timeout())
            .prop_map(|(a, b, f, to, t)| v(&["BLMOVE", &a, &b, &f, &to, &t])),
        (key(), key(), timeout()).prop_map(|(a, b, t)| v(&["BRPOPLPUSH", &a, &b, &t])),
        (
            prop::collection::vec(key(), 1..3).prop_flat_map(mpop_args),
            timeout()
        )
            .prop_map(|(args, t)| [v(&["BLMPOP", &t]), args].concat()),
    ];
    prop::collection::vec(cmd, 1..3)
        .prop_map(|cmds| {
            let mut steps = vec![Step::Cmd(v(&["MULTI"]))];
            steps.extend(cmds.into_iter().map(Step::Cmd));
            steps.push(Step::Cmd(v(&["EXEC"])));
            steps
        })
        .boxed()
}

/// Blocking commands whose arguments fail before the timeout is read:
/// they reply an error without blocking or parsing the timeout.
fn blocking_arg_errors() -> BoxedStrategy<Step> {
    const TAILS: &[&[&str]] = &[
        &["up"],
        &["LEFT", "COUNT", "0"],
        &["RIGHT", "COUNT", "x"],
        &["LEFT", "FOO"],
    ];
    prop_oneof![
        (
            key(),
            key(),
            prop::sample::select(&["up", "middle"][..]),
            side()
        )
            .prop_map(|(a, b, f, t)| Step::Cmd(v(&["BLMOVE", &a, &b, f, &t, "0"]))),
        (key(), prop::sample::select(&["0", "-1", "x", "5"][..]))
            .prop_map(|(k, n)| Step::Cmd(v(&["BLMPOP", "0", n, &k, "LEFT"]))),
        (key(), prop::sample::select(TAILS))
            .prop_map(|(k, rest)| Step::Cmd([v(&["BLMPOP", "0", "1", &k]), v(rest)].concat())),
    ]
    .boxed()
}

fn misc() -> BoxedStrategy<Step> {
    prop_oneof![
        2 => key().prop_map(|k| Step::Cmd(v(&["OBJECT", "ENCODING", &k]))),
        1 => key().prop_map(|k| Step::Cmd(v(&["TYPE", &k]))),
        // A long list: past one 8 KB node, so ranges and indexes cross nodes.
        1 => (key(), 600usize..1200).prop_map(|(k, n)| {
            let mut c = v(&["RPUSH", &k]);
            c.extend((0..n).map(|i| format!("element-{}", i % 50)));
            Step::Cmd(c)
        }),
        // Wrong argument counts for the list commands.
        1 => (prop::sample::select(&["LPUSH", "LRANGE", "LINDEX", "LSET", "LINSERT", "LREM", "LTRIM", "LPOS", "LMOVE", "LMPOP", "BLPOP", "BLMOVE", "BLMPOP", "LLEN"][..]), 0usize..2)
            .prop_map(|(c, n)| Step::Cmd([v(&[c]), (0..n).map(|_| KEYS[0].to_string()).collect()].concat())),
    ]
    .boxed()
}

/// A few list commands.
pub(crate) fn steps() -> BoxedStrategy<Vec<Step>> {
    prop_oneof![
        6 => push_pop().prop_map(|s| vec![s]),
        6 => read_edit().prop_map(|s| vec![s]),
        2 => lpos().prop_map(|s| vec![s]),
        2 => moves().prop_map(|s| vec![s]),
        2 => lmpop().prop_map(|s| vec![s]),
        1 => misc().prop_map(|s| vec![s]),
        1 => blocking_arg_errors().prop_map(|s| vec![s]),
        3 => blocking(),
        1 => blocking_in_multi(),
    ]
    .boxed()
}
