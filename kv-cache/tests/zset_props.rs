//! Property tests of the sorted set structures against ordered models:
//!
//! - the arena skiplist (with its member index, `BigZSet`) against a
//!   `BTreeSet<(score, member)>`: inserts, score updates, deletes, ranks,
//!   rank ranges, score and lex range searches, range deletion — with the
//!   skiplist's own invariant check (order, backward links, spans) after
//!   every step;
//! - the `ZSet` interface with small listpack limits, so sets cross the
//!   listpack → skiplist conversion point, against the same model, and a
//!   listpack-encoded copy against a skiplist-encoded one.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use kv_cache::db::zset::skiplist::NIL;
use kv_cache::db::zset::{AddFlags, Added, BigZSet, LexRange, Limits, ScoreRange, ZSet};
use proptest::prelude::*;

/// A score with a total order (no NaN in sorted sets; -0 equals 0).
#[derive(Debug, Clone, Copy)]
struct Score(f64);

impl PartialEq for Score {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}
impl Eq for Score {}
impl PartialOrd for Score {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Score {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.partial_cmp(&o.0).unwrap_or(Ordering::Equal)
    }
}

/// The model: member → score, and the ordered pairs.
#[derive(Debug, Default)]
struct Model {
    scores: BTreeMap<Vec<u8>, f64>,
    order: BTreeSet<(Score, Vec<u8>)>,
}

impl Model {
    fn insert(&mut self, s: f64, m: &[u8]) {
        if let Some(old) = self.scores.insert(m.to_vec(), s) {
            self.order.remove(&(Score(old), m.to_vec()));
        }
        self.order.insert((Score(s), m.to_vec()));
    }
    fn remove(&mut self, m: &[u8]) -> bool {
        match self.scores.remove(m) {
            Some(s) => {
                self.order.remove(&(Score(s), m.to_vec()));
                true
            }
            None => false,
        }
    }
    fn sorted(&self) -> Vec<(Vec<u8>, f64)> {
        self.order.iter().map(|(s, m)| (m.clone(), s.0)).collect()
    }
    fn rank(&self, m: &[u8]) -> Option<usize> {
        let s = *self.scores.get(m)?;
        Some(self.order.range(..(Score(s), m.to_vec())).count())
    }
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![
            f64::NEG_INFINITY,
            -1.5,
            -0.0,
            0.0,
            1.0,
            2.0,
            2.5,
            1e20,
            f64::INFINITY
        ]),
        (-50i32..50).prop_map(f64::from),
    ]
}

fn member() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => prop::collection::vec(prop::sample::select(b"abcde".to_vec()), 0..3),
        1 => prop::collection::vec(any::<u8>(), 20..30),
    ]
}

fn range_bound() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        score().prop_map(|s| s.to_string().into_bytes()),
        score().prop_map(|s| format!("({s}").into_bytes()),
        Just(b"-inf".to_vec()),
        Just(b"+inf".to_vec()),
    ]
}

fn lex_bound() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"-".to_vec()),
        Just(b"+".to_vec()),
        member().prop_map(|m| [b"[".to_vec(), m].concat()),
        member().prop_map(|m| [b"(".to_vec(), m].concat()),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Add(f64, Vec<u8>),
    Remove(Vec<u8>),
    RemoveRanks(usize, usize),
    Ranks(Vec<u8>),
    Scores(Vec<u8>, Vec<u8>),
    Lex(Vec<u8>, Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (score(), member()).prop_map(|(s, m)| Op::Add(s, m)),
        2 => member().prop_map(Op::Remove),
        1 => (0usize..40, 0usize..6).prop_map(|(a, n)| Op::RemoveRanks(a, a + n)),
        2 => member().prop_map(Op::Ranks),
        2 => (range_bound(), range_bound()).prop_map(|(a, b)| Op::Scores(a, b)),
        2 => (lex_bound(), lex_bound()).prop_map(|(a, b)| Op::Lex(a, b)),
    ]
}

/// The model's answer for the first and last rank in a score range.
fn model_score_range(model: &Model, r: &ScoreRange) -> Option<(usize, usize)> {
    let ranks: Vec<usize> = model
        .order
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| r.gte_min(s.0) && r.lte_max(s.0))
        .map(|(i, _)| i)
        .collect();
    Some((*ranks.first()?, *ranks.last()?))
}

/// Ranks in a lex range when all scores are equal (lex ranges are only
/// defined then).
fn model_lex_range(model: &Model, r: &LexRange<'_>) -> Option<(usize, usize)> {
    let ranks: Vec<usize> = model
        .order
        .iter()
        .enumerate()
        .filter(|(_, (_, m))| r.gte_min(m) && r.lte_max(m))
        .map(|(i, _)| i)
        .collect();
    Some((*ranks.first()?, *ranks.last()?))
}

fn check_big(z: &BigZSet, model: &Model) -> Result<(), TestCaseError> {
    z.list().check().map_err(TestCaseError::fail)?;
    prop_assert_eq!(z.len(), model.scores.len());
    prop_assert_eq!(z.index().len(), model.scores.len());
    let mut got = Vec::new();
    let mut n = z.list().first();
    while n != NIL {
        got.push((z.list().member(n).to_vec(), z.list().score(n)));
        n = z.list().next(n);
    }
    prop_assert_eq!(got, model.sorted());
    let mut back = Vec::new();
    let mut n = z.list().last();
    while n != NIL {
        back.push(z.list().member(n).to_vec());
        n = z.list().prev(n);
    }
    back.reverse();
    let fwd: Vec<Vec<u8>> = model.sorted().into_iter().map(|(m, _)| m).collect();
    prop_assert_eq!(back, fwd);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The skiplist with its index agrees with the ordered model.
    #[test]
    fn skiplist_matches_model(ops in prop::collection::vec(op(), 1..120)) {
        let mut z = BigZSet::new();
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Add(s, m) => {
                    match z.find(&m) {
                        Some(n) => z.set_score(n, s),
                        None => { z.insert(s, &m); }
                    }
                    model.insert(s, &m);
                }
                Op::Remove(m) => prop_assert_eq!(z.remove(&m), model.remove(&m)),
                Op::RemoveRanks(a, b) => {
                    let len = model.scores.len();
                    let want = if a < len { b.min(len - 1) + 1 - a } else { 0 };
                    let gone: Vec<Vec<u8>> = model.sorted().into_iter().skip(a).take(want).map(|(m, _)| m).collect();
                    let removed = if a < len { z.remove_ranks(a, b.min(len - 1)) } else { 0 };
                    prop_assert_eq!(removed, want);
                    for m in gone { model.remove(&m); }
                }
                Op::Ranks(m) => {
                    let r = z.find(&m).map(|n| z.rank(n));
                    prop_assert_eq!(r, model.rank(&m));
                    if let Some(r) = r {
                        prop_assert_eq!(z.list().member(z.at_rank(r)), &m[..]);
                        prop_assert_eq!(z.score(&m), model.scores.get(&m).copied());
                    }
                    prop_assert_eq!(z.at_rank(model.scores.len()), NIL);
                }
                Op::Scores(a, b) => {
                    if let Some(r) = ScoreRange::parse(&a, &b) {
                        let first = z.list().first_in_range(&r).map(|(_, k)| k - 1);
                        let last = z.list().last_in_range(&r).map(|(_, k)| k - 1);
                        let want = model_score_range(&model, &r);
                        prop_assert_eq!(first, want.map(|w| w.0));
                        prop_assert_eq!(last, want.map(|w| w.1));
                    }
                }
                Op::Lex(a, b) => {
                    // Lex ranges need equal scores: check on a copy with all scores 0.
                    if let Some(r) = LexRange::parse(&a, &b) {
                        let mut flat = BigZSet::new();
                        let mut flat_model = Model::default();
                        for m in model.scores.keys() {
                            flat.insert(0.0, m);
                            flat_model.insert(0.0, m);
                        }
                        let first = flat.list().first_in_lex_range(&r).map(|(_, k)| k - 1);
                        let last = flat.list().last_in_lex_range(&r).map(|(_, k)| k - 1);
                        let want = model_lex_range(&flat_model, &r);
                        prop_assert_eq!(first, want.map(|w| w.0));
                        prop_assert_eq!(last, want.map(|w| w.1));
                    }
                }
            }
            check_big(&z, &model)?;
        }
    }

    /// `ZSet` with tiny listpack limits: every operation agrees with the
    /// model on either side of the conversion, and the encoding flips
    /// exactly when a limit is crossed.
    #[test]
    fn listpack_and_skiplist_agree(ops in prop::collection::vec(op(), 1..80), max_entries in 0usize..8) {
        let limits = Limits { max_entries, max_value: 10 };
        let mut z = ZSet::new();
        let mut model = Model::default();
        let mut ever_big = false;
        for op in ops {
            match op {
                Op::Add(s, m) => {
                    let out = z.add(s, &m, AddFlags::default(), limits);
                    let had = model.scores.get(&m).copied();
                    match had {
                        None => prop_assert_eq!(out, Added::Added(s)),
                        Some(old) if old == s => prop_assert_eq!(out, Added::Same(s)),
                        Some(_) => prop_assert_eq!(out, Added::Updated(s)),
                    }
                    if had.is_none() && (model.scores.len() + 1 > max_entries || m.len() > 10) {
                        ever_big = true;
                    }
                    model.insert(s, &m);
                }
                Op::Remove(m) => prop_assert_eq!(z.remove(&m), model.remove(&m)),
                Op::RemoveRanks(a, b) => {
                    let len = model.scores.len();
                    let gone: Vec<Vec<u8>> = model.sorted().into_iter().skip(a).take((b + 1).saturating_sub(a)).map(|(m, _)| m).collect();
                    prop_assert_eq!(z.remove_ranks(a, b), gone.len().min(len));
                    for m in gone { model.remove(&m); }
                }
                Op::Ranks(m) => {
                    prop_assert_eq!(z.rank(&m), model.rank(&m));
                    prop_assert_eq!(z.score(&m), model.scores.get(&m).copied());
                }
                Op::Scores(a, b) => {
                    if let Some(r) = ScoreRange::parse(&a, &b) {
                        let want = model_score_range(&model, &r);
                        prop_assert_eq!(z.first_in_range(&r).map(|(_, k)| k), want.map(|w| w.0));
                        prop_assert_eq!(z.last_in_range(&r).map(|(_, k)| k), want.map(|w| w.1));
                    }
                }
                Op::Lex(..) => {}
            }
            prop_assert_eq!(z.encoding(), if ever_big { "skiplist" } else { "listpack" });
            let got: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
            prop_assert_eq!(&got, &model.sorted());
            // Walk by positions both ways.
            let mut fwd = Vec::new();
            let mut p = z.at_rank(0);
            while let Some(q) = p {
                fwd.push(z.get(q).0.to_vec());
                p = z.step(q, false);
            }
            prop_assert_eq!(fwd.len(), got.len());
            if let Some(last) = got.len().checked_sub(1) {
                let mut back = Vec::new();
                let mut p = z.at_rank(last);
                while let Some(q) = p {
                    back.push(z.get(q).0.to_vec());
                    p = z.step(q, true);
                }
                back.reverse();
                prop_assert_eq!(back, fwd);
            }
            // The other encoding of the same contents compares equal.
            let mut other = z.clone();
            other.make_big();
            prop_assert_eq!(&other, &z);
            other.fit(Limits { max_entries: 1000, max_value: 1000 });
            prop_assert_eq!(other.encoding(), "listpack");
            prop_assert_eq!(&other, &z);
        }
    }
}

/// A large set exercises many levels and the arena's compaction.
#[test]
fn large_set_ranks_and_compaction() {
    let mut z = BigZSet::new();
    for i in 0..20_000u32 {
        z.insert(f64::from(i % 977), format!("m{i}").as_bytes());
    }
    z.list().check().unwrap();
    for i in (0..20_000u32).step_by(997) {
        let m = format!("m{i}");
        let n = z.find(m.as_bytes()).unwrap();
        assert_eq!(z.list().member(z.at_rank(z.rank(n))), m.as_bytes());
    }
    let before = z.list().arena_len();
    assert_eq!(z.remove_ranks(100, 19_499), 19_400);
    z.list().check().unwrap();
    assert_eq!(z.len(), 600);
    assert!(z.list().arena_len() < before / 4, "arena compacted");
    // The index follows the renumbered nodes.
    assert_eq!(z.index().len(), 600);
    let mut n = z.list().first();
    while n != NIL {
        let m = z.list().member(n).to_vec();
        assert_eq!(z.find(&m), Some(n));
        n = z.list().next(n);
    }
    while !z.is_empty() {
        let first = z.list().first();
        z.remove_node(first);
    }
    z.list().check().unwrap();
}
