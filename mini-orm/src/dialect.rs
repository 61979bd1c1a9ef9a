//! What differs between SQL databases, behind one trait — GeeORM's
//! `dialect` package, Diesel's `Backend`. The query builder writes SQL
//! through a `&dyn Dialect`, so the same query renders for SQLite (`?`
//! placeholders) and PostgreSQL (`$1, $2 ...`).
//!
//! Both dialects quote identifiers the ANSI way (`"name"`, an embedded `"`
//! doubled), which is why `#[derive(Model)]` can precompute a model's quoted
//! column list at compile time.

use crate::value::SqlType;

/// The SQL differences mini-orm knows about.
pub trait Dialect: Sync {
    /// `sqlite` or `postgres`.
    fn name(&self) -> &'static str;

    /// Appends the placeholder of the `n`th (1-based) bound parameter.
    fn placeholder(&self, n: usize, out: &mut String);

    /// The column type for `ty` in `CREATE TABLE`.
    fn type_name(&self, ty: SqlType) -> &'static str;

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

    /// Appends `ident` quoted, with embedded quotes doubled, so no name can
    /// end the identifier early.
    fn quote(&self, ident: &str, out: &mut String) {
        quote_ansi(ident, out);
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
    out.push('"');
    if !ident.contains('"') {
        // The common case: copy the name whole.
        out.push_str(ident);
        out.push('"');
        return;
    }
    for ch in ident.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    out.push('"');
}

/// SQLite 3 (the bundled amalgamation).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sqlite;

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }
    fn placeholder(&self, _n: usize, out: &mut String) {
        out.push('?');
    }
    fn type_name(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Integer | SqlType::Boolean => "INTEGER",
            SqlType::Real => "REAL",
            SqlType::Text => "TEXT",
            SqlType::Blob => "BLOB",
        }
    }
    fn auto_increment_pk(&self) -> &'static str {
        // INTEGER PRIMARY KEY aliases the rowid; AUTOINCREMENT was rejected
        // because it adds a write to sqlite_sequence on every insert and
        // only buys never-reused ids.
        "INTEGER PRIMARY KEY"
    }
    fn max_params(&self) -> usize {
        // SQLITE_MAX_VARIABLE_NUMBER's default since 3.32.0.
        32_766
    }
    fn table_exists_sql(&self) -> &'static str {
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    }
    fn table_columns_sql(&self) -> &'static str {
        "SELECT name FROM pragma_table_info(?) ORDER BY cid"
    }
    fn drops_columns_in_place(&self) -> bool {
        // SQLite's DROP COLUMN refuses indexed, UNIQUE, PRIMARY KEY and
        // foreign-key columns; the rebuild handles all of them.
        false
    }
}

/// PostgreSQL (SQL rendering only in this crate; see the notes).
#[derive(Clone, Copy, Debug, Default)]
pub struct Postgres;

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }
    fn placeholder(&self, n: usize, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "${n}");
    }
    fn type_name(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Integer => "BIGINT",
            SqlType::Boolean => "BOOLEAN",
            SqlType::Real => "DOUBLE PRECISION",
            SqlType::Text => "TEXT",
            SqlType::Blob => "BYTEA",
        }
    }
    fn auto_increment_pk(&self) -> &'static str {
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    }
    fn max_params(&self) -> usize {
        // The wire protocol's Bind message counts parameters in an i16.
        32_767
    }
    fn table_exists_sql(&self) -> &'static str {
        "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
    }
    fn table_columns_sql(&self) -> &'static str {
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
    }
    fn drops_columns_in_place(&self) -> bool {
        true
    }
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
    fn placeholders_per_dialect() {
        let (mut a, mut b) = (String::new(), String::new());
        Sqlite.placeholder(3, &mut a);
        Postgres.placeholder(3, &mut b);
        assert_eq!((a.as_str(), b.as_str()), ("?", "$3"));
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
    }
}
