//! Sorted set steps: every command of the family, with its options and
//! its errors, on the shared keys (so WRONGTYPE paths come up against
//! strings, lists, hashes and sets) and on a few dedicated large sets.
//!
//! Two worlds keep every compared reply deterministic:
//!
//! - the shared keys only ever hold small sets (a member pool of 16
//!   short strings), so they stay listpack-encoded, where Redis's order
//!   of ZSCAN and of lex ranges over unequal scores is defined;
//! - `zbig` (mixed scores, over 128 members: a skiplist), `zlex` (150
//!   members, all score 0: lex ranges are meaningful) and `zlong` (a
//!   member over 64 bytes) cover the skiplist encoding and the
//!   conversions; results stored from them go to `zdst`. ZSCAN of a
//!   skiplist follows hash order, so it is compared by shape only.
//!
//! Random replies (ZRANDMEMBER with a count below the size, or none) are
//! compared by shape; with a count at least the size Redis returns the
//! whole set in a defined order, which is compared exactly. Blocking pops
//! only run right after a ZADD to one of their keys, so they never block.

use proptest::prelude::*;

use super::{Step, key, v};

const MEMBERS: &[&str] = &[
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "h",
    "",
    "1",
    "-1",
    "10",
    "m:1",
    "Ab",
    "x y",
    "\u{1}\u{ff}",
];
/// Scores: valid ones (several testing the `%.17g` formatting), and invalid ones.
const SCORES: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "2.5",
    "3.0",
    "0.1",
    "-0.0",
    "1e20",
    "1.5e-7",
    "123456789012345680",
    "inf",
    "-inf",
    "+inf",
    "1e3",
    "0x10",
    "7",
    "100",
];
const BAD_SCORES: &[&str] = &[
    "abc", "nan", "", " 1", "1 ", "1e400", "(1", "--1", "1e", "0x",
];
const SCORE_BOUNDS: &[&str] = &[
    "-inf", "+inf", "inf", "0", "1", "(1", "2.5", "(2.5", "(0.1", "-1", "(-inf", "(inf", "100",
    "1e20", "(1e20", "-0.0", "", "(", " 1", "abc", "1e400", "nan", "((1",
];
const LEX_BOUNDS: &[&str] = &[
    "-", "+", "[a", "(a", "[c", "(c", "[e", "(h", "[", "(", "[m", "(zz", "a", "+x", "-x", "",
];
const INDEXES: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "-2",
    "-3",
    "5",
    "-100",
    "100",
    "x",
    "9223372036854775807",
    "-9223372036854775808",
];
const COUNTS: &[&str] = &["0", "1", "2", "3", "-1", "10", "x", "-5"];
const TIMEOUTS: &[&str] = &["0.01", "0.05"];

fn pick(xs: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    prop::sample::select(xs).prop_map(str::to_string)
}

fn member() -> impl Strategy<Value = String> + Clone {
    pick(MEMBERS)
}

fn score() -> impl Strategy<Value = String> + Clone {
    prop_oneof![9 => pick(SCORES), 1 => pick(BAD_SCORES)]
}

fn bound() -> impl Strategy<Value = String> + Clone {
    pick(SCORE_BOUNDS)
}

fn lex() -> impl Strategy<Value = String> + Clone {
    pick(LEX_BOUNDS)
}

fn index() -> impl Strategy<Value = String> + Clone {
    prop_oneof![3 => (-4i64..6).prop_map(|n| n.to_string()), 1 => pick(INDEXES)]
}

fn pairs(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((score(), member()), n)
        .prop_map(|ps| ps.into_iter().flat_map(|(s, m)| [s, m]).collect())
}

/// Pairs with valid scores only (a ZADD that must not fail on its scores).
fn good_pairs(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((pick(SCORES), member()), n)
        .prop_map(|ps| ps.into_iter().flat_map(|(s, m)| [s, m]).collect())
}

fn cmd(parts: &[&str], rest: Vec<String>) -> Vec<String> {
    [v(parts), rest].concat()
}

fn zadd() -> impl Strategy<Value = Step> {
    let opts = prop::collection::vec(pick(&["NX", "XX", "GT", "LT", "CH", "INCR"]), 0..3);
    prop_oneof![
        4 => (key(), pairs(1..5)).prop_map(|(k, p)| Step::Cmd(cmd(&["ZADD", &k], p))),
        3 => (key(), opts, pairs(1..3)).prop_map(|(k, o, p)| Step::Cmd(cmd(&["ZADD", &k], [o, p].concat()))),
        1 => (key(), score()).prop_map(|(k, s)| Step::Cmd(v(&["ZADD", &k, &s]))),
        2 => (key(), score(), member()).prop_map(|(k, s, m)| Step::Cmd(v(&["ZINCRBY", &k, &s, &m]))),
        1 => (key(), pick(&["nx", "incr", "ch"]), member()).prop_map(|(k, s, m)| Step::Cmd(v(&["ZINCRBY", &k, &s, &m]))),
        2 => (key(), prop::collection::vec(member(), 1..4)).prop_map(|(k, ms)| Step::Cmd(cmd(&["ZREM", &k], ms))),
    ]
}

fn reads() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (key(), member()).prop_map(|(k, m)| Step::Cmd(v(&["ZSCORE", &k, &m]))),
        1 => (key(), prop::collection::vec(member(), 1..4)).prop_map(|(k, ms)| Step::Cmd(cmd(&["ZMSCORE", &k], ms))),
        1 => key().prop_map(|k| Step::Cmd(v(&["ZCARD", &k]))),
        2 => (key(), bound(), bound()).prop_map(|(k, a, b)| Step::Cmd(v(&["ZCOUNT", &k, &a, &b]))),
        2 => (key(), lex(), lex()).prop_map(|(k, a, b)| Step::Cmd(v(&["ZLEXCOUNT", &k, &a, &b]))),
        2 => (pick(&["ZRANK", "ZREVRANK"]), key(), member()).prop_map(|(c, k, m)| Step::Cmd(v(&[&c, &k, &m]))),
        1 => key().prop_map(|k| Step::Cmd(v(&["OBJECT", "ENCODING", &k]))),
    ]
}

/// ZRANGE's options, in any order, sometimes invalid.
fn zrange_opts() -> impl Strategy<Value = Vec<String>> {
    let opt = prop_oneof![
        Just(v(&["BYSCORE"])),
        Just(v(&["BYLEX"])),
        Just(v(&["REV"])),
        Just(v(&["WITHSCORES"])),
        (index(), index()).prop_map(|(o, c)| v(&["LIMIT", &o, &c])),
        Just(v(&["LIMIT", "1"])),
        Just(v(&["BOGUS"])),
    ];
    prop::collection::vec(opt, 0..3).prop_map(|o| o.concat())
}

/// Range endpoints of any of the three kinds.
fn endpoints() -> impl Strategy<Value = (String, String)> {
    prop_oneof![(index(), index()), (bound(), bound()), (lex(), lex())]
}

fn limit() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        2 => Just(vec![]),
        2 => (index(), index()).prop_map(|(o, c)| v(&["LIMIT", &o, &c])),
        1 => Just(v(&["LIMIT", "0"])),
    ]
}

fn withscores() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![Just(vec![]), Just(v(&["WITHSCORES"]))]
}

fn ranges() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (key(), endpoints(), zrange_opts()).prop_map(|(k, (a, b), o)| Step::Cmd(cmd(&["ZRANGE", &k, &a, &b], o))),
        2 => (pick(&["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]), key(), bound(), bound(), withscores(), limit())
            .prop_map(|(c, k, a, b, w, l)| Step::Cmd(cmd(&[&c, &k, &a, &b], [w, l].concat()))),
        2 => (pick(&["ZRANGEBYLEX", "ZREVRANGEBYLEX"]), key(), lex(), lex(), limit())
            .prop_map(|(c, k, a, b, l)| Step::Cmd(cmd(&[&c, &k, &a, &b], l))),
        1 => (pick(&["ZRANGEBYLEX", "ZREVRANGE"]), key(), index(), index()).prop_map(|(c, k, a, b)| Step::Cmd(v(&[&c, &k, &a, &b, "WITHSCORES"]))),
        2 => (key(), index(), index(), withscores()).prop_map(|(k, a, b, w)| Step::Cmd(cmd(&["ZREVRANGE", &k, &a, &b], w))),
        2 => (key(), key(), endpoints(), zrange_opts()).prop_map(|(d, k, (a, b), o)| Step::Cmd(cmd(&["ZRANGESTORE", &d, &k, &a, &b], o))),
        2 => (pick(&["ZREMRANGEBYSCORE"]), key(), bound(), bound()).prop_map(|(c, k, a, b)| Step::Cmd(v(&[&c, &k, &a, &b]))),
        2 => (key(), lex(), lex()).prop_map(|(k, a, b)| Step::Cmd(v(&["ZREMRANGEBYLEX", &k, &a, &b]))),
        2 => (key(), index(), index()).prop_map(|(k, a, b)| Step::Cmd(v(&["ZREMRANGEBYRANK", &k, &a, &b]))),
    ]
}

fn pops() -> impl Strategy<Value = Vec<Step>> {
    let minmax = pick(&["MIN", "MAX", "min", "BAD"]);
    prop_oneof![
        3 => (pick(&["ZPOPMIN", "ZPOPMAX"]), key()).prop_map(|(c, k)| vec![Step::Cmd(v(&[&c, &k]))]),
        3 => (pick(&["ZPOPMIN", "ZPOPMAX"]), key(), pick(COUNTS)).prop_map(|(c, k, n)| vec![Step::Cmd(v(&[&c, &k, &n]))]),
        1 => key().prop_map(|k| vec![Step::Cmd(v(&["ZPOPMIN", &k, "1", "2"]))]),
        3 => (prop::collection::vec(key(), 1..3), minmax.clone(), prop_oneof![Just(vec![]), pick(COUNTS).prop_map(|n| v(&["COUNT", &n]))])
            .prop_map(|(ks, w, c)| vec![Step::Cmd(cmd(&["ZMPOP", &ks.len().to_string()], [ks, vec![w], c].concat()))]),
        1 => (pick(&["0", "-1", "x", "3"]), key()).prop_map(|(n, k)| vec![Step::Cmd(v(&["ZMPOP", &n, &k, "MIN"]))]),
        1 => key().prop_map(|k| vec![Step::Cmd(v(&["ZMPOP", "1", &k, "MIN", "COUNT", "1", "COUNT", "1"]))]),
        // Blocking forms, never blocking: a ZADD to one of the keys first
        // (if it fails, that key holds another type and the pop errors).
        3 => (pick(&["BZPOPMIN", "BZPOPMAX"]), prop::collection::vec(key(), 1..3), good_pairs(1..3), pick(TIMEOUTS))
            .prop_map(|(c, ks, p, t)| {
                let last = ks[ks.len() - 1].clone();
                vec![
                    Step::Cmd(cmd(&["ZADD", &last], p)),
                    Step::Cmd(cmd(&[&c], [ks, vec![t]].concat())),
                ]
            }),
        2 => (prop::collection::vec(key(), 1..3), good_pairs(1..3), minmax, pick(TIMEOUTS), prop_oneof![Just(vec![]), pick(COUNTS).prop_map(|n| v(&["COUNT", &n]))])
            .prop_map(|(ks, p, w, t, c)| {
                let last = ks[ks.len() - 1].clone();
                let n = ks.len().to_string();
                vec![
                    Step::Cmd(cmd(&["ZADD", &last], p)),
                    Step::Cmd(cmd(&["BZMPOP", &t, &n], [ks, vec![w], c].concat())),
                ]
            }),
        1 => (key(), pick(&["x", "-1", "", "inf"])).prop_map(|(k, t)| vec![Step::Cmd(v(&["BZPOPMIN", &k, &t]))]),
        1 => (key(), pick(&["x", "-1"])).prop_map(|(k, t)| vec![Step::Cmd(v(&["BZMPOP", &t, "1", &k, "MIN"]))]),
    ]
}

fn weights(n: usize) -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        3 => Just(vec![]),
        3 => prop::collection::vec(pick(&["1", "2", "0", "-1", "0.5", "inf", "-inf", "1e20"]), n)
            .prop_map(|w| [v(&["WEIGHTS"]), w].concat()),
        1 => Just(v(&["WEIGHTS", "x"])),
        1 => Just(v(&["WEIGHTS"])),
    ]
}

fn aggregate() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        3 => Just(vec![]),
        1 => pick(&["SUM", "MIN", "MAX", "max", "AVG"]).prop_map(|a| v(&["AGGREGATE", &a])),
    ]
}

fn setops() -> impl Strategy<Value = Vec<Step>> {
    let inputs = || prop::collection::vec(key(), 1..4);
    prop_oneof![
        4 => (pick(&["ZUNION", "ZINTER", "ZDIFF"]), inputs(), aggregate(), withscores())
            .prop_flat_map(|(c, ks, a, w)| {
                let n = ks.len();
                (Just(c), Just(ks), weights(n), Just(a), Just(w))
            })
            .prop_map(|(c, ks, wt, a, w)| vec![Step::Cmd(cmd(&[&c, &ks.len().to_string()], [ks, wt, a, w].concat()))]),
        4 => (pick(&["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]), key(), inputs(), aggregate())
            .prop_flat_map(|(c, d, ks, a)| {
                let n = ks.len();
                (Just(c), Just(d), Just(ks), weights(n), Just(a))
            })
            .prop_map(|(c, d, ks, wt, a)| vec![
                Step::Cmd(cmd(&[&c, &d, &ks.len().to_string()], [ks, wt, a].concat())),
                Step::Cmd(v(&["ZRANGE", &d, "0", "-1", "WITHSCORES"])),
                Step::Cmd(v(&["OBJECT", "ENCODING", &d])),
            ]),
        1 => (pick(&["ZUNION", "ZINTERSTORE"]), pick(&["0", "-1", "x", "5"]), key()).prop_map(|(c, n, k)| {
            let args = if c == "ZUNION" { v(&[&c, &n, &k]) } else { v(&[&c, "d", &n, &k]) };
            vec![Step::Cmd(args)]
        }),
        1 => (key(), key()).prop_map(|(a, b)| vec![Step::Cmd(v(&["ZUNIONSTORE", &a, "1", &b, "WITHSCORES"]))]),
        2 => (inputs(), pick(&["", "LIMIT 0", "LIMIT 1", "LIMIT 2", "LIMIT -1", "LIMIT x", "LIMIT", "WITHSCORES", "WEIGHTS 1"]))
            .prop_map(|(ks, o)| vec![Step::Cmd(cmd(&["ZINTERCARD", &ks.len().to_string()], [ks, o.split_whitespace().map(str::to_string).collect()].concat()))]),
        1 => (pick(&["0", "-1", "x", "3"]), key()).prop_map(|(n, k)| vec![Step::Cmd(v(&["ZINTERCARD", &n, &k]))]),
    ]
}

fn random_and_scan() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => key().prop_map(|k| Step::Shape(v(&["ZRANDMEMBER", &k]))),
        2 => (key(), pick(&["1", "2", "-1", "-3", "-20"]), withscores()).prop_map(|(k, n, w)| Step::Shape(cmd(&["ZRANDMEMBER", &k, &n], w))),
        // At least the size: the whole set, in Redis's order.
        2 => (key(), pick(&["30", "100"]), withscores()).prop_map(|(k, n, w)| Step::Cmd(cmd(&["ZRANDMEMBER", &k, &n], w))),
        1 => (key(), pick(&["0", "x", "-9223372036854775808"]), withscores()).prop_map(|(k, n, w)| Step::Cmd(cmd(&["ZRANDMEMBER", &k, &n], w))),
        // Past the WITHSCORES limit (never without WITHSCORES: Redis would
        // then start streaming 2^62 members).
        1 => key().prop_map(|k| Step::Cmd(v(&["ZRANDMEMBER", &k, "-4611686018427387904", "WITHSCORES"]))),
        1 => key().prop_map(|k| Step::Cmd(v(&["ZRANDMEMBER", &k, "1", "BAD"]))),
        3 => (key(), prop_oneof![Just(vec![]), Just(v(&["MATCH", "*"])), Just(v(&["MATCH", "[a-c]"])), Just(v(&["COUNT", "1"])), Just(v(&["COUNT", "0"])), Just(v(&["TYPE", "zset"])), Just(v(&["MATCH"]))])
            .prop_map(|(k, o)| Step::Cmd(cmd(&["ZSCAN", &k, "0"], o))),
        1 => (key(), pick(&["x", "-1", "", " 0", "+0", "18446744073709551616", "7"])).prop_map(|(k, c)| Step::Cmd(v(&["ZSCAN", &k, &c]))),
    ]
}

/// Wrong argument counts (checked by the command table).
const BAD_ARITY: &[&[&str]] = &[
    &["ZADD", "k0", "1"],
    &["ZINCRBY", "k0", "1"],
    &["ZSCORE", "k0"],
    &["ZCARD"],
    &["ZRANGE", "k0", "0"],
    &["ZRANK", "k0", "a", "WITHSCORE"],
    &["ZPOPMIN"],
    &["BZPOPMIN", "k0"],
    &["ZUNION", "1"],
    &["ZSCAN", "k0"],
    &["ZRANDMEMBER"],
    &["ZREMRANGEBYLEX", "k0", "-"],
];

fn arity() -> impl Strategy<Value = Step> {
    prop::sample::select(BAD_ARITY).prop_map(|c| Step::Cmd(v(c)))
}

// ---- the large sets ---------------------------------------------------------

/// 150 members `m<i>` with scores from a small pool (so ties occur).
fn big_fill(key: &'static str, same_score: bool) -> impl Strategy<Value = Step> {
    prop::collection::vec(pick(&["0", "1", "2.5", "-3", "0.1", "7", "1e20"]), 150).prop_map(
        move |scores| {
            let mut c = v(&["ZADD", key]);
            for (i, s) in scores.into_iter().enumerate() {
                c.push(if same_score { "0".into() } else { s });
                c.push(format!("m{i:03}"));
            }
            Step::Cmd(c)
        },
    )
}

fn big_member() -> impl Strategy<Value = String> {
    prop_oneof![(0u32..160).prop_map(|i| format!("m{i:03}")), member(),]
}

fn big_steps() -> impl Strategy<Value = Vec<Step>> {
    let big = "zbig";
    let one = prop_oneof![
        3 => (index(), index(), withscores()).prop_map(move |(a, b, w)| Step::Cmd(cmd(&["ZRANGE", big, &a, &b], w))),
        3 => (bound(), bound(), zrange_opts()).prop_map(move |(a, b, o)| {
            // Score ranges only: lex ranges over unequal scores are unspecified.
            let o: Vec<String> = o.into_iter().filter(|x| x != "BYLEX").collect();
            Step::Cmd(cmd(&["ZRANGE", big, &a, &b, "BYSCORE"], o))
        }),
        2 => (pick(&["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]), bound(), bound(), withscores(), limit())
            .prop_map(move |(c, a, b, w, l)| Step::Cmd(cmd(&[&c, big, &a, &b], [w, l].concat()))),
        2 => (bound(), bound()).prop_map(move |(a, b)| Step::Cmd(v(&["ZCOUNT", big, &a, &b]))),
        2 => (pick(&["ZRANK", "ZREVRANK", "ZSCORE"]), big_member()).prop_map(move |(c, m)| Step::Cmd(v(&[&c, big, &m]))),
        1 => prop::collection::vec(big_member(), 1..4).prop_map(move |ms| Step::Cmd(cmd(&["ZMSCORE", big], ms))),
        2 => (score(), big_member()).prop_map(move |(s, m)| Step::Cmd(v(&["ZINCRBY", big, &s, &m]))),
        2 => (prop::collection::vec(pick(&["NX", "XX", "GT", "LT", "CH"]), 0..2), score(), big_member())
            .prop_map(move |(o, s, m)| Step::Cmd(cmd(&["ZADD", big], [o, vec![s, m]].concat()))),
        2 => prop::collection::vec(big_member(), 1..4).prop_map(move |ms| Step::Cmd(cmd(&["ZREM", big], ms))),
        1 => (index(), index()).prop_map(move |(a, b)| Step::Cmd(v(&["ZREMRANGEBYRANK", big, &a, &b]))),
        1 => (bound(), bound()).prop_map(move |(a, b)| Step::Cmd(v(&["ZREMRANGEBYSCORE", big, &a, &b]))),
        2 => (pick(&["ZPOPMIN", "ZPOPMAX"]), pick(&["1", "3"])).prop_map(move |(c, n)| Step::Cmd(v(&[&c, big, &n]))),
        1 => Just(Step::Cmd(v(&["ZMPOP", "2", "nokey", big, "MAX", "COUNT", "2"]))),
        1 => Just(Step::Cmd(v(&["BZPOPMIN", "nokey", big, "0.01"]))),
        1 => withscores().prop_map(move |w| Step::Cmd(cmd(&["ZRANDMEMBER", big, "1000"], w))),
        1 => pick(&["-5", "3", "100"]).prop_map(move |n| Step::Shape(v(&["ZRANDMEMBER", big, &n, "WITHSCORES"]))),
        1 => Just(Step::Shape(v(&["ZSCAN", big, "0", "COUNT", "1000"]))),
        1 => Just(Step::Cmd(v(&["OBJECT", "ENCODING", big]))),
        1 => Just(Step::Cmd(v(&["ZCARD", big]))),
        // Stored results: small ones are packed back into a listpack.
        2 => (endpoints(), limit(), pick(&["BYSCORE", "REV"]))
            .prop_map(move |((a, b), l, o)| Step::Cmd(cmd(&["ZRANGESTORE", "zdst", big, &a, &b, &o], l))),
        2 => (pick(&["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]), key(), weights(2), aggregate())
            .prop_map(move |(c, k, w, a)| {
                let w = if c == "ZDIFFSTORE" { vec![] } else { w };
                let a = if c == "ZDIFFSTORE" { vec![] } else { a };
                Step::Cmd(cmd(&[&c, "zdst", "2", big, &k], [w, a].concat()))
            }),
        1 => (pick(&["ZUNION", "ZINTER", "ZDIFF"]), key()).prop_map(move |(c, k)| Step::Cmd(v(&[&c, "2", &k, big, "WITHSCORES"]))),
        2 => Just(Step::Cmd(v(&["ZRANGE", "zdst", "0", "-1", "WITHSCORES"]))),
        2 => Just(Step::Cmd(v(&["OBJECT", "ENCODING", "zdst"]))),
    ];
    (big_fill(big, false), prop::collection::vec(one, 5..25))
        .prop_map(|(fill, rest)| [vec![fill], rest].concat())
}

fn lex_steps() -> impl Strategy<Value = Vec<Step>> {
    let z = "zlex";
    let one = prop_oneof![
        3 => (pick(&["ZRANGEBYLEX", "ZREVRANGEBYLEX"]), lex(), lex(), limit())
            .prop_map(move |(c, a, b, l)| Step::Cmd(cmd(&[&c, z, &a, &b], l))),
        2 => (lex(), lex(), prop_oneof![Just(vec![]), Just(v(&["REV"]))], limit())
            .prop_map(move |(a, b, r, l)| Step::Cmd(cmd(&["ZRANGE", z, &a, &b, "BYLEX"], [r, l].concat()))),
        2 => (lex(), lex()).prop_map(move |(a, b)| Step::Cmd(v(&["ZLEXCOUNT", z, &a, &b]))),
        1 => (lex(), lex()).prop_map(move |(a, b)| Step::Cmd(v(&["ZREMRANGEBYLEX", z, &a, &b]))),
        1 => (lex(), lex()).prop_map(move |(a, b)| Step::Cmd(v(&["ZRANGESTORE", "zlexdst", z, &a, &b, "BYLEX"]))),
        1 => Just(Step::Cmd(v(&["ZRANGE", "zlexdst", "0", "-1", "WITHSCORES"]))),
        1 => Just(Step::Cmd(v(&["OBJECT", "ENCODING", "zlexdst"]))),
        1 => big_member().prop_map(move |m| Step::Cmd(v(&["ZADD", z, "0", &m]))),
        1 => prop::collection::vec(big_member(), 1..3).prop_map(move |ms| Step::Cmd(cmd(&["ZREM", z], ms))),
    ];
    (big_fill(z, true), prop::collection::vec(one, 5..20))
        .prop_map(|(fill, rest)| [vec![fill], rest].concat())
}

/// A member over `zset-max-listpack-value` (64 bytes) converts at once.
fn long_member_steps() -> impl Strategy<Value = Vec<Step>> {
    let long = "L".repeat(70);
    (pairs(1..4), score()).prop_map(move |(p, s)| {
        vec![
            Step::Cmd(cmd(&["ZADD", "zlong"], p)),
            Step::Cmd(v(&["OBJECT", "ENCODING", "zlong"])),
            Step::Cmd(v(&["ZADD", "zlong", &s, &long])),
            Step::Cmd(v(&["OBJECT", "ENCODING", "zlong"])),
            Step::Cmd(v(&["ZRANGE", "zlong", "0", "-1", "WITHSCORES"])),
            Step::Cmd(v(&["ZREM", "zlong", &long])),
            Step::Cmd(v(&["OBJECT", "ENCODING", "zlong"])),
            Step::Cmd(v(&["ZRANGESTORE", "zdst", "zlong", "0", "-1"])),
            Step::Cmd(v(&["OBJECT", "ENCODING", "zdst"])),
            Step::Cmd(v(&["DEL", "zlong"])),
        ]
    })
}

/// The sorted set steps.
pub(crate) fn steps() -> BoxedStrategy<Vec<Step>> {
    prop_oneof![
        12 => zadd().prop_map(|s| vec![s]),
        8 => reads().prop_map(|s| vec![s]),
        10 => ranges().prop_map(|s| vec![s]),
        5 => pops(),
        5 => setops(),
        4 => random_and_scan().prop_map(|s| vec![s]),
        1 => arity().prop_map(|s| vec![s]),
        1 => big_steps(),
        1 => lex_steps(),
        1 => long_member_steps(),
    ]
    .boxed()
}
