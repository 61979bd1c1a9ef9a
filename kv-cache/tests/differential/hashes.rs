//! Generated hash steps: every hash command with its options, errors and
//! RESP3 forms, on the shared keys (so WRONGTYPE comes up against strings,
//! lists, sets and sorted sets), plus conversion scenarios on a key of
//! their own.
//!
//! Order: a hash on the shared keys never leaves the listpack encoding
//! (six fields at most, values well under 64 bytes, default thresholds),
//! and a listpack keeps insertion order in Redis, so HGETALL, HKEYS,
//! HSCAN and a whole-hash HRANDFIELD are compared exactly there. The
//! conversion scenarios lower the thresholds, work on `hbig`/`hbig2` only,
//! compare with `Unordered`/`UnorderedPairs`, and restore the defaults.

use proptest::prelude::*;

use super::{Step, key, num, v, val};

const FIELDS: &[&str] = &["f0", "f1", "f2", "a", "", "f\u{1}"];

fn field() -> impl Strategy<Value = String> {
    prop::sample::select(FIELDS).prop_map(str::to_string)
}

/// HINCRBYFLOAT increments: exact binary fractions, decimal ones whose
/// `long double` digits show (`1000.1`), and everything Redis refuses.
const FLOATS: &[&str] = &[
    "1.5", "-2.25", "0.1", "0.2", "1000.1", "3", "1e3", "-0", ".5", "5e-18", "0x10", "-1.5e2",
    "abc", "inf", "-inf", "nan", " 1", "1 ", "", "1e5000", "1e",
];

/// Random decimals: up to 12 digits, a point anywhere, an exponent
/// within ±20 (sums stay under 64 bytes, so hashes stay listpacks), each
/// summed in `long double` and printed to 17 decimals by both servers.
fn decimal() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        1u64..1_000_000_000_000,
        0usize..13,
        prop::option::of(-20i32..20),
    )
        .prop_map(|(neg, digits, point, exp)| {
            let d = digits.to_string();
            let point = point.min(d.len());
            let (int, frac) = d.split_at(d.len() - point);
            let mut s = format!(
                "{}{}.{}",
                if neg { "-" } else { "" },
                if int.is_empty() { "0" } else { int },
                frac
            );
            if let Some(e) = exp {
                s.push_str(&format!("e{e}"));
            }
            s
        })
}

fn float() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FLOATS).prop_map(str::to_string),
        1 => decimal(),
    ]
}

/// Values for hash fields: the shared ones plus numbers as text.
fn hval() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => val(),
        1 => prop::sample::select(&["1000.1", "2.5e1", "inf", "9223372036854775807", "-9223372036854775808", "0x8"][..])
            .prop_map(str::to_string),
    ]
}

fn pairs(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((field(), hval()), n)
        .prop_map(|ps| ps.into_iter().flat_map(|(f, x)| [f, x]).collect())
}

fn fields(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(field(), n)
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

/// Writes on the shared keys.
fn writes() -> impl Strategy<Value = Vec<Step>> {
    prop_oneof![
        6 => (key(), pairs(1..4)).prop_map(|(k, p)| one(Step::Cmd([v(&["HSET", &k]), p].concat()))),
        1 => (key(), pairs(1..3), field()).prop_map(|(k, p, f)| one(Step::Cmd([v(&["HSET", &k]), p, vec![f]].concat()))),
        2 => (key(), pairs(1..3)).prop_map(|(k, p)| one(Step::Cmd([v(&["HMSET", &k]), p].concat()))),
        1 => (key(), field()).prop_map(|(k, f)| one(Step::Cmd(v(&["HMSET", &k, &f, "x", "y"])))),
        2 => (key(), field(), hval()).prop_map(|(k, f, x)| one(Step::Cmd(v(&["HSETNX", &k, &f, &x])))),
        3 => (key(), fields(1..4)).prop_map(|(k, fs)| one(Step::Cmd([v(&["HDEL", &k]), fs].concat()))),
        3 => (key(), field(), num()).prop_map(|(k, f, n)| one(Step::Cmd(v(&["HINCRBY", &k, &f, &n])))),
        3 => (key(), field(), float()).prop_map(|(k, f, x)| one(Step::Cmd(v(&["HINCRBYFLOAT", &k, &f, &x])))),
    ]
}

/// Reads on the shared keys (all exact: these hashes are listpacks).
fn reads() -> impl Strategy<Value = Vec<Step>> {
    prop_oneof![
        3 => (key(), field()).prop_map(|(k, f)| one(Step::Cmd(v(&["HGET", &k, &f])))),
        2 => (key(), fields(1..4)).prop_map(|(k, fs)| one(Step::Cmd([v(&["HMGET", &k]), fs].concat()))),
        2 => (key(), field()).prop_map(|(k, f)| one(Step::Cmd(v(&["HEXISTS", &k, &f])))),
        2 => key().prop_map(|k| one(Step::Cmd(v(&["HLEN", &k])))),
        2 => (key(), field()).prop_map(|(k, f)| one(Step::Cmd(v(&["HSTRLEN", &k, &f])))),
        3 => (prop::sample::select(&["HKEYS", "HVALS", "HGETALL"][..]), key()).prop_map(|(c, k)| one(Step::Cmd(v(&[c, &k])))),
        1 => key().prop_map(|k| one(Step::Cmd(v(&["OBJECT", "ENCODING", &k])))),
    ]
}

/// HRANDFIELD in every form; random picks compared by shape only.
fn randfield() -> impl Strategy<Value = Vec<Step>> {
    let exact = pick(&[
        &["1000"],
        &["1000", "WITHVALUES"],
        &["6", "withvalues"],
        &["0"],
        &["0", "WITHVALUES"],
        &["x"],
        &["1.5"],
        &["-9223372036854775808"],
        &["9223372036854775807", "WITHVALUES"],
        &["4611686018427387904", "WITHVALUES"],
        &["-4611686018427387904", "WITHVALUES"],
        &["2", "FOO"],
        &["2", "WITHVALUES", "x"],
    ]);
    let random = pick(&[
        &[],
        &["1"],
        &["-3"],
        &["-3", "WITHVALUES"],
        &["2"],
        &["2", "WITHVALUES"],
        &["1", "WITHVALUES"],
    ]);
    prop_oneof![
        (key(), exact).prop_map(|(k, o)| one(Step::Cmd([v(&["HRANDFIELD", &k]), v(o)].concat()))),
        (key(), random)
            .prop_map(|(k, o)| one(Step::Shape([v(&["HRANDFIELD", &k]), v(o)].concat()))),
    ]
}

/// HSCAN with good and bad cursors and options (exact: a listpack comes
/// back whole, with cursor 0, whatever the cursor).
fn hscan() -> impl Strategy<Value = Vec<Step>> {
    let cursor = prop::sample::select(
        &[
            "0",
            "",
            "7",
            "-1",
            "+3",
            " 1",
            "x",
            "1x",
            "18446744073709551616",
        ][..],
    );
    let opts = pick(&[
        &[],
        &["MATCH", "f*"],
        &["match", "f1"],
        &["MATCH", "*"],
        &["COUNT", "1"],
        &["COUNT", "1", "MATCH", "?"],
        &["COUNT", "0"],
        &["COUNT", "x"],
        &["MATCH"],
        &["FOO", "bar"],
    ]);
    (key(), cursor, opts)
        .prop_map(|(k, c, o)| one(Step::Cmd([v(&["HSCAN", &k, c]), v(o)].concat())))
}

/// Values around the lowered `hash-max-listpack-value` of a scenario.
fn scenario_val() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(&["x", "xyz", "1234", "abcdefg", "123456789", "0.5", "-3"][..]).prop_map(str::to_string),
        1 => val(),
    ]
}

/// One operation of a conversion scenario on `hbig`.
fn scenario_op() -> impl Strategy<Value = Vec<Step>> {
    let k = "hbig";
    prop_oneof![
        6 => prop::collection::vec((field(), scenario_val()), 1..4).prop_map(move |ps| {
            let p: Vec<String> = ps.into_iter().flat_map(|(f, x)| [f, x]).collect();
            one(Step::Cmd([v(&["HSET", k]), p].concat()))
        }),
        2 => (field(), scenario_val()).prop_map(move |(f, x)| one(Step::Cmd(v(&["HSETNX", k, &f, &x])))),
        2 => fields(1..3).prop_map(move |fs| one(Step::Cmd([v(&["HDEL", k]), fs].concat()))),
        2 => (field(), prop::sample::select(&["1", "-7", "123456789", "x"][..])).prop_map(move |(f, n)| one(Step::Cmd(v(&["HINCRBY", k, &f, n])))),
        2 => (field(), float()).prop_map(move |(f, x)| one(Step::Cmd(v(&["HINCRBYFLOAT", k, &f, &x])))),
        2 => field().prop_map(move |f| one(Step::Cmd(v(&["HGET", k, &f])))),
        1 => fields(1..4).prop_map(move |fs| one(Step::Cmd([v(&["HMGET", k]), fs].concat()))),
        2 => Just(one(Step::Cmd(v(&["OBJECT", "ENCODING", k])))),
        1 => Just(one(Step::Cmd(v(&["HLEN", k])))),
        2 => Just(one(Step::UnorderedPairs(v(&["HGETALL", k])))),
        1 => prop::sample::select(&["HKEYS", "HVALS"][..]).prop_map(move |c| one(Step::Unordered(v(&[c, k])))),
        // One field matches, COUNT covers the table: one call, cursor 0.
        1 => field().prop_map(move |f| one(Step::Cmd(v(&["HSCAN", k, "0", "MATCH", &f, "COUNT", "1000"])))),
        1 => Just(one(Step::UnorderedPairs(v(&["HRANDFIELD", k, "100", "WITHVALUES"])))),
        1 => Just(one(Step::Unordered(v(&["HRANDFIELD", k, "100"])))),
        1 => prop::sample::select(&["-5", "2", "1"][..]).prop_map(move |n| one(Step::Shape(v(&["HRANDFIELD", k, n, "WITHVALUES"])))),
        1 => Just(vec![
            Step::Cmd(v(&["COPY", k, "hbig2", "REPLACE"])),
            Step::Cmd(v(&["OBJECT", "ENCODING", "hbig2"])),
            Step::UnorderedPairs(v(&["HGETALL", "hbig2"])),
        ]),
    ]
}

/// Lowered thresholds, operations on `hbig`, then the defaults back.
fn conversion() -> impl Strategy<Value = Vec<Step>> {
    (
        0usize..5,
        prop::sample::select(&["0", "3", "4", "8"][..]),
        prop::collection::vec(scenario_op(), 4..30),
    )
        .prop_map(|(entries, value, ops)| {
            let mut s = vec![
                Step::Cmd(v(&[
                    "CONFIG",
                    "SET",
                    "hash-max-listpack-entries",
                    &entries.to_string(),
                ])),
                Step::Cmd(v(&["CONFIG", "SET", "hash-max-listpack-value", value])),
                Step::Cmd(v(&["DEL", "hbig", "hbig2"])),
            ];
            s.extend(ops.into_iter().flatten());
            s.push(Step::Cmd(v(&["OBJECT", "ENCODING", "hbig"])));
            s.push(Step::UnorderedPairs(v(&["HGETALL", "hbig"])));
            s.push(Step::Cmd(v(&[
                "CONFIG",
                "SET",
                "hash-max-listpack-entries",
                "512",
            ])));
            s.push(Step::Cmd(v(&[
                "CONFIG",
                "SET",
                "hash-max-listpack-value",
                "64",
            ])));
            s
        })
}

/// Hash commands with a random number of arguments (the arity checks).
fn arity() -> impl Strategy<Value = Vec<Step>> {
    let names = prop::sample::select(
        &[
            "hset",
            "hsetnx",
            "hget",
            "hmget",
            "hmset",
            "hdel",
            "hexists",
            "hlen",
            "hkeys",
            "hvals",
            "hgetall",
            "hincrby",
            "hincrbyfloat",
            "hstrlen",
            "hrandfield",
            "hscan",
        ][..],
    );
    (
        names,
        prop::collection::vec(prop::sample::select(&["k9", "f", "1"][..]), 0..4),
    )
        .prop_map(|(n, args)| {
            let mut c = vec![n.to_uppercase()];
            c.extend(args.iter().map(|s| s.to_string()));
            // HRANDFIELD may pick at random from a k9 made by these steps.
            one(if n == "hrandfield" {
                Step::Shape(c)
            } else {
                Step::Cmd(c)
            })
        })
}

/// Hash command steps.
pub(crate) fn steps() -> BoxedStrategy<Vec<Step>> {
    prop_oneof![
        10 => writes(),
        8 => reads(),
        3 => randfield(),
        2 => hscan(),
        1 => conversion(),
        1 => arity(),
    ]
    .boxed()
}
