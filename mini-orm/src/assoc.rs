//! Associations and eager loading without N+1.
//!
//! Loading 9 users, then each user's posts one query at a time, then each
//! post's comments, is 1 + 9 + 90 queries (the *N+1 problem*). Here each
//! level is one query, `WHERE child.parent_id IN (ids of the level above)`,
//! and the children are grouped under their parents in memory — Diesel's
//! `belonging_to` + `grouped_by`, GORM's `Preload`:
//!
//! ```text
//! users ─► SELECT .. FROM users                        (1 query)
//! posts ─► SELECT .. FROM posts WHERE user_id IN (..)  (1 query)
//! comms ─► SELECT .. FROM comments WHERE post_id IN (..)(1 query)
//!          grouped_by: HashMap<parent id, slot> ─► Vec<Vec<child>> aligned with parents
//! ```
//!
//! Keys used by associations are integers (`i64`/`i32`, optionally `Option`).

use std::collections::HashMap;

use crate::db::Db;
use crate::error::Result;
use crate::expr::Column;
use crate::model::Model;
use crate::query::Query;
use crate::value::ValueRef;

/// A field that can hold a reference to a parent's integer key.
pub trait ForeignKey {
    /// The key, or `None` for a NULL reference.
    fn as_key(&self) -> Option<i64>;
}
impl ForeignKey for i64 {
    fn as_key(&self) -> Option<i64> {
        Some(*self)
    }
}
impl ForeignKey for i32 {
    fn as_key(&self) -> Option<i64> {
        Some(i64::from(*self))
    }
}
impl<T: ForeignKey> ForeignKey for Option<T> {
    fn as_key(&self) -> Option<i64> {
        self.as_ref().and_then(ForeignKey::as_key)
    }
}

/// `Self` holds a foreign key to `P` (Diesel's `BelongsTo`, written with
/// `#[orm(belongs_to(P, foreign_key = "field"))]`).
pub trait BelongsTo<P: Model>: Model {
    /// The foreign-key column in `Self`'s table.
    const FOREIGN_KEY: &'static str;

    /// The parent's key this record points at.
    fn parent_key(&self) -> Option<i64>;

    /// The children of `parents`, as one query: `WHERE fk IN (parent keys)`.
    fn belonging_to(parents: &[P]) -> Query<Self> {
        let keys = parents.iter().filter_map(key_of);
        Query::new().filter(Column::<Self, i64>::new(Self::FOREIGN_KEY).in_(keys))
    }
}

/// A model's primary key as an integer, if it is one.
pub fn key_of<M: Model>(m: &M) -> Option<i64> {
    match m.key() {
        ValueRef::Integer(i) => Some(i),
        _ => None,
    }
}

/// Groups `children` under `parents` by `key` (a child's parent key):
/// the result has one `Vec` per parent, in the parents' order; children
/// whose parent is not in `parents` are dropped. Order within a group is
/// the children's order.
pub fn group_by_key<C, P: Model>(
    children: impl IntoIterator<Item = C>,
    parents: &[P],
    key: impl Fn(&C) -> Option<i64>,
) -> Vec<Vec<C>> {
    let slots: HashMap<i64, usize> = parents
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((key_of(p)?, i)))
        .collect();
    let mut groups: Vec<Vec<C>> = (0..parents.len()).map(|_| Vec::new()).collect();
    for child in children {
        if let Some(&slot) = key(&child).and_then(|k| slots.get(&k)) {
            groups[slot].push(child);
        }
    }
    groups
}

/// `children.grouped_by(&parents)`: Diesel's `GroupedBy`.
pub trait GroupedBy<P> {
    /// The element type.
    type Child;
    /// One `Vec` of children per parent, aligned with `parents`.
    fn grouped_by(self, parents: &[P]) -> Vec<Vec<Self::Child>>;
}

impl<P: Model, C: BelongsTo<P>> GroupedBy<P> for Vec<C> {
    type Child = C;
    fn grouped_by(self, parents: &[P]) -> Vec<Vec<C>> {
        group_by_key(self, parents, BelongsTo::<P>::parent_key)
    }
}

impl Db {
    /// Has-many: the children of every parent, in one query per
    /// `max_params` parents, grouped to align with `parents`.
    pub fn load_children<P: Model, C: BelongsTo<P>>(&self, parents: &[P]) -> Result<Vec<Vec<C>>> {
        let mut children = Vec::new();
        for chunk in parents.chunks(self.max_params()) {
            children.extend(C::belonging_to(chunk).all(self)?);
        }
        Ok(children.grouped_by(parents))
    }

    /// Belongs-to: each child's parent (`None` for a NULL or dangling key),
    /// in one query per `max_params` keys: `WHERE parent.pk IN (distinct keys)`.
    /// A parent shared by several children is cloned.
    pub fn load_parents<C: BelongsTo<P>, P: Model + Clone>(
        &self,
        children: &[C],
    ) -> Result<Vec<Option<P>>> {
        let keys: Vec<i64> = children
            .iter()
            .filter_map(BelongsTo::<P>::parent_key)
            .collect();
        let parents = self.load_by_keys::<P>(keys)?;
        Ok(children
            .iter()
            .map(|c| c.parent_key().and_then(|k| parents.get(&k)).cloned())
            .collect())
    }

    /// Many-to-many through join model `J` (which belongs to both `A` and
    /// `B`): for each `a`, its `B`s, in two queries (join rows, then `B`s).
    pub fn load_many_to_many<A: Model, J, B: Model + Clone>(
        &self,
        parents: &[A],
    ) -> Result<Vec<Vec<B>>>
    where
        J: BelongsTo<A> + BelongsTo<B>,
    {
        let links: Vec<Vec<J>> = self.load_children::<A, J>(parents)?;
        let keys: Vec<i64> = links
            .iter()
            .flatten()
            .filter_map(BelongsTo::<B>::parent_key)
            .collect();
        let targets = self.load_by_keys::<B>(keys)?;
        Ok(links
            .iter()
            .map(|group| {
                group
                    .iter()
                    .filter_map(|j| {
                        BelongsTo::<B>::parent_key(j)
                            .and_then(|k| targets.get(&k))
                            .cloned()
                    })
                    .collect()
            })
            .collect())
    }

    /// The rows of `M` whose integer key is in `keys`, by key.
    fn load_by_keys<M: Model>(&self, mut keys: Vec<i64>) -> Result<HashMap<i64, M>> {
        keys.sort_unstable();
        keys.dedup();
        let pk = Column::<M, i64>::new(M::COLUMNS[M::PK].name);
        let mut found = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(self.max_params()) {
            for m in Query::<M>::new()
                .filter(pk.in_(chunk.iter().copied()))
                .all(self)?
            {
                if let Some(k) = key_of(&m) {
                    found.insert(k, m);
                }
            }
        }
        Ok(found)
    }
}
