//! MySQL's SQL, as MySQL 8 and MariaDB 10.x both speak it: `?`
//! placeholders, backtick quoting, `AUTO_INCREMENT`, no `RETURNING` (the
//! key comes back in the OK packet, `LAST_INSERT_ID()`), upserts with
//! `ON DUPLICATE KEY UPDATE`, and DDL that commits implicitly.

use super::{Dialect, QuoteStyle};
use crate::value::SqlType;

/// MySQL 8 / MariaDB 10.x (InnoDB tables).
#[derive(Clone, Copy, Debug, Default)]
pub struct Mysql;

impl Dialect for Mysql {
    fn name(&self) -> &'static str {
        "mysql"
    }
    fn placeholder(&self, _n: usize, out: &mut String) {
        out.push('?');
    }
    fn type_name(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Integer => "BIGINT",
            // A synonym for TINYINT(1); reads back as an integer 0/1.
            SqlType::Boolean => "BOOLEAN",
            SqlType::Real => "DOUBLE",
            // The LONG types hold what the other dialects' TEXT/BLOB hold
            // (up to 4 GiB); plain TEXT would reject values over 64 KiB.
            SqlType::Text => "LONGTEXT",
            SqlType::Blob => "LONGBLOB",
        }
    }
    fn key_type_name(&self, ty: SqlType) -> &'static str {
        // InnoDB indexes no TEXT/BLOB column without a prefix length
        // (error 1170), and a prefix index cannot enforce UNIQUE on the
        // whole value. 255 characters of utf8mb4 is 1020 bytes, under
        // InnoDB's 3072-byte key limit — GORM and Diesel users pick the
        // same bound for keyed strings.
        match ty {
            SqlType::Text => "VARCHAR(255)",
            SqlType::Blob => "VARBINARY(255)",
            other => self.type_name(other),
        }
    }
    fn auto_increment_pk(&self) -> &'static str {
        "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"
    }
    fn max_params(&self) -> usize {
        // COM_STMT_PREPARE's reply counts parameters in a u16.
        65_535
    }
    fn supports_returning(&self) -> bool {
        // MariaDB ≥ 10.5 has INSERT ... RETURNING, MySQL has none; both
        // report the assigned key in the OK packet, which costs nothing.
        false
    }
    fn table_exists_sql(&self) -> &'static str {
        "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
    }
    fn table_columns_sql(&self) -> &'static str {
        "SELECT column_name FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position"
    }
    fn now_sql(&self) -> &'static str {
        "DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:%s')"
    }
    fn drops_columns_in_place(&self) -> bool {
        // DROP COLUMN also removes the column from its indexes.
        true
    }
    fn transactional_ddl(&self) -> bool {
        false
    }
    fn applied_at_column(&self) -> &'static str {
        "DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP"
    }
    fn quote_style(&self) -> QuoteStyle {
        // Under the default sql_mode (no ANSI_QUOTES) "x" is a string
        // literal, so ANSI quoting would silently compare with a constant.
        QuoteStyle::Backtick
    }

    // ANCHOR: mysql_upsert
    /// `ON DUPLICATE KEY UPDATE c = VALUES(c), ...`. Unlike `ON CONFLICT`,
    /// it names no conflict target: a clash on *any* unique key updates
    /// the existing row. `VALUES(c)` is the form both MySQL (deprecated
    /// since 8.0.20 in favour of a row alias) and MariaDB (which has no row
    /// alias) accept. "Do nothing" is a no-op assignment of the key, not
    /// `INSERT IGNORE`, which would also turn other errors into warnings.
    fn upsert(&self, conflict: &[&str], update: &[&str], out: &mut String) {
        out.push_str(" ON DUPLICATE KEY UPDATE ");
        if update.is_empty() {
            if let Some(key) = conflict.first() {
                self.quote(key, out);
                out.push_str(" = ");
                self.quote(key, out);
            }
            return;
        }
        for (i, c) in update.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.quote(c, out);
            out.push_str(" = VALUES(");
            self.quote(c, out);
            out.push(')');
        }
    }
    // ANCHOR_END: mysql_upsert
}
