//! The differential test: property-generated command sequences sent to
//! kv-cache and to a real redis-server (started here on a free port when it
//! is installed), comparing every reply.
//!
//! Generation keeps the comparison deterministic: relative TTLs are either
//! long (they never fire during a run) or tiny and followed by a pause that
//! outlasts them; GT/LT/NX/XX use absolute times; replies that depend on the
//! clock are compared with a tolerance, and nondeterministic ones (KEYS, SCAN,
//! RANDOMKEY) by their set semantics.
//!
//! # Layout
//!
//! - this file: the shared generators (keys, numbers, values), the step
//!   kinds, the string/key/server generators, and the runner;
//! - one file per family ([`lists`], [`hashes`], [`sets`], [`zsets`], [`sort`],
//!   [`multi`], [`pubsub`]): its command generators, mixed into every sequence, on the
//!   same keys, so that WRONGTYPE paths are exercised too;
//! - [`propagation`]: the same sequences, comparing the streams sent to replicas
//!   (tapped and compared by [`replica`]);
//! - [`notify`]: the same sequences, comparing the keyspace events a subscriber gets.

#[path = "../common/mod.rs"]
mod common;
mod hashes;
mod lists;
mod multi;
mod notify;
mod propagation;
mod pubsub;
mod replica;
mod sets;
mod sort;
mod zsets;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Conn, start_ours, start_redis};
use kv_cache::protocol::Value;
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestRunner};

/// One step of a generated sequence.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Send this command to both and compare replies exactly.
    Cmd(Vec<String>),
    /// A clock-dependent reply: compare within this tolerance.
    Timed(Vec<String>, i64),
    /// Compare as multisets of elements (KEYS, SMEMBERS, HKEYS...): an
    /// array, set or map reply is compared ignoring order.
    Unordered(Vec<String>),
    /// Compare an array of `[a, b, a, b ...]` pairs (or a RESP3 map, or an
    /// array of 2-arrays) ignoring pair order (HGETALL on a hashtable).
    UnorderedPairs(Vec<String>),
    /// Random replies (SRANDMEMBER, HRANDFIELD...): compare only the kind
    /// of reply and its element count.
    Shape(Vec<String>),
    /// Iterate SCAN to the end with these options; compare the key sets.
    ScanAll(Vec<String>),
    /// RANDOMKEY: both null or both a key.
    Random,
    /// Sleep so that tiny TTLs set just before have passed on both.
    Pause,
}

const COPY_OPTS: &[&[&str]] = &[
    &[],
    &["REPLACE"],
    &["DB", "1"],
    &["DB", "x"],
    &["DB", "1", "REPLACE"],
    &["FOO"],
];
pub(crate) const KEYS: &[&str] = &["k0", "k1", "k2", "k3", "num", "{tag}x"];
pub(crate) const NUMS: &[&str] = &[
    "0",
    "1",
    "-1",
    "7",
    "100",
    "abc",
    "1.5",
    "",
    " 1",
    "+1",
    "01",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999",
    "3e2",
];
pub(crate) const VALS: &[&str] = &[
    "v",
    "",
    "hello world",
    "10",
    "-5",
    "2.5",
    "012",
    "a23456789012345678901234567890123456789012345678901",
    "\u{1}\u{ff}bin",
];

pub(crate) fn key() -> impl Strategy<Value = String> {
    prop::sample::select(KEYS).prop_map(str::to_string)
}
pub(crate) fn num() -> impl Strategy<Value = String> {
    prop::sample::select(NUMS).prop_map(str::to_string)
}
pub(crate) fn val() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(VALS).prop_map(str::to_string),
        (-20i64..20).prop_map(|n| n.to_string())
    ]
}
/// TTL arguments that are invalid, non-positive or huge: deterministic on
/// both servers (small positive TTLs would race the clock).
const BAD_TTLS: &[&str] = &[
    "0",
    "-1",
    "abc",
    "",
    " 1",
    "+1",
    "01",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999",
    "3e2",
    "1.5",
];
fn ttl_num() -> impl Strategy<Value = String> {
    prop::sample::select(BAD_TTLS).prop_map(str::to_string)
}
pub(crate) fn long_ttl() -> impl Strategy<Value = String> {
    prop::sample::select(&["100", "5000", "86400"][..]).prop_map(str::to_string)
}
/// Absolute Unix times: long past, or far future (deterministic on both).
fn abs_time() -> impl Strategy<Value = String> {
    prop::sample::select(&["1", "4102444800", "4102444900"][..]).prop_map(str::to_string)
}
/// Future absolute times only: a past deadline set by SET/GETEX leaves the
/// key to whichever server's active expiry runs first (a race, not a bug).
fn future_time() -> impl Strategy<Value = String> {
    prop::sample::select(&["4102444800", "4102444900"][..]).prop_map(str::to_string)
}
pub(crate) fn v(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn set_opts() -> impl Strategy<Value = Vec<String>> {
    let opt = prop_oneof![
        Just(v(&["NX"])),
        Just(v(&["XX"])),
        Just(v(&["GET"])),
        Just(v(&["KEEPTTL"])),
        long_ttl().prop_map(|t| v(&["EX", &t])),
        long_ttl().prop_map(|t| v(&["PX", &format!("{t}000")])),
        future_time().prop_map(|t| v(&["EXAT", &t])),
        future_time().prop_map(|t| v(&["PXAT", &format!("{t}000")])),
        ttl_num().prop_map(|n| v(&["EX", &n])),
        Just(v(&["BOGUS"])),
    ];
    prop::collection::vec(opt, 0..3).prop_map(|o| o.concat())
}

fn string_cmd() -> impl Strategy<Value = Step> {
    prop_oneof![
        14 => prop_oneof![
            4 => key().prop_map(|k| Step::Cmd(v(&["GET", &k]))),
            4 => (key(), val(), set_opts()).prop_map(|(k, x, o)| Step::Cmd([v(&["SET", &k, &x]), o].concat())),
            1 => (key(), val()).prop_map(|(k, x)| Step::Cmd(v(&["SETNX", &k, &x]))),
            1 => (key(), long_ttl(), val()).prop_map(|(k, t, x)| Step::Cmd(v(&["SETEX", &k, &t, &x]))),
            1 => (key(), ttl_num(), val()).prop_map(|(k, t, x)| Step::Cmd(v(&["PSETEX", &k, &t, &x]))),
            1 => (key(), val()).prop_map(|(k, x)| Step::Cmd(v(&["GETSET", &k, &x]))),
            1 => key().prop_map(|k| Step::Cmd(v(&["GETDEL", &k]))),
            1 => (key(), prop_oneof![Just(vec![]), Just(v(&["PERSIST"])), long_ttl().prop_map(|t| v(&["EX", &t])), abs_time().prop_map(|t| v(&["EXAT", &t])), Just(v(&["PERSIST", "EX", "10"]))])
            .prop_map(|(k, o)| Step::Cmd([v(&["GETEX", &k]), o].concat())),
        ],
        12 => prop_oneof![
            1 => prop::collection::vec(key(), 1..4).prop_map(|ks| Step::Cmd([v(&["MGET"]), ks].concat())),
            1 => prop::collection::vec((key(), val()), 1..3).prop_map(|kv| Step::Cmd([v(&["MSET"]), kv.into_iter().flat_map(|(a, b)| [a, b]).collect()].concat())),
            1 => prop::collection::vec((key(), val()), 1..3).prop_map(|kv| Step::Cmd([v(&["MSETNX"]), kv.into_iter().flat_map(|(a, b)| [a, b]).collect()].concat())),
            3 => (prop::sample::select(&["INCR", "DECR"][..]), key()).prop_map(|(c, k)| Step::Cmd(v(&[c, &k]))),
            3 => (prop::sample::select(&["INCRBY", "DECRBY"][..]), key(), num()).prop_map(|(c, k, n)| Step::Cmd(v(&[c, &k, &n]))),
            1 => prop::sample::select(&["0.5", "-1.5", "3", "abc", "inf", "1e2", " 2"][..]).prop_map(|n| Step::Cmd(v(&["INCRBYFLOAT", "flt", n]))),
            1 => (key(), prop::sample::select(&["abc", " 2"][..])).prop_map(|(k, n)| Step::Cmd(v(&["INCRBYFLOAT", &k, n]))),
            // Redis adds in x87 long double: values whose digits f64 would get wrong.
            1 => prop::sample::select(&["1000.1", "3.0e17", "10.5", "-0.1", "1e-20", "123456789.123456789", "0x1p-3", "5.0e3", "1.7976931348623157e308"][..]).prop_map(|x| Step::Cmd(v(&["SET", "flt", x]))),
            2 => prop::sample::select(&["0.1", "1000.1", "5.0e3", "-5.0e3", "1e-20", "-3.3", "0.30000000000000004", "1e17", "3.0e17", "1.7976931348623157e308"][..]).prop_map(|n| Step::Cmd(v(&["INCRBYFLOAT", "flt", n]))),
            1 => (key(), val()).prop_map(|(k, x)| Step::Cmd(v(&["APPEND", &k, &x]))),
            1 => key().prop_map(|k| Step::Cmd(v(&["STRLEN", &k]))),
        ],
        5 => prop_oneof![
            1 => (key(), num(), num()).prop_map(|(k, a, b)| Step::Cmd(v(&["GETRANGE", &k, &a, &b]))),
            1 => (key(), -3i64..3, -3i64..3).prop_map(|(k, a, b)| Step::Cmd(v(&["GETRANGE", &k, &a.to_string(), &b.to_string()]))),
            1 => (key(), prop::sample::select(&["0", "3", "-1", "x", "10"][..]), val()).prop_map(|(k, o, x)| Step::Cmd(v(&["SETRANGE", &k, o, &x]))),
            1 => key().prop_map(|k| Step::Cmd(v(&["OBJECT", "ENCODING", &k]))),
        ],
    ]
}

fn key_cmd() -> impl Strategy<Value = Step> {
    let flag = prop::sample::select(&["NX", "XX", "GT", "LT", "BAD"][..]);
    prop_oneof![
        11 => prop_oneof![
            2 => (prop::sample::select(&["DEL", "UNLINK", "EXISTS", "TOUCH"][..]), prop::collection::vec(key(), 1..4)).prop_map(|(c, ks)| Step::Cmd([v(&[c]), ks].concat())),
            1 => key().prop_map(|k| Step::Cmd(v(&["TYPE", &k]))),
            2 => (prop::sample::select(&["EXPIRE", "PEXPIRE"][..]), key(), long_ttl()).prop_map(|(c, k, t)| Step::Cmd(v(&[c, &k, &format!("{t}000")]))),
            1 => (prop::sample::select(&["EXPIRE", "PEXPIRE"][..]), key(), ttl_num()).prop_map(|(c, k, t)| Step::Cmd(v(&[c, &k, &t]))),
            2 => (prop::sample::select(&["EXPIREAT", "PEXPIREAT"][..]), key(), abs_time(), prop::collection::vec(flag, 0..3))
            .prop_map(|(c, k, t, f)| Step::Cmd([v(&[c, &k, &t]), f.iter().map(|s| s.to_string()).collect()].concat())),
            1 => key().prop_map(|k| Step::Timed(v(&["TTL", &k]), 1)),
            1 => key().prop_map(|k| Step::Timed(v(&["PTTL", &k]), 250)),
            1 => key().prop_map(|k| Step::Timed(v(&["EXPIRETIME", &k]), 1)),
        ],
        8 => prop_oneof![
            1 => key().prop_map(|k| Step::Timed(v(&["PEXPIRETIME", &k]), 250)),
            1 => key().prop_map(|k| Step::Cmd(v(&["PERSIST", &k]))),
            1 => (prop::sample::select(&["RENAME", "RENAMENX"][..]), key(), key()).prop_map(|(c, a, b)| Step::Cmd(v(&[c, &a, &b]))),
            1 => prop::sample::select(&["*", "k?", "k[0-1]", "*x", "nomatch"][..]).prop_map(|p| Step::Unordered(v(&["KEYS", p]))),
            1 => prop_oneof![Just(vec![]), Just(v(&["MATCH", "k*"])), Just(v(&["COUNT", "2"])), Just(v(&["TYPE", "string"])), Just(v(&["TYPE", "list"]))].prop_map(Step::ScanAll),
            1 => prop_oneof![Just(v(&["SCAN", "x"])), Just(v(&["SCAN", "0", "COUNT", "0"])), Just(v(&["SCAN", "0", "MATCH"])), Just(v(&["SCAN", "0", "COUNT", "x"]))].prop_map(Step::Cmd),
            1 => Just(Step::Random),
            1 => Just(Step::Cmd(v(&["DBSIZE"]))),
        ],
        4 => prop_oneof![
            1 => prop::sample::select(&["0", "1", "15", "16", "x"][..]).prop_map(|d| Step::Cmd(v(&["SELECT", d]))),
            1 => (prop::sample::select(&["0", "1", "2", "x"][..]), prop::sample::select(&["0", "1", "99"][..])).prop_map(|(a, b)| Step::Cmd(v(&["SWAPDB", a, b]))),
            1 => (key(), prop::sample::select(&["0", "1", "x", "99"][..])).prop_map(|(k, d)| Step::Cmd(v(&["MOVE", &k, d]))),
            1 => (key(), key(), prop::sample::select(COPY_OPTS))
            .prop_map(|(a, b, o)| Step::Cmd([v(&["COPY", &a, &b]), v(o)].concat())),
        ],
    ]
}

fn misc_cmd() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => prop_oneof![
            1 => Just(Step::Cmd(v(&["PING"]))),
            1 => val().prop_map(|x| Step::Cmd(v(&["PING", &x]))),
            1 => val().prop_map(|x| Step::Cmd(v(&["ECHO", &x]))),
            1 => Just(Step::Cmd(v(&["FLUSHDB"]))),
            1 => prop::sample::select(&["ASYNC", "SYNC", "BAD"][..]).prop_map(|m| Step::Cmd(v(&["FLUSHALL", m]))),
            1 => Just(Step::Cmd(v(&["FUNCTION", "FLUSH"]))),
            1 => Just(Step::Cmd(v(&["SCRIPT", "FLUSH"]))),
            1 => Just(Step::Cmd(v(&["DEBUG", "SLEEP", "0"]))),
        ],
        8 => prop_oneof![
            1 => prop::sample::select(&["maxclients", "hz", "timeout", "slowlog-max-len", "save", "appendonly", "proto-max-bulk-len", "notify-keyspace-events"][..]).prop_map(|p| Step::Cmd(v(&["CONFIG", "GET", p]))),
            1 => prop::sample::select(&["KEA", "KEAnm", "Elg", "AK", "KEAX", "x"][..]).prop_map(|c| Step::Cmd(v(&["CONFIG", "SET", "notify-keyspace-events", c]))),
            1 => (prop::sample::select(&["hz", "maxclients", "timeout", "activerehashing"][..]), prop::sample::select(&["x", "-1", "yes", "0"][..]))
            .prop_map(|(p, x)| Step::Cmd(v(&["CONFIG", "SET", p, x]))),
            1 => Just(Step::Cmd(v(&["CONFIG", "SET", "hz", "10"]))),
            1 => Just(Step::Cmd(v(&["CONFIG", "SET", "nosuchparam", "1"]))),
            1 => Just(Step::Cmd(v(&["HELLO", "4"]))),
            1 => Just(Step::Cmd(v(&["HELLO", "x"]))),
            1 => Just(Step::Cmd(v(&["AUTH", "x"]))),
            1 => Just(Step::Cmd(v(&["CLIENT", "SETNAME", "a b"]))),
        ],
        5 => prop_oneof![
            1 => Just(Step::Cmd(v(&["CLIENT", "GETNAME"]))),
            1 => Just(Step::Cmd(v(&["OBJECT", "NOPE", "k0"]))),
            1 => Just(Step::Cmd(v(&["SLOWLOG", "NOPE"]))),
            1 => Just(Step::Cmd(v(&["NOTACOMMAND", "x"]))),
        ],
    ]
}

/// A command from the covered set with a random number of arguments, to
/// exercise the arity checks.
fn arity_cmd() -> impl Strategy<Value = Step> {
    let names = prop::sample::select(
        &[
            "get",
            "set",
            "setnx",
            "setex",
            "psetex",
            "getset",
            "getdel",
            "getex",
            "mget",
            "mset",
            "msetnx",
            "incr",
            "decr",
            "incrby",
            "decrby",
            "incrbyfloat",
            "append",
            "strlen",
            "getrange",
            "setrange",
            "del",
            "exists",
            "type",
            "expire",
            "pexpireat",
            "ttl",
            "pttl",
            "persist",
            "rename",
            "renamenx",
            "keys",
            "scan",
            "randomkey",
            "dbsize",
            "select",
            "swapdb",
            "move",
            "copy",
            "touch",
            "object",
            "echo",
            "config",
            "client",
            "slowlog",
            "lastsave",
            "time",
            "sort",
            "sort_ro",
            "zintercard",
            "memory",
            "module",
            "spublish",
        ][..],
    );
    (
        names,
        prop::collection::vec(prop::sample::select(&["k9", "86400", "x"][..]), 0..5),
    )
        .prop_map(|(n, args)| {
            let mut c = vec![n.to_uppercase()];
            c.extend(args.iter().map(|s| s.to_string()));
            match n {
                // Replies that are correct but differ by nature; only the arity path is compared.
                "time" | "lastsave" | "randomkey" if c.len() == 1 => Step::Cmd(v(&["PING"])),
                "scan" | "keys" if c.len() >= 2 => Step::Cmd(v(&["PING"])),
                _ => Step::Cmd(c),
            }
        })
}

/// A tiny TTL (it fires during the run), always followed by a pause.
// At least 4 ms: Redis judges a new deadline against a second reading of
// its clock (`checkAlreadyExpired`), so under load a 1 ms TTL can already
// have passed inside the PEXPIRE and be replayed as DEL instead of
// PEXPIREAT — a race in the comparison, not a difference of the servers.
fn short_ttl() -> impl Strategy<Value = Vec<Step>> {
    (key(), 4u32..8, prop::bool::ANY).prop_map(|(k, ms, with_set)| {
        let first = if with_set {
            v(&["SET", &k, "short", "PX", &ms.to_string()])
        } else {
            v(&["PEXPIRE", &k, &ms.to_string()])
        };
        vec![
            Step::Cmd(first),
            Step::Pause,
            Step::Cmd(v(&["GET", &k])),
            Step::Cmd(v(&["EXISTS", &k])),
        ]
    })
}

fn sequence() -> impl Strategy<Value = Vec<Step>> {
    let one = prop_oneof![
        10 => string_cmd().prop_map(|s| vec![s]),
        8 => key_cmd().prop_map(|s| vec![s]),
        3 => misc_cmd().prop_map(|s| vec![s]),
        3 => arity_cmd().prop_map(|s| vec![s]),
        1 => short_ttl(),
        8 => lists::steps(),
        8 => hashes::steps(),
        8 => sets::steps(),
        10 => zsets::steps(),
        4 => sort::steps(),
        3 => multi::steps(),
        2 => pubsub::steps(),
    ];
    prop::collection::vec(one, 150..250).prop_map(|v| v.concat())
}

/// A sequence and the protocol it runs in (RESP3 after `HELLO 3`, else RESP2).
fn session() -> impl Strategy<Value = (bool, Vec<Step>)> {
    (prop::bool::weighted(0.3), sequence())
}

fn as_ints(v: &Value) -> Option<i64> {
    if let Value::Int(n) = v {
        Some(*n)
    } else {
        None
    }
}

fn key_set(v: &Value) -> BTreeSet<Vec<u8>> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_bytes().map(<[u8]>::to_vec))
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// `items` in a canonical order, as one array.
fn sorted(mut items: Vec<Value>) -> Value {
    items.sort_by_key(|i| format!("{i:?}"));
    Value::Array(items)
}

/// A RESP3 map's entries as 2-element arrays.
fn map_pairs(pairs: &[(Value, Value)]) -> Vec<Value> {
    pairs
        .iter()
        .map(|(k, v)| Value::Array(vec![k.clone(), v.clone()]))
        .collect()
}

/// A reply's elements in a canonical order (arrays, sets, and maps as
/// their pairs), or the reply itself for anything else.
fn sorted_elements(v: &Value) -> Value {
    match v {
        Value::Array(items) | Value::Set(items) => sorted(items.clone()),
        Value::Map(pairs) => sorted(map_pairs(pairs)),
        other => other.clone(),
    }
}

/// Pairs of a flat `[a, b, a, b]` array, a map, or an array of 2-arrays,
/// in a canonical order.
fn sorted_pairs(v: &Value) -> Value {
    match v {
        Value::Array(items)
            if items
                .iter()
                .all(|i| matches!(i, Value::Array(p) if p.len() == 2)) =>
        {
            sorted(items.clone())
        }
        Value::Array(items) => sorted(items.chunks(2).map(|c| Value::Array(c.to_vec())).collect()),
        Value::Map(pairs) => sorted(map_pairs(pairs)),
        other => other.clone(),
    }
}

/// The kind of a reply and how many elements it has (an error stays
/// itself: it must be the same error).
fn shape(v: &Value) -> Value {
    let kind = format!("{v:?}")
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    let n = match v {
        Value::Array(i) | Value::Set(i) | Value::Push(i) => i.len(),
        Value::Map(p) => p.len(),
        _ => 0,
    };
    match v {
        Value::Error(_) => v.clone(),
        _ => Value::Array(vec![Value::Simple(kind), Value::Int(n as i64)]),
    }
}

/// What of a reply a step compares: for the loose step kinds, a
/// normalized form; `None` for the others.
fn normalized(step: &Step, v: &Value) -> Option<Value> {
    match step {
        Step::Unordered(_) => Some(sorted_elements(v)),
        Step::UnorderedPairs(_) => Some(sorted_pairs(v)),
        Step::Shape(_) => Some(shape(v)),
        _ => None,
    }
}

fn scan_all(c: &mut Conn, opts: &[String]) -> Result<BTreeSet<Vec<u8>>, Value> {
    let mut cursor = "0".to_string();
    let mut keys = BTreeSet::new();
    for _ in 0..10_000 {
        let mut args = vec!["SCAN".to_string(), cursor.clone()];
        args.extend(opts.iter().cloned());
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        match c.cmd(&a) {
            Value::Array(parts) if parts.len() == 2 => {
                cursor = String::from_utf8_lossy(parts[0].as_bytes().unwrap_or(b"0")).into_owned();
                keys.extend(key_set(&parts[1]));
                if cursor == "0" {
                    return Ok(keys);
                }
            }
            other => return Err(other),
        }
    }
    panic!("SCAN did not finish in 10000 calls");
}

/// The runner of the tests that compare a stream going on from case to
/// case (propagation, keyspace events): after a difference the streams
/// are out of step, so shrinking could only mislead.
pub(crate) fn stream_runner(cases: u32) -> TestRunner {
    TestRunner::new(PtConfig {
        cases,
        max_shrink_iters: 0,
        failure_persistence: None,
        ..PtConfig::default()
    })
}

/// Runs one sequence on both servers; returns the number of commands sent.
fn run_sequence(
    ours: &mut Conn,
    redis: &mut Conn,
    resp3: bool,
    steps: &[Step],
) -> Result<usize, TestCaseError> {
    for c in [&mut *ours, &mut *redis] {
        c.cmds(&["RESET"]);
        c.cmds(&["FLUSHALL"]);
        c.cmds(&["CONFIG", "SET", "hz", "10"]);
        if resp3 {
            // The HELLO reply itself differs (server id, version); what
            // follows is compared in RESP3: nulls, maps, doubles.
            c.cmds(&["HELLO", "3"]);
        }
    }
    let mut sent = 0;
    for (i, step) in steps.iter().enumerate() {
        let context = &steps[i.saturating_sub(40)..i];
        let bytes = |c: &[String]| c.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
        let send = |conn: &mut Conn, c: &[String]| {
            let owned = bytes(c);
            let a: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
            conn.cmd(&a)
        };
        match step {
            Step::Cmd(c) => {
                let (r, o) = (send(redis, c), send(ours, c));
                prop_assert_eq!(&o, &r, "step {}: {:?} after {:?}", i, c, context);
                sent += 1;
            }
            Step::Timed(c, tol) => {
                let (r, o) = (send(redis, c), send(ours, c));
                match (as_ints(&o), as_ints(&r)) {
                    (Some(a), Some(b)) if a >= 0 && b >= 0 => prop_assert!(
                        (a - b).abs() <= *tol,
                        "step {}: {:?}: ours {} redis {}",
                        i,
                        c,
                        a,
                        b
                    ),
                    _ => prop_assert_eq!(&o, &r, "step {}: {:?} after {:?}", i, c, context),
                }
                sent += 1;
            }
            Step::Unordered(c) | Step::UnorderedPairs(c) | Step::Shape(c) => {
                let (r, o) = (send(redis, c), send(ours, c));
                prop_assert_eq!(
                    normalized(step, &o),
                    normalized(step, &r),
                    "step {}: {:?} ours {:?} redis {:?} after {:?}",
                    i,
                    c,
                    o,
                    r,
                    context
                );
                sent += 1;
            }
            Step::ScanAll(opts) => {
                let (r, o) = (scan_all(redis, opts), scan_all(ours, opts));
                prop_assert_eq!(o, r, "step {}: SCAN {:?}", i, opts);
                sent += 1;
            }
            Step::Random => {
                let (r, o) = (redis.cmds(&["RANDOMKEY"]), ours.cmds(&["RANDOMKEY"]));
                prop_assert_eq!(
                    o == Value::Null,
                    r == Value::Null,
                    "step {}: RANDOMKEY ours {:?} redis {:?}",
                    i,
                    o,
                    r
                );
                sent += 1;
            }
            // Past the longest short TTL (7 ms) on both servers.
            Step::Pause => std::thread::sleep(Duration::from_millis(12)),
        }
    }
    Ok(sent)
}

#[test]
fn differential_against_redis_server() {
    let Some(real) = start_redis() else { return };
    let srv = start_ours(|_| {});
    let ours = std::cell::RefCell::new(Conn::connect(srv.addr));
    let redis = std::cell::RefCell::new(Conn::connect(real.addr));
    let total = std::cell::Cell::new(0usize);
    let mut runner = TestRunner::new(PtConfig {
        cases: 260,
        max_shrink_iters: 200,
        failure_persistence: None,
        ..PtConfig::default()
    });
    let result = runner.run(&session(), |(resp3, steps)| {
        let n = run_sequence(
            &mut ours.borrow_mut(),
            &mut redis.borrow_mut(),
            resp3,
            &steps,
        )?;
        total.set(total.get() + n);
        Ok(())
    });
    if let Err(e) = result {
        panic!("kv-cache and redis-server disagree: {e}");
    }
    println!("compared {} commands with redis-server", total.get());
    assert!(
        total.get() >= 50_000,
        "only {} commands compared",
        total.get()
    );
}
