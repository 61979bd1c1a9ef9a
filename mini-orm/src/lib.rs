//! mini-orm: an ORM over SQLite, PostgreSQL and MySQL/MariaDB with a
//! derive macro, a typed query builder, hooks, transactions, migrations,
//! batched association loading and a connection pool.
//!
//! Counterparts: Diesel (typed queries, `belonging_to`/`grouped_by`),
//! GeeORM (the dialect / schema / session / clause / hooks / transaction /
//! migrate progression), GORM and SeaORM (hooks, typed errors), measured
//! against raw rusqlite. SQLite runs through `rusqlite` with the bundled
//! amalgamation; PostgreSQL through the blocking `postgres` crate (feature
//! `postgres`), MySQL and MariaDB through the `mysql` crate (feature
//! `mysql`; both on by default), the differences kept behind [`Dialect`].
//! [`Db::connect`] opens any of them from a URL.
//!
//! # Layout
//!
//! Modules in data-flow order, from the values a record holds down to the
//! driver and back up. Each imports only modules listed above it (checked
//! by hand with `grep 'use crate::'`; no cycles):
//!
//! - [`value`]: `Value`/`ValueRef` and the `Field` conversions of field types.
//! - [`error`]: the error enum; knows no driver (backends map into it).
//! - [`dialect`]: placeholders, quoting, type names, upsert, DDL rules:
//!   SQLite, PostgreSQL, MySQL.
//! - [`row`]: the driver-neutral `Row` and `FromRow` (fields, tuples).
//! - `backend`: the `Backend` trait every driver implements, with
//!   `sqlite.rs` (rusqlite), `postgres.rs` (feature `postgres`) and
//!   `mysql.rs` (feature `mysql`).
//! - `sql_cache`: rendered SQL text per connection, by model and by query shape.
//! - [`db`]: `Db`, one connection behind a `Backend`: constructors, raw SQL, row loading.
//! - [`model`]: the `Model` contract `#[derive(Model)]` implements, `Hooks`.
//! - [`key`]: key values as `find` takes them, single or composite.
//! - [`expr`]: typed column handles (`User::NAME`) and filter expressions.
//! - [`query`]: the query builder (`filter`, `order_by`, `limit`, selects).
//! - [`join`]: typed joins across two and three tables.
//! - [`tx`]: closure transactions with savepoints.
//! - [`crud`]: insert one/many, find, update, delete, upsert; timestamps
//!   and soft deletes.
//! - [`schema`]: create/drop tables, indexes, auto-migrate.
//! - [`migrate`]: versioned migrations (safe under MySQL's implicit commits).
//! - [`assoc`]: belongs-to, has-many, many-to-many, eager loading.
//! - [`pool`]: a small connection pool for every backend; broken
//!   connections are replaced.
//!
//! # Example
//!
//! ```
//! use mini_orm::{Db, Model};
//!
//! #[derive(Model, Debug, PartialEq)]
//! struct User {
//!     id: i64,
//!     #[orm(unique)]
//!     name: String,
//!     age: i64,
//!     hair_color: Option<String>,
//! }
//!
//! # fn main() -> mini_orm::Result<()> {
//! let db = Db::open_in_memory()?;
//! db.create_table::<User>()?;
//! let mut ada = User { id: 0, name: "ada".into(), age: 36, hair_color: None };
//! db.insert(&mut ada)?;                       // ada.id is now set
//! let adults = User::query()
//!     .filter(User::NAME.like("a%").and(User::AGE.gt(18)))
//!     .order_by(User::NAME.asc())
//!     .all(&db)?;
//! assert_eq!(adults, vec![ada]);
//! # Ok(())
//! # }
//! ```

//! # Mistakes caught at compile time
//!
//! The derive's errors point at the field or attribute at fault
//! (these examples are compiled by the doctests and must fail):
//!
//! ```compile_fail
//! # use mini_orm::Model;
//! #[derive(Model)]
//! struct NoKey { name: String } // error: no primary key: mark a field `#[orm(primary_key)]` or name one `id`
//! ```
//!
//! ```compile_fail
//! # use mini_orm::Model;
//! #[derive(Model)]
//! struct Typo { id: i64, #[orm(uniqe)] name: String } // error: unknown field attribute ...
//! ```
//!
//! ```compile_fail
//! # use mini_orm::Model;
//! #[derive(Model)]
//! struct Auto { id: i64, #[orm(auto_increment)] n: i64 } // error: `auto_increment` is only allowed on the `primary_key` field
//! ```
//!
//! ```compile_fail
//! # use mini_orm::Model;
//! #[derive(Model)]
//! #[orm(belongs_to(Auto, foreign_key = "auto_id"))]
//! struct Child { id: i64 } // error: belongs_to: `Child` has no field `auto_id`
//! ```
//!
//! ```compile_fail
//! # use mini_orm::Model;
//! #[derive(Model)]
//! #[orm(timestamps)]
//! struct Stamped { id: i64 } // error: timestamps needs a field `created_at: Option<String>` on `Stamped`
//! ```
//!
//! A composite key is found by a tuple of its columns, and only by that:
//!
//! ```compile_fail
//! # use mini_orm::{Db, Model};
//! #[derive(Model)]
//! struct Membership { #[orm(primary_key)] user_id: i64, #[orm(primary_key)] group: String }
//! # let db = Db::open_in_memory().unwrap();
//! let _ = db.find::<Membership>(1); // error: `{integer}` is not `IntoKey<(i64, String)>`
//! ```
//!
//! And the typed column handles reject values of the wrong type:
//!
//! ```compile_fail
//! # use mini_orm::Model;
//! #[derive(Model)]
//! struct User { id: i64, age: i64 }
//! let _ = User::AGE.eq("ten"); // error: `&str` is not `AsParam<i64>`
//! ```

// Lets the derive macro's `::mini_orm::...` paths resolve inside this crate too.
extern crate self as mini_orm;

pub mod assoc;
mod backend;
pub mod crud;
pub mod db;
pub mod dialect;
pub mod error;
pub mod expr;
pub mod join;
pub mod key;
pub mod migrate;
pub mod model;
pub mod pool;
pub mod query;
pub mod row;
pub mod schema;
mod sql_cache;
pub mod tx;
pub mod value;

pub use assoc::{BelongsTo, ForeignKey, GroupedBy, group_by_key};
pub use db::Db;
pub use dialect::{Dialect, Mysql, Postgres, QuoteStyle, Sqlite};
pub use error::{Error, Result};
pub use expr::{Assignment, Column, Filter, Order};
pub use join::{Join, Join3, Row3};
pub use key::IntoKey;
pub use migrate::{Migration, Migrator};
pub use mini_orm_derive::Model;
pub use model::{ColumnDef, Hooks, Model};
pub use pool::{Pool, PooledDb};
pub use query::Query;
pub use row::{FromRow, Row};
pub use value::{AsParam, AutoKey, Field, SqlType, Value, ValueRef};
