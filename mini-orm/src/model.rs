//! The contract `#[derive(Model)]` fulfils: a table name, a static column
//! list, a row mapping and a way to bind a record's fields — no runtime
//! reflection (GeeORM reads struct tags with `reflect` on every call; here
//! the macro writes it all out at compile time).

use crate::db::Db;
use crate::dialect::{Dialect, QuoteStyle};
use crate::error::Result;
use crate::row::{FromRow, Row};
use crate::value::{SqlType, ValueRef};

/// One column of a model, as the macro saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnDef {
    /// SQL column name (`#[orm(column = "...")]`, else the field name).
    pub name: &'static str,
    /// SQL type, from the field's [`Field::SQL_TYPE`](crate::Field::SQL_TYPE).
    pub sql_type: SqlType,
    /// Nullable: the field is an `Option<T>`.
    pub nullable: bool,
    /// Part of the primary key.
    pub primary_key: bool,
    /// The database assigns it on insert (`INTEGER PRIMARY KEY`).
    pub auto_increment: bool,
    /// `#[orm(unique)]`: a UNIQUE constraint.
    pub unique: bool,
    /// `#[orm(index)]`: a secondary index.
    pub index: bool,
    /// `#[orm(default = "...")]`: a SQL literal used as the column DEFAULT.
    pub default: Option<&'static str>,
}

// ANCHOR: model_trait
/// A struct mapped to a table. Implemented by `#[derive(Model)]`, which
/// also writes the column handles (`User::NAME`) and `User::query()` as
/// inherent items — `query()` is not a method here because the query
/// builder sits above this module and builds on it.
pub trait Model: FromRow + Hooks + 'static {
    /// The primary key's Rust type: the key field's type, or a tuple of
    /// the key fields' types for a composite key (what
    /// [`Db::find`](crate::Db::find) takes, through [`IntoKey`](crate::IntoKey)).
    type Key;
    /// The table name.
    const TABLE: &'static str;
    /// Every column, in field order.
    const COLUMNS: &'static [ColumnDef];
    /// Index in [`COLUMNS`](Model::COLUMNS) of the primary key (the first
    /// key column of a composite key).
    const PK: usize;
    /// Indexes in [`COLUMNS`](Model::COLUMNS) of every key column, in key
    /// order: `[PK]`, or two or more for a composite key.
    const KEY_COLUMNS: &'static [usize];
    /// `"table"."col", ...` for every column, quoted at compile time
    /// (ANSI quotes).
    const SELECT_LIST: &'static str;
    /// The same list quoted with backticks, for MySQL.
    const SELECT_LIST_BACKTICK: &'static str;
    /// Whether the model implements [`Hooks`] itself (`#[orm(hooks)]`); when
    /// false, writes skip the hook calls and the transaction around them.
    const HAS_HOOKS: bool;
    /// `#[orm(timestamps)]`: the index in [`COLUMNS`](Model::COLUMNS) of
    /// `created_at`, set by the database's clock on insert when the field
    /// is `None`.
    const CREATED_AT: Option<usize> = None;
    /// `#[orm(timestamps)]`: the index of `updated_at`, set by the
    /// database's clock on every insert and update.
    const UPDATED_AT: Option<usize> = None;
    /// `#[orm(soft_delete)]`: the index of `deleted_at`; deleting a record
    /// sets it, and queries skip rows where it is set unless asked
    /// [`with_deleted`](crate::Query::with_deleted).
    const DELETED_AT: Option<usize> = None;

    /// Pushes every column's value, in [`COLUMNS`](Model::COLUMNS) order,
    /// skipping an auto-increment key unless `with_auto_key`.
    fn push_values<'a>(&'a self, out: &mut Vec<ValueRef<'a>>, with_auto_key: bool);

    /// The primary key's value (the first key column's, for a composite
    /// key; associations join on it).
    fn key(&self) -> ValueRef<'_>;

    /// Pushes every key column's value, in key order.
    fn push_key<'a>(&'a self, out: &mut Vec<ValueRef<'a>>);

    /// Stores the id the database assigned (no-op without an auto-increment key).
    fn set_auto_key(&mut self, id: i64);

    /// The select list quoted the way `d` quotes names.
    #[inline]
    fn select_list(d: &dyn Dialect) -> &'static str {
        match d.quote_style() {
            QuoteStyle::Ansi => Self::SELECT_LIST,
            QuoteStyle::Backtick => Self::SELECT_LIST_BACKTICK,
        }
    }

    /// Whether the database writes some of the record's fields
    /// (timestamps), so a write reads the row back.
    fn db_written() -> bool {
        Self::CREATED_AT.is_some() || Self::UPDATED_AT.is_some()
    }

    /// The soft-delete column's name, if the model has one.
    fn deleted_at() -> Option<&'static str> {
        Self::DELETED_AT.map(|i| Self::COLUMNS[i].name)
    }

    /// Whether the primary key is assigned by the database.
    fn auto_key() -> bool {
        Self::COLUMNS[Self::PK].auto_increment
    }
}

// ANCHOR_END: model_trait

/// Lifecycle callbacks, GORM's `BeforeCreate`/`AfterFind` and GeeORM's
/// `hooks.go`. Each defaults to doing nothing. An `Err` aborts the
/// operation, and because hooked writes run inside a transaction (a
/// savepoint when nested) the whole operation is rolled back.
/// Derived models get an empty impl unless they say `#[orm(hooks)]` and
/// write their own.
#[allow(unused_variables)]
pub trait Hooks {
    /// Before the INSERT; may change the record.
    fn before_insert(&mut self, db: &Db) -> Result<()> {
        Ok(())
    }
    /// After the INSERT, with the assigned key set.
    fn after_insert(&mut self, db: &Db) -> Result<()> {
        Ok(())
    }
    /// Before the UPDATE; may change the record.
    fn before_update(&mut self, db: &Db) -> Result<()> {
        Ok(())
    }
    /// After the UPDATE.
    fn after_update(&mut self, db: &Db) -> Result<()> {
        Ok(())
    }
    /// Before the DELETE.
    fn before_delete(&self, db: &Db) -> Result<()> {
        Ok(())
    }
    /// After the DELETE.
    fn after_delete(&self, db: &Db) -> Result<()> {
        Ok(())
    }
    /// After a record is loaded by any query.
    fn after_find(&mut self, db: &Db) -> Result<()> {
        Ok(())
    }
}

// A LEFT JOIN's right side: all-NULL (detected by its primary key) is `None`.
impl<M: Model> FromRow for Option<M> {
    const WIDTH: usize = M::WIDTH;
    fn from_row(row: &Row<'_>, offset: usize) -> Result<Self> {
        if row.is_null(offset + M::PK)? {
            Ok(None)
        } else {
            M::from_row(row, offset).map(Some)
        }
    }
}
