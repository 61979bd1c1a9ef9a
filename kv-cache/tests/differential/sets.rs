//! Generated set steps: every set command with its options, errors and
//! RESP3 forms, on the shared keys (WRONGTYPE against the other types),
//! plus scenarios on keys of their own.
//!
//! Order: a hashtable-encoded set has no defined order, so replies listing
//! members of the shared keys are compared as multisets (`Unordered`).
//! An intset iterates in ascending order in Redis, so the integer-only
//! scenario (`iset`, `iset2`) compares SMEMBERS, SSCAN, SUNION, SINTER,
//! SDIFF and whole-set SRANDMEMBER/SPOP exactly. Random picks are compared
//! by shape, and a random SPOP is followed by a DEL of its key so that both
//! servers hold the same data afterwards.

use proptest::prelude::*;

use super::{Step, key, v};

/// Members: canonical integers of every intset width, integers Redis does
/// not take as integers (`012`, `+1`, `-0`, out of range), and strings.
const MEMBERS: &[&str] = &[
    "1",
    "2",
    "3",
    "-5",
    "10",
    "0",
    "a",
    "b",
    "hello world",
    "",
    "012",
    "+1",
    "-0",
    "32768",
    "-32769",
    "2147483648",
    "-9223372036854775808",
    "9223372036854775807",
    "99999999999999999999",
];

/// Integers only, across the 16/32/64-bit widths.
const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "7",
    "100",
    "-100",
    "32767",
    "32768",
    "-32768",
    "-32769",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "-9223372036854775808",
];

fn member() -> impl Strategy<Value = String> {
    prop::sample::select(MEMBERS).prop_map(str::to_string)
}

fn members(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(member(), n)
}

fn int() -> impl Strategy<Value = String> {
    prop::sample::select(INTS).prop_map(str::to_string)
}

fn keys(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(key(), n)
}

/// One of a fixed list of argument lists.
fn pick(
    lists: &'static [&'static [&'static str]],
) -> impl Strategy<Value = &'static [&'static str]> + Clone {
    prop::sample::select(lists)
}

fn one(s: Step) -> Vec<Step> {
    vec![s]
}

/// A STORE command, then what it stored: its encoding and members.
fn stored(cmd: &str, dst: &str, srcs: Vec<String>) -> Vec<Step> {
    vec![
        Step::Cmd([v(&[cmd, dst]), srcs].concat()),
        Step::Cmd(v(&["OBJECT", "ENCODING", dst])),
        Step::Unordered(v(&["SMEMBERS", dst])),
    ]
}

/// Membership commands on the shared keys.
fn membership() -> impl Strategy<Value = Vec<Step>> {
    prop_oneof![
        8 => (key(), members(1..4)).prop_map(|(k, ms)| one(Step::Cmd([v(&["SADD", &k]), ms].concat()))),
        4 => (key(), members(1..4)).prop_map(|(k, ms)| one(Step::Cmd([v(&["SREM", &k]), ms].concat()))),
        3 => (key(), member()).prop_map(|(k, m)| one(Step::Cmd(v(&["SISMEMBER", &k, &m])))),
        2 => (key(), members(1..4)).prop_map(|(k, ms)| one(Step::Cmd([v(&["SMISMEMBER", &k]), ms].concat()))),
        2 => key().prop_map(|k| one(Step::Cmd(v(&["SCARD", &k])))),
        3 => key().prop_map(|k| one(Step::Unordered(v(&["SMEMBERS", &k])))),
        1 => key().prop_map(|k| one(Step::Cmd(v(&["OBJECT", "ENCODING", &k])))),
        3 => (key(), key(), member()).prop_map(|(a, b, m)| vec![
            Step::Cmd(v(&["SMOVE", &a, &b, &m])),
            Step::Cmd(v(&["OBJECT", "ENCODING", &b])),
        ]),
    ]
}

/// SINTER, SUNION, SDIFF, their STORE forms and SINTERCARD.
fn algebra() -> impl Strategy<Value = Vec<Step>> {
    let op = prop::sample::select(&["SINTER", "SUNION", "SDIFF"][..]);
    let store = prop::sample::select(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"][..]);
    let dst = prop_oneof![key(), Just("sdst".to_string())];
    let card_opts = pick(&[
        &[],
        &["LIMIT", "0"],
        &["LIMIT", "1"],
        &["LIMIT", "2"],
        &["limit", "-1"],
        &["LIMIT", "x"],
        &["LIMIT"],
        &["FOO", "1"],
    ]);
    prop_oneof![
        4 => (op, keys(1..5)).prop_map(|(c, ks)| one(Step::Unordered([v(&[c]), ks].concat()))),
        4 => (store, dst, keys(1..5)).prop_map(|(c, d, ks)| stored(c, &d, ks)),
        3 => (keys(1..4), card_opts).prop_map(|(ks, o)| {
            one(Step::Cmd([v(&["SINTERCARD", &ks.len().to_string()]), ks, v(o)].concat()))
        }),
        1 => (prop::sample::select(&["0", "-1", "x", "3", "9223372036854775807"][..]), keys(1..3))
            .prop_map(|(n, ks)| one(Step::Cmd([v(&["SINTERCARD", n]), ks].concat()))),
    ]
}

/// SPOP and SRANDMEMBER: deterministic forms exactly, random ones by
/// shape (a random SPOP then deletes its key).
fn random() -> impl Strategy<Value = Vec<Step>> {
    let exact_pop = pick(&[
        &["0"],
        &["-1"],
        &["x"],
        &["1", "2"],
        &["-9223372036854775808"],
    ]);
    let exact_rand = pick(&[
        &["0"],
        &["x"],
        &["1.5"],
        &["1", "2"],
        &["-9223372036854775808"],
        &["9223372036854775807x"],
    ]);
    let shape_rand = pick(&[&[], &["1"], &["2"], &["-3"], &["-1"]]);
    prop_oneof![
        2 => key().prop_map(|k| vec![Step::Shape(v(&["SPOP", &k])), Step::Cmd(v(&["DEL", &k]))]),
        1 => (key(), prop::sample::select(&["1", "2", "3"][..])).prop_map(|(k, n)| {
            vec![Step::Shape(v(&["SPOP", &k, n])), Step::Cmd(v(&["DEL", &k]))]
        }),
        2 => key().prop_map(|k| one(Step::Unordered(v(&["SPOP", &k, "1000"])))),
        1 => (key(), exact_pop).prop_map(|(k, o)| one(Step::Cmd([v(&["SPOP", &k]), v(o)].concat()))),
        2 => key().prop_map(|k| one(Step::Unordered(v(&["SRANDMEMBER", &k, "1000"])))),
        1 => (key(), exact_rand).prop_map(|(k, o)| one(Step::Cmd([v(&["SRANDMEMBER", &k]), v(o)].concat()))),
        2 => (key(), shape_rand).prop_map(|(k, o)| one(Step::Shape([v(&["SRANDMEMBER", &k]), v(o)].concat()))),
    ]
}

/// SSCAN: errors and one-member matches exactly (from cursor 0 with a
/// COUNT that covers a hashtable, the whole walk happens in one call), the
/// rest by shape: a nonzero cursor starts a hashtable walk at a bucket
/// whose contents depend on the hash function.
fn sscan() -> impl Strategy<Value = Vec<Step>> {
    let bad = pick(&[
        &["x"],
        &[" 1"],
        &["1x"],
        &["18446744073709551616"],
        &["0", "COUNT", "0"],
        &["0", "COUNT", "x"],
        &["0", "MATCH"],
        &["0", "FOO", "1"],
    ]);
    prop_oneof![
        (key(), bad).prop_map(|(k, o)| one(Step::Cmd([v(&["SSCAN", &k]), v(o)].concat()))),
        (key(), member(), prop::sample::select(&["0", ""][..])).prop_map(|(k, m, c)| one(
            Step::Cmd(v(&["SSCAN", &k, c, "MATCH", &m, "COUNT", "1000"]))
        )),
        (key(), prop::sample::select(&["0", "-1", "+5", "3"][..]))
            .prop_map(|(k, c)| one(Step::Shape(v(&["SSCAN", &k, c])))),
    ]
}

/// One operation on the integer-only sets `iset`, `iset2` (intsets: their
/// order is defined, so replies are compared exactly).
fn intset_op() -> impl Strategy<Value = Vec<Step>> {
    let k = prop::sample::select(&["iset", "iset2"][..]);
    prop_oneof![
        6 => (k.clone(), prop::collection::vec(int(), 1..4)).prop_map(|(k, ms)| one(Step::Cmd([v(&["SADD", k]), ms].concat()))),
        2 => (k.clone(), prop::collection::vec(int(), 1..3)).prop_map(|(k, ms)| one(Step::Cmd([v(&["SREM", k]), ms].concat()))),
        1 => (k.clone(), prop::sample::select(&["1", "1.0", "01", "x"][..])).prop_map(|(k, m)| one(Step::Cmd(v(&["SISMEMBER", k, m])))),
        3 => k.clone().prop_map(|k| one(Step::Cmd(v(&["SMEMBERS", k])))),
        1 => k.clone().prop_map(|k| one(Step::Cmd(v(&["OBJECT", "ENCODING", k])))),
        2 => (k.clone(), pick(&[&[], &["MATCH", "1*"], &["MATCH", "-*", "COUNT", "1"]]))
            .prop_map(|(k, o)| one(Step::Cmd([v(&["SSCAN", k, "0"]), v(o)].concat()))),
        3 => prop::sample::select(&["SUNION", "SINTER", "SDIFF"][..]).prop_map(|c| one(Step::Cmd(v(&[c, "iset", "iset2"])))),
        1 => prop::sample::select(&["SUNION", "SINTER", "SDIFF"][..]).prop_map(|c| one(Step::Cmd(v(&[c, "iset2", "iset", "nokey"])))),
        2 => prop::sample::select(&["SUNIONSTORE", "SINTERSTORE", "SDIFFSTORE"][..])
            .prop_map(|c| vec![Step::Cmd(v(&[c, "idst", "iset", "iset2"])), Step::Cmd(v(&["SMEMBERS", "idst"])), Step::Cmd(v(&["OBJECT", "ENCODING", "idst"]))]),
        1 => k.clone().prop_map(|k| one(Step::Cmd(v(&["SRANDMEMBER", k, "1000"])))),
        1 => k.clone().prop_map(|k| one(Step::Cmd(v(&["SPOP", k, "1000"])))),
        1 => (k, int()).prop_map(|(k, m)| one(Step::Cmd(v(&["SMOVE", k, "iset", &m])))),
    ]
}

fn intsets() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(intset_op(), 3..20).prop_map(|ops| {
        let mut s = vec![Step::Cmd(v(&["DEL", "iset", "iset2", "idst"]))];
        s.extend(ops.into_iter().flatten());
        s
    })
}

/// One operation of a conversion scenario on `sbig`, `sbig2`, `sdst`.
fn conversion_op() -> impl Strategy<Value = Vec<Step>> {
    let k = prop::sample::select(&["sbig", "sbig2"][..]);
    let m = prop_oneof![3 => int(), 1 => member()];
    prop_oneof![
        6 => (k.clone(), prop::collection::vec(m.clone(), 1..4)).prop_map(|(k, ms)| one(Step::Cmd([v(&["SADD", k]), ms].concat()))),
        2 => (k.clone(), prop::collection::vec(m.clone(), 1..3)).prop_map(|(k, ms)| one(Step::Cmd([v(&["SREM", k]), ms].concat()))),
        3 => k.clone().prop_map(|k| one(Step::Cmd(v(&["OBJECT", "ENCODING", k])))),
        2 => k.clone().prop_map(|k| one(Step::Unordered(v(&["SMEMBERS", k])))),
        1 => (k.clone(), m.clone()).prop_map(|(k, x)| one(Step::Cmd(v(&["SSCAN", k, "0", "MATCH", &x, "COUNT", "1000"])))),
        3 => (prop::sample::select(&["SUNIONSTORE", "SINTERSTORE", "SDIFFSTORE"][..]), prop::collection::vec(prop::sample::select(&["sbig", "sbig2", "k0", "nokey"][..]), 1..4))
            .prop_map(|(c, ks)| stored(c, "sdst", ks.iter().map(|s| s.to_string()).collect())),
        2 => (prop::sample::select(&["SUNION", "SDIFF", "SINTER"][..]), prop::collection::vec(prop::sample::select(&["sbig", "sbig2", "sdst"][..]), 1..4))
            .prop_map(|(c, ks)| one(Step::Unordered([v(&[c]), ks.iter().map(|s| s.to_string()).collect()].concat()))),
        1 => (k.clone(), m).prop_map(|(k, x)| vec![Step::Cmd(v(&["SMOVE", k, "sdst", &x])), Step::Cmd(v(&["OBJECT", "ENCODING", "sdst"]))]),
        1 => k.clone().prop_map(|k| one(Step::Unordered(v(&["SPOP", k, "1000"])))),
        1 => k.prop_map(|k| vec![Step::Shape(v(&["SPOP", k, "2"])), Step::Cmd(v(&["DEL", k]))]),
    ]
}

/// A lowered `set-max-intset-entries`, operations, then the default back.
fn conversion() -> impl Strategy<Value = Vec<Step>> {
    (0usize..6, prop::collection::vec(conversion_op(), 4..30)).prop_map(|(max, ops)| {
        let mut s = vec![
            Step::Cmd(v(&[
                "CONFIG",
                "SET",
                "set-max-intset-entries",
                &max.to_string(),
            ])),
            Step::Cmd(v(&["DEL", "sbig", "sbig2", "sdst"])),
        ];
        s.extend(ops.into_iter().flatten());
        s.push(Step::Cmd(v(&[
            "CONFIG",
            "SET",
            "set-max-intset-entries",
            "512",
        ])));
        s
    })
}

/// Set commands with a random number of arguments (the arity checks).
fn arity() -> impl Strategy<Value = Vec<Step>> {
    let names = prop::sample::select(
        &[
            "sadd",
            "srem",
            "sismember",
            "smismember",
            "scard",
            "smembers",
            "spop",
            "srandmember",
            "smove",
            "sinter",
            "sintercard",
            "sunion",
            "sdiff",
            "sinterstore",
            "sunionstore",
            "sdiffstore",
            "sscan",
        ][..],
    );
    (
        names,
        prop::collection::vec(prop::sample::select(&["s9", "1", "x"][..]), 0..4),
    )
        .prop_map(|(n, args)| {
            let mut c = vec![n.to_uppercase()];
            c.extend(args.iter().map(|s| s.to_string()));
            match n {
                // Random picks from an `s9` these steps may have filled.
                "spop" => vec![Step::Shape(c), Step::Cmd(v(&["DEL", "s9"]))],
                "srandmember" | "sscan" => one(Step::Shape(c)),
                "smembers" | "sinter" | "sunion" | "sdiff" => one(Step::Unordered(c)),
                _ => one(Step::Cmd(c)),
            }
        })
}

/// Set command steps.
pub(crate) fn steps() -> BoxedStrategy<Vec<Step>> {
    prop_oneof![
        10 => membership(),
        5 => algebra(),
        4 => random(),
        2 => sscan(),
        2 => intsets(),
        1 => conversion(),
        1 => arity(),
    ]
    .boxed()
}
