//! Generated SORT and SORT_RO steps: every option (BY with key patterns,
//! hash fields, `#` and constants, LIMIT windows, several GETs, ASC/DESC,
//! ALPHA, STORE), their errors, on keys of their own: `sl` a list, `ss` a
//! set, `sz` a sorted set, and `sstr`, `sh` (a string, a hash: WRONGTYPE).
//! Not on the shared keys: SORT turns a listpack sorted set into a
//! skiplist, as Redis does, and the sorted-set steps rely on the shared
//! keys staying listpacks (their ZSCAN order is only defined there).
//! Results may be stored into a shared key (as a list). Weight keys
//! `w_<element>` (strings) and `h_<element>` (hashes, field `f`) hold
//! numbers and non-numbers.
//!
//! What is compared exactly, and why the rest is not:
//!
//! - numeric sorts are total (equal weights fall back to the elements'
//!   bytes), and ALPHA without BY too (the pool has no NUL bytes): exact;
//! - ALPHA BY leaves ties (missing weights, equal values) in load order,
//!   which for a set or a sorted set is Redis's hash order: compared as a
//!   multiset; with a LIMIT Redis's partial quicksort breaks ties its own
//!   way, even on a list, so only the shape is compared;
//! - BY without `*` keeps a set's hash order (as a multiset, or by shape
//!   with a LIMIT), unless STORE makes Redis sort it ALPHA anyway: exact.
//!
//! A STORE is followed by an LRANGE of its destination, compared the same
//! way as the SORT was.
//!
//! Each SORT is preceded by a `ZADD ... XX` that changes nothing: Redis
//! checks `errno == ERANGE` after its `strtod` without clearing `errno`
//! first, so an `ERANGE` left by an earlier command (a ZADD of `1e400`)
//! fails a later numeric SORT of valid numbers. That is a Redis bug
//! kv-cache does not copy; the ZADD's score parsing clears `errno`.

use proptest::prelude::*;

use super::{Step, v};

/// Elements: integers, floats, non-numbers and the empty string (which
/// strtod reads as 0).
const ELEMS: &[&str] = &[
    "1", "2", "3", "10", "-5", "1.5", "a", "b", "B", "", "0x10", " 2",
];
/// Weights: numbers, equal numbers, and values SORT refuses.
const WEIGHTS: &[&str] = &["1", "2", "2", "-3", "0.5", "inf", "x", "", "1e400", "10"];
const BY: &[&str] = &["w_*", "h_*->f", "nosort", "#", "h_*->", "*", "h_*->g"];
/// Options without their arguments, or unknown.
const BROKEN: &[&[&str]] = &[&["FOO"], &["LIMIT", "1"], &["GET"], &["BY"], &["STORE"]];
const GETS: &[&str] = &["#", "w_*", "h_*->f", "nosuch", "h_*->g", "w_*->f"];

fn elem() -> impl Strategy<Value = String> {
    prop::sample::select(ELEMS).prop_map(str::to_string)
}

fn weight() -> impl Strategy<Value = String> {
    prop::sample::select(WEIGHTS).prop_map(str::to_string)
}

/// A step that fills one of the dedicated keys or a weight key.
fn setup() -> impl Strategy<Value = Step> {
    let elems = || prop::collection::vec(elem(), 1..6);
    prop_oneof![
        3 => elems().prop_map(|es| Step::Cmd([v(&["RPUSH", "sl"]), es].concat())),
        3 => elems().prop_map(|es| Step::Cmd([v(&["SADD", "ss"]), es].concat())),
        3 => prop::collection::vec((-3i32..4, elem()), 1..5).prop_map(|ps| {
            let pairs = ps.into_iter().flat_map(|(s, e)| [s.to_string(), e]);
            Step::Cmd([v(&["ZADD", "sz"]), pairs.collect()].concat())
        }),
        4 => (elem(), weight()).prop_map(|(e, w)| Step::Cmd(v(&["SET", &format!("w_{e}"), &w]))),
        3 => (elem(), weight()).prop_map(|(e, w)| Step::Cmd(v(&["HSET", &format!("h_{e}"), "f", &w]))),
        1 => elem().prop_map(|e| Step::Cmd(v(&["DEL", &format!("w_{e}"), &format!("h_{e}")]))),
        1 => prop::sample::select(&["sl", "ss", "sz"][..]).prop_map(|k| Step::Cmd(v(&["DEL", k]))),
        1 => Just(Step::Cmd(v(&["SET", "sstr", "1"]))),
        1 => Just(Step::Cmd(v(&["HSET", "sh", "f", "1"]))),
    ]
}

/// One option, as its words.
fn option() -> impl Strategy<Value = Vec<String>> {
    let n = prop::sample::select(&["0", "1", "2", "-1", "5", "x", "-9223372036854775808"][..]);
    prop_oneof![
        2 => prop::sample::select(&["ASC", "DESC", "ALPHA", "alpha", "desc"][..]).prop_map(|w| v(&[w])),
        2 => (n.clone(), n).prop_map(|(a, b)| v(&["LIMIT", a, b])),
        3 => prop::sample::select(BY).prop_map(|p| v(&["BY", p])),
        3 => prop::sample::select(GETS).prop_map(|p| v(&["GET", p])),
        1 => prop::sample::select(&["sdst", "ss", "k0"][..]).prop_map(|d| v(&["STORE", d])),
        1 => prop::sample::select(BROKEN).prop_map(v),
    ]
}

/// The options of a SORT as Redis's `sortCommandGeneric` reads its words
/// (after the key): a keyword takes its arguments only when they are there,
/// so `BY BY` is a BY with the pattern `BY`. Returns the BY patterns,
/// whether LIMIT and STORE were given, and the last STORE's destination.
fn parse(words: &[String]) -> (Vec<&str>, bool, Option<&str>) {
    let (mut bys, mut limit, mut store) = (Vec::new(), false, None);
    let mut j = 0;
    while j < words.len() {
        let left = words.len() - j - 1;
        let w = words[j].as_str();
        if w.eq_ignore_ascii_case("LIMIT") && left >= 2 {
            limit = true;
            j += 2;
        } else if w.eq_ignore_ascii_case("STORE") && left >= 1 {
            store = Some(words[j + 1].as_str());
            j += 1;
        } else if w.eq_ignore_ascii_case("BY") && left >= 1 {
            bys.push(words[j + 1].as_str());
            j += 1;
        } else if w.eq_ignore_ascii_case("GET") && left >= 1 {
            j += 1;
        }
        j += 1;
    }
    (bys, limit, store)
}

/// How a SORT's reply is compared, from its words (see the module doc).
fn kind(key: &str, cmd: Vec<String>) -> Step {
    let (bys, limit, store) = parse(&cmd[2..]);
    let alpha = cmd[2..].iter().any(|w| w.eq_ignore_ascii_case("ALPHA"));
    // Any BY without `*` means no sorting (Redis never clears it); the last
    // BY is the one sorted by.
    let loose = if bys.iter().any(|p| !p.contains('*')) {
        key != "sl" && key != "sz" && store.is_none()
    } else {
        !bys.is_empty() && alpha && (key != "sl" || limit)
    };
    match (loose, limit) {
        (false, _) => Step::Cmd(cmd),
        (true, false) => Step::Unordered(cmd),
        (true, true) => Step::Shape(cmd),
    }
}

/// A SORT or SORT_RO, and the stored list after a STORE.
fn sort() -> impl Strategy<Value = Vec<Step>> {
    let key = prop_oneof![
        6 => prop::sample::select(&["sl", "ss", "sz"][..]),
        1 => prop::sample::select(&["sstr", "sh", "nokey"][..]),
    ];
    let name = prop::sample::select(&["SORT", "SORT", "SORT_RO"][..]);
    (name, key, prop::collection::vec(option(), 0..4)).prop_map(|(name, key, opts)| {
        let cmd = [v(&[name, key]), opts.concat()].concat();
        let dst = parse(&cmd[2..]).2.map(str::to_string);
        let step = kind(key, cmd);
        let mut steps = vec![
            Step::Cmd(v(&["ZADD", "errno:reset", "XX", "0", "m"])),
            step.clone(),
        ];
        if let Some(d) = dst {
            let range = v(&["LRANGE", &d, "0", "-1"]);
            steps.push(match step {
                Step::Unordered(_) => Step::Unordered(range),
                Step::Shape(_) => Step::Shape(range),
                _ => Step::Cmd(range),
            });
            // A loosely compared store leaves different lists: start over.
            if !matches!(steps[2], Step::Cmd(_)) {
                steps.push(Step::Cmd(v(&["DEL", &d])));
            }
        }
        steps
    })
}

pub(crate) fn steps() -> BoxedStrategy<Vec<Step>> {
    prop_oneof![
        3 => setup().prop_map(|s| vec![s]),
        4 => sort(),
    ]
    .boxed()
}
