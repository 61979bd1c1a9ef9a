//! Property: a generated filter expression returns exactly the rows that the
//! same predicate, evaluated in Rust over the same data, selects.

use mini_orm::{Db, Filter, Model};
use proptest::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
struct Item {
    id: i64,
    n: i64,
    label: String,
    tag: Option<String>,
}

/// A predicate with both an SQL and a Rust reading.
#[derive(Clone, Debug)]
enum Pred {
    NEq(i64),
    NGt(i64),
    NLe(i64),
    NIn(Vec<i64>),
    LabelEq(String),
    LabelPrefix(String),
    TagNull,
    TagEq(String),
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
    Not(Box<Pred>),
}

impl Pred {
    fn filter(&self) -> Filter {
        match self {
            Pred::NEq(v) => Item::N.eq(*v),
            Pred::NGt(v) => Item::N.gt(*v),
            Pred::NLe(v) => Item::N.le(*v),
            Pred::NIn(vs) => Item::N.in_(vs.clone()),
            Pred::LabelEq(s) => Item::LABEL.eq(s.as_str()),
            Pred::LabelPrefix(s) => Item::LABEL.like(&format!("{s}%")),
            Pred::TagNull => Item::TAG.is_null(),
            Pred::TagEq(s) => Item::TAG.eq(s.as_str()),
            Pred::And(a, b) => a.filter().and(b.filter()),
            Pred::Or(a, b) => a.filter().or(b.filter()),
            Pred::Not(a) => a.filter().not(),
        }
    }

    /// SQL's three-valued logic: `None` is UNKNOWN (a comparison with NULL).
    fn eval(&self, it: &Item) -> Option<bool> {
        match self {
            Pred::NEq(v) => Some(it.n == *v),
            Pred::NGt(v) => Some(it.n > *v),
            Pred::NLe(v) => Some(it.n <= *v),
            Pred::NIn(vs) => Some(vs.contains(&it.n)),
            Pred::LabelEq(s) => Some(it.label == *s),
            // Labels and prefixes are lowercase ASCII letters: no wildcards,
            // and LIKE's ASCII case folding does not matter.
            Pred::LabelPrefix(s) => Some(it.label.starts_with(s.as_str())),
            Pred::TagNull => Some(it.tag.is_none()),
            Pred::TagEq(s) => it.tag.as_ref().map(|t| t == s),
            Pred::And(a, b) => match (a.eval(it), b.eval(it)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Pred::Or(a, b) => match (a.eval(it), b.eval(it)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Pred::Not(a) => a.eval(it).map(|b| !b),
        }
    }
}

fn word() -> impl Strategy<Value = String> {
    "[a-c]{0,3}"
}

fn pred() -> impl Strategy<Value = Pred> {
    let leaf = prop_oneof![
        (-5i64..5).prop_map(Pred::NEq),
        (-5i64..5).prop_map(Pred::NGt),
        (-5i64..5).prop_map(Pred::NLe),
        prop::collection::vec(-5i64..5, 0..4).prop_map(Pred::NIn),
        word().prop_map(Pred::LabelEq),
        word().prop_map(Pred::LabelPrefix),
        Just(Pred::TagNull),
        word().prop_map(Pred::TagEq),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pred::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Pred::Not(Box::new(a))),
        ]
    })
}

fn items() -> impl Strategy<Value = Vec<Item>> {
    prop::collection::vec(((-5i64..5), word(), prop::option::of(word())), 0..20).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (n, label, tag))| Item {
                id: i as i64 + 1,
                n,
                label,
                tag,
            })
            .collect()
    })
}

thread_local! {
    /// One database for every case, so the shape cache sees hundreds of
    /// different filter structures (and the same structures with different
    /// values) on one connection.
    static DB: Db = {
        let db = Db::open_in_memory().unwrap();
        db.create_table::<Item>().unwrap();
        db
    };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn sql_filter_matches_rust_filter(data in items(), p in pred()) {
        DB.with(|db| {
            Item::query().delete(db).unwrap();
            for it in &data {
                db.upsert(it).unwrap();
            }
            let got = Item::query().filter(p.filter()).order_by(Item::ID.asc()).all(db).unwrap();
            let want: Vec<Item> = data.iter().filter(|it| p.eval(it) == Some(true)).cloned().collect();
            prop_assert_eq!(got, want, "predicate {:?}", p);
            Ok(())
        })?;
    }
}
