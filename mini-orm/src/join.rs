//! Joins across two and three tables, read into typed tuples: Diesel's
//! `left_join`/`inner_join` chains, GORM's `Joins`.
//!
//! ```text
//! User::query()                         Query<User>
//!   .left_join::<Post>(on)              Join<User, Post>         → (User, Option<Post>)
//!   .left_join::<Comment>(on)           Join3<User, Post, Comment>
//!   .all(db)                            → Vec<(User, Option<Post>, Option<Comment>)>
//! ```
//!
//! Each joined table is one [`Step`] (`LEFT|INNER JOIN t ON ...`); both
//! join types render and load through the same two functions, so a third
//! table adds a type and no new SQL code. The query's filter, order,
//! limit and soft-delete scope apply as on the base table; a joined
//! model's soft-delete column is not filtered (write it in `on`).

use std::marker::PhantomData;

use crate::db::Db;
use crate::dialect::{Dialect, QuoteStyle};
use crate::error::Result;
use crate::expr::{Filter, push_str_id};
use crate::model::Model;
use crate::query::Query;
use crate::row::FromRow;
use crate::value::{Value, ValueRef};

/// Statement kind at the head of a join's shape key (a plain SELECT is 1).
const SHAPE_JOIN: usize = 2;

/// One joined table.
struct Step {
    /// The joined table.
    table: &'static str,
    /// Its select list, ANSI-quoted.
    ansi: &'static str,
    /// Its select list, backtick-quoted.
    backtick: &'static str,
    /// LEFT (else INNER).
    left: bool,
    /// The ON condition.
    on: Filter,
}

impl Step {
    fn of<P: Model>(left: bool, on: Filter) -> Step {
        Step {
            table: P::TABLE,
            ansi: P::SELECT_LIST,
            backtick: P::SELECT_LIST_BACKTICK,
            left,
            on,
        }
    }

    fn select_list(&self, d: &dyn Dialect) -> &'static str {
        match d.quote_style() {
            QuoteStyle::Ansi => self.ansi,
            QuoteStyle::Backtick => self.backtick,
        }
    }
}

/// `SELECT m.*, p.*, ... FROM m JOIN p ON ... JOIN q ON ... <tail>`.
fn render<M: Model>(query: &Query<M>, steps: &[Step], d: &dyn Dialect) -> (String, Vec<Value>) {
    let mut sql = String::with_capacity(128);
    let mut params = Vec::new();
    sql.push_str("SELECT ");
    sql.push_str(M::select_list(d));
    for s in steps {
        sql.push_str(", ");
        sql.push_str(s.select_list(d));
    }
    Query::<M>::write_from(d, &mut sql);
    for s in steps {
        sql.push_str(if s.left {
            " LEFT JOIN "
        } else {
            " INNER JOIN "
        });
        d.quote(s.table, &mut sql);
        sql.push_str(" ON ");
        s.on.write_sql(d, &mut sql, &mut params);
    }
    query.write_tail(d, &mut sql, &mut params);
    (sql, params)
}

/// Runs the join, each row read as `T`; the text is cached by the join's
/// structure like any query's.
fn load<M: Model, T: FromRow>(db: &Db, query: &Query<M>, steps: &[Step]) -> Result<Vec<T>> {
    let shape = |key: &mut Vec<usize>| {
        key.extend([SHAPE_JOIN, steps.len()]);
        push_str_id(key, M::TABLE);
        push_str_id(key, M::SELECT_LIST);
        for s in steps {
            key.push(usize::from(s.left));
            push_str_id(key, s.table);
            push_str_id(key, s.ansi);
            s.on.shape(key);
        }
        query.shape_tail(key);
    };
    let sql = db.sql.shape(shape, || render(query, steps, db.dialect()).0);
    // Sized once: growing from empty cost two reallocations per query.
    let mut params: Vec<ValueRef<'_>> = Vec::with_capacity(8);
    for s in steps {
        s.on.values(&mut params);
    }
    query.tail_values(&mut params);
    db.load(&sql, &params)
}

impl<M: Model> Query<M> {
    /// `FROM m LEFT JOIN p ON on`, loading `(M, Option<P>)` rows.
    pub fn left_join<P: Model>(self, on: Filter) -> Join<M, P> {
        Join::new(self, Step::of::<P>(true, on))
    }

    /// `FROM m INNER JOIN p ON on`, loading `(M, P)` rows with
    /// [`all_inner`](Join::all_inner).
    pub fn inner_join<P: Model>(self, on: Filter) -> Join<M, P> {
        Join::new(self, Step::of::<P>(false, on))
    }
}

/// A two-table join. Made by [`Query::left_join`] / [`Query::inner_join`].
pub struct Join<M, P> {
    query: Query<M>,
    steps: [Step; 1],
    _p: PhantomData<fn() -> P>,
}

impl<M: Model, P: Model> Join<M, P> {
    fn new(query: Query<M>, step: Step) -> Self {
        Join {
            query,
            steps: [step],
            _p: PhantomData,
        }
    }

    /// The SELECT this runs, for `dialect`.
    pub fn to_sql(&self, d: &dyn Dialect) -> (String, Vec<Value>) {
        render(&self.query, &self.steps, d)
    }

    /// Every row; the right side is `None` where a LEFT JOIN matched nothing.
    pub fn all(&self, db: &Db) -> Result<Vec<(M, Option<P>)>> {
        load(db, &self.query, &self.steps)
    }

    /// The rows where the right side matched (every row of an INNER join).
    pub fn all_inner(&self, db: &Db) -> Result<Vec<(M, P)>> {
        Ok(self
            .all(db)?
            .into_iter()
            .filter_map(|(m, p)| p.map(|p| (m, p)))
            .collect())
    }

    /// A third table: `... LEFT JOIN q ON on`.
    pub fn left_join<Q: Model>(self, on: Filter) -> Join3<M, P, Q> {
        self.then(Step::of::<Q>(true, on))
    }

    /// A third table: `... INNER JOIN q ON on`.
    pub fn inner_join<Q: Model>(self, on: Filter) -> Join3<M, P, Q> {
        self.then(Step::of::<Q>(false, on))
    }

    fn then<Q: Model>(self, step: Step) -> Join3<M, P, Q> {
        let [first] = self.steps;
        Join3 {
            query: self.query,
            steps: [first, step],
            _pq: PhantomData,
        }
    }
}

/// A row of a three-table LEFT join: either joined side may be missing.
pub type Row3<M, P, Q> = (M, Option<P>, Option<Q>);

/// A three-table join. Made by [`Join::left_join`] / [`Join::inner_join`].
pub struct Join3<M, P, Q> {
    query: Query<M>,
    steps: [Step; 2],
    _pq: PhantomData<fn() -> (P, Q)>,
}

impl<M: Model, P: Model, Q: Model> Join3<M, P, Q> {
    /// The SELECT this runs, for `dialect`.
    pub fn to_sql(&self, d: &dyn Dialect) -> (String, Vec<Value>) {
        render(&self.query, &self.steps, d)
    }

    /// Every row; a side is `None` where its LEFT JOIN matched nothing.
    pub fn all(&self, db: &Db) -> Result<Vec<Row3<M, P, Q>>> {
        load(db, &self.query, &self.steps)
    }

    /// The rows where both joined sides matched.
    pub fn all_inner(&self, db: &Db) -> Result<Vec<(M, P, Q)>> {
        Ok(self
            .all(db)?
            .into_iter()
            .filter_map(|(m, p, q)| Some((m, p?, q?)))
            .collect())
    }
}
