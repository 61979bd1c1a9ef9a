//! What differs between SQL databases, behind one trait — GeeORM's
//! `dialect` package, Diesel's `Backend`. The query builder writes SQL
//! through a `&dyn Dialect`, so the same query renders for SQLite (`?`
//! placeholders), PostgreSQL (`$1, $2 ...`) and MySQL/MariaDB (`?`,
//! backtick-quoted names, `ON DUPLICATE KEY UPDATE`).
//!
//! Identifiers are quoted in one of two [`QuoteStyle`]s: ANSI (`"name"`,
//! SQLite and PostgreSQL) or backticks (MySQL, whose default `sql_mode`
//! reads `"..."` as a string). `#[derive(Model)]` precomputes a model's
//! quoted column list in both styles at compile time.
//!
//! # Layout
//!
//! - `mod.rs`: the [`Dialect`] trait and the two quoting functions.
//! - `sqlite.rs`, `postgres.rs`, `mysql.rs`: one dialect each.

use crate::value::SqlType;

mod mysql;
mod postgres;
mod sqlite;

pub use mysql::Mysql;
pub use postgres::Postgres;
pub use sqlite::Sqlite;

/// How a dialect quotes identifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteStyle {
    /// `"name"`, an embedded `"` doubled (SQL standard; SQLite, PostgreSQL).
    Ansi,
    /// A backtick on each side, an embedded backtick doubled (MySQL, MariaDB).
    Backtick,
}

/// The SQL differences mini-orm knows about.
pub trait Dialect: Sync {
    /// `sqlite`, `postgres` or `mysql`.
    fn name(&self) -> &'static str;

    /// Appends the placeholder of the `n`th (1-based) bound parameter.
    fn placeholder(&self, n: usize, out: &mut String);

    /// The column type for `ty` in `CREATE TABLE`.
    fn type_name(&self, ty: SqlType) -> &'static str;

    /// The column type for `ty` when the column is a key (primary, unique
    /// or indexed). The same as [`type_name`](Dialect::type_name) except
    /// where the database cannot index its unbounded types (MySQL's
    /// `LONGTEXT` needs a bounded `VARCHAR` to be a key).
    fn key_type_name(&self, ty: SqlType) -> &'static str {
        self.type_name(ty)
    }

    /// The whole column definition of an auto-increment integer primary key,
    /// after the column name.
    fn auto_increment_pk(&self) -> &'static str;

    /// The most bound parameters one statement may carry; multi-row inserts
    /// are chunked under it.
    fn max_params(&self) -> usize;

    /// Whether `INSERT ... RETURNING` is available (SQLite ≥ 3.35, PostgreSQL).
    fn supports_returning(&self) -> bool {
        true
    }

    /// A query with one parameter (the table name) returning a row when the
    /// table exists.
    fn table_exists_sql(&self) -> &'static str;

    /// A query with one parameter (the table name) returning its column
    /// names in order.
    fn table_columns_sql(&self) -> &'static str;

    /// Whether `ALTER TABLE .. DROP COLUMN` can remove any column in place;
    /// if not, auto-migrate rebuilds the table.
    fn drops_columns_in_place(&self) -> bool;

    /// Whether DDL (CREATE, ALTER, DROP ...) takes part in transactions.
    /// SQLite and PostgreSQL: yes, a failed migration rolls back whole.
    /// MySQL: no, every DDL statement commits implicitly (before and after
    /// itself), so migrations take care (see [`crate::migrate`]).
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// The column definition (after the name) of the column recording when
    /// a migration was applied, defaulting to the database's clock.
    fn applied_at_column(&self) -> &'static str {
        "TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"
    }

    /// An expression for "now" as UTC text, `2026-12-02 01:26:56`: the
    /// value `#[orm(timestamps)]` and `#[orm(soft_delete)]` write. One text
    /// form on every database (SQLite's `CURRENT_TIMESTAMP` form), so the
    /// same model reads the same values everywhere and sorts by time.
    fn now_sql(&self) -> &'static str {
        "CURRENT_TIMESTAMP"
    }

    /// How identifiers are quoted.
    fn quote_style(&self) -> QuoteStyle {
        QuoteStyle::Ansi
    }

    /// Appends `ident` quoted, with embedded quotes doubled, so no name can
    /// end the identifier early.
    fn quote(&self, ident: &str, out: &mut String) {
        match self.quote_style() {
            QuoteStyle::Ansi => quote_ansi(ident, out),
            QuoteStyle::Backtick => quote_backtick(ident, out),
        }
    }

    /// Appends the upsert tail of an `INSERT`: on a conflict on
    /// `conflict`, overwrite `update` with the proposed row's values.
    /// Both dialects share PostgreSQL's `ON CONFLICT ... DO UPDATE` form
    /// (SQLite adopted it in 3.24).
    fn upsert(&self, conflict: &[&str], update: &[&str], out: &mut String) {
        out.push_str(" ON CONFLICT (");
        for (i, c) in conflict.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.quote(c, out);
        }
        if update.is_empty() {
            out.push_str(") DO NOTHING");
            return;
        }
        out.push_str(") DO UPDATE SET ");
        for (i, c) in update.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.quote(c, out);
            out.push_str(" = excluded.");
            self.quote(c, out);
        }
    }
}

/// ANSI identifier quoting: `a"b` becomes `"a""b"`.
pub fn quote_ansi(ident: &str, out: &mut String) {
    quote_with('"', ident, out);
}

/// MySQL identifier quoting: the name between backticks, each backtick
/// inside doubled.
pub fn quote_backtick(ident: &str, out: &mut String) {
    quote_with('`', ident, out);
}

/// `ident` between two `q`s, each `q` inside doubled.
fn quote_with(q: char, ident: &str, out: &mut String) {
    out.push(q);
    if !ident.contains(q) {
        // The common case: copy the name whole.
        out.push_str(ident);
        out.push(q);
        return;
    }
    for ch in ident.chars() {
        if ch == q {
            out.push(q);
        }
        out.push(ch);
    }
    out.push(q);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_embedded_quotes() {
        let mut s = String::new();
        quote_ansi(r#"we"ird"#, &mut s);
        assert_eq!(s, r#""we""ird""#);
    }

    #[test]
    fn backtick_quoting_doubles_embedded_backticks() {
        let mut s = String::new();
        quote_backtick("we`ird\"", &mut s);
        assert_eq!(s, "`we``ird\"`");
    }

    #[test]
    fn placeholders_per_dialect() {
        let (mut a, mut b, mut c) = (String::new(), String::new(), String::new());
        Sqlite.placeholder(3, &mut a);
        Postgres.placeholder(3, &mut b);
        Mysql.placeholder(3, &mut c);
        assert_eq!((a.as_str(), b.as_str(), c.as_str()), ("?", "$3", "?"));
    }

    #[test]
    fn upsert_golden() {
        let mut s = String::new();
        Sqlite.upsert(&["id"], &["name", "age"], &mut s);
        assert_eq!(
            s,
            r#" ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name", "age" = excluded."age""#
        );
        let mut s = String::new();
        Postgres.upsert(&["id"], &[], &mut s);
        assert_eq!(s, r#" ON CONFLICT ("id") DO NOTHING"#);
        let mut s = String::new();
        Mysql.upsert(&["id"], &["name"], &mut s);
        assert_eq!(s, " ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)");
        let mut s = String::new();
        Mysql.upsert(&["id"], &[], &mut s);
        assert_eq!(s, " ON DUPLICATE KEY UPDATE `id` = `id`");
    }
}
