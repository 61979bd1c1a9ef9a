//! SQLite 3's SQL: `?` placeholders, dynamic types, the rowid key.

use super::Dialect;
use crate::value::SqlType;

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
