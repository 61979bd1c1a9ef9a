//! The quicklist against a `VecDeque` model: every operation the list
//! commands use, with tiny node limits (1–3 entries, or 4 KB with long
//! elements) so that node splits, merges and removals happen all the time.
//! After each step the list must read the same as the model forwards,
//! backwards and by index, and every node must be non-empty and within its
//! limit (or hold a single oversized entry).

use std::collections::VecDeque;

use kv_cache::db::list::List;
use kv_cache::db::listpack::Listpack;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    PushBack(Vec<u8>),
    PushFront(Vec<u8>),
    PopFront,
    PopBack,
    Set(usize, Vec<u8>),
    Insert(usize, Vec<u8>),
    InsertPivot(Vec<u8>, Vec<u8>, bool),
    RemoveMatching(Vec<u8>, i64),
    RemoveFront(usize),
    RemoveBack(usize),
    Retain(usize, usize),
}

/// Short values from a small alphabet (so LREM and pivots find matches),
/// and now and then a long one (bigger than a 4 KB node by itself).
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => prop::sample::select(&["a", "b", "c", "", "dd"][..]).prop_map(|s| s.as_bytes().to_vec()),
        1 => (1usize..3000).prop_map(|n| vec![b'x'; n]),
        1 => Just(vec![b'y'; 5000]),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => value().prop_map(Op::PushBack),
        4 => value().prop_map(Op::PushFront),
        1 => Just(Op::PopFront),
        1 => Just(Op::PopBack),
        1 => (any::<usize>(), value()).prop_map(|(i, v)| Op::Set(i, v)),
        2 => (any::<usize>(), value()).prop_map(|(i, v)| Op::Insert(i, v)),
        2 => (value(), value(), any::<bool>()).prop_map(|(p, v, a)| Op::InsertPivot(p, v, a)),
        2 => (value(), -3i64..4).prop_map(|(v, c)| Op::RemoveMatching(v, c)),
        1 => (0usize..6).prop_map(Op::RemoveFront),
        1 => (0usize..6).prop_map(Op::RemoveBack),
        1 => (0usize..12, 0usize..12).prop_map(|(a, b)| Op::Retain(a, b)),
    ]
}

fn fill() -> impl Strategy<Value = i64> {
    prop_oneof![Just(1), Just(2), Just(3), Just(-1), Just(-2)]
}

/// Applies `op` to the model the way Redis's list commands define it.
fn apply_model(m: &mut VecDeque<Vec<u8>>, op: &Op) {
    match op {
        Op::PushBack(v) => m.push_back(v.clone()),
        Op::PushFront(v) => m.push_front(v.clone()),
        Op::PopFront => {
            m.pop_front();
        }
        Op::PopBack => {
            m.pop_back();
        }
        Op::Set(i, v) => {
            if !m.is_empty() {
                let i = i % m.len();
                m[i] = v.clone();
            }
        }
        Op::Insert(i, v) => {
            let i = i % (m.len() + 1);
            m.insert(i, v.clone());
        }
        Op::InsertPivot(p, v, after) => {
            if let Some(i) = m.iter().position(|e| e == p) {
                m.insert(if *after { i + 1 } else { i }, v.clone());
            }
        }
        Op::RemoveMatching(v, count) => {
            let limit = if *count == 0 {
                usize::MAX
            } else {
                count.unsigned_abs() as usize
            };
            let mut removed = 0;
            if *count >= 0 {
                let mut i = 0;
                while i < m.len() && removed < limit {
                    if &m[i] == v {
                        m.remove(i);
                        removed += 1;
                    } else {
                        i += 1;
                    }
                }
            } else {
                let mut i = m.len();
                while i > 0 && removed < limit {
                    i -= 1;
                    if &m[i] == v {
                        m.remove(i);
                        removed += 1;
                    }
                }
            }
        }
        Op::RemoveFront(n) => {
            let n = (*n).min(m.len());
            m.drain(..n);
        }
        Op::RemoveBack(n) => {
            let n = (*n).min(m.len());
            m.truncate(m.len() - n);
        }
        Op::Retain(a, b) => {
            if a > b || *a >= m.len() {
                m.clear();
            } else {
                let b = (*b).min(m.len() - 1);
                m.truncate(b + 1);
                m.drain(..*a);
            }
        }
    }
}

/// Applies `op` to the list; returns what the list reported (a count, a
/// found flag, or a popped value) for comparison with the model.
fn apply_list(l: &mut List, m: &VecDeque<Vec<u8>>, op: &Op) -> Option<Vec<u8>> {
    match op {
        Op::PushBack(v) => l.push_back(v),
        Op::PushFront(v) => l.push_front(v),
        Op::PopFront => return l.pop_front(),
        Op::PopBack => return l.pop_back(),
        Op::Set(i, v) => {
            let ok = l.set(if m.is_empty() { *i } else { i % m.len() }, v);
            assert_eq!(ok, !m.is_empty());
        }
        Op::Insert(i, v) => assert!(l.insert(i % (m.len() + 1), v)),
        Op::InsertPivot(p, v, after) => {
            let found = l.insert_at_pivot(p, v, *after);
            assert_eq!(found, m.contains(p));
        }
        Op::RemoveMatching(v, count) => {
            let n = l.remove_matching(v, *count);
            return Some(n.to_string().into_bytes());
        }
        Op::RemoveFront(n) => l.remove_front(*n),
        Op::RemoveBack(n) => l.remove_back(*n),
        Op::Retain(a, b) => l.retain_range(*a, *b),
    }
    None
}

/// What the model says `apply_list` returns.
fn model_result(before: &VecDeque<Vec<u8>>, after: &VecDeque<Vec<u8>>, op: &Op) -> Option<Vec<u8>> {
    match op {
        Op::PopFront => before.front().cloned(),
        Op::PopBack => before.back().cloned(),
        Op::RemoveMatching(..) => Some((before.len() - after.len()).to_string().into_bytes()),
        _ => None,
    }
}

/// Node limits as `List` applies them.
fn node_ok(fill: i64, lp: &Listpack) -> bool {
    if lp.len() == 1 {
        return true;
    }
    if fill < 0 {
        lp.bytes() <= [4096, 8192][(-fill - 1) as usize]
    } else {
        lp.bytes() <= 8192 && lp.len() <= fill as usize
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn list_behaves_like_a_deque(fill in fill(), ops in prop::collection::vec(op(), 0..80)) {
        let mut l = List::new(fill);
        let mut m: VecDeque<Vec<u8>> = VecDeque::new();
        for op in &ops {
            let before = m.clone();
            apply_model(&mut m, op);
            let got = apply_list(&mut l, &before, op);
            prop_assert_eq!(got, model_result(&before, &m, op), "{:?}", op);
            prop_assert_eq!(l.len(), m.len());
            prop_assert_eq!(l.is_empty(), m.is_empty());

            let fwd: Vec<&[u8]> = l.iter().collect();
            let want: Vec<&[u8]> = m.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(&fwd, &want);
            let back: Vec<&[u8]> = l.iter_rev().collect();
            let want_back: Vec<&[u8]> = m.iter().rev().map(Vec::as_slice).collect();
            prop_assert_eq!(back, want_back);

            for i in 0..m.len() {
                prop_assert_eq!(l.get(i), Some(&m[i][..]));
                prop_assert_eq!(l.iter_from(i).len(), m.len() - i);
                prop_assert_eq!(l.iter_from(i).next(), Some(&m[i][..]));
                prop_assert_eq!(l.iter_rev_from(i).next(), Some(&m[i][..]));
                prop_assert_eq!(l.iter_rev_from(i).count(), i + 1);
            }
            prop_assert_eq!(l.get(m.len()), None);
            prop_assert_eq!(l.iter_from(m.len()).next(), None);
            prop_assert_eq!(l.iter_rev_from(m.len()).next(), None);

            let mut total = 0;
            for lp in l.nodes() {
                prop_assert!(!lp.is_empty(), "empty node");
                prop_assert!(node_ok(fill, lp), "node of {} entries, {} bytes, fill {}", lp.len(), lp.bytes(), fill);
                total += lp.len();
            }
            prop_assert_eq!(total, m.len());
        }
    }

    /// `resolve` maps Redis indexes (negative from the tail) into the list.
    #[test]
    fn resolve_counts_negative_from_the_tail(n in 0usize..20, index in -25i64..25) {
        let mut l = List::new(2);
        for i in 0..n {
            l.push_back(i.to_string().as_bytes());
        }
        let want = if index < 0 { n as i64 + index } else { index };
        let want = (0..n as i64).contains(&want).then_some(want as usize);
        prop_assert_eq!(l.resolve(index), want);
    }
}

/// Pushes fill nodes to their limit: at -2 a node holds 8 KB of entries,
/// and pushes at either end never split a node.
#[test]
fn pushes_fill_nodes_to_the_byte_limit() {
    let mut l = List::new(-2);
    for _ in 0..10_000 {
        l.push_back(b"0123456789");
    }
    let sizes: Vec<usize> = l.nodes().map(Listpack::bytes).collect();
    let entry = Listpack::encoded_len(10);
    assert!(sizes.iter().all(|&b| b <= 8192));
    // Every node but the last is full: one more entry would pass 8 KB.
    assert!(sizes[..sizes.len() - 1].iter().all(|&b| b + entry > 8192));
    assert_eq!(l.nodes().map(Listpack::len).sum::<usize>(), 10_000);
}

/// `LREM` of scattered elements merges the thinned nodes back together.
#[test]
fn removal_merges_thin_nodes() {
    let mut l = List::new(4);
    for i in 0..400 {
        l.push_back(if i % 4 == 0 { b"keep" } else { b"drop" });
    }
    assert_eq!(l.nodes().len(), 100);
    assert_eq!(l.remove_matching(b"drop", 0), 300);
    assert_eq!(l.len(), 100);
    assert_eq!(l.nodes().len(), 25);
    assert!(l.iter().all(|v| v == b"keep"));
}

/// Equality ignores how elements are split into nodes.
#[test]
fn equality_is_by_elements() {
    let mut a = List::new(1);
    let mut b = List::new(-5);
    for v in [&b"x"[..], b"y", b"z"] {
        a.push_back(v);
        b.push_back(v);
    }
    assert_ne!(a.nodes().len(), b.nodes().len());
    assert_eq!(a, b);
    b.push_front(b"w");
    assert_ne!(a, b);
}
