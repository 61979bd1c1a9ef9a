//! Record operations: insert one or many, find by key, update, delete,
//! upsert. GeeORM's `session/record.go`; GORM's `Create`/`First`/`Save`/
//! `Delete`. Models with hooks (`#[orm(hooks)]`) run each write inside a
//! transaction (a savepoint when one is open) so that a hook's `Err` —
//! before or after the statement — undoes the whole operation; models
//! without hooks skip both the calls and the transaction.
//!
//! `#[orm(timestamps)]` models get `created_at`/`updated_at` from the
//! database's clock ([`Dialect::now_sql`]) — GORM sets them from the
//! application's clock instead, which drifts between hosts — and are read
//! back after each write, one query more, so the record holds what the
//! database stored. `#[orm(soft_delete)]` models are deleted by setting
//! `deleted_at`, and `find` skips deleted rows.

use crate::db::Db;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::key::IntoKey;
use crate::model::Model;
use crate::sql_cache::Shape;
use crate::value::ValueRef;

/// Whether column `i` of `M` is a timestamp the database writes.
fn is_timestamp<M: Model>(i: usize) -> bool {
    Some(i) == M::CREATED_AT || Some(i) == M::UPDATED_AT
}

/// `INSERT INTO "t" ("a", "b") VALUES (?, ?), ...` for `rows` rows. A
/// timestamp column's value is `COALESCE(?, now)`: the field's value when
/// set, else the database's clock.
pub fn insert_sql<M: Model>(d: &dyn Dialect, rows: usize, with_auto_key: bool) -> String {
    let (cols, stamped): (Vec<&str>, Vec<bool>) = M::COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, c)| with_auto_key || !c.auto_increment)
        .map(|(i, c)| (c.name, is_timestamp::<M>(i)))
        .unzip();
    let mut sql = String::with_capacity(32 + rows * cols.len() * 4);
    sql.push_str("INSERT INTO ");
    d.quote(M::TABLE, &mut sql);
    sql.push_str(" (");
    for (i, c) in cols.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        d.quote(c, &mut sql);
    }
    sql.push_str(") VALUES ");
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for (i, &stamp) in stamped.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            n += 1;
            if stamp {
                sql.push_str("COALESCE(");
                d.placeholder(n, &mut sql);
                sql.push_str(", ");
                sql.push_str(d.now_sql());
                sql.push(')');
            } else {
                d.placeholder(n, &mut sql);
            }
        }
        sql.push(')');
    }
    sql
}

/// ` WHERE k1 = ? AND k2 = ?` over the key columns (qualified by the
/// table when `qualify`), placeholders numbered from `n`.
fn key_where<M: Model>(d: &dyn Dialect, sql: &mut String, n: usize, qualify: bool) {
    for (i, &k) in M::KEY_COLUMNS.iter().enumerate() {
        sql.push_str(if i == 0 { " WHERE " } else { " AND " });
        if qualify {
            d.quote(M::TABLE, sql);
            sql.push('.');
        }
        d.quote(M::COLUMNS[k].name, sql);
        sql.push_str(" = ");
        d.placeholder(n + i, sql);
    }
}

/// Every key value of `record`, in key order.
fn key_values<M: Model>(record: &M) -> Vec<ValueRef<'_>> {
    let mut key = Vec::with_capacity(M::KEY_COLUMNS.len());
    record.push_key(&mut key);
    key
}

/// `UPDATE "t" SET "a" = ?, ... WHERE "pk" = ?` (every non-key column;
/// `updated_at` is the database's clock, `created_at` kept when the field
/// is `None`). The values bind in [`Model::push_values`] order without the
/// key and `updated_at`, then the key.
pub fn update_sql<M: Model>(d: &dyn Dialect) -> String {
    let mut sql = String::from("UPDATE ");
    d.quote(M::TABLE, &mut sql);
    let mut n = 0;
    for (k, (i, c)) in M::COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.primary_key)
        .enumerate()
    {
        sql.push_str(if k == 0 { " SET " } else { ", " });
        d.quote(c.name, &mut sql);
        sql.push_str(" = ");
        if Some(i) == M::UPDATED_AT {
            sql.push_str(d.now_sql());
            continue;
        }
        n += 1;
        if Some(i) == M::CREATED_AT {
            sql.push_str("COALESCE(");
            d.placeholder(n, &mut sql);
            sql.push_str(", ");
            d.quote(c.name, &mut sql);
            sql.push(')');
        } else {
            d.placeholder(n, &mut sql);
        }
    }
    key_where::<M>(d, &mut sql, n + 1, false);
    sql
}

/// `DELETE FROM "t" WHERE "pk" = ?`; for a soft-delete model
/// `UPDATE "t" SET "deleted_at" = now WHERE "pk" = ? AND "deleted_at" IS NULL`.
pub fn delete_sql<M: Model>(d: &dyn Dialect) -> String {
    let Some(deleted_at) = M::deleted_at() else {
        let mut sql = String::from("DELETE FROM ");
        d.quote(M::TABLE, &mut sql);
        key_where::<M>(d, &mut sql, 1, false);
        return sql;
    };
    let mut sql = String::from("UPDATE ");
    d.quote(M::TABLE, &mut sql);
    sql.push_str(" SET ");
    d.quote(deleted_at, &mut sql);
    sql.push_str(" = ");
    sql.push_str(d.now_sql());
    key_where::<M>(d, &mut sql, 1, false);
    sql.push_str(" AND ");
    d.quote(deleted_at, &mut sql);
    sql.push_str(" IS NULL");
    sql
}

/// The INSERT ... ON CONFLICT (pk) DO UPDATE of [`Db::upsert`].
pub fn upsert_sql<M: Model>(d: &dyn Dialect) -> String {
    let mut sql = insert_sql::<M>(d, 1, true);
    let update: Vec<&str> = M::COLUMNS
        .iter()
        .filter(|c| !c.primary_key)
        .map(|c| c.name)
        .collect();
    let conflict: Vec<&str> = M::KEY_COLUMNS.iter().map(|&k| M::COLUMNS[k].name).collect();
    d.upsert(&conflict, &update, &mut sql);
    sql
}

impl Db {
    /// Inserts `record`; an auto-increment key is written back into it.
    pub fn insert<M: Model>(&self, record: &mut M) -> Result<()> {
        if M::HAS_HOOKS {
            self.transaction(|db| {
                record.before_insert(db)?;
                db.insert_one(record)?;
                record.after_insert(db)
            })
        } else {
            self.insert_one(record)
        }
    }

    fn insert_one<M: Model>(&self, record: &mut M) -> Result<()> {
        let mut values = Vec::with_capacity(M::COLUMNS.len());
        record.push_values(&mut values, false);
        // A backend that reports the assigned key (SQLite's rowid) gets a
        // plain INSERT, and so does a model without an auto key; the others
        // ask for the key with RETURNING.
        if !M::auto_key() || self.last_insert_id().is_some() {
            let sql = self.sql.model::<M>(Shape::Insert(1), || {
                insert_sql::<M>(self.dialect(), 1, false)
            });
            self.exec(&sql, &values)?;
            if let (true, Some(id)) = (M::auto_key(), self.last_insert_id()) {
                record.set_auto_key(id);
            }
        } else {
            let sql = self.sql.model::<M>(Shape::InsertReturning, || {
                let mut sql = insert_sql::<M>(self.dialect(), 1, false);
                sql.push_str(" RETURNING ");
                self.dialect().quote(M::COLUMNS[M::PK].name, &mut sql);
                sql
            });
            if let Some(id) = self.load_one::<i64, _>(&sql, &values)? {
                record.set_auto_key(id);
            }
        }
        if M::db_written() {
            self.reload(record)?;
        }
        Ok(())
    }

    /// Replaces `record` with its row as stored (the database wrote some
    /// of its fields). No hooks: this is part of the write, not a find.
    fn reload<M: Model>(&self, record: &mut M) -> Result<()> {
        let sql = self.find_sql::<M>();
        let stored: Option<M> = self.load_one(&sql, &key_values(record))?;
        *record = stored.ok_or(Error::NotFound { table: M::TABLE })?;
        Ok(())
    }

    /// `SELECT <all columns> FROM t WHERE t.pk = ?` (and not soft-deleted).
    fn find_sql<M: Model>(&self) -> std::sync::Arc<str> {
        let d = self.dialect();
        self.sql.model::<M>(Shape::Find, || {
            let mut sql = String::with_capacity(64 + M::select_list(d).len());
            sql.push_str("SELECT ");
            sql.push_str(M::select_list(d));
            sql.push_str(" FROM ");
            d.quote(M::TABLE, &mut sql);
            key_where::<M>(d, &mut sql, 1, true);
            if let Some(deleted_at) = M::deleted_at() {
                sql.push_str(" AND ");
                d.quote(M::TABLE, &mut sql);
                sql.push('.');
                d.quote(deleted_at, &mut sql);
                sql.push_str(" IS NULL");
            }
            sql
        })
    }

    /// Inserts every record with multi-row INSERT statements, as few as the
    /// dialect's parameter limit allows; returns the rows inserted. Keys the
    /// database assigns are not written back (like Diesel's `execute`);
    /// use [`insert`](Db::insert) for that. All or nothing: more than one
    /// statement (or any hook) runs inside a transaction.
    pub fn insert_many<M: Model>(&self, records: &mut [M]) -> Result<usize> {
        let width = M::COLUMNS
            .iter()
            .filter(|c| !c.auto_increment)
            .count()
            .max(1);
        let per_chunk = (self.max_params() / width).max(1);
        if records.is_empty() {
            return Ok(0);
        }
        if !M::HAS_HOOKS && records.len() <= per_chunk {
            return self.insert_chunk(records);
        }
        self.transaction(|db| {
            if M::HAS_HOOKS {
                for r in records.iter_mut() {
                    r.before_insert(db)?;
                }
            }
            let mut total = 0;
            for chunk in records.chunks(per_chunk) {
                total += db.insert_chunk(chunk)?;
            }
            if M::HAS_HOOKS {
                for r in records.iter_mut() {
                    r.after_insert(db)?;
                }
            }
            Ok(total)
        })
    }

    fn insert_chunk<M: Model>(&self, chunk: &[M]) -> Result<usize> {
        let sql = self.sql.model::<M>(Shape::Insert(chunk.len()), || {
            insert_sql::<M>(self.dialect(), chunk.len(), false)
        });
        let mut values: Vec<ValueRef<'_>> = Vec::with_capacity(chunk.len() * M::COLUMNS.len());
        for r in chunk {
            r.push_values(&mut values, false);
        }
        self.exec(&sql, &values)
    }

    /// The record with primary key `key`, or [`Error::NotFound`].
    pub fn find<M: Model>(&self, key: impl IntoKey<M::Key>) -> Result<M> {
        let sql = self.find_sql::<M>();
        let mut params = Vec::with_capacity(M::KEY_COLUMNS.len());
        key.push_values(&mut params);
        let mut found: M = self
            .load_one(&sql, &params)?
            .ok_or(Error::NotFound { table: M::TABLE })?;
        if M::HAS_HOOKS {
            found.after_find(self)?;
        }
        Ok(found)
    }

    /// Writes every non-key column of `record` to its row; [`Error::NotFound`]
    /// when no row has its key.
    pub fn update<M: Model>(&self, record: &mut M) -> Result<()> {
        if M::HAS_HOOKS {
            self.transaction(|db| {
                record.before_update(db)?;
                db.update_one(record)?;
                record.after_update(db)
            })
        } else {
            self.update_one(record)
        }
    }

    fn update_one<M: Model>(&self, record: &mut M) -> Result<()> {
        let sql = self
            .sql
            .model::<M>(Shape::Update, || update_sql::<M>(self.dialect()));
        let mut all = Vec::with_capacity(M::COLUMNS.len());
        record.push_values(&mut all, true);
        // SET binds every column but the key and `updated_at` (the
        // database's clock), in column order; WHERE binds the key.
        let mut i = 0;
        all.retain(|_| {
            let keep = !M::COLUMNS[i].primary_key && Some(i) != M::UPDATED_AT;
            i += 1;
            keep
        });
        record.push_key(&mut all);
        let changed = self.exec(&sql, &all)?;
        drop(all);
        if changed == 0 {
            return Err(Error::NotFound { table: M::TABLE });
        }
        if M::db_written() {
            self.reload(record)?;
        }
        Ok(())
    }

    /// Deletes `record`'s row; [`Error::NotFound`] when it is not there.
    pub fn delete<M: Model>(&self, record: &M) -> Result<()> {
        if M::HAS_HOOKS {
            self.transaction(|db| {
                record.before_delete(db)?;
                db.delete_one(record)?;
                record.after_delete(db)
            })
        } else {
            self.delete_one(record)
        }
    }

    fn delete_one<M: Model>(&self, record: &M) -> Result<()> {
        let sql = self
            .sql
            .model::<M>(Shape::Delete, || delete_sql::<M>(self.dialect()));
        match self.exec(&sql, &key_values(record))? {
            0 => Err(Error::NotFound { table: M::TABLE }),
            _ => Ok(()),
        }
    }

    /// Inserts `record`, or — when a row with its key exists — overwrites
    /// that row's other columns (`ON CONFLICT (pk) DO UPDATE`). The key is
    /// always written, even an auto-increment one. Runs no hooks.
    pub fn upsert<M: Model>(&self, record: &M) -> Result<()> {
        let sql = self
            .sql
            .model::<M>(Shape::Upsert, || upsert_sql::<M>(self.dialect()));
        let mut values = Vec::with_capacity(M::COLUMNS.len());
        record.push_values(&mut values, true);
        self.exec(&sql, &values)?;
        Ok(())
    }
}
