//! An ORM over SQLite (planned).
//!
//! Counterparts: Diesel, SeaORM, raw rusqlite.
//!
//! # Layout
//!
//! - `dialect`: SQL differences between SQLite and PostgreSQL.
//! - `model`: what `#[derive(Model)]` generates.
//! - `query`: the typed query builder.
//! - `db`: connections, statement cache, transactions.
