//! Property tests of the hash and set encodings against std models, with
//! thresholds small enough that every run crosses the conversion points:
//!
//! - `Hash` vs an insertion-ordered `Vec` of pairs (a listpack must keep
//!   that order) and the rule for when it becomes a hashtable;
//! - `Set` vs a `HashSet` (an intset must iterate in ascending order), and
//!   the rule for when it becomes a hashtable;
//! - `IntSet` vs a `BTreeSet`, including the 16 → 32 → 64-bit upgrades.

use std::collections::{BTreeSet, HashSet};

use kv_cache::db::hash::{Hash, Limits};
use kv_cache::db::intset::IntSet;
use kv_cache::db::set::Set;
use kv_cache::protocol::parse_i64;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum HashOp {
    Set(Vec<u8>, Vec<u8>),
    Remove(Vec<u8>),
}

/// Short names from a small alphabet (so updates and removals hit), and
/// now and then one longer than any `max_value` below.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::collection::vec(prop::sample::select(&b"ab1"[..]), 0..3),
        1 => prop::collection::vec(any::<u8>(), 9..14),
    ]
}

fn hash_op() -> impl Strategy<Value = HashOp> {
    prop_oneof![
        3 => (bytes(), bytes()).prop_map(|(f, v)| HashOp::Set(f, v)),
        1 => bytes().prop_map(HashOp::Remove),
    ]
}

fn pairs_of(h: &Hash) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    h.for_each(|k, v| out.push((k.to_vec(), v.to_vec())));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Every operation agrees with the model; the encoding is listpack
    /// until a field or value longer than `max_value` arrives or the
    /// fields outnumber `max_entries`, then hashtable for good; while a
    /// listpack, iteration is insertion order.
    #[test]
    fn hash_matches_an_ordered_model(
        max_entries in 0usize..6,
        max_value in 0usize..10,
        ops in prop::collection::vec(hash_op(), 1..80),
    ) {
        let lim = Limits { max_entries, max_value };
        let mut h = Hash::new();
        let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut converted = false;
        for op in ops {
            match op {
                HashOp::Set(f, v) => {
                    converted |= f.len() > max_value || v.len() > max_value;
                    let existed = model.iter().position(|(k, _)| *k == f);
                    let new = h.set(&f, &v, lim);
                    prop_assert_eq!(new, existed.is_none());
                    match existed {
                        Some(i) => model[i].1 = v,
                        None => model.push((f, v)),
                    }
                    converted |= model.len() > max_entries;
                }
                HashOp::Remove(f) => {
                    let existed = model.iter().position(|(k, _)| *k == f);
                    prop_assert_eq!(h.remove(&f), existed.is_some());
                    if let Some(i) = existed {
                        model.remove(i);
                    }
                }
            }
            prop_assert_eq!(h.len(), model.len());
            prop_assert_eq!(h.encoding(), if converted { "hashtable" } else { "listpack" });
            for (k, v) in &model {
                prop_assert_eq!(h.get(k), Some(&v[..]));
                prop_assert!(h.contains(k));
            }
            prop_assert_eq!(h.get(b"absent"), None);
            let got = pairs_of(&h);
            if converted {
                let mut got = got;
                let mut want = model.clone();
                got.sort();
                want.sort();
                prop_assert_eq!(got, want);
            } else {
                prop_assert_eq!(&got, &model);
            }
            prop_assert!(h.clone() == h);
        }
        if let Some((k, v)) = h.random() {
            prop_assert!(model.contains(&(k.to_vec(), v.to_vec())));
        }
    }
}

/// Set members: canonical integers of each width, near-integers that
/// are not canonical, and strings.
fn member() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (-40i64..40).prop_map(|n| n.to_string().into_bytes()),
        1 => prop::sample::select(&[i64::MIN, i64::MAX, 70_000, -70_000, 1 << 40][..]).prop_map(|n| n.to_string().into_bytes()),
        1 => prop::sample::select(&["01", "+1", "-0", "", "a", "b", "1.0", "99999999999999999999"][..]).prop_map(|s| s.as_bytes().to_vec()),
    ]
}

#[derive(Debug, Clone)]
enum SetOp {
    Add(Vec<u8>),
    Remove(Vec<u8>),
    Pop,
}

fn set_op() -> impl Strategy<Value = SetOp> {
    prop_oneof![
        4 => member().prop_map(SetOp::Add),
        2 => member().prop_map(SetOp::Remove),
        1 => Just(SetOp::Pop),
    ]
}

fn members_of(s: &Set) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    s.for_each(|m| out.push(m.to_sds().to_vec()));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Every operation agrees with a `HashSet`; the set is an intset (and
    /// iterates ascending) until a non-integer arrives or it outgrows
    /// `max_intset`, then a hashtable for good.
    #[test]
    fn set_matches_a_hashset(
        max_intset in 0usize..6,
        first in member(),
        ops in prop::collection::vec(set_op(), 1..80),
    ) {
        // As SADD creates a set: from its first member, then adds it.
        let mut s = Set::new_for(&first);
        let mut converted = parse_i64(&first).is_none();
        let mut model: HashSet<Vec<u8>> = HashSet::new();
        for op in std::iter::once(SetOp::Add(first)).chain(ops) {
            match op {
                SetOp::Add(m) => {
                    converted |= parse_i64(&m).is_none();
                    prop_assert_eq!(s.add(&m, max_intset), model.insert(m));
                    converted |= model.len() > max_intset;
                }
                SetOp::Remove(m) => prop_assert_eq!(s.remove(&m), model.remove(&m)),
                SetOp::Pop => match s.pop_random() {
                    Some(m) => prop_assert!(model.remove(&m[..])),
                    None => prop_assert!(model.is_empty()),
                },
            }
            prop_assert_eq!(s.len(), model.len());
            prop_assert_eq!(s.encoding(), if converted { "hashtable" } else { "intset" });
            let got = members_of(&s);
            prop_assert_eq!(got.iter().cloned().collect::<HashSet<_>>(), model.clone());
            prop_assert_eq!(got.len(), model.len(), "no member twice");
            if !converted {
                let nums: Vec<i64> = got.iter().filter_map(|m| parse_i64(m)).collect();
                prop_assert!(nums.windows(2).all(|w| w[0] < w[1]), "intset order: {:?}", nums);
            }
            for m in &model {
                prop_assert!(s.contains(m));
            }
            for probe in [&b"01"[..], b"+1", b"-0", b"zz"] {
                prop_assert_eq!(s.contains(probe), model.contains(probe));
            }
            prop_assert!(s.clone() == s);
        }
    }
}

#[derive(Debug, Clone)]
enum IntOp {
    Insert(i64),
    Remove(i64),
    RemoveAt(usize),
}

/// Values of each width, weighted towards 16 bits so upgrades happen
/// part-way through a run.
fn int_value() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => -300i64..300,
        1 => prop::sample::select(&[i16::MIN as i64, i16::MAX as i64, i16::MIN as i64 - 1, i16::MAX as i64 + 1][..]),
        1 => any::<i32>().prop_map(i64::from),
        1 => any::<i64>(),
        1 => prop::sample::select(&[i64::MIN, i64::MAX, i32::MIN as i64 - 1, i32::MAX as i64 + 1][..]),
    ]
}

fn int_op() -> impl Strategy<Value = IntOp> {
    prop_oneof![
        4 => int_value().prop_map(IntOp::Insert),
        2 => int_value().prop_map(IntOp::Remove),
        1 => any::<usize>().prop_map(IntOp::RemoveAt),
    ]
}

fn width_of(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// An intset is a `BTreeSet<i64>` whose width is the widest any member
    /// ever needed (it never narrows, as in Redis).
    #[test]
    fn intset_matches_a_btreeset(ops in prop::collection::vec(int_op(), 1..120)) {
        let mut s = IntSet::new();
        let mut model = BTreeSet::new();
        let mut width = 2;
        for op in ops {
            match op {
                IntOp::Insert(v) => {
                    prop_assert_eq!(s.insert(v), model.insert(v));
                    width = width.max(width_of(v));
                }
                IntOp::Remove(v) => prop_assert_eq!(s.remove(v), model.remove(&v)),
                IntOp::RemoveAt(i) if !model.is_empty() => {
                    let i = i % model.len();
                    let want = *model.iter().nth(i).unwrap();
                    prop_assert_eq!(s.remove_at(i), Some(want));
                    model.remove(&want);
                }
                IntOp::RemoveAt(i) => prop_assert_eq!(s.remove_at(i), None),
            }
            prop_assert_eq!(s.width(), width);
            prop_assert_eq!(s.len(), model.len());
            prop_assert!(s.iter().eq(model.iter().copied()));
            prop_assert!(s.iter().rev().eq(model.iter().rev().copied()));
            for v in [0, -1, 300, i64::MIN, i64::MAX, 1 << 20] {
                prop_assert_eq!(s.contains(v), model.contains(&v));
            }
        }
    }
}
