//! The query builder: `User::query().filter(..).order_by(..).limit(..)`,
//! finished by a verb (`all`, `first`, `count`, `exists`, `update`,
//! `delete`, or `select((cols..)).all`). GeeORM's chained `clause` package
//! and Diesel's `QueryDsl`, with values always bound.
//!
//! ```text
//! Query<M> ── filter: Option<Filter>  ──┐
//!          ── order:  Vec<Order>       ├─► to_sql(dialect) ─► (SQL text, params)
//!          ── limit / offset           ──┘          │
//!                                                  ▼
//!                      Db::load ─ Backend::query ─ prepare_cached ─ bind ─ step ─ FromRow
//! ```

use std::marker::PhantomData;

use crate::db::Db;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::expr::{Assignment, Column, Filter, Order, bind, push_str_id};
use crate::model::Model;
use crate::row::FromRow;
use crate::sql_cache::Shape;
use crate::value::{Value, ValueRef};

/// Statement kinds at the head of a shape key.
const SHAPE_SELECT: usize = 1;

/// A SELECT (or UPDATE/DELETE) over model `M`'s table, not yet run.
pub struct Query<M> {
    /// The WHERE clause; successive `filter` calls are ANDed.
    filter: Option<Filter>,
    /// ORDER BY terms, in order.
    order: Vec<Order>,
    /// LIMIT, bound as a parameter.
    limit: Option<u64>,
    /// OFFSET, bound as a parameter.
    offset: Option<u64>,
    /// Include soft-deleted rows (GORM's `Unscoped`); no effect on models
    /// without `#[orm(soft_delete)]`.
    with_deleted: bool,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Query<M> {
    fn clone(&self) -> Self {
        Query {
            filter: self.filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            with_deleted: self.with_deleted,
            _model: PhantomData,
        }
    }
}

impl<M: Model> Default for Query<M> {
    fn default() -> Self {
        Query::new()
    }
}

impl<M: Model> Query<M> {
    /// Every row of the table.
    pub fn new() -> Query<M> {
        Query {
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            with_deleted: false,
            _model: PhantomData,
        }
    }

    /// Adds a WHERE condition (ANDed with earlier ones).
    pub fn filter(mut self, f: Filter) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(prev) => prev.and(f),
            None => f,
        });
        self
    }

    /// Adds an ORDER BY term.
    pub fn order_by(mut self, order: Order) -> Self {
        self.order.push(order);
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    pub(crate) fn write_from(d: &dyn Dialect, sql: &mut String) {
        sql.push_str(" FROM ");
        d.quote(M::TABLE, sql);
    }

    /// Rows soft-deleted too (GORM's `Unscoped`): `find`-like reads see
    /// them, and [`delete`](Query::delete) removes rows for good instead of
    /// marking them.
    pub fn with_deleted(mut self) -> Self {
        self.with_deleted = true;
        self
    }

    /// The soft-delete column the WHERE clause must exclude, if any.
    fn scope(&self) -> Option<&'static str> {
        M::deleted_at().filter(|_| !self.with_deleted)
    }

    pub(crate) fn write_where(&self, d: &dyn Dialect, sql: &mut String, params: &mut Vec<Value>) {
        let scope = self.scope();
        if self.filter.is_none() && scope.is_none() {
            return;
        }
        sql.push_str(" WHERE ");
        if let Some(deleted_at) = scope {
            d.quote(M::TABLE, sql);
            sql.push('.');
            d.quote(deleted_at, sql);
            sql.push_str(" IS NULL");
            if self.filter.is_some() {
                sql.push_str(" AND ");
            }
        }
        if let Some(f) = &self.filter {
            f.write_sql(d, sql, params);
        }
    }

    /// What determines the text of WHERE .. ORDER BY .. LIMIT .. OFFSET.
    pub(crate) fn shape_tail(&self, key: &mut Vec<usize>) {
        key.push(usize::from(self.with_deleted));
        match &self.filter {
            Some(f) => {
                key.push(1);
                f.shape(key);
            }
            None => key.push(0),
        }
        for o in &self.order {
            o.col.shape(key);
            key.push(usize::from(o.desc));
        }
        key.extend([
            usize::from(self.limit.is_some() || self.offset.is_some()),
            usize::from(self.offset.is_some()),
        ]);
    }

    /// The values `write_tail` binds, in its order.
    pub(crate) fn tail_values<'a>(&'a self, out: &mut Vec<ValueRef<'a>>) {
        if let Some(f) = &self.filter {
            f.values(out);
        }
        if self.limit.is_some() || self.offset.is_some() {
            out.push(ValueRef::Integer(
                self.limit
                    .map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX)),
            ));
        }
        if let Some(n) = self.offset {
            out.push(ValueRef::Integer(i64::try_from(n).unwrap_or(i64::MAX)));
        }
    }

    pub(crate) fn write_tail(&self, d: &dyn Dialect, sql: &mut String, params: &mut Vec<Value>) {
        self.write_where(d, sql, params);
        for (i, o) in self.order.iter().enumerate() {
            sql.push_str(if i == 0 { " ORDER BY " } else { ", " });
            o.col.write(d, sql);
            sql.push_str(if o.desc { " DESC" } else { " ASC" });
        }
        // OFFSET needs a LIMIT in SQLite; "no limit" is the largest one.
        if self.limit.is_some() || self.offset.is_some() {
            sql.push_str(" LIMIT ");
            let n = self
                .limit
                .map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX));
            bind(d, Value::Integer(n), sql, params);
        }
        if let Some(n) = self.offset {
            sql.push_str(" OFFSET ");
            bind(
                d,
                Value::Integer(i64::try_from(n).unwrap_or(i64::MAX)),
                sql,
                params,
            );
        }
    }

    /// The SELECT this query runs, for `dialect`.
    pub fn to_sql(&self, d: &dyn Dialect) -> (String, Vec<Value>) {
        let mut sql = String::with_capacity(64 + M::select_list(d).len());
        let mut params = Vec::new();
        sql.push_str("SELECT ");
        sql.push_str(M::select_list(d));
        Self::write_from(d, &mut sql);
        self.write_tail(d, &mut sql, &mut params);
        (sql, params)
    }

    /// Every matching row, `after_find` hooks run on each.
    pub fn all(&self, db: &Db) -> Result<Vec<M>> {
        let mut rows: Vec<M> = if self.is_whole_table() {
            // The most common shape has a fixed text: render it once per connection.
            let sql = db
                .sql
                .model::<M>(Shape::SelectAll, || self.to_sql(db.dialect()).0);
            db.load::<M, Value>(&sql, &[])?
        } else {
            // Other shapes: the text is cached by the query's structure
            // (never its values), so a repeated shape skips rendering.
            let shape = |key: &mut Vec<usize>| {
                key.push(SHAPE_SELECT);
                push_str_id(key, M::TABLE);
                push_str_id(key, M::SELECT_LIST);
                self.shape_tail(key);
            };
            let sql = db.sql.shape(shape, || self.to_sql(db.dialect()).0);
            let mut params = Vec::with_capacity(8);
            self.tail_values(&mut params);
            db.load(&sql, &params)?
        };
        if M::HAS_HOOKS {
            for r in &mut rows {
                r.after_find(db)?;
            }
        }
        Ok(rows)
    }

    fn is_whole_table(&self) -> bool {
        self.filter.is_none()
            && !self.with_deleted
            && self.order.is_empty()
            && self.limit.is_none()
            && self.offset.is_none()
    }

    /// The first matching row, if any.
    pub fn first(&self, db: &Db) -> Result<Option<M>> {
        Ok(self.clone().limit(1).all(db)?.pop())
    }

    /// `SELECT COUNT(*)` over the matching rows.
    pub fn count(&self, db: &Db) -> Result<i64> {
        let d = db.dialect();
        let (mut sql, mut params) = (String::from("SELECT COUNT(*)"), Vec::new());
        Self::write_from(d, &mut sql);
        self.write_where(d, &mut sql, &mut params);
        Ok(db.load_one::<i64, _>(&sql, &params)?.unwrap_or(0))
    }

    /// Whether any row matches (`SELECT EXISTS(...)`).
    pub fn exists(&self, db: &Db) -> Result<bool> {
        let d = db.dialect();
        let (mut sql, mut params) = (String::from("SELECT EXISTS(SELECT 1"), Vec::new());
        Self::write_from(d, &mut sql);
        self.write_where(d, &mut sql, &mut params);
        sql.push(')');
        Ok(db.load_one::<bool, _>(&sql, &params)?.unwrap_or(false))
    }

    /// Only some columns, read into a tuple: `.select((User::ID, User::NAME))`.
    pub fn select<S: Selection<M>>(self, columns: S) -> Select<M, S> {
        Select {
            query: self,
            columns,
        }
    }

    /// The UPDATE of [`update`](Query::update), for `dialect`. A
    /// timestamped model's `updated_at` is set to the database's clock
    /// unless `set` assigns it.
    pub fn update_sql(&self, d: &dyn Dialect, set: &[Assignment]) -> (String, Vec<Value>) {
        let (mut sql, mut params) = (String::from("UPDATE "), Vec::new());
        d.quote(M::TABLE, &mut sql);
        for (i, a) in set.iter().enumerate() {
            sql.push_str(if i == 0 { " SET " } else { ", " });
            d.quote(a.column, &mut sql);
            sql.push_str(" = ");
            bind(d, a.value.clone(), &mut sql, &mut params);
        }
        if let Some(i) = M::UPDATED_AT {
            let updated_at = M::COLUMNS[i].name;
            if !set.iter().any(|a| a.column == updated_at) {
                sql.push_str(if set.is_empty() { " SET " } else { ", " });
                d.quote(updated_at, &mut sql);
                sql.push_str(" = ");
                sql.push_str(d.now_sql());
            }
        }
        self.write_where(d, &mut sql, &mut params);
        (sql, params)
    }

    /// Sets columns on every matching row (no hooks: there are no records);
    /// returns how many rows changed. An empty `set` changes nothing.
    pub fn update(&self, db: &Db, set: &[Assignment]) -> Result<usize> {
        if set.is_empty() {
            return Ok(0);
        }
        let (sql, params) = self.update_sql(db.dialect(), set);
        db.exec(&sql, &params)
    }

    /// The DELETE of [`delete`](Query::delete), for `dialect`; for a
    /// soft-delete model (unless [`with_deleted`](Query::with_deleted)) the
    /// UPDATE that marks the rows.
    pub fn delete_sql(&self, d: &dyn Dialect) -> (String, Vec<Value>) {
        let (mut sql, mut params) = (String::new(), Vec::new());
        if let Some(deleted_at) = self.scope() {
            sql.push_str("UPDATE ");
            d.quote(M::TABLE, &mut sql);
            sql.push_str(" SET ");
            d.quote(deleted_at, &mut sql);
            sql.push_str(" = ");
            sql.push_str(d.now_sql());
        } else {
            sql.push_str("DELETE FROM ");
            d.quote(M::TABLE, &mut sql);
        }
        self.write_where(d, &mut sql, &mut params);
        (sql, params)
    }

    /// Deletes every matching row (no hooks); returns how many. On a
    /// soft-delete model it marks them deleted, unless
    /// [`with_deleted`](Query::with_deleted), which deletes for good.
    pub fn delete(&self, db: &Db) -> Result<usize> {
        let (sql, params) = self.delete_sql(db.dialect());
        db.exec(&sql, &params)
    }
}

/// A query reading only some columns. Made by [`Query::select`].
pub struct Select<M, S> {
    query: Query<M>,
    columns: S,
}

/// A tuple of column handles of model `M` that can be selected.
pub trait Selection<M> {
    /// The tuple of Rust types read back.
    type Output: FromRow;
    /// Appends the quoted, qualified column list.
    fn write_columns(&self, d: &dyn Dialect, sql: &mut String);
}

macro_rules! selection {
    ($($t:ident $i:tt),+) => {
        impl<M: Model, $($t),+> Selection<M> for ($(Column<M, $t>,)+)
        where ($($t,)+): FromRow
        {
            type Output = ($($t,)+);
            fn write_columns(&self, d: &dyn Dialect, sql: &mut String) {
                $(
                    if $i > 0 { sql.push_str(", "); }
                    self.$i.qualified().write(d, sql);
                )+
            }
        }
    };
}
selection!(A 0);
selection!(A 0, B 1);
selection!(A 0, B 1, C 2);
selection!(A 0, B 1, C 2, D 3);

impl<M: Model, S: Selection<M>> Select<M, S> {
    /// The SELECT this runs, for `dialect`.
    pub fn to_sql(&self, d: &dyn Dialect) -> (String, Vec<Value>) {
        let (mut sql, mut params) = (String::from("SELECT "), Vec::new());
        self.columns.write_columns(d, &mut sql);
        Query::<M>::write_from(d, &mut sql);
        self.query.write_tail(d, &mut sql, &mut params);
        (sql, params)
    }

    /// Every matching row, as tuples.
    pub fn all(&self, db: &Db) -> Result<Vec<S::Output>> {
        let (sql, params) = self.to_sql(db.dialect());
        db.load(&sql, &params)
    }
}
