//! The radix tree against a naive matcher: for random route sets and random
//! paths, both pick the same route (static > param > catch-all, segment by
//! segment from the left) and capture the same values.

use mini_web::router::Tree;
use proptest::prelude::*;

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Static(&'static str),
    Param,
    CatchAll,
}

fn pattern(segs: &[Seg]) -> String {
    segs.iter()
        .enumerate()
        .map(|(i, s)| match s {
            Seg::Static(t) => format!("/{t}"),
            // Same position, same name: different names there would be a conflict by design.
            Seg::Param => format!("/{{p{i}}}"),
            Seg::CatchAll => format!("/{{*c{i}}}"),
        })
        .collect()
}

/// The kinds of a match, for lexicographic priority (0 static, 1 param, 2 catch-all), and the captures.
fn naive(segs: &[Seg], path: &str) -> Option<(Vec<u8>, Vec<String>)> {
    let parts: Vec<&str> = path[1..].split('/').collect();
    let mut kinds = Vec::new();
    let mut caps = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        match s {
            Seg::Static(t) => {
                if parts.get(i) != Some(t) {
                    return None;
                }
                kinds.push(0);
            }
            Seg::Param => {
                let p = parts.get(i).filter(|p| !p.is_empty())?;
                kinds.push(1);
                caps.push(p.to_string());
            }
            Seg::CatchAll => {
                let rest = parts.get(i..)?.join("/");
                if rest.is_empty() {
                    return None;
                }
                kinds.push(2);
                caps.push(rest);
                return Some((kinds, caps));
            }
        }
    }
    (parts.len() == segs.len()).then_some((kinds, caps))
}

fn route() -> impl Strategy<Value = Vec<Seg>> {
    let seg = prop_oneof![
        4 => prop::sample::select(vec!["a", "b", "ab", "abc", "", "users"]).prop_map(Seg::Static),
        2 => Just(Seg::Param),
    ];
    (prop::collection::vec(seg, 1..4), any::<bool>()).prop_map(|(mut segs, catch_all)| {
        if catch_all {
            segs.push(Seg::CatchAll);
        }
        segs
    })
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["a", "b", "ab", "abc", "", "users", "x", "a.b"]),
        1..6,
    )
    .prop_map(|segs| segs.iter().map(|s| format!("/{s}")).collect())
}

proptest! {
    #[test]
    fn tree_agrees_with_naive_matcher(routes in prop::collection::vec(route(), 1..10), paths in prop::collection::vec(path(), 1..20)) {
        let mut tree = Tree::new();
        let mut inserted: Vec<Vec<Seg>> = Vec::new();
        for r in &routes {
            if tree.insert(&pattern(r), inserted.len()).is_ok() {
                inserted.push(r.clone());
            } else {
                // Only an exact duplicate shape may conflict with these generators.
                prop_assert!(inserted.iter().any(|i| pattern(i) == pattern(r)));
            }
        }
        for p in &paths {
            let want = inserted
                .iter()
                .enumerate()
                .filter_map(|(i, r)| naive(r, p).map(|(k, c)| (k, i, c)))
                .min_by(|a, b| a.0.cmp(&b.0));
            let got = tree.at(p).map(|m| {
                let caps: Vec<String> = m.params.iter().map(|(_, s, e)| p[s..e].to_string()).collect();
                (*m.value, caps)
            });
            prop_assert_eq!(got, want.map(|(_, i, c)| (i, c)), "path {} routes {:?}", p, inserted.iter().map(|r| pattern(r)).collect::<Vec<_>>());
        }
    }
}
